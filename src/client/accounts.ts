/**
 * The account endpoints (docs/auth.md) for apps, the chat page and the terminal client alike:
 * register, sign in, sign out, list and revoke device sessions, turn a guest into an account.
 * A refusal arrives as problem+json with a registry code and rejects as a SwitchboardError with
 * that code (and `retryAfter` when throttled). Uses the platform's fetch; no Node import.
 * Its own entry point (`switchboard/client/accounts`), so apps that sign in elsewhere do not
 * carry it in the SDK bundle.
 */
import { SwitchboardError, isErrorCode } from '../errors.js';

export interface AccountOptions {
  /** Where the server answers HTTP, e.g. `https://chat.example.com`. Default '' (this page). */
  baseUrl?: string;
  /** Register and sign-in: the device's name in the session list. Default: the User-Agent. */
  device?: string;
}

/** One of my sessions, as `GET /api/v1/auth/sessions` lists it. */
export interface DeviceSessionInfo {
  id: string;
  device: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  current: boolean;
}

async function call(
  o: AccountOptions,
  method: string,
  path: string,
  body: object | null,
  token?: string,
): Promise<unknown> {
  const url = `${o.baseUrl ?? ''}/api/v1/auth${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : null,
    });
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `cannot reach ${url}`, { cause: err });
  }
  const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok) return data;
  const code = typeof data?.code === 'string' && isErrorCode(data.code) ? data.code : null;
  const detail = typeof data?.detail === 'string' ? data.detail : `HTTP ${res.status}`;
  const retryAfter = typeof data?.retryAfter === 'number' ? data.retryAfter : undefined;
  throw new SwitchboardError(code ?? 'SB_ERR_INTERNAL', detail, { retryAfter });
}

function tokenOf(data: unknown): string {
  const token = (data as { token?: unknown } | null)?.token;
  if (typeof token !== 'string')
    throw new SwitchboardError('SB_ERR_INTERNAL', 'no token in answer');
  return token;
}

/** Creates the account and resolves with its first session token (what `hello {token}` takes). */
export async function register(handle: string, password: string, o: AccountOptions = {}) {
  return tokenOf(await call(o, 'POST', '/register', { handle, password, device: o.device }));
}

/** Signs in and resolves with a new session token for this device. */
export async function signIn(handle: string, password: string, o: AccountOptions = {}) {
  return tokenOf(await call(o, 'POST', '/login', { handle, password, device: o.device }));
}

/** Revokes the session of `token`: its connections close on every node. */
export async function signOut(token: string, o: AccountOptions = {}): Promise<void> {
  await call(o, 'POST', '/logout', null, token);
}

/** My device sessions (an account's token; a guest's answers SB_ERR_TOKEN_INVALID). */
export async function listSessions(
  token: string,
  o: AccountOptions = {},
): Promise<DeviceSessionInfo[]> {
  const data = (await call(o, 'GET', '/sessions', null, token)) as {
    sessions?: DeviceSessionInfo[];
  } | null;
  return data?.sessions ?? [];
}

/** Signs one of my devices out: its connections close on every node. */
export async function revokeSession(token: string, id: string, o: AccountOptions = {}) {
  await call(o, 'DELETE', `/sessions/${encodeURIComponent(id)}`, null, token);
}

/** A guest keeps its handle, rooms and history as an account with this password. */
export async function upgradeGuest(token: string, password: string, o: AccountOptions = {}) {
  await call(o, 'POST', '/upgrade', { password }, token);
}

/** Which sign-in forms the server offers (`GET /api/v1/auth/modes`). */
export interface SignInModes {
  /** The `--auth` modes, with `oidc` when OIDC sign-in is configured. */
  modes: string[];
  /** The OIDC button's provider name ("Sign in with <name>"), or null when OIDC is off. */
  oidc: { name: string } | null;
}

export async function signInModes(o: AccountOptions = {}): Promise<SignInModes> {
  const data = (await call(o, 'GET', '/modes', null)) as Partial<SignInModes> | null;
  return { modes: data?.modes ?? [], oidc: data?.oidc ?? null };
}

/** The handle and display name of the account of `token`. */
export async function whoAmI(
  token: string,
  o: AccountOptions = {},
): Promise<{ user: string; name: string | null }> {
  const data = (await call(o, 'GET', '/me', null, token)) as { user?: unknown; name?: unknown };
  if (typeof data?.user !== 'string') throw new SwitchboardError('SB_ERR_INTERNAL', 'no user');
  return { user: data.user, name: typeof data.name === 'string' ? data.name : null };
}
