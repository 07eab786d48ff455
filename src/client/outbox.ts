/**
 * Messages on their way out: ONE ordered queue with ONE backoff.
 *
 * - Each send gets a client id (cid) once; every retry re-sends it with the SAME cid, and the
 *   server stores a (channel, sender, cid) only once, so a send is stored exactly once however
 *   often it is retried (after a reconnect, a timeout, a store outage, or a page reload that restored it).
 * - Order: entries go out in the order they were added, at most one per target (room or DM) in
 *   flight, because the server runs a connection's frames concurrently and two appends to one
 *   channel could otherwise be stored in either order. At most MAX_INFLIGHT in flight overall.
 * - Rate: paced by a token bucket holding RATE_SHARE of the limits the hello reply announced
 *   (`rateLimit` frames/s, `rateBurst`), leaving the rest for the application's other frames.
 * - Errors: a retryable error (store unavailable, rate limited, timeout…) pauses the WHOLE queue,
 *   for the error's `retryAfter` or else the next src/backoff.ts delay; after a pause a single
 *   probe goes out until one send succeeds. A send already in flight that fails in the same way
 *   does not pause the queue again. A lost connection stops the queue until the next hello.
 * - A send the server refuses for good (non-retryable) stays listed as 'failed' until it is
 *   retried or discarded, so an application can show it and offer both.
 */
import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { SwitchboardError, isErrorCode } from '../errors.js';
import { newCid } from '../protocol/cid.js';
import type { ChatMessage, SendResult } from '../protocol/frames.js';
import { TokenBucket } from '../token-bucket.js';
import { toError } from './pending-requests.js';
import type { PendingSend, SendOptions, SendTarget } from './types.js';

/** Sends in flight at once over all targets. */
export const MAX_INFLIGHT = 4;
/** Fraction of the server's rate limit and burst the outbox uses. */
export const RATE_SHARE = 0.5;
/** Pauses after retryable errors that carry no retryAfter. */
export const RETRY_BACKOFF: BackoffOptions = { minMs: 250, maxMs: 2000 };
/** Limits assumed when a (pre-rateLimit) server's hello does not announce them. */
const DEFAULT_LIMITS: SendLimits = { rateLimit: 20, rateBurst: 60 };

export interface SendLimits {
  rateLimit: number;
  rateBurst: number;
}

export interface OutboxDeps {
  /** Sends a frame on the current connection; resolves with the reply data. */
  request(frame: Record<string, unknown>): Promise<unknown>;
  /** Called with the stored message before the send promise resolves. */
  onSent(message: ChatMessage): void;
  /** Called after every change of the list (added, state changed, removed). */
  onChange(): void;
  /** Clock and randomness, replaceable in tests. */
  now?: () => number;
  random?: () => number;
}

interface Entry extends PendingSend {
  /** The caller of send() waiting for this entry; null when restored or already settled. */
  waiter: { resolve(m: ChatMessage): void; reject(err: unknown): void } | null;
}

export class Outbox {
  /** Insertion-ordered: sends and retries go out in the order the sends were made. */
  private readonly entries = new Map<string, Entry>();
  private readonly busyTargets = new Set<string>();
  private readonly now: () => number;
  private readonly random: () => number;
  private bucket: TokenBucket;
  private ready = false;
  private inflight = 0;
  /** The one timer: the end of a pause, or the next token. */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pausedUntil = 0;
  /** Backoff attempt: pauses without retryAfter since the last success. */
  private failures = 0;
  /** Bumped by every pause; a failure of a send made in an earlier round does not pause again. */
  private round = 0;
  /** After a pause: one send at a time until one succeeds. */
  private probing = false;

