/**
 * Delivers one subscription's events, on the one node holding its lease (./dispatcher.ts).
 *
 * - Reads the log from the subscription's cursor, at most `window` events ahead of it (bounded
 *   memory whatever the receiver does).
 * - Per channel (a user's presence events count as one channel, `user:<name>`, and events of no
 *   channel as one more), one event in flight at a time, the next only once it is acknowledged
 *   (a 2xx): in order per channel; channels progress independently within the window.
 * - A failure (non-2xx, timeout, refused address) is retried after capped exponential backoff
 *   with jitter; the channel waits meanwhile. An event failing for `deadAfterMs` turns the
 *   subscription `dead`: delivery stops, the cursor stays, an operator resumes it
 *   (state `active`) or replays.
 * - The cursor (every event at or below it acknowledged) is saved after acknowledgements, fenced
 *   by the lease and the subscription's generation; after a crash or takeover delivery resumes
 *   from it, so an event may come twice (at least once: receivers dedupe by event id).
 * - Every request is recorded (WebhookStore.recordAttempts: the newest 100 are kept) off the
 *   delivery path, in batches; at most 100 wait while the store is slow (older ones dropped).
 */
import { backoffDelay } from '../backoff.js';
import { DELIVERY_HISTORY } from '../store/webhook-store.js';
import { SwitchboardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AllowList } from '../net/address-policy.js';
import { safeFetch } from '../net/safe-fetch.js';
import type { DeliveryAttempt, Subscription, WebhookEvent, WebhookStore } from '../store/store.js';
import type { Limiter } from './limiter.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, sign } from './signature.js';

export interface DeliveryOptions {
  allow: AllowList;
  /** Time limit of one request, in ms. */
  timeoutMs: number;
  /** First retry delay, in ms; doubles up to maxRetryMs. */
  retryMs: number;
  maxRetryMs: number;
  /** An event failing this long turns the subscription dead, in ms. */
  deadAfterMs: number;
  /** Events held ahead of the cursor at most. */
  window: number;
  /** Requests in flight at most for one subscription. */
  perSubscription: number;
  /** How often the log is read when caught up, in ms. */
  pollMs: number;
}

export interface DelivererContext {
  store: WebhookStore;
  node: string;
  options: DeliveryOptions;
  limiter: Limiter;
  logger: Logger;
  now: () => number;
  /** Until when this node holds the lease; no request starts past it. */
  leaseUntil: () => number;
  /** The deliverer stopped by itself: dead, or fenced out (lease or generation lost). */
  stopped: (id: string) => void;
}

interface Item {
  e: WebhookEvent;
  key: string;
  attempts: number;
  failingSince: number | null;
}

/** The body a receiver gets (docs/webhooks.md). */
export function payload(e: WebhookEvent): string {
  return JSON.stringify({
    id: eventId(e.pos),
    type: e.type,
    position: e.pos,
    channel: e.channel,
    ts: e.ts,
    data: e.data,
  });
}

export const eventId = (pos: number): string => `evt_${pos}`;

export class SubscriptionDeliverer {
  #cursor: number;
  #readPos: number;
  /** Read and not yet acknowledged, in position order. */
  readonly #pending = new Map<number, Item>();
  readonly #queues = new Map<string, Item[]>();
  /** Channels with an event in flight or waiting for its retry. */
  readonly #busy = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #inflight = 0;
  #reading = false;
  #again = false;
  #saving = false;
  #dirty = false;
  #stopped = false;
  #lastError: string | null = null;
  /** Attempts not yet recorded, oldest first. */
  #attempts: DeliveryAttempt[] = [];
  #recording = false;
  readonly #filter: Set<string> | null;
  readonly #pump = () => this.#pumpNow();

  constructor(
    readonly sub: Subscription,
    private readonly ctx: DelivererContext,
  ) {
    this.#cursor = this.#readPos = sub.cursor;
    this.#filter = sub.events.length > 0 ? new Set(sub.events) : null;
  }

  get generation(): number {
    return this.sub.generation;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    const poll = setInterval(() => this.wake(), this.ctx.options.pollMs);
    poll.unref();
    this.#timers.add(poll);
    this.wake();
  }

