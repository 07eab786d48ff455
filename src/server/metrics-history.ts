/**
 * The node's own metrics over the last hour for the admin console's charts: every `intervalMs`
 * (10 s) the prom-client registry is sampled into a bounded ring (`size` samples: 360 is an
 * hour), and rates are the differences of counters between consecutive samples; latency
 * quantiles come from the difference of the send latency histogram's buckets, so they are of
 * the sends of that interval only, and the SQLite commit p99 likewise from its commit
 * histogram. In memory only: a restart starts a new hour.
 */
import type { Registry } from 'prom-client';
import type { MetricPoint } from '../http/api/endpoint.js';
import { histogramQuantile } from './histogram-quantile.js';
import { SEND_LATENCY_BUCKETS } from './metrics.js';

interface Sample {
  ts: number;
  connections: number;
  messages: number;
  frames: number;
  bus: number;
  deliveries: number;
  /** The send latency histogram's cumulative bucket counts, +Inf last. */
  latency: number[];
  /** The SQLite commit histogram's, likewise (all 0 on another store). */
  commits: number[];
}

const LATENCY = 'switchboard_send_latency_seconds';
const COMMITS = 'switchboard_sqlite_commit_seconds';

async function total(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Cumulative bucket counts of an unlabelled histogram, in bound order, +Inf last. */
async function buckets(registry: Registry, name: string): Promise<number[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  // Buckets are the values with an `le` label (_sum and _count have none).
  return values.filter((v) => v.labels['le'] !== undefined).map((v) => v.value);
}

export class MetricsHistory {
  readonly #ring: Sample[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: Registry,
    private readonly options: { intervalMs: number; size: number; now?: () => number } = {
      intervalMs: 10_000,
      size: 360,
    },
  ) {}

  /** Takes one sample now (the timer's job; tests call it directly). */
  async sample(): Promise<void> {
    const [connections, messages, frames, bus, deliveries, latency, commits] = await Promise.all([
      total(this.registry, 'switchboard_connections'),
      total(this.registry, 'switchboard_messages_stored_total'),
      total(this.registry, 'switchboard_frames_in_total'),
      total(this.registry, 'switchboard_bus_messages_received_total'),
      total(this.registry, 'switchboard_deliveries_total'),
      buckets(this.registry, LATENCY),
      buckets(this.registry, COMMITS),
    ]);
    this.#ring.push({
      ts: (this.options.now ?? Date.now)(),
      connections,
      messages,
      frames,
      bus,
      deliveries,
      latency,
      commits,
    });
    while (this.#ring.length > this.options.size) this.#ring.shift();
  }

  start(onError: (err: unknown) => void): void {
    if (this.#timer) return;
    void this.sample().catch(onError);
    this.#timer = setInterval(() => void this.sample().catch(onError), this.options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * The points, oldest first; the first sample has no rate yet (0), and an interval without a
   * send (a commit) has latency quantiles (a commit p99) of 0.
   */
  points(): MetricPoint[] {
    return this.#ring.map((s, i) => {
      const prev = this.#ring[i - 1];
      const secs = prev ? Math.max((s.ts - prev.ts) / 1000, 0.001) : 0;
      const rate = (now: number, then: number | undefined) =>
        prev && then !== undefined ? Math.max(0, now - then) / secs : 0;
      // What each bucket gained in the interval.
      const gained = (now: number[], then: number[] | undefined) =>
        then ? now.map((n, b) => Math.max(0, n - (then[b] ?? 0))) : [];
      const sends = gained(s.latency, prev?.latency);
      const ms = (q: number) => histogramQuantile(q, SEND_LATENCY_BUCKETS, sends) * 1000;
      const commits = gained(s.commits, prev?.commits);
      return {
        ts: s.ts,
        connections: s.connections,
        messagesPerSec: rate(s.messages, prev?.messages),
        framesPerSec: rate(s.frames, prev?.frames),
        busPerSec: rate(s.bus, prev?.bus),
        deliveriesPerSec: rate(s.deliveries, prev?.deliveries),
        latencyP50Ms: ms(0.5),
        latencyP99Ms: ms(0.99),
        commitP99Ms: histogramQuantile(0.99, SEND_LATENCY_BUCKETS, commits) * 1000,
      };
    });
  }
}
