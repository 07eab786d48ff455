/**
 * Gives the heap back after a burst. V8 keeps the young generation it grew to and the old-space
 * pages a burst's garbage left behind until allocation triggers the next collection, and an idle
 * server allocates almost nothing: after 15,000 clients connected, about 3.7 KB of RSS per
 * connection was such heap, still held 30 s later and freed by one full collection
 * (`bench/rss-probe.ts`). V8's own memory reducer had not run by then.
 *
 * So every `intervalMs` the trimmer compares the committed old generation (the young one grows
 * back with every round of pings) with its size after the last collection, reads the event
 * loop's utilisation over the interval and whether any client was served in it (`activity`);
 * when the heap grew by `growthBytes`, the loop was busy less than `idleUtilization` of the time
 * and nobody was served (the burst is over), it runs one full collection. The cost is that
 * collection's pause, taken while the loop has nothing else to do (0.12–0.74 s for the heap of
 * 15,000 connections on a loaded 2-core machine, docs/scaling.md); a loop serving traffic,
 * however light, is never paused by it, and a heap that does not grow again is never collected
 * again. Utilisation alone let it pause live traffic: four nodes at 75 DMs/s each are busy ~15 %
 * of the time, and a trim there stopped a node for ~200 ms (bench/README.md, "The heap trimmer
 * paused live DMs").
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';

export interface HeapTrimmerOptions {
  /** Default 1000. */
  intervalMs?: number;
  /** Growth of `heapSize` since the last collection that asks for one. Default 16 MiB. */
  growthBytes?: number;
  /** The loop counts as idle below this share of busy time in one interval. Default 0.2. */
  idleUtilization?: number;
  /** Committed heap bytes; default the old generation's (every space but the young one). */
  heapSize?: () => number;
  /** Runs a full collection; default the one a heap snapshot starts with. */
  collect?: () => Promise<void>;
  /**
   * A count that grows whenever a client is served (Metrics.activity: frames but keep-alives,
   * and deliveries); an interval in which it grew is not idle. Default: never grows.
   */
  activity?: () => number;
}

export interface Trim {
  beforeBytes: number;
  afterBytes: number;
  ms: number;
}

/**
 * The collection a heap snapshot starts with (`HeapProfiler.collectGarbage` over an in-process
 * inspector session, no flags needed): full, repeated while it frees more, and memory-reducing,
 * so it also shrinks the young generation and compacts, which `gc()` does not ask for.
 */
function collectAllAvailableGarbage(): Promise<void> {
  const session = new Session();
  session.connect();
  return new Promise<void>((resolve, reject) =>
    session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())),
  ).finally(() => session.disconnect());
}

/** Committed heap outside the young generation, which every round of pings grows again. */
function oldGenerationSize(): number {
  let bytes = 0;
  for (const s of getHeapSpaceStatistics())
    if (!s.space_name.startsWith('new_')) bytes += s.space_size;
  return bytes;
}

export class HeapTrimmer {
  readonly #intervalMs: number;
  readonly #growthBytes: number;
  readonly #idle: number;
  readonly #heapSize: () => number;
  readonly #collect: () => Promise<void>;
  readonly #activity: () => number;
  #collecting = false;
  #baseline = 0;
  #elu: EventLoopUtilization | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeapTrimmerOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#growthBytes = options.growthBytes ?? 16 * 2 ** 20;
    this.#idle = options.idleUtilization ?? 0.2;
    this.#heapSize = options.heapSize ?? oldGenerationSize;
    this.#collect = options.collect ?? collectAllAvailableGarbage;
    this.#activity = options.activity ?? (() => 0);
    this.#baseline = this.#heapSize();
  }

  /** Checks every interval; `onTrim` hears of each collection, `onError` of a failed one. */
  start(onTrim: (trim: Trim) => void, onError: (err: unknown) => void): void {
    if (this.#timer) return;
    this.#elu = performance.eventLoopUtilization();
    let activity = this.#activity();
    this.#timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const utilization = performance.eventLoopUtilization(now, this.#elu).utilization;
      this.#elu = now;
      const count = this.#activity();
      const served = count !== activity;
      activity = count;
      this.check(utilization, served).then((trim) => trim && onTrim(trim), onError);
    }, this.#intervalMs).unref();
  }

  /**
   * One check with the loop's utilisation over the last interval and whether any client was
   * served in it (the timer's job).
   */
  async check(utilization: number, served = false): Promise<Trim | null> {
    const beforeBytes = this.#heapSize();
    // A heap that shrank by itself is the new baseline: growth counts from the smallest size.
    if (beforeBytes < this.#baseline) this.#baseline = beforeBytes;
    if (this.#collecting || served || utilization >= this.#idle) return null;
    if (beforeBytes - this.#baseline < this.#growthBytes) return null;
    this.#collecting = true;
    const t0 = performance.now();
    try {
      await this.#collect();
    } finally {
      this.#collecting = false;
    }
    const ms = performance.now() - t0;
    const afterBytes = this.#heapSize();
    this.#baseline = afterBytes;
    return { beforeBytes, afterBytes, ms };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
