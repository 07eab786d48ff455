/**
 * The one way an API error goes on the wire: RFC 9457 `application/problem+json` with the
 * error registry's code, `{type, title, status, code, detail, retryAfter?}`. A non-Switchboard
 * error is SB_ERR_INTERNAL with no detail (the original is the caller's to log).
 */
import type { ServerResponse } from 'node:http';
import { ERRORS, SwitchboardError, type ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  SB_ERR_HTTP_BAD_REQUEST: 400,
  SB_ERR_HANDLE_INVALID: 400,
  SB_ERR_PASSWORD_INVALID: 400,
  SB_ERR_NAME_INVALID: 400,
  SB_ERR_NOT_AUTHENTICATED: 401,
  SB_ERR_CREDENTIALS_INVALID: 401,
  SB_ERR_TOKEN_INVALID: 401,
  SB_ERR_TOKEN_EXPIRED: 401,
  SB_ERR_GUESTS_DISABLED: 403,
  SB_ERR_FORBIDDEN: 403,
  SB_ERR_WEBHOOKS_DISABLED: 403,
  SB_ERR_WEBHOOK_URL_REFUSED: 400,
  SB_ERR_WEBHOOK_NOT_FOUND: 404,
  SB_ERR_AUTH_MODE_DISABLED: 403,
  SB_ERR_HTTP_NOT_FOUND: 404,
  SB_ERR_SESSION_NOT_FOUND: 404,
  SB_ERR_HTTP_METHOD_NOT_ALLOWED: 405,
  SB_ERR_HANDLE_TAKEN: 409,
  SB_ERR_ACCOUNT_EXISTS: 409,
  SB_ERR_NAME_CONFUSABLE: 409,
  SB_ERR_HTTP_BODY_TOO_LARGE: 413,
  SB_ERR_HTTP_MEDIA_TYPE: 415,
  SB_ERR_LOGIN_THROTTLED: 429,
  SB_ERR_OIDC_STATE_INVALID: 400,
  SB_ERR_OIDC_CODE_REJECTED: 400,
  SB_ERR_OIDC_TOKEN_INVALID: 401,
  SB_ERR_OIDC_DENIED: 403,
  SB_ERR_STORE_UNAVAILABLE: 503,
  SB_ERR_OIDC_UNAVAILABLE: 503,
  SB_ERR_SHUTTING_DOWN: 503,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  retryAfter?: number;
}

export function toProblem(err: unknown): Problem {
  const e = err instanceof SwitchboardError ? err : new SwitchboardError('SB_ERR_INTERNAL');
  const problem: Problem = {
    type: `urn:switchboard:error:${e.code}`,
    title: ERRORS[e.code].message,
    status: STATUS[e.code] ?? 500,
    code: e.code,
    detail: e.message,
  };
  if (e.retryAfter !== undefined) problem.retryAfter = e.retryAfter;
  return problem;
}

export function sendProblem(res: ServerResponse, err: unknown): void {
  const problem = toProblem(err);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (problem.retryAfter !== undefined) {
    headers['retry-after'] = String(Math.ceil(problem.retryAfter / 1000));
  }
  if (problem.code === 'SB_ERR_HTTP_METHOD_NOT_ALLOWED') headers['allow'] = problem.detail;
  res.writeHead(problem.status, headers).end(JSON.stringify(problem));
}
