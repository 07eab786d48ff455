/**
 * Runs the deliverers of the subscriptions this node holds the lease of. Every node runs one;
 * each tick (a third of the lease) it reads the subscriptions, renews the leases it holds, takes
 * free or expired ones, and stops deliverers whose subscription was deleted, paused, died, or
 * changed (a new generation: a replay or an operator's edit; delivery restarts from the stored
 * cursor). A node that dies stops renewing: another takes its subscriptions over once the lease
 * expires, from the last saved cursor.
 */
import type { Logger } from '../logger.js';
import type { Subscription, WebhookStore } from '../store/store.js';
import { SubscriptionDeliverer, type DeliveryOptions } from './deliverer.js';
import { Limiter } from './limiter.js';

export interface DispatcherOptions {
  store: WebhookStore;
  node: string;
  logger: Logger;
  delivery: DeliveryOptions;
  /** Requests in flight at most on this node. */
  concurrency: number;
  /** Lease length in ms. */
  leaseMs: number;
  now?: () => number;
}

interface Running {
  deliverer: SubscriptionDeliverer;
  leaseUntil: number;
}

export class WebhookDispatcher {
  readonly #running = new Map<string, Running>();
  readonly #limiter: Limiter;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(private readonly o: DispatcherOptions) {
    this.#limiter = new Limiter(o.concurrency);
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.#timer = setInterval(() => void this.refresh(), Math.max(50, this.o.leaseMs / 3));
    this.#timer.unref();
    void this.refresh();
  }

  /** Events were appended on this node: deliver them without waiting for the poll. */
  wake(): void {
    for (const r of this.#running.values()) r.deliverer.wake();
  }

  /** Re-reads the subscriptions now (after an operator's change on this node). */
  refresh(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      try {
        do {
          this.#again = false;
          await this.#tick();
        } while (this.#again && !this.#closed);
      } catch (err) {
        this.o.logger.warn({ err }, 'webhook dispatcher tick failed');
      } finally {
        this.#ticking = null;
      }
    })();
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const subs = await this.o.store.subscriptions();
    const seen = new Set<string>();
    for (const sub of subs) {
      if (this.#closed) return;
      seen.add(sub.id);
      await this.#keep(sub);
    }
    for (const id of [...this.#running.keys()]) if (!seen.has(id)) this.#stop(id);
  }

  async #keep(sub: Subscription): Promise<void> {
    const running = this.#running.get(sub.id);
    if (sub.state !== 'active') {
      if (running) await this.#stopAndRelease(sub.id);
      return;
    }
    if (running && (running.deliverer.stopped || running.deliverer.generation !== sub.generation))
      this.#stop(sub.id);
    const until = this.#now() + this.o.leaseMs;
    let held: boolean;
    try {
      held = await this.o.store.lease(sub.id, this.o.node, until, this.#now());
    } catch (err) {
      // Unknown: keep delivering until the lease we had runs out (the deliverer checks it).
      this.o.logger.warn({ err, subscription: sub.id }, 'webhook lease renewal failed');
      return;
    }
    const current = this.#running.get(sub.id);
    if (!held) {
      if (current) this.#stop(sub.id);
      return;
    }
    if (current) {
      current.leaseUntil = until;
      return;
    }
    const entry: Running = {
      deliverer: null as unknown as SubscriptionDeliverer,
      leaseUntil: until,
    };
    entry.deliverer = new SubscriptionDeliverer(sub, {
      store: this.o.store,
      node: this.o.node,
      options: this.o.delivery,
      limiter: this.#limiter,
      logger: this.o.logger,
      now: () => this.#now(),
      leaseUntil: () => entry.leaseUntil,
      stopped: () => void this.refresh(),
    });
    this.#running.set(sub.id, entry);
    entry.deliverer.start();
  }

  #stop(id: string): void {
    this.#running.get(id)?.deliverer.stop();
    this.#running.delete(id);
  }

  async #stopAndRelease(id: string): Promise<void> {
    this.#stop(id);
    await this.o.store.releaseLease(id, this.o.node).catch(() => {});
  }

  /** Stops delivering and gives the leases up, so another node takes over at once. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#ticking;
    await Promise.all([...this.#running.keys()].map((id) => this.#stopAndRelease(id)));
  }

  /** Subscriptions this node delivers (for the state view and tests). */
  get delivering(): string[] {
    return [...this.#running.keys()];
  }
}
