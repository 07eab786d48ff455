/**
 * The webhook seam (./webhook-store.ts) of a SqliteStore, on its connection and schema. SQLite
 * has one writer at a time, so positions are readable in the order they are given.
 */
import type Database from 'better-sqlite3';
import type { Run } from './sqlite-moderation.js';
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

function prepare(db: Database.Database) {
  return {
    // No RETURNING (an ephemeral table per statement, see SqliteStore's append): the position
    // is the rowid, pos being INTEGER PRIMARY KEY.
    insert: db.prepare('INSERT INTO webhook_events (type, channel, ts, data) VALUES (?, ?, ?, ?)'),
    presence: db.prepare(
      `INSERT INTO webhook_presence (user, online) VALUES (@user, @online)
       ON CONFLICT (user) DO UPDATE SET online = excluded.online
         WHERE webhook_presence.online <> excluded.online`,
    ),
    known: db.prepare('SELECT 1 FROM webhook_presence WHERE user = ?'),
    read: db.prepare('SELECT * FROM webhook_events WHERE pos > ? ORDER BY pos LIMIT ?'),
    head: db.prepare('SELECT coalesce(max(pos), 0) FROM webhook_events'),
    oldest: db.prepare('SELECT pos, ts FROM webhook_events ORDER BY pos LIMIT ?'),
    prune: db.prepare('DELETE FROM webhook_events WHERE pos <= ?'),
    pruned: db.prepare('UPDATE webhook_log SET pruned_through = max(pruned_through, ?)'),
    prunedThrough: db.prepare('SELECT pruned_through FROM webhook_log'),
    create: db.prepare(
      `INSERT INTO webhook_subscriptions (id, url, events, secret, state, cursor, created_at)
       VALUES (@id, @url, @events, @secret, @state, @cursor, @createdAt)`,
    ),
    all: db.prepare('SELECT * FROM webhook_subscriptions ORDER BY created_at, id'),
    one: db.prepare('SELECT * FROM webhook_subscriptions WHERE id = ?'),
    update: db.prepare(
      `UPDATE webhook_subscriptions SET url = coalesce(@url, url),
         events = coalesce(@events, events), secret = coalesce(@secret, secret),
         state = coalesce(@state, state), cursor = coalesce(@cursor, cursor),
         failing_since = CASE WHEN @clear THEN NULL ELSE failing_since END,
         last_error = CASE WHEN @clear THEN NULL ELSE last_error END,
         generation = generation + 1
       WHERE id = @id RETURNING *`,
    ),
    remove: db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?'),
    removeAttempts: db.prepare('DELETE FROM webhook_deliveries WHERE subscription = ?'),
    attempt: db.prepare(
      `INSERT INTO webhook_deliveries (subscription, pos, attempt, status, error, duration_ms, ts)
       VALUES (@id, @pos, @attempt, @status, @error, @durationMs, @ts)`,
    ),
    trimAttempts: db.prepare(
      `DELETE FROM webhook_deliveries WHERE subscription = @id AND id <= (SELECT id
         FROM webhook_deliveries WHERE subscription = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    attempts: db.prepare(
      `SELECT pos, attempt, status, error, duration_ms, ts FROM webhook_deliveries
       WHERE subscription = ? ORDER BY id DESC LIMIT ?`,
    ),
    lease: db.prepare(
      `UPDATE webhook_subscriptions SET lease_node = @node, lease_until = @until
       WHERE id = @id AND (lease_node IS NULL OR lease_node = @node OR lease_until <= @now)`,
    ),
    release: db.prepare(
      'UPDATE webhook_subscriptions SET lease_node = NULL WHERE id = ? AND lease_node = ?',
    ),
    progress: db.prepare(
      `UPDATE webhook_subscriptions SET cursor = @cursor, failing_since = @failingSince,
         last_error = @lastError, state = coalesce(@state, state)
       WHERE id = @id AND lease_node = @node AND generation = @generation`,
    ),
  };
}

export class SqliteWebhooks implements WebhookStore {
  readonly #sql: ReturnType<typeof prepare>;
  readonly #append: (events: NewWebhookEvent[]) => number[];
  readonly #presence: (user: string, online: boolean, e: NewWebhookEvent) => boolean;
  readonly #prune: (before: number, limit: number) => number;
  readonly #record: (id: string, attempts: DeliveryAttempt[]) => void;
  readonly #remove: (id: string) => boolean;

  constructor(
    db: Database.Database,
    private readonly run: Run,
  ) {
    const sql = (this.#sql = prepare(db));
    const insert = (e: NewWebhookEvent): number =>
      Number(sql.insert.run(e.type, e.channel, e.ts, JSON.stringify(e.data)).lastInsertRowid);
    // A transaction's `.immediate` variant is a standalone function (it closes over the database).
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#append = db.transaction((events: NewWebhookEvent[]) => events.map(insert)).immediate;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#presence = db.transaction((user: string, online: boolean, e: NewWebhookEvent) => {
      // A user never seen is offline: an offline report for them changes nothing.
      if (!online && !sql.known.get(user)) return false;
      if (sql.presence.run({ user, online: online ? 1 : 0 }).changes === 0) return false;
      insert(e);
      return true;
    }).immediate;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#prune = db.transaction((before: number, limit: number) => {
      const oldest = sql.oldest.all(limit + 1) as { pos: number; ts: number }[];
      const last = pruneBoundary(oldest, before, limit);
      if (last === null) return 0;
      const { changes } = sql.prune.run(last);
      sql.pruned.run(last);
      return changes;
    }).immediate;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#record = db.transaction((id: string, attempts: DeliveryAttempt[]) => {
      if (!sql.one.get(id)) return;
      for (const a of attempts) sql.attempt.run({ id, ...a, durationMs: Math.round(a.durationMs) });
      sql.trimAttempts.run({ id, keep: DELIVERY_HISTORY });
    }).immediate;
    this.#remove = db.transaction((id: string) => {
      sql.removeAttempts.run(id);
      return sql.remove.run(id).changes === 1;
    });
  }

  appendEvents(events: NewWebhookEvent[]): Promise<number[]> {
    return this.run(() => this.#append(events));
  }

  presenceChanged(user: string, online: boolean, event: NewWebhookEvent): Promise<boolean> {
    return this.run(() => this.#presence(user, online, event));
  }

  readEvents(after: number, limit: number) {
    return this.run(() => (this.#sql.read.all(after, limit) as EventRow[]).map(toEvent));
  }

  headPosition(): Promise<number> {
    return this.run(() => this.#sql.head.pluck().get() as number);
  }

  pruneEvents(before: number, limit: number): Promise<number> {
    return this.run(() => this.#prune(before, limit));
  }

  prunedThrough(): Promise<number> {
    return this.run(() => this.#sql.prunedThrough.pluck().get() as number);
  }

  createSubscription(
    s: Omit<Subscription, 'generation' | 'failingSince' | 'lastError'>,
  ): Promise<void> {
    return this.run(() => {
      this.#sql.create.run({ ...s, events: JSON.stringify(s.events) });
    });
  }

  subscriptions(): Promise<Subscription[]> {
    return this.run(() => (this.#sql.all.all() as SubscriptionRow[]).map(toSubscription));
  }

  subscription(id: string): Promise<Subscription | null> {
    return this.run(() => {
      const row = this.#sql.one.get(id) as SubscriptionRow | undefined;
      return row ? toSubscription(row) : null;
    });
  }

  updateSubscription(id: string, p: SubscriptionPatch): Promise<Subscription | null> {
    return this.run(() => {
      const row = this.#sql.update.get({
        id,
        url: p.url ?? null,
        events: p.events ? JSON.stringify(p.events) : null,
        secret: p.secret ?? null,
        state: p.state ?? null,
        cursor: p.cursor ?? null,
        clear: p.state === 'active' || p.cursor !== undefined ? 1 : 0,
      }) as SubscriptionRow | undefined;
      return row ? toSubscription(row) : null;
    });
  }

  deleteSubscription(id: string): Promise<boolean> {
    return this.run(() => this.#remove(id));
  }

  recordAttempts(id: string, attempts: DeliveryAttempt[]): Promise<void> {
    return this.run(() => this.#record(id, attempts));
  }

  deliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    return this.run(() => (this.#sql.attempts.all(id, limit) as AttemptRow[]).map(toAttempt));
  }

  lease(id: string, node: string, until: number, now: number): Promise<boolean> {
    return this.run(() => this.#sql.lease.run({ id, node, until, now }).changes === 1);
  }

  releaseLease(id: string, node: string): Promise<void> {
    return this.run(() => {
      this.#sql.release.run(id, node);
    });
  }

  saveProgress(
    id: string,
    node: string,
    generation: number,
    p: Parameters<WebhookStore['saveProgress']>[3],
  ): Promise<boolean> {
    return this.run(
      () =>
        this.#sql.progress.run({
          id,
          node,
          generation,
          cursor: p.cursor,
          failingSince: p.failingSince,
          lastError: p.lastError,
          state: p.state ?? null,
        }).changes === 1,
    );
  }
}
