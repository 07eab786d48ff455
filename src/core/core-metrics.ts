import type { ErrorCode } from '../errors.js';

/** Counters the core reports; the server wires them to Prometheus. */
export interface CoreMetrics {
  connections(delta: number): void;
  frameIn(type: string): void;
  messageStored(kind: 'room' | 'dm'): void;
  error(code: ErrorCode): void;
  closed(code: number): void;
  /** A payload arrived from the bus (interest routing shows in this count). */
  busIn(): void;
  /**
   * A socket `send` was answered: seconds from its frame reaching the gate to its reply being
   * queued for the socket (written at the end of that event-loop turn, with the message's fan-out
   * to this node's subscribers). Once per message, successful sends only.
   */
  sendLatency(seconds: number): void;
  /** `count` messages were queued to live connections here (one per message per connection). */
  delivered(count: number): void;
}

export const NOOP_METRICS: CoreMetrics = {
  connections: () => {},
  frameIn: () => {},
  messageStored: () => {},
  error: () => {},
  closed: () => {},
  busIn: () => {},
  sendLatency: () => {},
  delivered: () => {},
};
