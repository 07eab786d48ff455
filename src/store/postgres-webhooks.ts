/**
 * The webhook seam (./webhook-store.ts) of a PostgresStore. BIGSERIAL hands out positions before
 * commit, so two concurrent appends could commit out of order and a reader could skip the lower
 * one for good; every append therefore holds a transaction-level advisory lock (APPEND_LOCK), so
 * appends commit in position order.
 */
import type pg from 'pg';
import {
  pruneBoundary,
  toAttempt,
  toEvent,
  toSubscription,
  type AttemptRow,
  type EventRow,
  type SubscriptionRow,
} from './webhook-rows.js';
import {
  DELIVERY_HISTORY,
  type DeliveryAttempt,
  type NewWebhookEvent,
  type Subscription,
  type SubscriptionPatch,
  type WebhookStore,
} from './webhook-store.js';

/** Runs `fn` in one transaction on one pooled client; driver errors wrapped by the store. */
export type Transaction = <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
/** One statement on the pool; driver errors wrapped by the store. */
export type Query = <R extends pg.QueryResultRow>(
  text: string,
  values: unknown[],
) => Promise<pg.QueryResult<R>>;

/** An arbitrary constant naming the webhook log's append lock (pg_advisory_xact_lock). */
const APPEND_LOCK = 0x5357_4831;

const INSERT =
  'INSERT INTO webhook_events (type, channel, ts, data) VALUES ($1, $2, $3, $4) RETURNING pos';

async function insert(client: pg.PoolClient, e: NewWebhookEvent): Promise<number> {
  const { rows } = await client.query<{ pos: number }>(INSERT, [
    e.type,
    e.channel,
    e.ts,
    JSON.stringify(e.data),
  ]);
  return Number(rows[0]!.pos);
}

export class PostgresWebhooks implements WebhookStore {
  constructor(
    private readonly query: Query,
    private readonly tx: Transaction,
  ) {}

