/**
 * The console's calls to /api/v1 with the admin's session token as the bearer (a server admin's
 * session is accepted wherever an API key is). A refusal becomes an ApiError with its status and
 * registry code (docs/errors.md).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail || code);
  }
}

export type Json = Record<string, unknown>;

interface Problem {
  code?: string;
  detail?: string;
}

const problem = (status: number, json: Problem) =>
  new ApiError(status, json.code ?? '', json.detail ?? '');

export interface Api {
  call<T = Json>(method: string, path: string, body?: unknown): Promise<T>;
}

export function api(token: string): Api {
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as Json;
      if (!res.ok) throw problem(res.status, json);
      return json as T;
    },
  };
}

/** Signs in with a password (POST /api/v1/auth/login); resolves the session token. */
export async function login(handle: string, password: string): Promise<string> {
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password, device: 'admin console' }),
  });
  const json = (await res.json()) as Problem & { token?: string };
  if (!res.ok) throw problem(res.status, json);
  return json.token ?? '';
}
