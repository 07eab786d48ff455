/**
 * The one place that decides how a reply, an event or an error is put on the wire.
 */
import { ERRORS, SwitchboardError, type ErrorCode } from '../errors.js';

export type RequestId = string | number;

export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfter?: number;
}

/**
 * Maps any thrown value to its wire form. Only SwitchboardErrors keep their message; anything
 * else is an internal error whose details stay in the server log (no driver error reaches a
 * client).
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof SwitchboardError) {
    const wire: WireError = { code: err.code, message: err.message, retryable: err.retryable };
    if (err.retryAfter !== undefined) wire.retryAfter = err.retryAfter;
    if (err.code === 'SB_ERR_STORE_UNAVAILABLE' || err.code === 'SB_ERR_BACKEND_UNAVAILABLE') {
      wire.message = ERRORS[err.code].message;
    }
    return wire;
  }
  return { code: 'SB_ERR_INTERNAL', message: ERRORS.SB_ERR_INTERNAL.message, retryable: true };
}

/** An error frame: in reply to request `id`, or unsolicited; `channel` names what it is about. */
export function encodeError(err: unknown, id?: RequestId, channel?: string): string {
  const wire = toWireError(err);
  return JSON.stringify({
    type: 'error',
    ...(id === undefined ? {} : { id }),
    ...wire,
    ...(channel === undefined ? {} : { channel }),
  });
}

export function encodeReply(id: RequestId, data: unknown): string {
  return JSON.stringify({ type: 'reply', id, data });
}

/** Marker a command handler returns when it has already queued its reply itself. */
export const NO_REPLY = Symbol('no-reply');
