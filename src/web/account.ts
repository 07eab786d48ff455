/**
 * The page's calls to the account endpoints (docs/auth.md): sign up, sign in, sign out. Errors
 * come back as problem+json with a registry `code`; they are thrown as `{code, message}` so
 * describeError words them like a socket error.
 */

export interface SignedIn {
  token: string;
}

export class AccountError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

async function call(
  path: string,
  body: object | null,
  token?: string,
  method = 'POST',
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : null,
    });
  } catch {
    throw new AccountError('SB_ERR_CONNECTION_CLOSED', 'Could not reach the server.');
  }
  const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) {
    const code = typeof data?.code === 'string' ? data.code : 'SB_ERR_INTERNAL';
    const detail = typeof data?.detail === 'string' ? data.detail : `HTTP ${res.status}`;
    const retryAfter = typeof data?.retryAfter === 'number' ? data.retryAfter : undefined;
    throw new AccountError(code, detail, retryAfter);
  }
  return data;
}

function signedIn(data: unknown): SignedIn {
  const token = (data as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') throw new AccountError('SB_ERR_INTERNAL', 'No token in answer.');
  return { token };
}

export async function register(handle: string, password: string): Promise<SignedIn> {
  return signedIn(await call('/api/v1/auth/register', { handle, password }));
}

export async function signIn(handle: string, password: string): Promise<SignedIn> {
  return signedIn(await call('/api/v1/auth/login', { handle, password }));
}

/** Revokes the session on the server (its connections close everywhere); failures are ignored. */
export async function signOut(token: string): Promise<void> {
  await call('/api/v1/auth/logout', null, token).catch(() => undefined);
}

/** One of my sessions, as `GET /api/v1/auth/sessions` lists it. */
export interface DeviceSession {
  id: string;
  device: string;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

/** My device sessions; an account's token only (a guest's answers SB_ERR_TOKEN_INVALID). */
export async function sessions(token: string): Promise<DeviceSession[]> {
  const data = (await call('/api/v1/auth/sessions', null, token, 'GET')) as {
    sessions?: DeviceSession[];
  } | null;
  return data?.sessions ?? [];
}

/** Signs one of my devices out: its connections close on every node. */
export async function revokeSession(token: string, id: string): Promise<void> {
  await call(`/api/v1/auth/sessions/${encodeURIComponent(id)}`, null, token, 'DELETE');
}

/** A guest keeps its handle, rooms and history as an account with this password. */
export async function upgrade(token: string, password: string): Promise<void> {
  await call('/api/v1/auth/upgrade', { password }, token);
}
