/**
 * A channel with local subscribers on this node.
 *
 * Ordering contract: messages reach subscribers in strictly increasing `seq` with no gap and no
 * duplicate. `lastSeq` is the highest contiguous seq delivered here. A message that arrives
 * early (bus reordering, concurrent appends, a lost bus payload) waits in `pending` until the
 * missing ones arrive or are read back from the store (`repair`).
 *
 * Catch-up contract (resume): a connection registered with `catchUp` gets every message after
 * its position exactly once — stored ones first, then those delivered meanwhile — and then
 * becomes live. See docs/architecture.md.
 */
import type { ChannelStore, StoredMessage, MessageStore } from '../store/store.js';
import type { ClientConnection } from './connection.js';
import type { Flusher, Flushable } from './flusher.js';

export interface Delivery {
  json: string;
  /** Connection that sent it; it gets the message in its reply, not as a frame. */
  origin: ClientConnection | null;
}

interface CatchUp {
  buffer: StoredMessage[];
}

const REPAIR_DELAY_MS = 50;
const CATCH_UP_PAGE = 500;

export function encodeMessage(m: StoredMessage): string {
  return JSON.stringify({
    type: 'message',
    channel: m.channel,
    seq: m.seq,
    cid: m.cid,
    from: m.from,
    text: m.text,
    ts: m.ts,
  });
}

export class LocalChannel implements Flushable {
  lastSeq = 0;
  /** Room members cluster-wide (read at activation, then kept by member events); approximate. */
  members = 0;
  firstSeq = 1;
  readonly live = new Set<ClientConnection>();
  private readonly catching = new Map<ClientConnection, CatchUp>();
  private readonly pending = new Map<number, { m: StoredMessage; d: Delivery }>();
  private batch: Delivery[] = [];
  private activated = false;
  private repairTimer: NodeJS.Timeout | null = null;
  readonly ready: Promise<void>;

  constructor(
    readonly id: string,
    private readonly store: MessageStore & Pick<ChannelStore, 'members'>,
    private readonly flusher: Flusher,
    activate: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.ready = this.activate(activate);
  }

  get size(): number {
    return this.live.size + this.catching.size;
  }

  private async activate(subscribe: () => Promise<void>): Promise<void> {
    // Subscribe before reading the head: what is published meanwhile waits in `pending`.
    await subscribe();
    const head = await this.store.head(this.id);
    this.lastSeq = head?.lastSeq ?? 0;
    this.firstSeq = head?.firstSeq ?? 1;
    if (this.id.startsWith('room:')) this.members = (await this.store.members(this.id)).length;
    this.activated = true;
    this.drainPending();
  }

  /** Deliver a stored message in seq order (from a local append or from the bus). */
  deliver(m: StoredMessage, d: Delivery): void {
    if (this.activated && m.seq <= this.lastSeq) return;
    if (!this.activated || m.seq !== this.lastSeq + 1) {
      if (!this.pending.has(m.seq)) this.pending.set(m.seq, { m, d });
      if (this.activated) this.scheduleRepair();
      return;
    }
    this.emit(m, d);
    this.drainPending();
  }

  /** An unsequenced event (typing, member change) for live subscribers of this turn. */
  event(json: string, origin: ClientConnection | null): void {
    this.batch.push({ json, origin });
    this.flusher.channel(this);
  }

  private emit(m: StoredMessage, d: Delivery): void {
    this.lastSeq = m.seq;
    this.batch.push(d);
    this.flusher.channel(this);
    for (const c of this.catching.values()) c.buffer.push(m);
  }

  private drainPending(): void {
    for (const [seq] of this.pending) if (seq <= this.lastSeq) this.pending.delete(seq);
    let next = this.pending.get(this.lastSeq + 1);
    while (next) {
      this.pending.delete(this.lastSeq + 1);
      this.emit(next.m, next.d);
      next = this.pending.get(this.lastSeq + 1);
    }
    if (this.pending.size > 0) this.scheduleRepair();
  }

  private scheduleRepair(): void {
    if (this.repairTimer) return;
    this.repairTimer = setTimeout(() => {
      this.repairTimer = null;
      this.repair().catch(this.onError);
    }, REPAIR_DELAY_MS);
    this.repairTimer.unref();
  }

