/**
 * The core's EventSink for webhooks: appends events to the store's log in the order the core
 * reported them, in batches, off the command path (the core never waits on the store for a
 * webhook). The queue is bounded (maxQueued): past it, events are dropped and counted, so a
 * store outage cannot grow this process without limit; a failed append is retried with backoff
 * and keeps its place.
 *
 * Presence: every node reports every cluster-wide change it sees; only flips of what this node
 * saw last are sent on, and the store's conditional update (WebhookStore.presenceChanged) logs
 * each change once however many nodes report it, including the offline events of a dead
 * node's users, which every node sees when the presence bound passes.
 */
import { backoffDelay } from '../backoff.js';
import type { EventSink, WebhookEventType } from '../core/event-sink.js';
import type { Logger } from '../logger.js';
import type { NewWebhookEvent, WebhookStore } from '../store/store.js';

type Op =
  | { k: 'event'; e: NewWebhookEvent }
  | { k: 'presence'; user: string; online: boolean; e: NewWebhookEvent };

export interface EventLogWriterOptions {
  store: WebhookStore;
  logger: Logger;
  /** Called after events were appended (wakes this node's deliverers). */
  appended?: () => void;
  /** Events held in memory at most while the store is slow or down. Default 10000. */
  maxQueued?: number;
  now?: () => number;
}

const BATCH = 500;

export class EventLogWriter implements EventSink {
  #queue: Op[] = [];
  #running = false;
  #failures = 0;
  #closed = false;
  /** Users this node last saw online (absent: offline). */
  readonly #online = new Set<string>();
  /** Events dropped because the queue was full. */
  dropped = 0;
  readonly #idle: (() => void)[] = [];

  constructor(private readonly o: EventLogWriterOptions) {}

  emit(type: WebhookEventType, channel: string | null, data: Record<string, unknown>): void {
    this.#push({ k: 'event', e: { type, channel, ts: this.#now(), data } });
  }

  presence(user: string, online: boolean): void {
    if (this.#online.has(user) === online) return;
    if (online) this.#online.add(user);
    else this.#online.delete(user);
    const e = { type: online ? 'user.online' : 'user.offline', channel: null, ts: this.#now() };
    this.#push({ k: 'presence', user, online, e: { ...e, data: { user } } });
  }

  /**
   * Stops retrying: what is still queued after the next failed append is dropped (the node is
   * stopping and its store is closing). Events reported after this are not kept.
   */
  close(): void {
    this.#closed = true;
  }

  /** Resolves once everything queued so far is stored (tests, shutdown). */
  flushed(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  #push(op: Op): void {
    if (this.#closed) return;
    if (this.#queue.length >= (this.o.maxQueued ?? 10_000)) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.o.logger.error({ dropped: this.dropped }, 'webhook event log queue full; dropping');
      return;
    }
    this.#queue.push(op);
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      let n = 1;
      try {
        if (head.k === 'presence') {
          await this.o.store.presenceChanged(head.user, head.online, head.e);
        } else {
          while (n < BATCH && this.#queue[n]?.k === 'event') n++;
          const events = this.#queue.slice(0, n).map((op) => op.e);
          await this.o.store.appendEvents(events);
        }
        this.#queue.splice(0, n);
        this.#failures = 0;
        this.o.appended?.();
      } catch (err) {
        if (this.#closed) {
          this.o.logger.warn({ err, dropped: this.#queue.length }, 'webhook events lost at stop');
          this.#queue = [];
          break;
        }
        const wait = backoffDelay(this.#failures++, { minMs: 100, maxMs: 10_000 });
        this.o.logger.warn({ err, wait }, 'webhook event log append failed; retrying');
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
