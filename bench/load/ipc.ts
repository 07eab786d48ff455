/**
 * Messages between the bench runner (bench/run.ts) and its load workers (bench/load/worker.ts),
 * carried over the child_process IPC channel.
 */

export type ServerKind = 'switchboard' | 'socketio' | 'ws-floor';

export interface ConnectCommand {
  t: 'connect';
  kind: ServerKind;
  /** Base URL, e.g. `ws://127.0.0.1:4100` (each client adds its own path). */
  url: string;
  /** Cluster: client `n` connects to `urls[n % urls.length]` instead of `url`. */
  urls?: string[];
  /** Client numbers `[from, to)`; handles are `u<number>`, unique per server run. */
  from: number;
  to: number;
  /** Handshakes in flight at once in this worker. */
  concurrency: number;
  /** Switchboard only: hello with `resume: [{channel: 'room:general', after}]`. */
  resumeAfter: number | null;
  /** Switchboard only: hello with the token this worker got for the same client number earlier. */
  reconnect: boolean;
  /**
   * Switchboard only: hello with a JWT (HS256, `sub` = `u<n>`, valid an hour) signed with this
   * secret by the worker before the client connects, instead of a handle or token.
   */
  jwtSecret?: string;
  /** A client not ready after this many ms counts as failed. */
  timeoutMs: number;
}

export interface SendCommand {
  t: 'send';
  /** Messages per second from this worker, spread over its ready clients. */
  rate: number;
  /** Messages this worker sends in total. */
  count: number;
  /**
   * Direct messages instead of room messages: each goes from a random live client `n` to the
   * user `u<k>`, `k` random in `[0, users)` and `k ≠ n`.
   */
  dmUsers?: number;
  /**
   * With `dmUsers`: each user writes only to its `dmContacts` contacts, the users numbered
   * `n+1 … n+dmContacts` (mod users), so conversations repeat as in a real chat.
   */
  dmContacts?: number;
  /**
   * With `dmContacts`: instead of `count` random DMs, each of this worker's live clients sends
   * one DM to each of its contacts (opening those conversations before a measured window).
   */
  warm?: boolean;
}

export type RunnerMessage =
  ConnectCommand | SendCommand | { t: 'reset' } | { t: 'report' } | { t: 'close' } | { t: 'exit' };

/** Counters of one worker since the last reset (connection counts are not reset). */
export interface WorkerProgress {
  t: 'progress';
  ready: number;
  failed: number;
  /** Connections that closed after being ready. */
  dropped: number;
  sent: number;
  delivered: number;
  /** Frames other than chat messages and needed control frames (e.g. member events). */
  otherFrames: number;
  /** Error frames / events received from the server. */
  errors: number;
  /** Wall-clock ms (performance.timeOrigin-based) of the last delivery, 0 if none. */
  lastDeliveryAt: number;
  firstError: string | null;
}

export interface WorkerReport {
  t: 'report';
  buckets: number[];
  count: number;
  maxMs: number;
}

export type WorkerMessage =
  | WorkerProgress
  | WorkerReport
  | { t: 'connected'; ready: number; failed: number; ms: number }
  | { t: 'sent'; sent: number }
  | { t: 'closed' };
