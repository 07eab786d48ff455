/** The webhook seam (./webhook-store.ts) in this process's memory: MemoryStore's `webhooks`. */
import { pruneBoundary } from './webhook-rows.js';
import {
  DELIVERY_HISTORY,
  type DeliveryAttempt,
  type NewWebhookEvent,
  type Subscription,
  type SubscriptionPatch,
  type WebhookEvent,
  type WebhookStore,
} from './webhook-store.js';

interface Lease {
  node: string;
  until: number;
}

export class MemoryWebhooks implements WebhookStore {
  /** The log from position `#prunedThrough + 1` on, without gaps: `#events[i].pos` is that + i. */
  #events: WebhookEvent[] = [];
  #prunedThrough = 0;
  readonly #online = new Set<string>();
  readonly #subs = new Map<string, Subscription>();
  readonly #leases = new Map<string, Lease>();
  /** Per subscription, oldest first. */
  readonly #attempts = new Map<string, DeliveryAttempt[]>();

  async appendEvents(events: NewWebhookEvent[]): Promise<number[]> {
    return events.map((e) => this.#push(e));
  }

  #push(e: NewWebhookEvent): number {
    const pos = this.#prunedThrough + this.#events.length + 1;
    this.#events.push({ ...e, pos });
    return pos;
  }

  async presenceChanged(user: string, online: boolean, event: NewWebhookEvent): Promise<boolean> {
    if (this.#online.has(user) === online) return false;
    if (online) this.#online.add(user);
    else this.#online.delete(user);
    this.#push(event);
    return true;
  }

  async readEvents(after: number, limit: number): Promise<WebhookEvent[]> {
    const from = Math.max(0, after - this.#prunedThrough);
    return this.#events.slice(from, from + limit).map((e) => ({ ...e }));
  }

  async headPosition(): Promise<number> {
    return this.#prunedThrough + this.#events.length;
  }

  async pruneEvents(before: number, limit: number): Promise<number> {
    const last = pruneBoundary(this.#events.slice(0, limit + 1), before, limit);
    if (last === null) return 0;
    const n = last - this.#prunedThrough;
    this.#events = this.#events.slice(n);
    this.#prunedThrough = last;
    return n;
  }

  async prunedThrough(): Promise<number> {
    return this.#prunedThrough;
  }

  async createSubscription(
    s: Omit<Subscription, 'generation' | 'failingSince' | 'lastError'>,
  ): Promise<void> {
    this.#subs.set(s.id, {
      ...s,
      events: [...s.events],
      generation: 0,
      failingSince: null,
      lastError: null,
    });
  }

  async subscriptions(): Promise<Subscription[]> {
    return [...this.#subs.values()]
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map((s) => ({ ...s, events: [...s.events] }));
  }

  async subscription(id: string): Promise<Subscription | null> {
    const s = this.#subs.get(id);
    return s ? { ...s, events: [...s.events] } : null;
  }

  async updateSubscription(id: string, patch: SubscriptionPatch): Promise<Subscription | null> {
    const s = this.#subs.get(id);
    if (!s) return null;
    Object.assign(s, stripUndefined(patch));
    if (patch.events) s.events = [...patch.events];
    if (patch.state === 'active' || patch.cursor !== undefined) {
      s.failingSince = null;
      s.lastError = null;
    }
    s.generation++;
    return { ...s, events: [...s.events] };
  }

  async deleteSubscription(id: string): Promise<boolean> {
    this.#leases.delete(id);
    this.#attempts.delete(id);
    return this.#subs.delete(id);
  }

  async recordAttempts(id: string, attempts: DeliveryAttempt[]): Promise<void> {
    if (!this.#subs.has(id)) return;
    const kept = [...(this.#attempts.get(id) ?? []), ...attempts.map((a) => ({ ...a }))];
    this.#attempts.set(id, kept.slice(-DELIVERY_HISTORY));
  }

  async deliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    return [...(this.#attempts.get(id) ?? [])]
      .reverse()
      .slice(0, limit)
      .map((a) => ({ ...a }));
  }

  async lease(id: string, node: string, until: number, now: number): Promise<boolean> {
    if (!this.#subs.has(id)) return false;
    const held = this.#leases.get(id);
    if (held && held.node !== node && held.until > now) return false;
    this.#leases.set(id, { node, until });
    return true;
  }

  async releaseLease(id: string, node: string): Promise<void> {
    if (this.#leases.get(id)?.node === node) this.#leases.delete(id);
  }

  async saveProgress(
    id: string,
    node: string,
    generation: number,
    progress: Parameters<WebhookStore['saveProgress']>[3],
  ): Promise<boolean> {
    const s = this.#subs.get(id);
    if (!s || s.generation !== generation || this.#leases.get(id)?.node !== node) return false;
    s.cursor = progress.cursor;
    s.failingSince = progress.failingSince;
    s.lastError = progress.lastError;
    if (progress.state) s.state = progress.state;
    return true;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
