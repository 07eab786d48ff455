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
  SB_ERR_WEBHOOK_POSITION_PRUNED: 409,
  SB_ERR_AUTH_MODE_DISABLED: 403,
  SB_ERR_HTTP_NOT_FOUND: 404,
  SB_ERR_SESSION_NOT_FOUND: 404,
  SB_ERR_PUSH_UNAVAILABLE: 404,
  SB_ERR_HTTP_METHOD_NOT_ALLOWED: 405,
  SB_ERR_HANDLE_TAKEN: 409,
  SB_ERR_ACCOUNT_EXISTS: 409,
  SB_ERR_NAME_CONFUSABLE: 409,
  SB_ERR_HTTP_BODY_TOO_LARGE: 413,
  SB_ERR_HTTP_MEDIA_TYPE: 415,
  SB_ERR_UPLOAD_TOO_LARGE: 413,
  SB_ERR_UPLOAD_QUOTA: 413,
  SB_ERR_UPLOAD_TYPE: 415,
  SB_ERR_UPLOAD_IMAGE_TOO_LARGE: 422,
  SB_ERR_FILE_NOT_FOUND: 404,
  SB_ERR_FILE_LINK_INVALID: 403,
  SB_ERR_ROOM_NOT_FOUND: 404,
  SB_ERR_CHANNEL_INVALID: 404,
  SB_ERR_BANNED: 403,
  SB_ERR_MUTED: 403,
  SB_ERR_BAD_FRAME: 400,
  SB_ERR_LOGIN_THROTTLED: 429,
  SB_ERR_OIDC_STATE_INVALID: 400,
  SB_ERR_OIDC_CODE_REJECTED: 400,
  SB_ERR_OIDC_TOKEN_INVALID: 401,
  SB_ERR_OIDC_DENIED: 403,
  SB_ERR_STORE_UNAVAILABLE: 503,
  SB_ERR_OIDC_UNAVAILABLE: 503,
  SB_ERR_SHUTTING_DOWN: 503,
  SB_ERR_API_KEY_INVALID: 401,
  SB_ERR_API_SCOPE_MISSING: 403,
  SB_ERR_ADMIN_REQUIRED: 403,
  SB_ERR_IDEMPOTENCY_KEY_REUSED: 409,
  SB_ERR_RATE_LIMITED: 429,
  SB_ERR_SLOW_MODE: 429,
  // Codes of chat commands run over the API (ChatCore.runAs).
  SB_ERR_ROOM_NAME_INVALID: 400,
  SB_ERR_MESSAGE_EMPTY: 400,
  SB_ERR_MESSAGE_TOO_LARGE: 400,
  SB_ERR_SEARCH_INVALID: 400,
  SB_ERR_REACTION_INVALID: 400,
  SB_ERR_OUTRANKED: 403,
  SB_ERR_NOT_A_MEMBER: 403,
  SB_ERR_BLOCKED: 403,
  SB_ERR_EDIT_WINDOW_CLOSED: 403,
  SB_ERR_USER_NOT_FOUND: 404,
  SB_ERR_MESSAGE_NOT_FOUND: 404,
  SB_ERR_ROOM_EXISTS: 409,
  SB_ERR_ROOM_ARCHIVED: 409,
  SB_ERR_ROOM_NOT_ARCHIVED: 409,
  SB_ERR_TOPIC_TOO_LONG: 400,
  SB_ERR_REACTION_EXISTS: 409,
  SB_ERR_REACTION_NOT_FOUND: 409,
  SB_ERR_REACTION_LIMIT: 409,
  SB_ERR_REPORT_NOT_FOUND: 404,
  SB_ERR_REPORT_CLOSED: 409,
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
  if (problem.status === 401) headers['www-authenticate'] = 'Bearer';
  res.writeHead(problem.status, headers).end(JSON.stringify(problem));
}
