/**
 * One client connection as the core sees it: identity, subscriptions, an outbound queue that
 * is coalesced per event-loop turn, a rate limiter and liveness bookkeeping. Knows nothing of
 * sockets: it writes to a TransportConnection.
 */
import type { TransportConnection } from '../transport/transport.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { Flusher, Flushable } from './flusher.js';
import { TokenBucket } from '../token-bucket.js';
import { SmallSet } from './small-set.js';

const NEWLINE = Buffer.from('\n');
/** Origin of the connections' timestamps: within ±24 days of it they are small integers. */
const EPOCH = Date.now();
/** Shared by every connection without roles: no empty array per connection. */
export const NO_ROLES: readonly string[] = Object.freeze([]);

export interface ConnectionLimits {
  maxBufferedBytes: number;
  rateLimit: number;
  rateBurst: number;
  floodLimit: number;
}

export class ClientConnection implements Flushable {
  /** Handle once hello succeeded; null before. */
  user: string | null = null;
  /** The authenticator's session of this connection (Identity.sessionId); null when none. */
  session: string | null = null;
  /** Server-wide roles from the hello's identity. */
  roles: readonly string[] = NO_ROLES;
  /**
   * When the connection's credential ends it (a JWT's exp, ms) and when to warn with `expiring`
   * (null once warned); null when the credential does not end the connection.
   */
  credential: { expiresAt: number; warnAt: number | null } | null = null;
  /** Wants cluster-wide presence events. */
  presence = true;
  /**
   * The user's read receipts setting (read at hello, kept by `settings` on every node): off, the
   * connection gets no `receipt` frames and its reads send none.
   */
  receipts = true;
  /** Channels this connection receives (live or catching up). */
  readonly channels = new SmallSet<string>();
  /**
   * Last time any frame arrived (ms); drives the ping timeout. Kept as ms since EPOCH, a small
   * integer that V8 stores in the object itself, where an epoch-ms double takes a 16-byte box.
   */
  private seenAt: number;
  private pingedAt: number;
  closed = false;
  /** Rejected frames in a row; reaching floodLimit closes the connection. */
  rejections = 0;
  /**
   * The connection's rate budget, allocated at its first frame and dropped again once it is full
   * (`releaseBucket`, on the liveness tick): a full bucket acts exactly as a new one, and an idle
   * connection then holds none.
   */
  private bucket: TokenBucket | null = null;

  /** Frames of this turn; null when none (no empty array per idle connection). */
  private queue: (string | Buffer)[] | null = null;
  /**
   * While held (a command is subscribing the connection), output is queued but not flushed, so
   * the command's reply goes out before any frame of the channels it subscribed.
   */
  private held: (string | Buffer)[] | null = null;

  constructor(
    readonly id: number,
    readonly transport: TransportConnection,
    private readonly flusher: Flusher,
    private readonly limits: ConnectionLimits,
    private readonly onSlowConsumer: (conn: ClientConnection) => void,
    now: number,
  ) {
    this.seenAt = Math.round(now - EPOCH);
    this.pingedAt = this.seenAt;
  }

  get lastSeen(): number {
    return this.seenAt + EPOCH;
  }

  set lastSeen(ms: number) {
    this.seenAt = Math.round(ms - EPOCH);
  }

  /** Last time the liveness tick sent a ping (ms). */
  get lastPing(): number {
    return this.pingedAt + EPOCH;
  }

  set lastPing(ms: number) {
    this.pingedAt = Math.round(ms - EPOCH);
  }

  /** Takes a token from the connection's budget: 0 when granted, else the ms until one is. */
  takeToken(): number {
    this.bucket ??= new TokenBucket(this.limits.rateLimit, this.limits.rateBurst);
    return this.bucket.take();
  }

  /** Frees the rate budget when it has refilled: the next frame starts a full one. */
  releaseBucket(): void {
    if (this.bucket?.full()) this.bucket = null;
  }

  /** Queue a frame (or a pre-encoded batch of frames) for this turn's write. */
  push(frame: string | Buffer): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(frame);
      return;
    }
    if (this.queue) {
      this.queue.push(frame);
    } else {
      this.queue = [frame];
      this.flusher.connection(this);
    }
  }

  hold(): void {
    this.held ??= [];
  }

  /** Drops what was held (the command failed and undid its subscriptions). */
  discardHeld(): void {
    this.held = null;
  }

  /** Puts a reply (or error) to a command on the wire, ahead of anything held meanwhile. */
  reply(frame: string): void {
    const held = this.held;
    this.held = null;
    this.push(frame);
    if (held) for (const f of held) this.push(f);
  }

  flush(): void {
    const q = this.queue;
    if (this.closed || q === null) return;
    this.queue = null;
    let data: string | Buffer;
    if (q.length === 1) {
      data = q[0]!;
    } else if (q.every((f) => typeof f === 'string')) {
      data = q.join('\n');
    } else {
      const parts: Buffer[] = [];
      for (const f of q) {
        if (parts.length > 0) parts.push(NEWLINE);
        parts.push(typeof f === 'string' ? Buffer.from(f) : f);
      }
      data = Buffer.concat(parts);
    }
    this.transport.send(data);
    if (this.transport.bufferedAmount > this.limits.maxBufferedBytes) this.onSlowConsumer(this);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // Flush what is queued so a final error frame reaches a client that is still reading.
    if (code !== CloseCode.SLOW_CONSUMER) this.flush();
    this.closed = true;
    this.queue = null;
    this.held = null;
    this.transport.close(code, reason);
  }
}
