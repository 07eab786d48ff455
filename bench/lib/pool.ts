/**
 * The load workers seen from the runner: forks them, splits clients and message rates among
 * them, and sums their progress reports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Histogram } from '../load/histogram.js';
import type { RunnerMessage, ServerKind, WorkerMessage, WorkerProgress } from '../load/ipc.js';
import { envArgs } from './env-args.js';
import { cpuMs } from './proc.js';

export type Totals = Omit<WorkerProgress, 't'>;

interface Waiter {
  /** Returns true when `m` is the awaited reply (and consumes it). */
  match(m: WorkerMessage): boolean;
  fail(e: Error): void;
}

interface Worker {
  child: ChildProcess;
  progress: WorkerProgress;
  waiters: Waiter[];
  exiting: boolean;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  /** Set when a worker died: the run is no longer valid. */
  crashed: Error | undefined;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const child = fork('bench/load/worker.ts', [], {
        // e.g. BENCH_LOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p": where the load core's time
        // per delivery goes (the profile is written when the worker exits)
        execArgv: ['--import', 'tsx', ...envArgs('BENCH_LOAD_NODE_ARGS')],
        env: { ...process.env, BENCH_WORKER_ID: String(i) },
        stdio: 'inherit',
      });
      const w: Worker = { child, progress: emptyProgress(), waiters: [], exiting: false };
      child.on('message', (m: WorkerMessage) => {
        if (m.t === 'progress') w.progress = m;
        w.waiters = w.waiters.filter((f) => !f.match(m));
      });
      child.on('exit', (code, signal) => {
        if (w.exiting) return;
        const e = new Error(`load worker ${i} exited (${code ?? signal}); see its stderr above`);
        for (const f of w.waiters.splice(0)) f.fail(e);
        this.crashed ??= e;
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Process ids of the workers. */
  pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0).filter((p) => p > 0);
  }

  /** CPU ms used so far by all workers (the load generators compete with the server). */
  cpuMs(): number {
    return this.workers.reduce((s, w) => s + (w.child.pid ? cpuMs(w.child.pid) : 0), 0);
  }

  totals(): Totals {
    const t = emptyTotals();
    for (const { progress: p } of this.workers) {
      t.ready += p.ready;
      t.failed += p.failed;
      t.dropped += p.dropped;
      t.sent += p.sent;
      t.delivered += p.delivered;
      t.otherFrames += p.otherFrames;
      t.errors += p.errors;
      t.lastDeliveryAt = Math.max(t.lastDeliveryAt, p.lastDeliveryAt);
      t.firstError ??= p.firstError;
    }
    return t;
  }

  /** Spreads clients 0..total-1 over the workers; resolves when every worker has finished. */
  async connect(
    kind: ServerKind,
    url: string | string[],
    total: number,
    o: ConnectOptions,
  ): Promise<void> {
    const urls = Array.isArray(url) ? url : [url];
    const per = Math.ceil(total / this.size);
    await Promise.all(
      this.workers.map((w, i) => {
        const from = Math.min(total, i * per);
        const to = Math.min(total, from + per);
        const cmd = { t: 'connect' as const, kind, url: urls[0] ?? '', urls, from, to, ...o };
        return this.ask(w, cmd, 'connected');
      }),
    );
  }

  /**
   * Splits `rate` msg/s and `count` messages evenly; resolves when all were sent. With
   * `dmUsers`, every message is a DM to a random other user `u0..u<dmUsers-1>` (or one of the
   * sender's `dm.contacts`; with `dm.warm`, one DM from every client to each of its contacts).
   */
  async send(
    rate: number,
    count: number,
    dmUsers?: number,
    dm: { contacts?: number; warm?: boolean } = {},
  ): Promise<void> {
    const n = this.size;
    await Promise.all(
      this.workers.map((w, i) => {
        const share = Math.floor(count / n) + (i < count % n ? 1 : 0);
        const cmd = {
          t: 'send' as const,
          rate: rate / n,
          count: share,
          dmUsers,
          dmContacts: dm.contacts,
          warm: dm.warm,
        };
        return this.ask(w, cmd, 'sent');
      }),
    );
  }

  async reset(): Promise<void> {
    this.workers.forEach((w) => w.child.send({ t: 'reset' } satisfies RunnerMessage));
    await new Promise((r) => setTimeout(r, 300)); // let a fresh progress report arrive
  }

  async latency(): Promise<Histogram> {
    const h = new Histogram();
    const reports = await Promise.all(
      this.workers.map((w) => this.ask(w, { t: 'report' }, 'report')),
    );
    for (const r of reports) if (r.t === 'report') h.merge(r);
    return h;
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { t: 'close' }, 'closed')));
    this.workers.forEach((w) => (w.progress = emptyProgress()));
  }

  exit(): void {
    for (const w of this.workers) {
      w.exiting = true;
      if (w.child.connected) w.child.send({ t: 'exit' } satisfies RunnerMessage);
    }
  }

  private ask(w: Worker, m: RunnerMessage, reply: WorkerMessage['t']): Promise<WorkerMessage> {
    if (this.crashed) return Promise.reject(this.crashed);
    return new Promise((resolve, reject) => {
      w.waiters.push({ match: (r) => (r.t === reply ? (resolve(r), true) : false), fail: reject });
      w.child.send(m);
    });
  }
}

export type ConnectOptions = Pick<
  Extract<RunnerMessage, { t: 'connect' }>,
  'concurrency' | 'resumeAfter' | 'reconnect' | 'timeoutMs' | 'jwtSecret'
>;

function emptyTotals(): Totals {
  const z = {
    ready: 0,
    failed: 0,
    dropped: 0,
    sent: 0,
    delivered: 0,
    otherFrames: 0,
    errors: 0,
    lastDeliveryAt: 0,
  };
  return { ...z, firstError: null };
}

function emptyProgress(): WorkerProgress {
  return { t: 'progress', ...emptyTotals() };
}
