/**
 * The remembered session: handle and token in localStorage, so a reload is the same user; and
 * per user the SDK's outbox, so a message written offline survives a closed tab.
 */
import { isPendingSend, type PendingSend } from '../client/index.js';

const HANDLE_KEY = 'switchboard.handle';
const TOKEN_KEY = 'switchboard.token';
const CHANNEL_KEY = 'switchboard.channel';
const outboxKey = (handle: string) => `switchboard.outbox.${handle}`;

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

/** cids this tab saved (or loaded) last, and those that left its outbox since (sent or discarded). */
let saved = new Set<string>();
const gone = new Set<string>();

/** The saved outbox of `handle`, to hand to a new client: this tab now owns those entries. */
export function loadOutbox(handle: string): PendingSend[] {
  const list = readOutbox(handle);
  saved = new Set(list.map((p) => p.cid));
  return list;
}

/** Malformed entries (an older page, a hand edit) are dropped. */
function readOutbox(handle: string): PendingSend[] {
  try {
    const list = JSON.parse(get(outboxKey(handle)) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter(isPendingSend) : [];
  } catch {
    return [];
  }
}

/**
 * Saves `handle`'s outbox on every change. Several tabs of one user share the key: entries
 * another tab saved are kept unless this tab has seen them leave its own outbox. An entry two
 * tabs both restored goes out twice with the same cid, which the server stores once.
 */
export function saveOutbox(handle: string, list: readonly PendingSend[]): void {
  const own = new Set(list.map((p) => p.cid));
  for (const cid of saved) if (!own.has(cid)) gone.add(cid);
  saved = own;
  const others = readOutbox(handle).filter((p) => !own.has(p.cid) && !gone.has(p.cid));
  const merged = [...others, ...list];
  set(outboxKey(handle), merged.length ? JSON.stringify(merged) : null);
}

export function clearOutbox(handle: string): void {
  set(outboxKey(handle), null);
}
