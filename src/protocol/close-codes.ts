import type { ErrorCode } from '../errors.js';

/**
 * WebSocket close codes used by Switchboard.
 *
 * Reserved ranges (RFC 6455 leaves 4000-4999 to applications):
 * - 4000-4099: **reconnect**. The condition is temporary; the client reconnects with backoff
 *   and resumes.
 * - 4100-4199: **do not reconnect**. Reconnecting unchanged fails again; the client stops and
 *   surfaces the error.
 * - 4200-4299: **mesh peer links** (MeshCloseCode below). Only between the nodes of a
 *   `--bus mesh` cluster; a chat client never sees them.
 *
 * Standard codes the WebSocket layer sends itself: 1002 (protocol error), 1007 (invalid UTF-8),
 * 1009 (frame larger than maxFrameBytes). Clients treat 1000-3999 other than 1008 as reconnect.
 */
export const CloseCode = {
  SHUTTING_DOWN: 4000,
  SLOW_CONSUMER: 4001,
  PING_TIMEOUT: 4002,
  FLOOD: 4003,
  /** The connection's JWT expired and no `refresh` replaced it: reconnect with a fresh one. */
  JWT_EXPIRED: 4004,
  /**
   * The node has been cut off from the bus for `--bus-lost-close`: reconnect, preferably to
   * another node (the load balancer sees this one's /readyz at 503).
   */
  NODE_ISOLATED: 4005,
  PROTOCOL_VERSION: 4100,
  SESSION_REVOKED: 4101,
  /** A server-wide ban: every connection of the user closes, and hello is refused. */
  BANNED: 4102,
  BINARY_UNSUPPORTED: 4103,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** Which error code each Switchboard close code stands for. */
export const CLOSE_CODE_ERRORS: Record<CloseCodeValue, ErrorCode> = {
  4000: 'SB_ERR_SHUTTING_DOWN',
  4001: 'SB_ERR_SLOW_CONSUMER',
  4002: 'SB_ERR_PING_TIMEOUT',
  4003: 'SB_ERR_FLOOD',
  4004: 'SB_ERR_JWT_EXPIRED',
  4005: 'SB_ERR_NODE_ISOLATED',
  4100: 'SB_ERR_PROTOCOL_VERSION',
  4101: 'SB_ERR_SESSION_REVOKED',
  4102: 'SB_ERR_BANNED',
  4103: 'SB_ERR_BINARY_UNSUPPORTED',
};

/**
 * Close codes of mesh peer links (src/bus/mesh-link.ts). The close reason is the error code of
 * MESH_CLOSE_CODE_ERRORS (under 123 bytes).
 */
export const MeshCloseCode = {
  /** No complete handshake within `handshakeTimeoutMs`. */
  HANDSHAKE_TIMEOUT: 4200,
  /** The proof did not verify: the peer does not hold the shared secret. */
  AUTH_FAILED: 4201,
  /** Malformed frame, unknown version, or a frame out of turn (e.g. data before the handshake). */
  PROTOCOL_ERROR: 4202,
  /** The pair already has an active link; this one is surplus. */
  DUPLICATE_LINK: 4203,
  /** The node dialled its own listener (its own address is in `peers`). */
  SELF: 4204,
  /** A different process proved it holds the secret but claims this node's id. */
  NODE_ID_CONFLICT: 4205,
  /** The peer did not read fast enough: buffered bytes passed `maxBufferedBytes`. */
  SLOW_PEER: 4206,
  /** A newer link to the same peer (a restarted process) replaced this one. */
  SUPERSEDED: 4207,
  /** The node is closing. */
  SHUTTING_DOWN: 4208,
  /** No pong within the heartbeat deadline. */
  PEER_TIMEOUT: 4209,
} as const;

export type MeshCloseCodeValue = (typeof MeshCloseCode)[keyof typeof MeshCloseCode];

/** Which error code each mesh close code stands for; also the close reason on the wire. */
export const MESH_CLOSE_CODE_ERRORS: Record<MeshCloseCodeValue, ErrorCode> = {
  4200: 'SB_ERR_MESH_HANDSHAKE_TIMEOUT',
  4201: 'SB_ERR_MESH_AUTH_FAILED',
  4202: 'SB_ERR_MESH_PROTOCOL_ERROR',
  4203: 'SB_ERR_MESH_DUPLICATE_LINK',
  4204: 'SB_ERR_MESH_SELF',
  4205: 'SB_ERR_MESH_NODE_ID_CONFLICT',
  4206: 'SB_ERR_MESH_SLOW_PEER',
  4207: 'SB_ERR_MESH_SUPERSEDED',
  4208: 'SB_ERR_MESH_SHUTTING_DOWN',
  4209: 'SB_ERR_MESH_PEER_TIMEOUT',
};

/** True when a client should reconnect after a close with this code. */
export function shouldReconnect(code: number): boolean {
  if (code >= 4100 && code <= 4199) return false;
  if (code === 1008) return false;
  return true;
}