  /** Read the missing range from the store; a message that is not stored yet is retried. */
  private async repair(): Promise<void> {
    if (this.pending.size === 0) return;
    const upTo = Math.min(...this.pending.keys());
    const missing = await this.store.read(this.id, {
      after: this.lastSeq,
      limit: upTo - this.lastSeq - 1,
    });
    for (const m of missing)
      if (m.seq < upTo) this.deliver(m, { json: encodeMessage(m), origin: null });
    if (this.pending.size > 0 && missing.length === 0) {
      // Pruned by retention: skip to what the store still has.
      const head = await this.store.head(this.id);
      if (head && head.firstSeq > this.lastSeq + 1) {
        this.lastSeq = head.firstSeq - 1;
        this.drainPending();
      }
    }
    if (this.pending.size > 0) this.scheduleRepair();
  }

  /**
   * Deliver whatever the store has after lastSeq: after a bus outage, messages published
   * meanwhile were lost on the bus but not in the store.
   */
  async resync(): Promise<void> {
    for (;;) {
      const page = await this.store.read(this.id, { after: this.lastSeq, limit: CATCH_UP_PAGE });
      for (const m of page) this.deliver(m, { json: encodeMessage(m), origin: null });
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  subscribeLive(conn: ClientConnection): void {
    this.live.add(conn);
    conn.channels.add(this.id);
  }

  unsubscribe(conn: ClientConnection): void {
    this.live.delete(conn);
    this.catching.delete(conn);
    conn.channels.delete(this.id);
  }

  /**
   * Replays everything after `after` to `conn`, then makes it live. Resolves with the last seq
   * replayed and whether retention had dropped part of the range.
   */
  async catchUp(
    conn: ClientConnection,
    after: number,
  ): Promise<{ seq: number; truncated: boolean; firstSeq: number }> {
    const state: CatchUp = { buffer: [] };
    this.catching.set(conn, state);
    conn.channels.add(this.id);
    let sent = after;
    let truncated = false;
    let firstSeq = this.firstSeq;
    try {
      for (;;) {
        const page = await this.store.read(this.id, { after: sent, limit: CATCH_UP_PAGE });
        if (!this.catching.has(conn) || conn.closed) return { seq: sent, truncated, firstSeq };
        for (const m of page) {
          if (m.seq <= sent) continue;
          if (m.seq > sent + 1 && sent === after) {
            truncated = true;
            firstSeq = m.seq;
          }
          conn.push(encodeMessage(m));
          sent = m.seq;
        }
        if (page.length < CATCH_UP_PAGE) break;
      }
      if (sent === after && after < this.lastSeq) {
        // Nothing stored after the position although the channel moved on: all pruned.
        const head = await this.store.head(this.id);
        if (head && head.firstSeq > after + 1) {
          truncated = true;
          firstSeq = head.firstSeq;
        }
      }
    } catch (err) {
      this.catching.delete(conn);
      conn.channels.delete(this.id);
      throw err;
    }
    if (!this.catching.has(conn)) return { seq: sent, truncated, firstSeq };
    // No await from here on: the switch to live is atomic with respect to deliveries.
    for (const m of state.buffer) {
      if (m.seq <= sent) continue;
      conn.push(encodeMessage(m));
      sent = m.seq;
    }
    this.catching.delete(conn);
    this.live.add(conn);
    return { seq: sent, truncated, firstSeq };
  }

  flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0 || this.live.size === 0) return;
    let origins: Set<ClientConnection> | null = null;
    for (const d of batch) if (d.origin) (origins ??= new Set()).add(d.origin);
    const shared = Buffer.from(
      batch.length === 1 ? batch[0]!.json : batch.map((d) => d.json).join('\n'),
    );
    for (const conn of this.live) {
      if (origins?.has(conn)) {
        const own = batch.filter((d) => d.origin !== conn).map((d) => d.json);
        if (own.length > 0) conn.push(own.join('\n'));
      } else {
        conn.push(shared);
      }
    }
  }

  dispose(): void {
    if (this.repairTimer) clearTimeout(this.repairTimer);
    this.repairTimer = null;
  }
}
