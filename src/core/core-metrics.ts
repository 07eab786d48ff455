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
}

export const NOOP_METRICS: CoreMetrics = {
  connections: () => {},
  frameIn: () => {},
  messageStored: () => {},
  error: () => {},
  closed: () => {},
  busIn: () => {},
};
