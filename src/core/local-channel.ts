/**
 * A channel with local subscribers on this node.
 *
 * Ordering contract: messages reach subscribers in strictly increasing `seq` with no gap and no
 * duplicate. `lastSeq` is the highest contiguous seq delivered here. A message that arrives
 * early (bus reordering, concurrent appends, a lost bus payload) waits in `pending` until the
 * missing ones arrive or are read back from the store (`repair`).
 *
 * Every subscriber has a position: it gets the messages above it and nothing at or below it.
 * - `subscribeLive` starts a connection at `lastSeq`. Messages of this turn that are still in
 *   the outgoing batch are at or below it, so the connection is filtered until the next flush.
 * - `catchUp` replays from the store what lies between the connection's position and `lastSeq`
 *   (never beyond: the store may already hold messages this node has not delivered yet, and
 *   those reach the connection through normal delivery), then the messages delivered meanwhile,
 *   then makes it live at the position it reached. A position above `lastSeq` (the client saw
 *   more on another node) keeps the connection filtered until this node catches up.
 * - A connection's own sends reach it in the send's reply, never as a frame.
 * See docs/architecture.md, "Ordering and resume".
 */
import {
  isMessage,
  type ChannelStore,
  type StoredMessage,
  type MessageStore,
} from '../store/store.js';
import type { ClientConnection } from './connection.js';
import type { Flusher, Flushable } from './flusher.js';
import type { RoomTally } from './room-tally.js';

/** One outgoing frame of the channel; `seq` 0 for unsequenced events (typing, member). */
export interface Delivery {
  seq: number;
  json: string;
  /** Connection that sent it; it gets the message in its reply, not as a frame. */
  origin: ClientConnection | null;
}

/** How a replay ended: the position reached, and whether retention had dropped part of it. */
export interface SyncResult {
  channel: string;
  seq: number;
  truncated: boolean;
  firstSeq: number;
}

interface CatchUp {
  /** Deliveries emitted while the replay reads the store. */
  buffer: Delivery[];
  /** Seqs of this connection's own sends emitted meanwhile: skipped in the replay. */
  own: Set<number> | null;
}

const REPAIR_DELAY_MS = 50;
const CATCH_UP_PAGE = 500;

/** The `message` frame of a log entry: its fields in a fixed order, the optional ones when set. */
export function encodeMessage(m: StoredMessage): string {
  const frame = {
    type: 'message',
    channel: m.channel,
    seq: m.seq,
    cid: m.cid,
    from: m.from,
    text: m.text,
    ts: m.ts,
  };
  const plain =
    isMessage(m) &&
    m.edited === undefined &&
    m.deleted === undefined &&
    m.replyTo === undefined &&
    m.mentions === undefined &&
    m.mentionsAll === undefined &&
    m.preview === undefined &&
    m.attachments === undefined &&
    m.thread === undefined;
  if (plain) return JSON.stringify(frame);
  return JSON.stringify({
    ...frame,
    ...(m.deletes === undefined ? {} : { deletes: m.deletes }),
    ...(m.edits === undefined ? {} : { edits: m.edits }),
    ...(m.reacts === undefined ? {} : { reacts: m.reacts }),
    ...(m.unreacts === undefined ? {} : { unreacts: m.unreacts }),
    ...(m.emoji === undefined ? {} : { emoji: m.emoji }),
    ...(m.edited === undefined ? {} : { edited: m.edited }),
    ...(m.deleted === undefined ? {} : { deleted: m.deleted }),
    ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
    ...(m.mentions === undefined ? {} : { mentions: m.mentions }),
    ...(m.mentionsAll === undefined ? {} : { mentionsAll: m.mentionsAll }),
    ...(m.previews === undefined ? {} : { previews: m.previews }),
    ...(m.preview === undefined ? {} : { preview: m.preview }),
    ...(m.attachments === undefined ? {} : { attachments: m.attachments }),
    ...(m.thread === undefined ? {} : { thread: m.thread }),
    ...(m.alsoToRoom === undefined ? {} : { alsoToRoom: m.alsoToRoom }),
  });
}

export const messageDelivery = (m: StoredMessage, origin: ClientConnection | null): Delivery => ({
  seq: m.seq,
  json: encodeMessage(m),
  origin,
});

