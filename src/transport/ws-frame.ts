/**
 * A broadcast's text frame, built once and written whole to each recipient's socket.
 *
 * The core encodes a batch once per channel and hands the same Buffer to every member's
 * connection. `ws.send` then frames it anew for each of them: a header buffer, an options object,
 * and a corked pair of writes that Node turns into a `writev` per socket. Writing one prepared
 * frame instead took ~10 % less server CPU per delivery to 1,000 sockets on one core
 * (bench/README.md, "The one-node floor, and one frame per broadcast").
 *
 * This reaches into two of ws 8's private fields, `_socket` (the net.Socket) and `_sender` (its
 * frame writer, whose `_state` is 0 and `_queue` empty while it has nothing pending), and checks
 * both on every call: a ws that lays them out differently, or a sender with a frame pending
 * (nothing Switchboard sends leaves one, but that is checked, not assumed), gets `ws.send`.
 */
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';

/** What of ws 8's WebSocket this file reads; none of it is ws's public API. */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean } | null;
  _sender?: { _state?: unknown; _queue?: unknown } | null;
}

/** Payloads above this go through `ws.send` always: copying them into a frame is not free. */
export const SHARED_FRAME_MAX_BYTES = 64 * 1024;

/** ws's frame builder: exported by the package (`Sender`), not typed by @types/ws. */
const { Sender } = wsModule as unknown as {
  Sender?: { frame?(data: Buffer, options: Record<string, unknown>): Buffer[] };
};
/** Whether this ws frames as the code below expects; else every send takes `ws.send`. */
const canFrame = typeof Sender?.frame === 'function';

/** An unmasked, final text frame of `payload` (RFC 6455 §5.2) in one buffer, as ws frames it. */
export function textFrame(payload: Buffer): Buffer {
  const parts = Sender!.frame!(payload, {
    fin: true,
    opcode: 1,
    mask: false,
    readOnly: false,
    rsv1: false,
  });
  return Buffer.concat(parts);
}

/**
 * Per payload Buffer: null once its first recipient got `ws.send`, its frame once another asked.
 * Weak: entries go with the payload. Keyed by the Buffer, so batches of several channels flushed
 * in one turn, or a recipient's own concatenation between two of a channel's, do not evict each
 * other.
 */
const frames = new WeakMap<Buffer, Buffer | null>();

/**
 * Writes `payload` to `ws` as one text frame shared with the other recipients of the same Buffer,
 * and returns true; returns false when the caller must use `ws.send` instead: the payload's first
 * recipient (a one-off reply is not copied into a frame), a payload over SHARED_FRAME_MAX_BYTES,
 * or a socket whose sender is not idle. The caller has checked that `ws` is open.
 */
export function sendShared(ws: WebSocket, payload: Buffer): boolean {
  if (!canFrame || payload.length > SHARED_FRAME_MAX_BYTES) return false;
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (typeof socket?.write !== 'function' || sender?._state !== 0) return false;
  if (!Array.isArray(sender._queue) || sender._queue.length !== 0) return false;
  let frame = frames.get(payload);
  if (frame === undefined) {
    frames.set(payload, null);
    return false;
  }
  if (frame === null) frames.set(payload, (frame = textFrame(payload)));
  socket.write(frame);
  return true;
}