  constructor(
    private readonly deps: OutboxDeps,
    restored: readonly PendingSend[] = [],
  ) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.bucket = bucketFor(DEFAULT_LIMITS, this.now);
    for (const p of restored) {
      if (!isPendingSend(p))
        throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'bad outbox entry');
      if (this.entries.has(p.cid)) continue;
      const entry: Entry = { ...copy(p), waiter: null };
      if (entry.state === 'sending') entry.state = 'queued';
      this.entries.set(p.cid, entry);
    }
  }

  /** Entries still on their way (queued or sending); failed ones are not counted. */
  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state !== 'failed') n++;
    return n;
  }

  /** A snapshot of every entry, in queue order. */
  list(): PendingSend[] {
    return [...this.entries.values()].map(copy);
  }

  add(target: SendTarget, text: string, options: SendOptions = {}): Promise<ChatMessage> {
    const { replyTo, thread, attachments } = options;
    const cid = newCid();
    const target2: SendTarget = 'room' in target ? { room: target.room } : { to: target.to };
    return new Promise<ChatMessage>((resolve, reject) => {
      const entry: Entry = {
        cid,
        target: target2,
        text,
        ...(replyTo === undefined ? {} : { replyTo }),
        ...(attachments === undefined ? {} : { attachments: [...attachments] }),
        ...(thread === undefined ? {} : { thread }),
        ...(thread !== undefined && options.alsoToRoom ? { alsoToRoom: true as const } : {}),
        createdAt: this.now(),
        state: 'queued',
        waiter: { resolve, reject },
      };
      this.entries.set(cid, entry);
      this.deps.onChange();
      this.pump();
    });
  }

  /** Queues a failed entry again (same cid, same place in the queue). False if not failed. */
  retry(cid: string): boolean {
    const entry = this.entries.get(cid);
    if (entry?.state !== 'failed') return false;
    entry.state = 'queued';
    delete entry.error;
    this.deps.onChange();
    this.pump();
    return true;
  }

  /** Forgets a failed entry. False if there is no such failed entry. */
  discard(cid: string): boolean {
    if (this.entries.get(cid)?.state !== 'failed') return false;
    this.entries.delete(cid);
    this.deps.onChange();
    return true;
  }

  /** The connection is ready (a hello succeeded) with these limits: start sending. */
  resume(limits: Partial<SendLimits>): void {
    this.ready = true;
    this.bucket = bucketFor({ ...DEFAULT_LIMITS, ...limits }, this.now);
    this.pump();
  }

  /** The connection is gone: stop until the next resume(); in-flight sends come back queued. */
  suspend(): void {
    this.ready = false;
    this.clearTimer();
  }

  /** The client closed for good: rejects every waiting caller; the entries stay listed. */
  close(err: unknown): void {
    this.suspend();
    for (const e of this.entries.values()) {
      e.waiter?.reject(err);
      e.waiter = null;
    }
  }

  /** Sends what the pause, the rate, the in-flight bound and per-target order allow. */
  private pump(): void {
    if (!this.ready || this.timer) return;
    const wait = this.pausedUntil - this.now();
    if (wait > 0) return this.schedule(wait);
    const limit = this.probing ? 1 : MAX_INFLIGHT;
    for (const entry of this.entries.values()) {
      if (this.inflight >= limit) return;
      if (entry.state !== 'queued' || this.busyTargets.has(targetKey(entry.target))) continue;
      const tokenWait = this.bucket.take();
      if (tokenWait > 0) return this.schedule(tokenWait);
      this.transmit(entry);
    }
  }

  private transmit(entry: Entry): void {
    const key = targetKey(entry.target);
    const round = this.round;
    entry.state = 'sending';
    this.inflight++;
    this.busyTargets.add(key);
    this.deps.onChange();
    const frame = {
      type: 'send',
      ...entry.target,
      text: entry.text,
      cid: entry.cid,
      ...(entry.replyTo === undefined ? {} : { replyTo: entry.replyTo }),
      ...(entry.attachments === undefined ? {} : { attachments: entry.attachments }),
      ...(entry.thread === undefined ? {} : { thread: entry.thread }),
      ...(entry.alsoToRoom ? { alsoToRoom: true } : {}),
    };
    this.deps.request(frame).then(
      (data) => {
        this.inflight--;
        this.busyTargets.delete(key);
        this.sent(entry, (data as SendResult).message);
      },
      (err: unknown) => {
        this.inflight--;
        this.busyTargets.delete(key);
        this.failed(entry, toError(err), round);
      },
    );
  }

  private sent(entry: Entry, message: ChatMessage): void {
    this.entries.delete(entry.cid);
    this.failures = 0;
    this.probing = false;
    this.deps.onSent(message);
    entry.waiter?.resolve(message);
    this.deps.onChange();
    this.pump();
  }

  private failed(entry: Entry, err: SwitchboardError, round: number): void {
    if (err.code === 'SB_ERR_CONNECTION_CLOSED') {
      // The socket is gone or going: wait for the next hello's resume(), do not spin on it.
      entry.state = 'queued';
      this.suspend();
    } else if (err.retryable) {
      entry.state = 'queued';
      if (round === this.round) this.pause(err);
    } else {
      entry.state = 'failed';
      entry.error = { code: err.code, message: err.message };
      entry.waiter?.reject(err);
      entry.waiter = null;
    }
    this.deps.onChange();
    this.pump();
  }

  private pause(err: SwitchboardError): void {
    this.round++;
    const delay = err.retryAfter ?? backoffDelay(this.failures++, RETRY_BACKOFF, this.random);
    this.pausedUntil = this.now() + delay;
    this.probing = true;
    this.clearTimer();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** True for a well-formed PendingSend (e.g. one read back from storage). */
export function isPendingSend(value: unknown): value is PendingSend {
  const p = value as Partial<PendingSend> | null;
  const t = p?.target as { room?: unknown; to?: unknown } | undefined;
  return (
    typeof p?.cid === 'string' &&
    p.cid.length > 0 &&
    p.cid.length <= 64 &&
    typeof p.text === 'string' &&
    typeof p.createdAt === 'number' &&
    (p.replyTo === undefined || (Number.isSafeInteger(p.replyTo) && p.replyTo > 0)) &&
    (p.attachments === undefined ||
      (Array.isArray(p.attachments) && p.attachments.every((a) => typeof a === 'string'))) &&
    (p.thread === undefined || (Number.isSafeInteger(p.thread) && p.thread > 0)) &&
    (p.alsoToRoom === undefined || (p.alsoToRoom === true && p.thread !== undefined)) &&
    (p.state === 'queued' || p.state === 'sending' || p.state === 'failed') &&
    (typeof t?.room === 'string') !== (typeof t?.to === 'string') &&
    (p.error === undefined || isErrorCode((p.error as { code?: unknown } | null)?.code))
  );
}

function copy(p: PendingSend): PendingSend {
  const out: PendingSend = {
    cid: p.cid,
    target: 'room' in p.target ? { room: p.target.room } : { to: p.target.to },
    text: p.text,
    ...(p.replyTo === undefined ? {} : { replyTo: p.replyTo }),
    ...(p.attachments === undefined ? {} : { attachments: [...p.attachments] }),
    ...(p.thread === undefined ? {} : { thread: p.thread }),
    ...(p.alsoToRoom ? { alsoToRoom: true as const } : {}),
    createdAt: p.createdAt,
    state: p.state,
  };
  if (p.error) out.error = { code: p.error.code, message: String(p.error.message) };
  return out;
}

function targetKey(target: SendTarget): string {
  return 'room' in target ? `room:${target.room.toLowerCase()}` : `to:${target.to.toLowerCase()}`;
}

function bucketFor(limits: SendLimits, now: () => number): TokenBucket {
  const rate = Math.max(0.1, limits.rateLimit * RATE_SHARE);
  return new TokenBucket(rate, Math.max(1, Math.floor(limits.rateBurst * RATE_SHARE)), now);
}
