/**
 * Cluster-wide presence over any Bus (seed 002's user exchange, made loss-tolerant).
 *
 * Each node owns its local counts and a version number that grows with every change. It
 * publishes changes as deltas (`from` -> `v`), a heartbeat with its version every
 * `heartbeatMs`, a full snapshot when asked, and `bye` when it stops. A receiver that sees a
 * version it cannot apply (a lost delta, a node it never heard of) asks for a snapshot, so the
 * at-most-once bus never leaves totals wrong for long. A node silent for `ttlMs` is dropped
 * exactly then (a timer at the earliest deadline, not a periodic sweep): a SIGKILLed node's
 * users vanish `ttlMs` after the last payload heard from it, so between ttlMs - heartbeatMs and
 * ttlMs after the crash; a clean stop (`bye`), at once.
 */
import type { Bus } from '../bus/bus.js';
import type { NodeCount, PerNodePresence, Presence, PresenceHandler } from './presence.js';

export const PRESENCE_TOPIC = 'presence';

type Counts = [user: string, connections: number][];
type Msg =
  | { t: 'delta'; n: string; from: number; v: number; d: Counts }
  | { t: 'hb'; n: string; v: number }
  | { t: 'full'; n: string; v: number; s: Counts }
  | { t: 'want'; n: string; of: string | null }
  | { t: 'bye'; n: string };

interface Remote {
  v: number;
  counts: Map<string, number>;
  seen: number;
}

export interface BusPresenceOptions {
  /** Heartbeat period in ms. Default 5000. */
  heartbeatMs?: number;
  /** A node silent this long is considered gone, in ms. Default 15000 (issue: <= 30 s). */
  ttlMs?: number;
  /** Local changes are batched for this long before publishing, in ms. Default 50. */
  batchMs?: number;
  onError?: (err: unknown) => void;
}

