/**
 * What this node holds locally: the open connections, the users they belong to and the channels
 * they receive. A channel is activated on first use (bus interest, head read) and released as
 * soon as nothing uses it: no subscriber and no command borrowing it (`borrow`). Interest in a
 * user's topic lasts while the user has a connection here.
 */
import type { Logger } from '../logger.js';
import type { Presence } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import { CLOSE_CODE_ERRORS, type CloseCodeValue } from '../protocol/close-codes.js';
import type { ClientConnection } from './connection.js';
import { channelTopic, userTopic } from './envelope.js';
import type { TokenBucket } from '../token-bucket.js';
import type { Flusher } from './flusher.js';
import { LocalChannel, type SyncResult } from './local-channel.js';
import { RoomTally } from './room-tally.js';
import { SmallSet } from './small-set.js';

/** Receiving a topic from the rest of the cluster (the bus; subscriptions counted by the caller). */
export interface Interest {
  /** Resolves once payloads of the topic arrive; rejects when the bus cannot subscribe. */
  subscribe(topic: string): Promise<void>;
  /** Like subscribe, for callers that cannot wait: a failure is logged. */
  watch(topic: string): void;
  /** Stops receiving the topic; a failure is logged. */
  unsubscribe(topic: string): void;
}

export interface DirectoryDeps {
  store: Store;
  flusher: Flusher;
  interest: Interest;
  presence: Pick<Presence, 'setLocal'>;
  logger: Logger;
  /** Users online cluster-wide, as the presence handler reported them (see RoomTally). */
  online: ReadonlySet<string>;
  /** A new rate budget shared by all of one user's connections here (see FrameGate). */
  userBucket(): TokenBucket;
  /** A replay that was not asked for by a command failed: tell the connection which channel. */
  replayFailed(conn: ClientConnection, channel: string, err: unknown): void;
  /** Messages queued to live connections by a channel's flush (CoreMetrics.delivered). */
  delivered(count: number): void;
}

/** How `subscribeUser` starts each connection: live from now, or replayed from a position. */
export type Start =
  | { live: true; announce?: (conn: ClientConnection) => string | undefined }
  | { after: number; done?: (r: SyncResult) => string | undefined };

