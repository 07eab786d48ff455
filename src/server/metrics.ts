/**
 * Prometheus metrics (prom-client), exposed at /metrics. What each one measures: docs/admin.md
 * (Metrics).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoreMetrics } from '../core/chat-core.js';

/** The send latency histogram's upper bounds, seconds (+Inf is implied). */
export const SEND_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * A counter by one label for a hot path (every frame, every message): increments are tallied in
 * a Map and handed to prom-client when the metric is read (a scrape, MetricsHistory), since
 * prom-client hashes the labels object on every `inc`. Returns the increment.
 */
function tallied(o: {
  name: string;
  help: string;
  label: string;
  registry: Registry;
}): (value: string) => void {
  const counts = new Map<string, number>();
  new Counter({
    name: o.name,
    help: o.help,
    labelNames: [o.label],
    registers: [o.registry],
    collect() {
      for (const [value, n] of counts) this.inc({ [o.label]: value }, n);
      counts.clear();
    },
  });
  return (value) => {
    counts.set(value, (counts.get(value) ?? 0) + 1);
  };
}

export class Metrics implements CoreMetrics {
  readonly registry = new Registry();
  private readonly conns = new Gauge({
    name: 'switchboard_connections',
    help: 'Open client connections',
    registers: [this.registry],
  });
  private readonly frames = tallied({
    name: 'switchboard_frames_in_total',
    help: 'Valid client frames received, by type',
    label: 'type',
    registry: this.registry,
  });
  private readonly messages = tallied({
    name: 'switchboard_messages_stored_total',
    help: 'Messages stored, by kind',
    label: 'kind',
    registry: this.registry,
  });
  private readonly errors = new Counter({
    name: 'switchboard_errors_total',
    help: 'Errors sent to clients or closes, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly closes = new Counter({
    name: 'switchboard_connection_closes_total',
    help: 'Connection closes, by WebSocket close code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  private readonly busMessages = new Counter({
    name: 'switchboard_bus_messages_received_total',
    help: 'Payloads received from the bus (other nodes)',
    registers: [this.registry],
  });

  private readonly pushes = new Counter({
    name: 'switchboard_push_total',
    help: 'Push notifications by outcome: sent, gone (subscription pruned), failed, dropped (queue full)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  /**
   * A socket send's latency on this node (CoreMetrics.sendLatency): from 0.5 ms (an in-memory
   * or SQLite append) to 2.5 s (a store or hook in trouble); one observation per message.
   */
  private readonly sendSeconds = new Histogram({
    name: 'switchboard_send_latency_seconds',
    help: 'Seconds from a send frame arriving to its reply being written (with the local fan-out)',
    buckets: SEND_LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /**
   * How long each SQLite group commit held the event loop (SqliteStore's `onSqliteCommit`):
   * every client of the node waits that long, so a disk whose sync stalls shows here first.
   */
  private readonly sqliteCommitSeconds = new Histogram({
    name: 'switchboard_sqlite_commit_seconds',
    help: 'Seconds each SQLite group commit held the event loop, BEGIN to COMMIT with its fsync (SQLite store only)',
    buckets: SEND_LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Messages written to live connections on this node (one per message per connection)',
    registers: [this.registry],
  });

  #activity = 0;

  /**
   * Frames received other than keep-alives (`ping`, `pong`) plus messages delivered, since the
   * start: grows whenever a client is being served, however lightly (HeapTrimmer's `activity`).
   */
  get activity(): number {
    return this.#activity;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  connections(delta: number): void {
    this.conns.inc(delta);
  }
  frameIn(type: string): void {
    this.frames(type);
    if (type !== 'ping' && type !== 'pong') this.#activity++;
  }
  messageStored(kind: 'room' | 'dm'): void {
    this.messages(kind);
  }
  error(code: string): void {
    this.errors.inc({ code });
  }
  push(outcome: 'sent' | 'gone' | 'failed' | 'dropped'): void {
    this.pushes.inc({ outcome });
  }
  busIn(): void {
    this.busMessages.inc();
  }
  sendLatency(seconds: number): void {
    this.sendSeconds.observe(seconds);
  }
  sqliteCommit(seconds: number): void {
    this.sqliteCommitSeconds.observe(seconds);
  }
  delivered(count: number): void {
    this.deliveries.inc(count);
    this.#activity += count;
  }
  closed(code: number): void {
    this.closes.inc({ code: String(code) });
  }
}
