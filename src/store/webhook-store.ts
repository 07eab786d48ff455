/**
 * The webhook seam: the stored, ordered log of webhook events, the subscriptions that read it,
 * and the lease that makes one node the deliverer of a subscription. In the same database as the
 * messages, so every node of a cluster sees one log.
 *
 * Guarantees every implementation gives (checked by test/store/cases/webhooks.ts):
 * - `append` gives each event a position greater than every position already readable, so a
 *   reader that has seen position p never later finds a new event below p (PostgreSQL serializes
 *   appends with a transaction-level advisory lock for this).
 * - `presenceChanged` appends its event only when it flips the stored state of the user, in one
 *   atomic step: however many nodes report the same change, it is logged once.
 * - `lease` succeeds for one node at a time per subscription; a lease not renewed by `until` may
 *   be taken by another node. `saveCursor` succeeds only for the lease holder and only while the
 *   subscription's `generation` is the one the holder read (a replay bumps it).
 * - `pruneEvents` removes a prefix of the log (oldest first, never the newest event, so the head
 *   position survives) and records how far it went in `prunedThrough`; nodes may run it at once
 *   (PostgreSQL serializes pruners on the log's row lock; a second pass finds nothing to do).
 * - `recordAttempts` keeps the newest DELIVERY_HISTORY attempts per subscription; deleting the
 *   subscription deletes them.
 * - Backend failures reject with SB_ERR_STORE_UNAVAILABLE, the driver error as `cause`.
 */

export type SubscriptionState = 'active' | 'paused' | 'dead';

export interface NewWebhookEvent {
  type: string;
  /** The channel the event is ordered in (`room:x`, `dm:a:b`), or null (user, server events). */
  channel: string | null;
  ts: number;
  data: unknown;
}

export interface WebhookEvent extends NewWebhookEvent {
  /** The global position in the log: 1, 2, 3… (gaps allowed). */
  pos: number;
}

export interface Subscription {
  id: string;
  url: string;
  /** Event types delivered; empty: all. */
  events: string[];
  secret: string;
  state: SubscriptionState;
  /** Every event at or below this position has been delivered (or replay asked to skip it). */
  cursor: number;
  /** Bumped by every replay or state change made by an operator. */
  generation: number;
  createdAt: number;
  /** Since when the oldest undelivered event has been failing; null when none fails. */
  failingSince: number | null;
  lastError: string | null;
}

/** Delivery attempts kept per subscription (the newest). */
export const DELIVERY_HISTORY = 100;

/** One request of a delivery (GET /api/v1/webhooks/{id}/deliveries). */
export interface DeliveryAttempt {
  /** The event's position (its id is `evt_<pos>`). */
  pos: number;
  /** 1 for the event's first request by its deliverer, 2 for the first retry… */
  attempt: number;
  /** The HTTP status answered; null when none came. */
  status: number | null;
  /** Why no status came (an SB_ERR_FETCH_* code: timeout, refused address, network); else null. */
  error: string | null;
  durationMs: number;
  /** When the request started (ms). */
  ts: number;
}

export interface SubscriptionPatch {
  url?: string;
  events?: string[];
  secret?: string;
  state?: SubscriptionState;
  /** A replay: sets the cursor (and bumps the generation). */
  cursor?: number;
}

export interface WebhookStore {
  /** Appends events in the given order; resolves their positions. */
  appendEvents(events: NewWebhookEvent[]): Promise<number[]>;
  /**
   * Records `user` as online or offline and appends `event` only when that changes the stored
   * state (a user never seen is offline). Resolves whether it appended.
   */
  presenceChanged(user: string, online: boolean, event: NewWebhookEvent): Promise<boolean>;
  /** Events with position > `after`, in position order, at most `limit`. */
  readEvents(after: number, limit: number): Promise<WebhookEvent[]>;
  /** The highest position appended so far (0 when none). */
  headPosition(): Promise<number>;
  /**
   * Retention: removes, oldest first, at most `limit` events stamped before `before` (ms),
   * stopping at the first newer one and never removing the newest event. Resolves how many went.
   */
  pruneEvents(before: number, limit: number): Promise<number>;
  /** The highest position retention removed (0 when none): every event at or below it is gone. */
  prunedThrough(): Promise<number>;

  createSubscription(
    s: Omit<Subscription, 'generation' | 'failingSince' | 'lastError'>,
  ): Promise<void>;
  subscriptions(): Promise<Subscription[]>;
  subscription(id: string): Promise<Subscription | null>;
  /** Applies an operator's change (bumping the generation); null when no such subscription. */
  updateSubscription(id: string, patch: SubscriptionPatch): Promise<Subscription | null>;
  deleteSubscription(id: string): Promise<boolean>;

  /** Adds delivery attempts of `id` (oldest first), keeping its newest DELIVERY_HISTORY. */
  recordAttempts(id: string, attempts: DeliveryAttempt[]): Promise<void>;
  /** The newest attempts of `id`, newest first, at most `limit`. */
  deliveries(id: string, limit: number): Promise<DeliveryAttempt[]>;

  /** Takes or renews the delivery lease of `id` for `node` until `until`; resolves whether held. */
  lease(id: string, node: string, until: number, now: number): Promise<boolean>;
  /** Gives the lease up (a clean stop), so another node may take it at once. */
  releaseLease(id: string, node: string): Promise<void>;
  /**
   * The deliverer's progress: cursor and failure state, only while `node` holds the lease and
   * the generation is `generation`. Resolves false otherwise (the deliverer must reload).
   */
  saveProgress(
    id: string,
    node: string,
    generation: number,
    progress: {
      cursor: number;
      failingSince: number | null;
      lastError: string | null;
      state?: SubscriptionState;
    },
  ): Promise<boolean>;
}
