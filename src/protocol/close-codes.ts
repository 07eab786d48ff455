import type { ErrorCode } from '../errors.js';

/**
 * WebSocket close codes used by Switchboard.
 *
 * Reserved ranges (RFC 6455 leaves 4000-4999 to applications):
 * - 4000-4099: **reconnect**. The condition is temporary; the client reconnects with backoff
 *   and resumes.
 * - 4100-4199: **do not reconnect**. Reconnecting unchanged fails again; the client stops and
 *   surfaces the error.
 *
 * Standard codes the WebSocket layer sends itself: 1002 (protocol error), 1007 (invalid UTF-8),
 * 1009 (frame larger than maxFrameBytes). Clients treat 1000-3999 other than 1008 as reconnect.
 */
export const CloseCode = {
  SHUTTING_DOWN: 4000,
  SLOW_CONSUMER: 4001,
  PING_TIMEOUT: 4002,
  FLOOD: 4003,
  PROTOCOL_VERSION: 4100,
  BINARY_UNSUPPORTED: 4103,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** Which error code each Switchboard close code stands for. */
export const CLOSE_CODE_ERRORS: Record<CloseCodeValue, ErrorCode> = {
  4000: 'SB_ERR_SHUTTING_DOWN',
  4001: 'SB_ERR_SLOW_CONSUMER',
  4002: 'SB_ERR_PING_TIMEOUT',
  4003: 'SB_ERR_FLOOD',
  4100: 'SB_ERR_PROTOCOL_VERSION',
  4103: 'SB_ERR_BINARY_UNSUPPORTED',
};

/** True when a client should reconnect after a close with this code. */
export function shouldReconnect(code: number): boolean {
  if (code >= 4100 && code <= 4199) return false;
  if (code === 1008) return false;
  return true;
}