  /** New events may be in the log. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#reading) this.#again = true;
    else void this.#fill();
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.ctx.limiter.forget(this.#pump);
  }

  async #fill(): Promise<void> {
    this.#reading = true;
    try {
      do {
        this.#again = false;
        const room = this.ctx.options.window - this.#pending.size;
        if (room <= 0 || this.#stopped) break;
        const events = await this.ctx.store.readEvents(this.#readPos, room);
        if (this.#stopped) return;
        for (const e of events) this.#take(e);
        if (events.length === room) this.#again = true;
        this.#advance();
        this.#pumpNow();
      } while (this.#again);
    } catch (err) {
      this.ctx.logger.warn({ err, subscription: this.sub.id }, 'webhook log read failed');
    } finally {
      this.#reading = false;
    }
  }

  #take(e: WebhookEvent): void {
    this.#readPos = e.pos;
    if (this.#filter && !this.#filter.has(e.type)) return;
    const data = e.data as { user?: unknown } | null;
    const key = e.channel ?? (e.type.startsWith('user.') ? `user:${String(data?.user)}` : 'server');
    const item: Item = { e, key, attempts: 0, failingSince: null };
    this.#pending.set(e.pos, item);
    const q = this.#queues.get(key);
    if (q) q.push(item);
    else this.#queues.set(key, [item]);
  }

  #pumpNow(): void {
    const { options, limiter } = this.ctx;
    for (const [key, q] of this.#queues) {
      if (this.#stopped || this.#inflight >= options.perSubscription) return;
      if (this.#busy.has(key) || q.length === 0) continue;
      if (this.ctx.now() >= this.ctx.leaseUntil()) return; // the dispatcher renews or stops us
      if (!limiter.tryAcquire(this.#pump)) return;
      this.#busy.add(key);
      this.#inflight++;
      void this.#send(q[0]!);
    }
  }

  async #send(item: Item): Promise<void> {
    const body = payload(item.e);
    let error: string | null = null;
    const attempt: DeliveryAttempt = {
      pos: item.e.pos,
      attempt: item.attempts + 1,
      status: null,
      error: null,
      durationMs: 0,
      ts: this.ctx.now(),
    };
    const started = performance.now();
    try {
      const res = await safeFetch(this.sub.url, {
        method: 'POST',
        body,
        allow: this.ctx.options.allow,
        timeoutMs: this.ctx.options.timeoutMs,
        maxBytes: 4096,
        truncate: true,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Switchboard-Webhooks',
          [EVENT_ID_HEADER]: eventId(item.e.pos),
          [SIGNATURE_HEADER]: sign(this.sub.secret, body, this.ctx.now()),
        },
      });
      attempt.status = res.status;
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof SwitchboardError ? `${err.code}: ${err.message}` : String(err);
      attempt.error = err instanceof SwitchboardError ? err.code : 'SB_ERR_FETCH_FAILED';
    } finally {
      this.ctx.limiter.release();
      this.#inflight--;
    }
    attempt.durationMs = Math.round(performance.now() - started);
    this.#record(attempt);
    if (this.#stopped) return;
    if (error === null) this.#acknowledged(item);
    else this.#failed(item, error);
  }

  #acknowledged(item: Item): void {
    const q = this.#queues.get(item.key)!;
    q.shift();
    if (q.length === 0) this.#queues.delete(item.key);
    this.#pending.delete(item.e.pos);
    this.#busy.delete(item.key);
    this.#advance();
    this.#pumpNow();
    this.wake();
  }

  #failed(item: Item, error: string): void {
    const now = this.ctx.now();
    item.failingSince ??= now;
    this.#lastError = error;
    const { options } = this.ctx;
    if (now - item.failingSince >= options.deadAfterMs) {
      this.ctx.logger.warn(
        { subscription: this.sub.id, position: item.e.pos, error },
        'webhook subscription dead: an event failed past the dead-letter bound',
      );
      this.stop();
      void this.#save('dead').finally(() => this.ctx.stopped(this.sub.id));
      return;
    }
    const wait = backoffDelay(item.attempts++, {
      minMs: options.retryMs,
      maxMs: options.maxRetryMs,
    });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#busy.delete(item.key);
      this.#pumpNow();
    }, wait);
    timer.unref();
    this.#timers.add(timer);
    this.#dirty = true;
    void this.#save();
  }

  #record(attempt: DeliveryAttempt): void {
    this.#attempts.push(attempt);
    if (this.#attempts.length > DELIVERY_HISTORY) this.#attempts.shift();
    if (!this.#recording) void this.#recordAll();
  }

  /** Writes the waiting attempts, one batch at a time; a failed write loses its batch. */
  async #recordAll(): Promise<void> {
    this.#recording = true;
    try {
      while (this.#attempts.length > 0) {
        const batch = this.#attempts;
        this.#attempts = [];
        await this.ctx.store.recordAttempts(this.sub.id, batch).catch((err: unknown) => {
          this.ctx.logger.warn({ err, subscription: this.sub.id }, 'webhook attempts not recorded');
        });
      }
    } finally {
      this.#recording = false;
    }
  }

  #advance(): void {
    const first = this.#pending.keys().next();
    const cursor = first.done ? this.#readPos : first.value - 1;
    if (cursor !== this.#cursor) {
      this.#cursor = cursor;
      void this.#save();
    }
  }

  #failingSince(): number | null {
    let since: number | null = null;
    for (const item of this.#pending.values())
      if (item.failingSince !== null && (since === null || item.failingSince < since))
        since = item.failingSince;
    return since;
  }

  /** Saves the cursor (one save at a time; changes meanwhile saved right after). */
  async #save(state?: 'dead'): Promise<void> {
    if (this.#saving && !state) {
      this.#dirty = true;
      return;
    }
    this.#saving = true;
    try {
      do {
        this.#dirty = false;
        const failingSince = this.#failingSince();
        const ok = await this.ctx.store.saveProgress(this.sub.id, this.ctx.node, this.generation, {
          cursor: this.#cursor,
          failingSince,
          lastError: failingSince === null ? null : this.#lastError,
          ...(state ? { state } : {}),
        });
        if (!ok && !this.#stopped) {
          // A replay or an operator's change (new generation), or the lease is gone.
          this.stop();
          this.ctx.stopped(this.sub.id);
        }
      } while (this.#dirty && !this.#stopped);
    } catch (err) {
      this.ctx.logger.warn({ err, subscription: this.sub.id }, 'webhook cursor save failed');
    } finally {
      this.#saving = false;
    }
  }
}
