/**
 * The transport seam: accepts client connections and moves text frames.
 *
 * The core never sees a socket; it sees a TransportConnection. Guarantees (checked by
 * test/transport/conformance.ts):
 * - `onText` receives each complete text message, in order; binary messages call `onBinary`.
 * - `send` never throws; after close it is a no-op. Frames are written in call order.
 * - `bufferedAmount` counts bytes accepted by `send` and not yet handed to the OS.
 * - `onClose` fires exactly once, whoever closed.
 */

export interface ConnectionEvents {
  onText(text: string): void;
  onBinary(): void;
  onClose(code: number): void;
}

export interface TransportConnection {
  readonly remoteAddress: string;
  readonly bufferedAmount: number;
  /** Send one text WebSocket message. A Buffer must hold UTF-8 text. */
  send(data: string | Buffer): void;
  /** Close with a code and a reason under 123 bytes; forcibly terminates after a grace period. */
  close(code: number, reason: string): void;
}

/** Called for each new connection; returns the handlers for its events. */
export type AcceptHandler = (connection: TransportConnection) => ConnectionEvents;

export interface Transport {
  start(accept: AcceptHandler): Promise<void>;
  /** Stop accepting; existing connections are left to the caller to close. */
  close(): Promise<void>;
}
