/**
 * The one registry of Switchboard error codes.
 *
 * Every code is stable: it is never renamed, reused or removed once released. `docs/errors.md`
 * documents each one, and `test/docs.test.ts` keeps this file and the doc in step both
 * ways. This module imports nothing from Node so the client SDK and the browser share it.
 */

export interface ErrorSpec {
  /** Default human-readable message; the wire may carry a more specific one. */
  readonly message: string;
  /** Whether the same request may succeed if retried later, unchanged. */
  readonly retryable: boolean;
}

export const ERRORS = {
  // --- protocol: the frame itself is wrong -------------------------------------------------
  SB_ERR_BAD_JSON: { message: 'frame is not valid JSON', retryable: false },
  SB_ERR_BAD_FRAME: {
    message: 'frame does not match the protocol schema',
    retryable: false,
  },
  SB_ERR_UNKNOWN_TYPE: { message: 'unknown frame type', retryable: false },
  SB_ERR_PROTOCOL_VERSION: { message: 'unsupported protocol version', retryable: false },
  SB_ERR_BINARY_UNSUPPORTED: { message: 'binary frames are not supported', retryable: false },

  // --- session and identity ------------------------------------------------------------------
  SB_ERR_NOT_AUTHENTICATED: { message: 'send hello first', retryable: false },
  SB_ERR_ALREADY_AUTHENTICATED: {
    message: 'this connection already said hello',
    retryable: false,
  },
  SB_ERR_HANDLE_INVALID: {
    message: 'handle must be 1-32 characters: letters, digits, _ . -',
    retryable: false,
  },
  SB_ERR_HANDLE_TAKEN: { message: 'handle is held by someone else', retryable: false },
  SB_ERR_TOKEN_INVALID: { message: 'session token is not valid', retryable: false },
  SB_ERR_TOKEN_EXPIRED: { message: 'session token has expired', retryable: false },
  SB_ERR_ORIGIN_FORBIDDEN: {
    message: 'this page may not open a WebSocket to this server (Origin not allowed)',
    retryable: false,
  },
  SB_ERR_SESSION_REVOKED: {
    message: 'this session was signed out or revoked; sign in again',
    retryable: false,
  },
  SB_ERR_JWT_INVALID: {
    message: 'JWT is malformed, not signed by a trusted key, or its claims are not accepted',
    retryable: false,
  },
  SB_ERR_JWT_EXPIRED: { message: 'JWT has expired; get a fresh one', retryable: false },
  SB_ERR_JWT_NOT_YET_VALID: { message: 'JWT is not valid yet (nbf)', retryable: false },
  SB_ERR_JWT_USER_MISMATCH: {
    message: 'refresh JWT names a different user than this connection',
    retryable: false,
  },
  SB_ERR_AUTH_DENIED: { message: 'the auth backend denied this credential', retryable: false },
  SB_ERR_AUTH_UNAVAILABLE: {
    message: 'the auth backend or key set did not answer in time',
    retryable: true,
  },
  SB_ERR_GUESTS_DISABLED: {
    message: 'guest sign-in is turned off on this server; sign in with an account',
    retryable: false,
  },
  SB_ERR_AUTH_MODE_DISABLED: {
    message: 'this sign-in mode is turned off on this server',
    retryable: false,
  },
  SB_ERR_CREDENTIALS_INVALID: { message: 'handle or password is wrong', retryable: false },
  SB_ERR_LOGIN_THROTTLED: {
    message: 'too many sign-in attempts; wait retryAfter ms',
    retryable: true,
  },
  SB_ERR_PASSWORD_INVALID: {
    message: 'password must be 8-1024 bytes of UTF-8',
    retryable: false,
  },
  SB_ERR_NAME_INVALID: {
    message: 'display name must be 1-64 printable characters',
    retryable: false,
  },
  SB_ERR_NAME_CONFUSABLE: {
    message: "display name looks like another user's handle",
    retryable: false,
  },
  SB_ERR_ACCOUNT_EXISTS: { message: 'this user already has an account', retryable: false },
  SB_ERR_SESSION_NOT_FOUND: { message: 'no such session of yours', retryable: false },
  SB_ERR_OIDC_UNAVAILABLE: {
    message: 'the OpenID provider did not answer; try again later',
    retryable: true,
  },
  SB_ERR_OIDC_DENIED: {
    message: 'the OpenID provider did not sign you in',
    retryable: false,
  },
  SB_ERR_OIDC_STATE_INVALID: {
    message: 'the sign-in did not start here, took over 10 minutes or was altered; start again',
    retryable: false,
  },
  SB_ERR_OIDC_CODE_REJECTED: {
    message: 'the OpenID provider refused the authorization code (used twice, expired or not ours)',
    retryable: false,
  },
  SB_ERR_OIDC_TOKEN_INVALID: {
    message: 'the ID token from the OpenID provider is not valid for this server',
    retryable: false,
  },

  // --- rooms, DMs and messages -----------------------------------------------------------------
  SB_ERR_ROOM_NAME_INVALID: {
    message: 'room name must be 1-64 characters: a-z, 0-9, _ -',
    retryable: false,
  },
  SB_ERR_ROOM_NOT_FOUND: { message: 'no such room', retryable: false },
  SB_ERR_ROOM_EXISTS: { message: 'room already exists', retryable: false },
  SB_ERR_ROOM_ARCHIVED: { message: 'the room is archived (read-only)', retryable: false },
  SB_ERR_ROOM_NOT_ARCHIVED: { message: 'the room is not archived', retryable: false },
  SB_ERR_TOPIC_TOO_LONG: {
    message: 'room topic exceeds 250 characters',
    retryable: false,
  },
  SB_ERR_NOT_A_MEMBER: { message: 'join the room first', retryable: false },
  SB_ERR_CHANNEL_INVALID: { message: 'no such channel for this user', retryable: false },
  SB_ERR_USER_NOT_FOUND: { message: 'no such user', retryable: false },
  SB_ERR_MESSAGE_EMPTY: { message: 'message text is empty', retryable: false },
  SB_ERR_MESSAGE_TOO_LARGE: { message: 'message text exceeds maxMessageBytes', retryable: false },
  SB_ERR_MESSAGE_REJECTED: {
    message: "the server's before-send hook refused this message",
    retryable: false,
  },
  SB_ERR_HOOK_UNAVAILABLE: {
    message: "the server's before-send hook did not answer; try again",
    retryable: true,
  },

  // --- authorization and moderation ----------------------------------------------------------
  SB_ERR_FORBIDDEN: { message: 'your role in this room does not allow this', retryable: false },
  SB_ERR_OUTRANKED: {
    message: "the user's role, or the role given, is not below yours",
    retryable: false,
  },
  SB_ERR_BANNED: { message: 'you are banned', retryable: false },
  SB_ERR_MUTED: { message: 'you are muted in this room', retryable: false },
  SB_ERR_SLOW_MODE: {
    message: 'slow mode: wait before sending again in this room',
    retryable: true,
  },
  SB_ERR_MESSAGE_NOT_FOUND: {
    message: 'no such message in this channel',
    retryable: false,
  },
  SB_ERR_THREAD_NOT_FOLLOWED: { message: 'you do not follow this thread', retryable: false },
  SB_ERR_BLOCKED: { message: 'this user does not accept your direct messages', retryable: false },
  SB_ERR_EDIT_WINDOW_CLOSED: {
    message: 'this message can no longer be edited',
    retryable: false,
  },
  SB_ERR_REACTION_INVALID: { message: 'a reaction is one emoji', retryable: false },
  SB_ERR_REACTION_EXISTS: { message: 'you already reacted with this emoji', retryable: false },
  SB_ERR_REACTION_NOT_FOUND: {
    message: 'you have not reacted with this emoji',
    retryable: false,
  },
  SB_ERR_REACTION_LIMIT: {
    message: 'this message has as many different reactions as it may',
    retryable: false,
  },
  SB_ERR_MENTION_FORBIDDEN: {
    message: '@room and @here in a room this large are for its moderators and above',
    retryable: false,
  },
  SB_ERR_MENTION_LIMIT: {
    message: 'a message mentions at most 20 different people',
    retryable: false,
  },
  SB_ERR_REPORT_NOT_FOUND: { message: 'no such report', retryable: false },
  SB_ERR_REPORT_CLOSED: {
    message: 'this report was already resolved or dismissed',
    retryable: false,
  },
  SB_ERR_RECEIPTS_UNAVAILABLE: {
    message: 'this room is too large for read receipts',
    retryable: false,
  },
  SB_ERR_UPLOAD_TOO_LARGE: {
    message: 'the file is larger than the upload limit',
    retryable: false,
  },
  SB_ERR_UPLOAD_QUOTA: {
    message: 'this upload would exceed your storage quota',
    retryable: false,
  },
  SB_ERR_UPLOAD_TYPE: { message: 'this kind of file is not accepted', retryable: false },
  SB_ERR_UPLOAD_IMAGE_TOO_LARGE: {
    message: 'the image has more pixels than the server decodes',
    retryable: false,
  },
  SB_ERR_FILE_NOT_FOUND: { message: 'no such file', retryable: false },
  SB_ERR_FILE_LINK_INVALID: {
    message: 'the file link is not valid or has expired',
    retryable: false,
  },
  SB_ERR_ATTACHMENT_INVALID: {
    message: 'an attachment is not your unattached upload to this channel',
    retryable: false,
  },
  SB_ERR_SEARCH_INVALID: {
    message: 'search query is empty, too long, or has a malformed filter or cursor',
    retryable: false,
  },

  // --- push notifications (docs/push.md) ------------------------------------------------------
  SB_ERR_PUSH_UNAVAILABLE: {
    message: 'push notifications are turned off on this server',
    retryable: false,
  },
  SB_ERR_PUSH_SUBSCRIPTION_INVALID: {
    message: 'push subscription endpoint or keys are not acceptable',
    retryable: false,
  },
  SB_ERR_PUSH_FAILED: {
    message: 'the push service did not accept the notification',
    retryable: true,
  },

  // --- flow control --------------------------------------------------------------------------
  SB_ERR_REPLAY_IN_PROGRESS: {
    message: 'this channel is being replayed on this connection already',
    retryable: false,
  },
  SB_ERR_RATE_LIMITED: { message: 'too many frames; slow down', retryable: true },
  SB_ERR_FLOOD: { message: 'rate limit exceeded persistently', retryable: true },
  SB_ERR_SLOW_CONSUMER: {
    message: 'outbound buffer limit exceeded; client is not reading',
    retryable: true,
  },
  SB_ERR_PING_TIMEOUT: { message: 'no frame received within the ping timeout', retryable: true },

  // --- server side -----------------------------------------------------------------------------
  SB_ERR_SHUTTING_DOWN: { message: 'server is shutting down; reconnect', retryable: true },
  SB_ERR_NODE_ISOLATED: {
    message: 'this node lost its link to the rest of the cluster; reconnect',
    retryable: true,
  },
  SB_ERR_INTERNAL: { message: 'internal server error', retryable: true },
  SB_ERR_STORE_UNAVAILABLE: { message: 'message store is unavailable', retryable: true },
  SB_ERR_TIMEOUT: { message: 'request timed out', retryable: true },
  SB_ERR_CONNECTION_CLOSED: {
    message: 'connection closed before the reply arrived',
    retryable: true,
  },

  // --- HTTP API (/api/v1; application/problem+json bodies) ----------------------------------
  SB_ERR_HTTP_NOT_FOUND: { message: 'no such API route', retryable: false },
  SB_ERR_HTTP_METHOD_NOT_ALLOWED: { message: 'method not allowed on this route', retryable: false },
  SB_ERR_HTTP_BODY_TOO_LARGE: { message: 'request body exceeds 16 KiB', retryable: false },
  SB_ERR_HTTP_MEDIA_TYPE: {
    message: 'request body must be application/json',
    retryable: false,
  },
  SB_ERR_HTTP_BAD_REQUEST: {
    message: 'request body is not valid JSON or does not match the schema',
    retryable: false,
  },
  SB_ERR_API_KEY_INVALID: { message: 'API key is missing, unknown or revoked', retryable: false },
  SB_ERR_API_SCOPE_MISSING: {
    message: 'the API key lacks the scope this call needs',
    retryable: false,
  },
  SB_ERR_ADMIN_REQUIRED: { message: 'only a server admin may do this', retryable: false },
  SB_ERR_IDEMPOTENCY_KEY_REUSED: {
    message: 'this Idempotency-Key was used with a different request',
    retryable: false,
  },

  // --- start-up and configuration (never sent on the wire) ---------------------------------
  SB_ERR_CONFIG_INVALID: { message: 'invalid configuration', retryable: false },
  SB_ERR_BACKEND_UNAVAILABLE: {
    message: 'configured backend driver or server is not available',
    retryable: false,
  },
  SB_ERR_STORE_SHARD_MISMATCH: {
    message: 'a store database holds another shard layout than the configured list',
    retryable: false,
  },

  // --- outbound fetches (link previews, webhooks): logged, never sent to a client ----------
  SB_ERR_FETCH_REFUSED: {
    message: 'outbound fetch refused by the address policy (scheme, port or address)',
    retryable: false,
  },
  SB_ERR_FETCH_TOO_LARGE: {
    message: 'outbound fetch body exceeds its size limit',
    retryable: false,
  },
  SB_ERR_FETCH_TIMEOUT: { message: 'outbound fetch exceeded its time limit', retryable: true },
  SB_ERR_FETCH_FAILED: {
    message: 'outbound fetch failed (DNS, connection, TLS or too many redirects)',
    retryable: true,
  },

  // --- webhooks (HTTP API answers) -------------------------------------------------------------
  SB_ERR_WEBHOOK_NOT_FOUND: { message: 'no such webhook subscription', retryable: false },
  SB_ERR_WEBHOOK_URL_REFUSED: {
    message: 'webhook URL refused by the address policy (scheme, port or address)',
    retryable: false,
  },
  SB_ERR_WEBHOOK_POSITION_PRUNED: {
    message: 'that position of the webhook event log was pruned by retention',
    retryable: false,
  },
  SB_ERR_WEBHOOKS_DISABLED: {
    message: 'webhooks are turned off on this server (--webhooks)',
    retryable: false,
  },

  // --- mesh peer links (close codes 4200-4299 between nodes; never sent to chat clients) -----
  SB_ERR_MESH_HANDSHAKE_TIMEOUT: {
    message: 'mesh peer did not complete the handshake in time',
    retryable: true,
  },
  SB_ERR_MESH_AUTH_FAILED: {
    message: 'mesh peer does not hold the shared secret',
    retryable: false,
  },
  SB_ERR_MESH_PROTOCOL_ERROR: { message: 'malformed or out-of-turn mesh frame', retryable: false },
  SB_ERR_MESH_DUPLICATE_LINK: {
    message: 'the pair of mesh nodes already has a link',
    retryable: true,
  },
  SB_ERR_MESH_SELF: { message: 'mesh node dialled its own listener', retryable: false },
  SB_ERR_MESH_NODE_ID_CONFLICT: {
    message: 'another mesh process claims this node id',
    retryable: false,
  },
  SB_ERR_MESH_SLOW_PEER: { message: 'mesh peer is not reading; link dropped', retryable: true },
  SB_ERR_MESH_SUPERSEDED: {
    message: 'a newer link from the restarted mesh peer replaced this one',
    retryable: true,
  },
  SB_ERR_MESH_SHUTTING_DOWN: { message: 'mesh node is shutting down', retryable: true },
  SB_ERR_MESH_PEER_TIMEOUT: {
    message: 'no pong from the mesh peer within the heartbeat deadline',
    retryable: true,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** An error with a stable code. `cause` carries the original driver error, never sent on the wire. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Milliseconds the client should wait before retrying, when known. */
  readonly retryAfter?: number;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; retryAfter?: number },
  ) {
    super(message ?? ERRORS[code].message, options?.cause ? { cause: options.cause } : undefined);
    this.name = 'SwitchboardError';
    this.code = code;
    this.retryable = ERRORS[code].retryable;
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}