export class LocalChannel implements Flushable {
  lastSeq = 0;
  /** Room members cluster-wide (read at activation, then kept by member events). */
  get members(): number {
    return this.tally?.size ?? 0;
  }
  firstSeq = 1;
  /** Commands using the channel right now (see Directory.borrow): not idle while > 0. */
  borrowers = 0;
  /**
   * The newest message stored from this node that moved its sender's shared read position
   * (sending reads up to it), and its sender: their receipt is told at least that far. See
   * appendEntry, which keeps it. Null until one is.
   */
  ownRead: { seq: number; user: string } | null = null;
  private readonly live = new Set<ClientConnection>();
  /** Live subscribers that must not get seqs at or below the given position yet. */
  private readonly positions = new Map<ClientConnection, number>();
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
    /** A room's members and online count (null for a DM). */
    readonly tally: RoomTally | null = null,
    /** Told, once per flush, how many messages went to live connections (see flush). */
    private readonly delivered: (count: number) => void = () => {},
  ) {
    this.ready = this.activate(activate);
  }

  get size(): number {
    return this.live.size + this.catching.size;
  }

  get idle(): boolean {
    return this.size === 0 && this.borrowers === 0;
  }

  private async activate(subscribe: () => Promise<void>): Promise<void> {
    // Subscribe before reading the head: what is published meanwhile waits in `pending`.
    await subscribe();
    const head = await this.store.head(this.id);
    this.lastSeq = head?.lastSeq ?? 0;
    this.firstSeq = head?.firstSeq ?? 1;
    await this.loadMembers();
    this.activated = true;
    this.drainPending();
  }

  /** Reads a room's members from the store (activation; bus resync, events may have been lost). */
  async loadMembers(): Promise<void> {
    if (!this.tally) return;
    this.tally.reading();
    try {
      this.tally.load(await this.store.members(this.id));
    } catch (err) {
      this.tally.unread();
      throw err;
    }
  }

  /** Deliver a stored message in seq order (from a local append or from the bus). */
  deliver(m: StoredMessage, origin: ClientConnection | null = null): void {
    if (this.activated && m.seq <= this.lastSeq) return;
    if (!this.activated || m.seq !== this.lastSeq + 1) {
      if (!this.pending.has(m.seq)) this.pending.set(m.seq, { m, d: messageDelivery(m, origin) });
      if (this.activated) this.scheduleRepair();
      return;
    }
    this.emit(messageDelivery(m, origin));
    this.drainPending();
  }

  /** An unsequenced event (typing, member change) for live subscribers of this turn. */
  event(json: string, origin: ClientConnection | null): void {
    this.batch.push({ seq: 0, json, origin });
    this.flusher.channel(this);
  }

  private emit(d: Delivery): void {
    this.lastSeq = d.seq;
    this.batch.push(d);
    this.flusher.channel(this);
    for (const [conn, c] of this.catching) {
      c.buffer.push(d);
      if (d.origin === conn) (c.own ??= new Set()).add(d.seq);
    }
  }

  private drainPending(): void {
    for (const [seq] of this.pending) if (seq <= this.lastSeq) this.pending.delete(seq);
    let next = this.pending.get(this.lastSeq + 1);
    while (next) {
      this.pending.delete(this.lastSeq + 1);
      this.emit(next.d);
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
    for (const m of missing) if (m.seq < upTo) this.deliver(m);
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
      for (const m of page) this.deliver(m);
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  /** The live subscribers (not those still replaying). */
  subscribers(): Iterable<ClientConnection> {
    return this.live;
  }

  has(conn: ClientConnection): boolean {
    return this.live.has(conn) || this.catching.has(conn);
  }

  /** Whether a replay to `conn` is running (its switch to live has not happened yet). */
  replaying(conn: ClientConnection): boolean {
    return this.catching.has(conn);
  }

  /** Live from now on: the connection gets every message above `lastSeq`; returns lastSeq. */
  subscribeLive(conn: ClientConnection): number {
    this.goLive(conn, this.lastSeq);
    return this.lastSeq;
  }

  private goLive(conn: ClientConnection, position: number): void {
    this.live.add(conn);
    conn.channels.add(this.id);
    // Only needed while the unflushed batch or future deliveries hold seqs at or below it.
    if (position > this.lastSeq || this.batch.length > 0) this.positions.set(conn, position);
  }

  unsubscribe(conn: ClientConnection): void {
    this.live.delete(conn);
    this.positions.delete(conn);
    this.catching.delete(conn);
    conn.channels.delete(this.id);
  }

  /**
   * Replays everything after `after` that this node has delivered, then what it delivers
   * meanwhile, then makes the connection live. `done` runs at the switch to live, with no await
   * in between: a frame it returns (`synced`, a reply) goes out after the replay and before any
   * live message. Rejects, leaving the connection unsubscribed, when the store fails.
   */
  async catchUp(
    conn: ClientConnection,
    after: number,
    done?: (r: SyncResult) => string | undefined,
  ): Promise<SyncResult> {
    this.live.delete(conn);
    this.positions.delete(conn);
    const state: CatchUp = { buffer: [], own: null };
    this.catching.set(conn, state);
    conn.channels.add(this.id);
    const result: SyncResult = {
      channel: this.id,
      seq: after,
      truncated: false,
      firstSeq: this.firstSeq,
    };
    try {
      for (;;) {
        const page = await this.store.read(this.id, { after: result.seq, limit: CATCH_UP_PAGE });
        if (this.catching.get(conn) !== state || conn.closed) return result;
        const reached = this.replay(conn, page, state, result, after);
        if (reached || page.length < CATCH_UP_PAGE) break;
      }
      if (result.seq === after && after < this.lastSeq) {
        // Nothing stored after the position although the channel moved on: all pruned.
        const head = await this.store.head(this.id);
        if (head && head.firstSeq > after + 1) {
          result.truncated = true;
          result.firstSeq = head.firstSeq;
        }
        if (this.catching.get(conn) !== state || conn.closed) return result;
      }
    } catch (err) {
      if (this.catching.get(conn) === state) this.unsubscribe(conn);
      throw err;
    }
    // No await from here on: the switch to live is atomic with respect to deliveries.
    for (const d of state.buffer) {
      if (d.seq <= result.seq) continue;
      if (d.origin !== conn) conn.push(d.json);
      result.seq = d.seq;
    }
    this.catching.delete(conn);
    const frame = done?.(result);
    if (frame !== undefined) conn.push(frame);
    this.goLive(conn, result.seq);
    return result;
  }

  /**
   * Pushes a page of the replay up to this node's lastSeq. True when the page reached
   * lastSeq: the rest comes through delivery.
   */
  private replay(
    conn: ClientConnection,
    page: StoredMessage[],
    state: CatchUp,
    result: SyncResult,
    after: number,
  ): boolean {
    for (const m of page) {
      if (m.seq <= result.seq) continue;
      if (m.seq > this.lastSeq) return true;
      if (m.seq > result.seq + 1 && result.seq === after) {
        result.truncated = true;
        result.firstSeq = m.seq;
      }
      if (!state.own?.has(m.seq)) conn.push(encodeMessage(m));
      result.seq = m.seq;
    }
    return false;
  }

  flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0 || this.live.size === 0) return;
    let origins: Set<ClientConnection> | null = null;
    // Deliveries are counted, not recorded: messages (seq > 0) times the connections they reach.
    let messages = 0;
    for (const d of batch) {
      if (d.origin) (origins ??= new Set()).add(d.origin);
      if (d.seq > 0) messages++;
    }
    const shared = Buffer.from(
      batch.length === 1 ? batch[0]!.json : batch.map((d) => d.json).join('\n'),
    );
    const positions = this.positions;
    let sharedTo = 0;
    let ownMessages = 0;
    for (const conn of this.live) {
      const from = positions.size > 0 ? positions.get(conn) : undefined;
      if (from === undefined && !origins?.has(conn)) {
        conn.push(shared);
        sharedTo++;
        continue;
      }
      const own = batch.filter(
        (d) => d.origin !== conn && (from === undefined || d.seq === 0 || d.seq > from),
      );
      for (const d of own) if (d.seq > 0) ownMessages++;
      if (own.length > 0) conn.push(own.map((d) => d.json).join('\n'));
    }
    const count = messages * sharedTo + ownMessages;
    if (count > 0) this.delivered(count);
    // Everything delivered from now on is above lastSeq.
    for (const [conn, from] of positions) if (from <= this.lastSeq) positions.delete(conn);
  }

  dispose(): void {
    if (this.repairTimer) clearTimeout(this.repairTimer);
    this.repairTimer = null;
  }
}