export class BusPresence implements Presence, PerNodePresence {
  private readonly local = new Map<string, number>();
  private readonly remotes = new Map<string, Remote>();
  private readonly totals = new Map<string, number>();
  private version = 0;
  private sentVersion = 0;
  private pending = new Map<string, number>();
  private handler: PresenceHandler | null = null;
  private timers: NodeJS.Timeout[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly batchMs: number;

  constructor(
    private readonly bus: Bus,
    private readonly options: BusPresenceOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.batchMs = options.batchMs ?? 50;
  }

  private get node(): string {
    return this.bus.nodeId;
  }

  async start(handler: PresenceHandler): Promise<void> {
    this.handler = handler;
    await this.bus.start(
      (_topic, payload) => this.receive(payload),
      () => this.send({ t: 'want', n: this.node, of: null }),
    );
    await this.bus.subscribe(PRESENCE_TOPIC);
    this.send({ t: 'want', n: this.node, of: null });
    this.timers.push(setInterval(() => this.heartbeat(), this.heartbeatMs));
    for (const t of this.timers) t.unref();
  }

  setLocal(user: string, connections: number): void {
    if (!Number.isSafeInteger(connections) || connections < 0) {
      throw new RangeError(`connections must be a non-negative integer, got ${connections}`);
    }
    if (this.closed || (this.local.get(user) ?? 0) === connections) return;
    const before = this.local.get(user) ?? 0;
    if (connections === 0) this.local.delete(user);
    else this.local.set(user, connections);
    this.version++;
    this.pending.set(user, connections);
    this.adjust(user, connections - before);
    this.batchTimer ??= setTimeout(() => this.flushDelta(), this.batchMs);
  }

  count(user: string): number {
    return this.totals.get(user) ?? 0;
  }

  list(): Map<string, number> {
    return new Map(this.totals);
  }

  byNode(): NodeCount[] {
    const share = (node: string, counts: Map<string, number>): NodeCount => {
      let connections = 0;
      for (const n of counts.values()) connections += n;
      return { node, users: counts.size, connections };
    };
    return [
      share(this.node, this.local),
      ...[...this.remotes].map(([node, r]) => share(node, r.counts)),
    ].sort((a, b) => a.node.localeCompare(b.node));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.closed = true;
    try {
      await this.bus.publish(
        PRESENCE_TOPIC,
        JSON.stringify({ t: 'bye', n: this.node } satisfies Msg),
      );
    } catch {
      /* the bus is gone: the others expire us after ttlMs */
    }
    this.handler = null;
    await this.bus.close();
  }

  // --- outbound --------------------------------------------------------------------------------

  private send(m: Msg): void {
    if (this.closed) return;
    this.bus.publish(PRESENCE_TOPIC, JSON.stringify(m)).catch((err) => this.options.onError?.(err));
  }

  private flushDelta(): void {
    this.batchTimer = null;
    if (this.pending.size === 0) return;
    const d = [...this.pending];
    this.pending = new Map();
    this.send({ t: 'delta', n: this.node, from: this.sentVersion, v: this.version, d });
    this.sentVersion = this.version;
  }

  private heartbeat(): void {
    this.flushDelta();
    this.send({ t: 'hb', n: this.node, v: this.version });
  }

  private snapshot(): void {
    this.flushDelta();
    this.send({ t: 'full', n: this.node, v: this.version, s: [...this.local] });
  }

  // --- inbound ---------------------------------------------------------------------------------

  private receive(payload: string): void {
    let m: Msg;
    try {
      m = JSON.parse(payload) as Msg;
    } catch {
      return;
    }
    if (this.closed || m.n === this.node) return;
    const r = this.remotes.get(m.n);
    if (r) r.seen = Date.now();
    this.armExpiry();
    switch (m.t) {
      case 'want':
        if (m.of === null || m.of === this.node) this.snapshot();
        return;
      case 'full':
        this.replace(m.n, m.v, new Map(m.s));
        return;
      case 'delta':
        if (!r || r.v !== m.from) return this.ask(m.n);
        for (const [user, n] of m.d) this.setRemote(r, user, n);
        r.v = m.v;
        return;
      case 'hb':
        if (!r || r.v !== m.v) this.ask(m.n);
        return;
      case 'bye':
        this.drop(m.n);
        return;
    }
  }

  private ask(node: string): void {
    this.send({ t: 'want', n: this.node, of: node });
  }

  private replace(node: string, v: number, counts: Map<string, number>): void {
    const r = this.remotes.get(node) ?? { v, counts: new Map<string, number>(), seen: Date.now() };
    this.remotes.set(node, r);
    for (const user of r.counts.keys()) if (!counts.has(user)) this.setRemote(r, user, 0);
    for (const [user, n] of counts) this.setRemote(r, user, n);
    r.v = v;
    r.seen = Date.now();
    this.armExpiry();
  }

  private setRemote(r: Remote, user: string, n: number): void {
    const before = r.counts.get(user) ?? 0;
    if (n === 0) r.counts.delete(user);
    else r.counts.set(user, n);
    this.adjust(user, n - before);
  }

  private drop(node: string): void {
    const r = this.remotes.get(node);
    if (!r) return;
    for (const user of [...r.counts.keys()]) this.setRemote(r, user, 0);
    this.remotes.delete(node);
  }

  /**
   * One timer, at the earliest time a remote node can expire. A node heard from meanwhile has a
   * later deadline: the timer finds nothing to drop there and is set again for it.
   */
  private armExpiry(): void {
    if (this.closed || this.expiryTimer) return;
    let first = Infinity;
    for (const r of this.remotes.values()) first = Math.min(first, r.seen);
    if (first === Infinity) return;
    const wait = Math.max(0, first + this.ttlMs - Date.now()) + 1;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expire();
      this.armExpiry();
    }, wait);
    this.expiryTimer.unref();
  }

  private expire(): void {
    const deadline = Date.now() - this.ttlMs;
    for (const [node, r] of this.remotes) if (r.seen < deadline) this.drop(node);
  }

  private adjust(user: string, delta: number): void {
    if (delta === 0) return;
    const total = (this.totals.get(user) ?? 0) + delta;
    if (total <= 0) this.totals.delete(user);
    else this.totals.set(user, total);
    const handler = this.handler;
    if (handler) queueMicrotask(() => handler(user, Math.max(0, total)));
  }
}