export class Directory {
  readonly connections = new Set<ClientConnection>();
  readonly users = new Map<string, SmallSet<ClientConnection>>();
  readonly channels = new Map<string, LocalChannel>();
  /**
   * One rate budget per user with connections here, shared by them (ten connections do not get
   * ten times the rate): made at the user's first frame, gone when it has refilled
   * (`releaseBuckets`) or with the user's last connection.
   */
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly deps: DirectoryDeps) {}

  // --- users -----------------------------------------------------------------------------------

  addUserConnection(user: string, conn: ClientConnection): void {
    let set = this.users.get(user);
    if (!set) {
      set = new SmallSet();
      this.users.set(user, set);
      this.deps.interest.watch(userTopic(user));
    }
    set.add(conn);
    this.deps.presence.setLocal(user, set.size);
  }

  removeUserConnection(user: string, conn: ClientConnection): void {
    const set = this.users.get(user);
    if (!set?.delete(conn)) return;
    if (set.size === 0) {
      this.users.delete(user);
      this.buckets.delete(user);
      this.deps.interest.unsubscribe(userTopic(user));
    }
    this.deps.presence.setLocal(user, set.size);
  }

  /** Takes a token from the user's budget: 0 when granted, else the ms until one is. */
  takeUserToken(user: string): number {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      bucket = this.deps.userBucket();
      this.buckets.set(user, bucket);
    }
    return bucket.take();
  }

  /** Frees the users' rate budgets that have refilled: a new one acts the same. */
  releaseUserBuckets(): void {
    for (const [user, bucket] of this.buckets) if (bucket.full()) this.buckets.delete(user);
  }

  /** A connection closed: out of every channel and out of its user. */
  drop(conn: ClientConnection): void {
    for (const id of [...conn.channels]) this.unsubscribe(conn, id);
    if (conn.user) this.removeUserConnection(conn.user, conn);
  }

  /**
   * Closes the user's connections here (only those of `session` when given) with `code`; the
   * reason is the close code's error code. Returns how many were closed.
   */
  closeUser(user: string, code: CloseCodeValue, session?: string): number {
    let n = 0;
    for (const c of [...(this.users.get(user) ?? [])]) {
      if (session !== undefined && c.session !== session) continue;
      c.close(code, CLOSE_CODE_ERRORS[code]);
      n++;
    }
    return n;
  }

  /** The user's connections here. */
  connectionsOf(user: string): Iterable<ClientConnection> {
    return this.users.get(user) ?? [];
  }

  pushToUser(user: string, frame: string, except?: ClientConnection): void {
    for (const c of this.users.get(user) ?? []) if (c !== except) c.push(frame);
  }

  /** Whether every open connection of `user` here receives channel `id`. */
  follows(user: string, id: string): boolean {
    for (const c of this.users.get(user) ?? []) if (!c.closed && !c.channels.has(id)) return false;
    return true;
  }

  // --- channels --------------------------------------------------------------------------------

  /**
   * Runs `use` with the channel activated and keeps it from being released meanwhile, then
   * releases it if nothing else uses it: the one way commands and bus handlers touch a channel.
   * Rejects when the channel cannot be activated (store or bus down).
   */
  async borrow<T>(id: string, use: (ch: LocalChannel) => T | Promise<T>): Promise<T> {
    const ch = this.activate(id);
    ch.borrowers++;
    try {
      await ch.ready;
      return await use(ch);
    } finally {
      ch.borrowers--;
      this.release(ch);
    }
  }

  private activate(id: string): LocalChannel {
    const known = this.channels.get(id);
    if (known) return known;
    const room = id.startsWith('room:');
    const ch = new LocalChannel(
      id,
      this.deps.store,
      this.deps.flusher,
      () => (room ? this.deps.interest.subscribe(channelTopic(id)) : Promise.resolve()),
      (err) => this.deps.logger.warn({ err, channel: id }, 'gap repair failed'),
      room ? new RoomTally((u) => this.deps.online.has(u)) : null,
      (count) => this.deps.delivered(count),
    );
    this.channels.set(id, ch);
    ch.ready.catch(() => {
      if (this.channels.get(id) === ch) this.forget(ch);
    });
    return ch;
  }

  private release(ch: LocalChannel): void {
    if (ch.idle && this.channels.get(ch.id) === ch) this.forget(ch);
  }

  private forget(ch: LocalChannel): void {
    this.channels.delete(ch.id);
    ch.dispose();
    if (ch.id.startsWith('room:')) this.deps.interest.unsubscribe(channelTopic(ch.id));
  }

  unsubscribe(conn: ClientConnection, id: string): void {
    const ch = this.channels.get(id);
    conn.channels.delete(id);
    if (!ch) return;
    ch.unsubscribe(conn);
    this.release(ch);
  }

  unsubscribeUser(user: string, id: string): void {
    for (const c of this.users.get(user) ?? []) this.unsubscribe(c, id);
  }

  /**
   * Subscribes every open connection of `user` here that does not receive `ch` yet, live or
   * replayed from a position. Synchronous: a frame `announce` returns goes out before any live
   * message of the channel.
   */
  subscribeUser(user: string, ch: LocalChannel, start: Start): void {
    for (const c of this.users.get(user) ?? []) {
      if (c.closed || ch.has(c)) continue;
      if ('live' in start) {
        ch.subscribeLive(c);
        const frame = start.announce?.(c);
        if (frame !== undefined) c.push(frame);
      } else {
        this.replay(c, ch, start.after, start.done);
      }
    }
  }

  /** Replays `ch` to `conn` from `after`, then live; a failure is reported, not thrown. */
  replay(
    conn: ClientConnection,
    ch: LocalChannel,
    after: number,
    done?: (r: SyncResult) => string | undefined,
  ): void {
    ch.borrowers++;
    ch.catchUp(conn, after, done)
      .catch((err: unknown) => this.deps.replayFailed(conn, ch.id, err))
      .finally(() => {
        ch.borrowers--;
        this.release(ch);
      });
  }
}
