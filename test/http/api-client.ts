/**
 * Calls the JSON API of a test server with fetch: `api(url).post('/auth/login', body, token)`
 * resolves `{status, body, headers}` whatever the status, for asserting problem codes.
 */
/** The fields of every body the auth routes answer with; a test reads those its route sends. */
export interface ApiBody {
  token: string;
  user: { user: string; name: string | null };
  sessions: { id: string; device: string; current: boolean; lastSeenAt: number }[];
  /** A problem's fields. */
  code: string;
  detail: string;
  retryAfter: number;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: ApiBody;
}

export interface Api {
  call(method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer>;
  post(path: string, body?: unknown, token?: string): Promise<ApiAnswer>;
}

export function api(baseUrl: string): Api {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as ApiBody,
    };
  };
  return { call, post: (path, body, token) => call('POST', path, body, token) };
}