  appendEvents(events: NewWebhookEvent[]): Promise<number[]> {
    return this.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const positions: number[] = [];
      for (const e of events) positions.push(await insert(client, e));
      return positions;
    });
  }

  presenceChanged(user: string, online: boolean, event: NewWebhookEvent): Promise<boolean> {
    return this.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      // A user never seen is offline: an offline report for them changes nothing.
      const { rowCount } = await client.query(
        online
          ? `INSERT INTO webhook_presence ("user", online) VALUES ($1, true)
             ON CONFLICT ("user") DO UPDATE SET online = true WHERE NOT webhook_presence.online`
          : 'UPDATE webhook_presence SET online = false WHERE "user" = $1 AND online',
        [user],
      );
      if (rowCount !== 1) return false;
      await insert(client, event);
      return true;
    });
  }

  async readEvents(after: number, limit: number) {
    const { rows } = await this.query<EventRow>(
      'SELECT * FROM webhook_events WHERE pos > $1 ORDER BY pos LIMIT $2',
      [after, limit],
    );
    return rows.map(toEvent);
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.query<{ pos: number }>(
      'SELECT coalesce(max(pos), 0) AS pos FROM webhook_events',
      [],
    );
    return Number(rows[0]!.pos);
  }

  pruneEvents(before: number, limit: number): Promise<number> {
    return this.tx(async (client) => {
      // One pruner at a time across the cluster; the next finds the work done.
      await client.query('SELECT pruned_through FROM webhook_log FOR UPDATE', []);
      const { rows } = await client.query<{ pos: string; ts: string }>(
        'SELECT pos, ts FROM webhook_events ORDER BY pos LIMIT $1',
        [limit + 1],
      );
      const last = pruneBoundary(
        rows.map((r) => ({ pos: Number(r.pos), ts: Number(r.ts) })),
        before,
        limit,
      );
      if (last === null) return 0;
      const { rowCount } = await client.query('DELETE FROM webhook_events WHERE pos <= $1', [last]);
      await client.query('UPDATE webhook_log SET pruned_through = greatest(pruned_through, $1)', [
        last,
      ]);
      return rowCount ?? 0;
    });
  }

  async prunedThrough(): Promise<number> {
    const { rows } = await this.query<{ pruned_through: string }>(
      'SELECT pruned_through FROM webhook_log',
      [],
    );
    return Number(rows[0]?.pruned_through ?? 0);
  }

  async createSubscription(
    s: Omit<Subscription, 'generation' | 'failingSince' | 'lastError'>,
  ): Promise<void> {
    await this.query(
      `INSERT INTO webhook_subscriptions (id, url, events, secret, state, cursor, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, s.url, JSON.stringify(s.events), s.secret, s.state, s.cursor, s.createdAt],
    );
  }

  async subscriptions(): Promise<Subscription[]> {
    const { rows } = await this.query<SubscriptionRow>(
      'SELECT * FROM webhook_subscriptions ORDER BY created_at, id',
      [],
    );
    return rows.map(toSubscription);
  }

  async subscription(id: string): Promise<Subscription | null> {
    const { rows } = await this.query<SubscriptionRow>(
      'SELECT * FROM webhook_subscriptions WHERE id = $1',
      [id],
    );
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async updateSubscription(id: string, p: SubscriptionPatch): Promise<Subscription | null> {
    const { rows } = await this.query<SubscriptionRow>(
      `UPDATE webhook_subscriptions SET url = coalesce($2, url), events = coalesce($3, events),
         secret = coalesce($4, secret), state = coalesce($5, state),
         cursor = coalesce($6::bigint, cursor),
         failing_since = CASE WHEN $7 THEN NULL ELSE failing_since END,
         last_error = CASE WHEN $7 THEN NULL ELSE last_error END,
         generation = generation + 1
       WHERE id = $1 RETURNING *`,
      [
        id,
        p.url ?? null,
        p.events ? JSON.stringify(p.events) : null,
        p.secret ?? null,
        p.state ?? null,
        p.cursor ?? null,
        p.state === 'active' || p.cursor !== undefined,
      ],
    );
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  deleteSubscription(id: string): Promise<boolean> {
    return this.tx(async (client) => {
      await client.query('DELETE FROM webhook_deliveries WHERE subscription = $1', [id]);
      const { rowCount } = await client.query('DELETE FROM webhook_subscriptions WHERE id = $1', [
        id,
      ]);
      return rowCount === 1;
    });
  }

  async recordAttempts(id: string, attempts: DeliveryAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    await this.tx(async (client) => {
      await client.query(
        `INSERT INTO webhook_deliveries (subscription, pos, attempt, status, error, duration_ms, ts)
         SELECT $1, * FROM unnest($2::bigint[], $3::int[], $4::int[], $5::text[], $6::int[],
           $7::bigint[])
         WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = $1)`,
        [
          id,
          attempts.map((a) => a.pos),
          attempts.map((a) => a.attempt),
          attempts.map((a) => a.status),
          attempts.map((a) => a.error),
          attempts.map((a) => Math.round(a.durationMs)),
          attempts.map((a) => a.ts),
        ],
      );
      await client.query(
        `DELETE FROM webhook_deliveries WHERE subscription = $1 AND id <= (SELECT id
           FROM webhook_deliveries WHERE subscription = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
        [id, DELIVERY_HISTORY],
      );
    });
  }

  async deliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    const { rows } = await this.query<AttemptRow>(
      `SELECT pos, attempt, status, error, duration_ms, ts FROM webhook_deliveries
       WHERE subscription = $1 ORDER BY id DESC LIMIT $2`,
      [id, limit],
    );
    return rows.map(toAttempt);
  }

  async lease(id: string, node: string, until: number, now: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE webhook_subscriptions SET lease_node = $2, lease_until = $3
       WHERE id = $1 AND (lease_node IS NULL OR lease_node = $2 OR lease_until <= $4)`,
      [id, node, until, now],
    );
    return rowCount === 1;
  }

  async releaseLease(id: string, node: string): Promise<void> {
    await this.query(
      'UPDATE webhook_subscriptions SET lease_node = NULL WHERE id = $1 AND lease_node = $2',
      [id, node],
    );
  }

  async saveProgress(
    id: string,
    node: string,
    generation: number,
    p: Parameters<WebhookStore['saveProgress']>[3],
  ): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE webhook_subscriptions SET cursor = $4, failing_since = $5, last_error = $6,
         state = coalesce($7, state)
       WHERE id = $1 AND lease_node = $2 AND generation = $3`,
      [id, node, generation, p.cursor, p.failingSince, p.lastError, p.state ?? null],
    );
    return rowCount === 1;
  }
}
