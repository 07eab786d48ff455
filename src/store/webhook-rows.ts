/** Rows of the webhook tables (SQLite and PostgreSQL name them alike) as seam objects. */
import type {
  DeliveryAttempt,
  Subscription,
  SubscriptionState,
  WebhookEvent,
} from './webhook-store.js';

export interface EventRow {
  pos: number;
  type: string;
  channel: string | null;
  ts: number;
  data: string;
}

export interface SubscriptionRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  state: string;
  cursor: number;
  generation: number;
  created_at: number;
  failing_since: number | null;
  last_error: string | null;
}

export interface AttemptRow {
  pos: number;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  ts: number;
}

export const toAttempt = (r: AttemptRow): DeliveryAttempt => ({
  pos: Number(r.pos),
  attempt: Number(r.attempt),
  status: r.status === null ? null : Number(r.status),
  error: r.error,
  durationMs: Number(r.duration_ms),
  ts: Number(r.ts),
});

export const toEvent = (r: EventRow): WebhookEvent => ({
  pos: Number(r.pos),
  type: r.type,
  channel: r.channel,
  ts: Number(r.ts),
  data: JSON.parse(r.data) as unknown,
});

export const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  secret: r.secret,
  state: r.state as SubscriptionState,
  cursor: Number(r.cursor),
  generation: Number(r.generation),
  createdAt: Number(r.created_at),
  failingSince: r.failing_since === null ? null : Number(r.failing_since),
  lastError: r.last_error,
});

/**
 * The last position `pruneEvents` may remove, given the oldest `limit + 1` events of the log in
 * position order: the end of the leading run stamped before `before`, within the first `limit`,
 * never the newest event of the log. Null when nothing may go.
 */
export function pruneBoundary(
  oldest: readonly { pos: number; ts: number }[],
  before: number,
  limit: number,
): number | null {
  const candidates = oldest.length > limit ? oldest.slice(0, limit) : oldest.slice(0, -1);
  let last: number | null = null;
  for (const e of candidates) {
    if (Number(e.ts) >= before) break;
    last = Number(e.pos);
  }
  return last;
}
