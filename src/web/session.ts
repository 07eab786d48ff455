/** The remembered session: handle and token in localStorage, so a reload is the same user. */
const HANDLE_KEY = 'switchboard.handle';
const TOKEN_KEY = 'switchboard.token';
const CHANNEL_KEY = 'switchboard.channel';

export interface Session {
  handle: string;
  token: string | null;
}

function get(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, sandboxed iframe)
  }
}

function set(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage disabled: the session lasts until the tab closes */
  }
}

export function loadSession(): Session | null {
  const handle = get(HANDLE_KEY);
  return handle ? { handle, token: get(TOKEN_KEY) } : null;
}

export function saveSession(session: Session): void {
  set(HANDLE_KEY, session.handle);
  set(TOKEN_KEY, session.token);
}

/** Forgets the token but keeps the handle to pre-fill the form. */
export function forgetToken(): void {
  set(TOKEN_KEY, null);
}

export function clearSession(): void {
  set(HANDLE_KEY, null);
  set(TOKEN_KEY, null);
  set(CHANNEL_KEY, null);
}

export function lastChannel(): string | null {
  return get(CHANNEL_KEY);
}

export function rememberChannel(channel: string): void {
  set(CHANNEL_KEY, channel);
}
