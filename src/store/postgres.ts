import pg from 'pg';
import { SwitchboardError } from '../errors.js';
import type { Session, SessionStore } from '../auth/session-store.js';
import type {
  ChannelKind,
  MemberPosition,
  Membership,
  ReadPosition,
  RoomSummary,
} from './channel-store.js';
import {
  MAX_DISTINCT_REACTIONS,
  REACTION_NAMES,
  isMessage,
  withoutUndefined,
  type AppendOpen,
  type AppendOptions,
  type AppendResult,
  type ChannelHead,
  type MessageVersion,
  type NewMessage,
  type ReactionSummary,
  type ReadQuery,
  type StoredMessage,
} from './message-store.js';
import {
  APPEND_BATCH_SQL,
  MAX_BATCH,
  batchJson,
  type BatchRow,
  type QueuedAppend,
} from './postgres-append-batch.js';
import { PostgresModeration } from './postgres-moderation.js';
import { PostgresUploads } from './postgres-uploads.js';
import { PostgresWebhooks } from './postgres-webhooks.js';
import { migrate } from './postgres-schema.js';
import { PostgresAccounts } from './postgres-accounts.js';
import { PostgresApiKeys } from './postgres-api-keys.js';
import { PostgresPush } from './postgres-push.js';
import { PostgresSearch } from './postgres-search.js';
import { PostgresThreads } from './postgres-threads.js';
import { UnnamedStatementClient, pgbouncerMode } from './postgres-pgbouncer.js';
import {
  checkShardLayout,
  readShardLayout,
  recordShardLayout,
  type ShardLayout,
} from './postgres-shard-layout.js';
import { fold } from './search-text.js';
import type { AccountStore } from '../auth/account-store.js';
import {
  IN_MAIN_TIMELINE,
  IS_MESSAGE,
  MESSAGE_COLUMNS,
  joinMentions,
  optionalColumns,
  summarize,
  toDmRecipient,
  toMessage,
  toSession,
  type DmRecipientRow,
  type MessageRow,
  type SessionRow,
} from './rows.js';
import { refuseDm, type DmRecipient, type Store, type StoreOptions } from './store.js';

/** Connections per node; enough for concurrent appends, small enough for many nodes. */
const POOL_MAX = 10;
/** How long a query waits for a connection before rejecting, so a down database fails fast. */
const CONNECT_TIMEOUT_MS = 5_000;

/** BIGINT (OID 20) columns hold seqs and millisecond timestamps, all below 2^53: parse as number. */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? Number
      : (pg.types.getTypeParser(oid, format) as (
          value: string,
        ) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

/** ReadQuery's `thread` ($t, null: any) and `mainTimeline` ($m) in the readMessages statements. */
const messageFilter = (t: number, m: number): string =>
  `($${t}::bigint IS NULL OR thread = $${t}::bigint) AND (NOT $${m}::boolean OR ${IN_MAIN_TIMELINE})`;

/** Named statements are prepared once per connection by the driver. */
const SQL = {
  /*
   * One autocommit statement. The UPDATE takes the channel row lock, which serialises writers of
   * one channel across all nodes, so seqs are gapless and unique; `$6` is retainPerChannel (0:
   * keep all) and moves first_seq forward in the same UPDATE. A concurrent append of the same
   * (channel, sender, cid) can pass NOT EXISTS (statement snapshot) and then fails on the UNIQUE
   * constraint (23505): the whole statement rolls back, last_seq included, so no seq is consumed.
   * No row back: duplicate or unknown channel, told apart by `byCid` and `head`; or, with `$22`
   * (AppendOptions.recipient), that recipient is no member of the DM or blocks the sender,
   * told by `dmRecipient`.
   * The search index follows in the same statement: `$8` is the folded text (./search-text.ts),
   * indexed unless this is a delete event, which unindexes message `$7` instead; pruned
   * messages are unindexed with their rows.
   */
  append: `WITH bumped AS (
      UPDATE channels SET last_seq = last_seq + 1,
        first_seq = CASE WHEN $6::bigint > 0 THEN greatest(first_seq, last_seq + 2 - $6::bigint)
          ELSE first_seq END
      WHERE channel = $1 AND NOT EXISTS
        (SELECT 1 FROM messages WHERE channel = $1 AND sender = $2 AND cid = $3)
        AND ($22::text IS NULL
          OR (EXISTS (SELECT 1 FROM members WHERE channel = $1 AND "user" = $22)
            AND NOT EXISTS (SELECT 1 FROM blocks WHERE "user" = $22 AND other = $2)))
      RETURNING last_seq, first_seq),
    pruned AS (DELETE FROM messages WHERE channel = $1 AND seq < (SELECT first_seq FROM bumped)),
    pruned_reactions AS
      (DELETE FROM reactions WHERE channel = $1 AND seq < (SELECT first_seq FROM bumped)),
    unindexed AS (DELETE FROM message_search WHERE channel = $1
      AND (seq < (SELECT first_seq FROM bumped) OR seq = (SELECT $7::bigint FROM bumped))),
    indexed AS (INSERT INTO message_search (channel, seq, sender, ts, body)
      SELECT $1::text, last_seq, $2::text, $5::bigint, $8::text FROM bumped
      WHERE $8::text <> ''),
    moved AS (UPDATE members SET read_seq = greatest(read_seq, (SELECT last_seq FROM bumped))
      WHERE $21::boolean AND channel = $1 AND "user" = $2 AND EXISTS (SELECT 1 FROM bumped)
      RETURNING read_seq)
    INSERT INTO messages (channel, seq, cid, sender, text, ts, deletes, edits, reacts, unreacts,
      emoji, reply_to, mentions, mentions_all, previews, preview, attachments, thread, also_to_room)
    SELECT $1::text, last_seq, $3::text, $2::text, $4::text, $5::bigint, $7::bigint, $9::bigint,
      $10::bigint, $11::bigint, $12::text, $13::bigint, $14::text, $15::text, $16::bigint,
      $17::text, $18::text, $19::bigint, $20::boolean FROM bumped
    RETURNING seq, (SELECT read_seq FROM moved) AS read_seq`,
  // The event statements run in one transaction (appendEvent), the target row locked first.
  target: `SELECT deleted FROM messages WHERE channel = $1 AND seq = $2 AND ${IS_MESSAGE}
    FOR UPDATE`,
  eraseMessage: `WITH msg AS (UPDATE messages SET text = '', deleted = true, edited_ts = NULL,
        mentions = NULL, mentions_all = NULL, preview = NULL, original_text = NULL,
        attachments = NULL WHERE channel = $1 AND seq = $2),
    edits AS (UPDATE messages SET text = '', mentions = NULL, mentions_all = NULL
      WHERE channel = $1 AND edits = $2),
    previews AS (UPDATE messages SET preview = NULL WHERE channel = $1 AND previews = $2)
    DELETE FROM reactions WHERE channel = $1 AND seq = $2`,
  editMessage: `UPDATE messages SET original_text = coalesce(original_text, text), text = $3,
    edited_ts = $4, mentions = $5, mentions_all = $6 WHERE channel = $1 AND seq = $2`,
  setPreview: `UPDATE messages SET preview = $3 WHERE channel = $1 AND seq = $2
    AND preview IS NULL`,
  original: `SELECT text, original_text, ts, deleted FROM messages WHERE channel = $1 AND seq = $2
    AND ${IS_MESSAGE}`,
  editTexts: 'SELECT text, ts FROM messages WHERE channel = $1 AND edits = $2 ORDER BY seq',
  reindex: 'UPDATE message_search SET body = $3 WHERE channel = $1 AND seq = $2',
  reactionState: `SELECT count(DISTINCT emoji)::int AS kinds, coalesce(bool_or(emoji = $3), false)
      AS known, coalesce(bool_or(emoji = $3 AND "user" = $4), false) AS mine
    FROM reactions WHERE channel = $1 AND seq = $2`,
  addReaction: `INSERT INTO reactions (channel, seq, emoji, "user", ts) VALUES ($1, $2, $3, $4, $5)`,
  removeReaction: `DELETE FROM reactions WHERE channel = $1 AND seq = $2 AND emoji = $3
    AND "user" = $4`,
  reactions: `SELECT seq, emoji, "user" FROM reactions WHERE channel = $1 AND seq = ANY($2::bigint[])
    ORDER BY seq, ts, "user"`,
  countMessages: `SELECT count(*)::int AS n FROM (SELECT 1 FROM messages
    WHERE channel = $1 AND seq > $2 AND seq <= $3 AND ${IS_MESSAGE} AND ${IN_MAIN_TIMELINE}
    LIMIT $4) page`,
  // position(), not LIKE: `_` in a handle is a LIKE wildcard.
  countMentions: `SELECT count(*)::int AS n FROM (SELECT 1 FROM messages
    WHERE channel = $1 AND seq > $2 AND seq <= $3 AND ${IS_MESSAGE} AND NOT deleted
      AND (position(' ' || $4::text || ' ' IN ' ' || mentions || ' ') > 0
        OR (mentions_all IS NOT NULL AND sender <> $4::text))
    LIMIT $5) page`,
  readMessagesAfter: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND seq > $2
    AND ${IS_MESSAGE} AND ${messageFilter(4, 5)} ORDER BY seq LIMIT $3`,
  readMessagesBefore: `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE channel = $1 AND seq > $2 AND seq < $3 AND ${IS_MESSAGE} AND ${messageFilter(5, 6)}
    ORDER BY seq DESC LIMIT $4) page
    ORDER BY seq`,
  byCid: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND sender = $2 AND cid = $3`,
  readAfter: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND seq > $2
    ORDER BY seq LIMIT $3`,
  readBefore: `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE channel = $1 AND seq > $2 AND seq < $3 ORDER BY seq DESC LIMIT $4) page ORDER BY seq`,
  head: 'SELECT last_seq, first_seq FROM channels WHERE channel = $1',
  createChannel: `INSERT INTO channels (channel, kind, created_by, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (channel) DO NOTHING`,
  // createChannel with members, in one statement: a member's positions come from the channel
  // as it was before it (none: a new channel, at 0), as insertMember's would.
  createChannelWith: `WITH created AS (INSERT INTO channels (channel, kind, created_by, created_at)
      VALUES ($1, $2, $3, $4) ON CONFLICT (channel) DO NOTHING RETURNING channel),
    joined AS (INSERT INTO members (channel, "user", read_seq, joined_at, floor_seq)
      SELECT $1::text, u, coalesce(c.last_seq, 0), $6::bigint,
        CASE coalesce(c.kind, $2::text) WHEN 'dm' THEN coalesce(c.last_seq, 0) ELSE 0 END
      FROM unnest($5::text[]) AS u LEFT JOIN channels c ON c.channel = $1::text
      ON CONFLICT (channel, "user") DO NOTHING)
    SELECT count(*)::int AS created FROM created`,
  listRooms: `SELECT substr(c.channel, 6) AS room, c.last_seq, c.topic, c.archived,
      (SELECT count(*) FROM members m WHERE m.channel = c.channel) AS members
    FROM channels c WHERE c.kind = 'room' ORDER BY c.channel`,
  insertMember: `INSERT INTO members (channel, "user", read_seq, joined_at, floor_seq)
    SELECT channel, $2::text, last_seq, $3::bigint,
      CASE kind WHEN 'dm' THEN last_seq ELSE 0 END
    FROM channels WHERE channel = $1
    ON CONFLICT (channel, "user") DO NOTHING`,
  removeMember: 'DELETE FROM members WHERE channel = $1 AND "user" = $2',
  isMember: 'SELECT 1 FROM members WHERE channel = $1 AND "user" = $2',
  // One round trip for a DM's two checks (Store.dmRecipient).
  dmRecipient: `SELECT m.read_seq, m.floor_seq,
      EXISTS (SELECT 1 FROM blocks WHERE "user" = $2 AND other = $3) AS blocked
    FROM (SELECT 1) one LEFT JOIN members m ON m.channel = $1 AND m."user" = $2`,
  membership: 'SELECT read_seq, floor_seq FROM members WHERE channel = $1 AND "user" = $2',
  forgetUser: `WITH follows AS (DELETE FROM thread_follows WHERE "user" = $1),
    m AS (DELETE FROM members WHERE "user" = $1)
    DELETE FROM user_settings WHERE "user" = $1`,
  readPositions: `SELECT m."user", m.read_seq, coalesce(s.receipts, true) AS receipts
    FROM members m LEFT JOIN user_settings s ON s."user" = m."user"
    WHERE m.channel = $1 ORDER BY m."user"`,
  receiptsEnabled: 'SELECT receipts FROM user_settings WHERE "user" = $1',
  setReceiptsEnabled: `INSERT INTO user_settings ("user", receipts) VALUES ($1, $2)
    ON CONFLICT ("user") DO UPDATE SET receipts = excluded.receipts`,
  members: 'SELECT "user" FROM members WHERE channel = $1 ORDER BY "user"',
  membersPage:
    'SELECT "user" FROM members WHERE channel = $1 AND "user" > $2 ORDER BY "user" LIMIT $3',
  memberCount: 'SELECT count(*)::int AS n FROM members WHERE channel = $1',
  memberships: `SELECT m.channel, c.kind, c.last_seq, c.first_seq, m.read_seq, m.floor_seq,
      c.topic, c.archived
    FROM members m JOIN channels c ON c.channel = m.channel
    WHERE m."user" = $1 ORDER BY m.channel`,
  // Never moves back; clamps to the channel's lastSeq.
  setReadSeq: `UPDATE members SET read_seq = greatest(read_seq,
      least($3::bigint, (SELECT last_seq FROM channels c WHERE c.channel = members.channel)))
    WHERE channel = $1 AND "user" = $2 RETURNING read_seq`,
  sessionByTokenHash: 'SELECT * FROM sessions WHERE token_hash = $1',
  sessionsByHandle: 'SELECT * FROM sessions WHERE handle = $1 ORDER BY created_at',
  setSessionExpiry: 'UPDATE sessions SET expires_at = $2 WHERE token_hash = $1',
  // One statement, so the check and the write are atomic between nodes. The table is keyed by
  // handle, so the upsert also ends the handle's earlier session.
  claimSession: `INSERT INTO sessions (handle, token_hash, created_at, expires_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (handle) DO UPDATE SET token_hash = excluded.token_hash,
      created_at = excluded.created_at, expires_at = excluded.expires_at
    WHERE sessions.expires_at <= $5`,
} as const;

type Statement = keyof typeof SQL;

/** A queued message append and its caller's promise. */
interface Pending extends QueuedAppend {
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

/**
 * A Store and SessionStore in PostgreSQL, shared by every node of a cluster; both seams share
 * the pool and the schema of ./postgres-schema.ts. Each call is one autocommit
 * statement, message appends one per batch of them (append); only an event (an edit, delete or
 * reaction) and a first message opening its channel take a transaction.
 * The pool reconnects by itself: while the server is down calls reject SB_ERR_STORE_UNAVAILABLE
 * within CONNECT_TIMEOUT_MS, and succeed again once it is back.
 */
export class PostgresStore implements Store, SessionStore {
  readonly #pool: pg.Pool;
  readonly #retain: number;
  #closed = false;
  /** Message appends waiting for the next batch (append), and whether a drain runs. */
  readonly #queue: Pending[] = [];
  #draining = false;
  readonly moderation: PostgresModeration;
  readonly uploads: PostgresUploads;
  /** Thread follows and counts (./postgres-threads.ts). */
  readonly threads: PostgresThreads;
  readonly apiKeys: PostgresApiKeys;
  readonly webhooks: PostgresWebhooks;
  /** Full-text search over the messages (./postgres-search.ts). */
  readonly search: PostgresSearch;
  /** Push subscriptions and notification settings (./postgres-push.ts). */
  readonly push: PostgresPush;
  /** Accounts and their device sessions, on this pool (./postgres-accounts.ts). */
  readonly accounts: AccountStore;

  private constructor(pool: pg.Pool, options: StoreOptions, trigramIndex: boolean) {
    this.#pool = pool;
    // One named statement on the pool; a driver failure becomes SB_ERR_STORE_UNAVAILABLE.
    const named = async <R extends pg.QueryResultRow>(
      name: string,
      text: string,
      values: unknown[],
    ): Promise<pg.QueryResult<R>> => {
      try {
        return await pool.query<R>({ name, text, values });
      } catch (err) {
        throw unavailable(err);
      }
    };
    this.search = new PostgresSearch(async (name, text, values) => {
      try {
        return await pool.query(name === null ? { text, values } : { name, text, values });
      } catch (err) {
        throw unavailable(err);
      }
    }, trigramIndex);
    this.uploads = new PostgresUploads(named);
    this.moderation = new PostgresModeration(named);
    this.threads = new PostgresThreads(named);
    this.apiKeys = new PostgresApiKeys(named);
    this.push = new PostgresPush(named);
    this.webhooks = new PostgresWebhooks(
      async (text, values) => {
        try {
          return await pool.query(text, values);
        } catch (err) {
          throw unavailable(err);
        }
      },
      async (fn) => {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (err) {
          throw unavailable(err);
        }
        let broken: unknown = null;
        try {
          await client.query('BEGIN');
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
          throw err instanceof SwitchboardError ? err : unavailable(err);
        } finally {
          client.release(broken instanceof Error ? broken : undefined);
        }
      },
    );
    this.#retain = options.retainPerChannel ?? 0;
    this.accounts = new PostgresAccounts(named);
  }

  /**
   * Connects to `url` (`postgres://user:password@host:port/database`), applies pending
   * migrations and resolves the store. Rejects SB_ERR_STORE_UNAVAILABLE when the server cannot be
   * reached or the migration fails. `?pgbouncer=true` on the url sends every statement unnamed,
   * for PgBouncer in transaction mode (./postgres-pgbouncer.ts).
   */
  static async open(url: string, options: StoreOptions = {}): Promise<PostgresStore> {
    const mode = pgbouncerMode(url);
    const pool = new pg.Pool({
      connectionString: mode.url,
      ...(mode.pgbouncer ? { Client: UnnamedStatementClient } : {}),
      max: POOL_MAX,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'switchboard',
      types,
    });
    // An idle connection dropped by the server is removed from the pool; the next query opens a
    // new one. Without a listener the 'error' event would crash the process.
    pool.on('error', () => {});
    let trigramIndex: boolean;
    try {
      ({ trigramIndex } = await migrate(pool));
    } catch (err) {
      await pool.end().catch(() => {});
      throw unavailable(err, 'cannot open postgres store');
    }
    return new PostgresStore(pool, options, trigramIndex);
  }

  /**
   * Records that this database is shard `layout.index` of `layout.count`, or rejects
   * SB_ERR_STORE_SHARD_MISMATCH when it is recorded as another (./postgres-shard-layout.ts).
   */
  async recordLayout(layout: ShardLayout, where: string): Promise<void> {
    try {
      await recordShardLayout(this.#pool, layout, where);
    } catch (err) {
      throw err instanceof SwitchboardError ? err : unavailable(err, where);
    }
  }

  /** Rejects SB_ERR_STORE_SHARD_MISMATCH when another layout is recorded; records nothing. */
  async checkLayout(layout: ShardLayout, where: string): Promise<void> {
    let held: ShardLayout | null;
    try {
      held = await readShardLayout(this.#pool);
    } catch (err) {
      throw unavailable(err, where);
    }
    checkShardLayout(held, layout, where);
  }

  /** Runs one named statement, wrapping driver errors as SB_ERR_STORE_UNAVAILABLE. */
  async #query<R extends pg.QueryResultRow>(
    name: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>({ name, text: SQL[name], values });
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * A message (not an event, not opening its channel) joins the queue of the next batch: one
   * statement and one commit for every append queued while the previous batch ran (group
   * commit), at most MAX_BATCH, one batch in flight per store so appends are written in the order
   * they were queued. An append resolves once its batch has committed.
   */
  async append(m: NewMessage, options: AppendOptions = {}): Promise<AppendResult> {
    if (!isMessage(m)) return this.#appendEvent(m, options.open);
    const markRead = options.markRead === true;
    if (options.open) return this.#appendOpening(m, options.open, markRead);
    const { recipient } = options;
    return new Promise((resolve, reject) => {
      this.#queue.push({ m, markRead, recipient, resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      void this.#drain();
    });
  }

  /** Runs batches until the queue is empty; each waits one turn so a turn's appends join it. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, MAX_BATCH);
      // #appendBatch settles every append itself; this only keeps a bug from stalling the queue.
      await this.#appendBatch(batch).catch((err: unknown) => {
        for (const p of batch) p.reject(unavailable(err));
      });
    }
    this.#draining = false;
  }

  /**
   * One batch: a lone append takes the single-row statement, more take APPEND_BATCH_SQL. An
   * append that got no seq there (a duplicate, an unknown channel, a refused DM) and every
   * append of a batch the server refused (a duplicate cid that raced in, a deadlock, a value it
   * could not take) runs alone afterwards, which tells the cases apart exactly as before
   * batching. A batch that could not reach the server rejects all its appends
   * SB_ERR_STORE_UNAVAILABLE.
   */
  async #appendBatch(batch: Pending[]): Promise<void> {
    const settle = (p: Pending) =>
      this.#appendOne(p.m, p.markRead, p.recipient).then(p.resolve, p.reject);
    if (batch.length === 1) return settle(batch[0]!);
    let rows: BatchRow[];
    try {
      rows = (
        await this.#pool.query<BatchRow>({
          name: 'appendBatch',
          text: APPEND_BATCH_SQL,
          values: [batchJson(batch), this.#retain],
        })
      ).rows;
    } catch (err) {
      if (!(err instanceof pg.DatabaseError)) {
        for (const p of batch) p.reject(unavailable(err));
        return;
      }
      await Promise.all(batch.map(settle));
      return;
    }
    const byIndex = new Map(rows.map((r) => [r.n, r]));
    const alone: Pending[] = [];
    batch.forEach((p, i) => {
      const row = byIndex.get(i + 1);
      if (!row) {
        alone.push(p);
        return;
      }
      const message = withoutUndefined({ ...p.m, seq: row.seq });
      p.resolve(
        row.read_seq === null
          ? { message, duplicate: false }
          : { message, duplicate: false, readSeq: row.read_seq },
      );
    });
    await Promise.all(alone.map(settle));
  }

  /** One message append in the single-row statement; `recipient`: AppendOptions.recipient. */
  async #appendOne(m: NewMessage, markRead: boolean, recipient?: string): Promise<AppendResult> {
    // Two rounds at most: a rare race (the duplicate pruned between the statements) retries once.
    for (let attempt = 0; ; attempt++) {
      let inserted: { seq: number; read_seq: number | null } | undefined;
      try {
        inserted = (
          await this.#pool.query<{ seq: number; read_seq: number | null }>({
            name: 'append',
            text: SQL.append,
            values: [...this.#appendValues(m), markRead, recipient ?? null],
          })
        ).rows[0];
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw unavailable(err);
      }
      if (inserted) {
        const message = withoutUndefined({ ...m, seq: inserted.seq });
        return inserted.read_seq === null
          ? { message, duplicate: false }
          : { message, duplicate: false, readSeq: inserted.read_seq };
      }
      if (recipient !== undefined) refuseDm(await this.dmRecipient(m.channel, recipient, m.from));
      const existing = (await this.#query<MessageRow>('byCid', [m.channel, m.from, m.cid])).rows[0];
      if (existing) return { message: toMessage(existing), duplicate: true };
      if (!(await this.head(m.channel)))
        throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${m.channel}`);
      if (attempt > 0)
        throw new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'postgres store: append raced');
    }
  }

  #appendValues(m: NewMessage): unknown[] {
    return [
      m.channel,
      m.from,
      m.cid,
      m.text,
      m.ts,
      this.#retain,
      m.deletes ?? null,
      // The search index takes a message's folded text; an event's is indexed by its effect.
      isMessage(m) ? fold(m.text) : '',
      ...optionalColumns(m),
      m.alsoToRoom === true,
    ];
  }

  /** A pooled connection for a transaction, and a named-statement query on it. */
  async #connect(): Promise<{
    client: pg.PoolClient;
    q: <R extends pg.QueryResultRow>(
      name: Statement,
      values: unknown[],
    ) => Promise<pg.QueryResult<R>>;
  }> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    const q = <R extends pg.QueryResultRow>(name: Statement, values: unknown[]) =>
      client.query<R>({ name, text: SQL[name], values });
    return { client, q };
  }

  /** createChannelWith's values for an append that opens its channel. */
  #openValues(m: NewMessage, open: AppendOpen): unknown[] {
    return [m.channel, open.kind, m.from, m.ts, open.members, Date.now()];
  }

  /**
   * A message that opens its channel: createChannelWith and append in ONE transaction (one
   * commit, one WAL flush; two more round trips for BEGIN and COMMIT). A duplicate cid that
   * raced in (23505) falls back to the two writes, whose append then finds it.
   */
  async #appendOpening(m: NewMessage, open: AppendOpen, markRead: boolean): Promise<AppendResult> {
    const { client, q } = await this.#connect();
    let broken: unknown = null;
    let raced = false;
    try {
      await client.query('BEGIN');
      const opened = this.#openValues(m, open);
      const created = (await q<{ created: number }>('createChannelWith', opened)).rows[0]?.created;
      const row = (
        await q<{ seq: number; read_seq: number | null }>('append', [
          ...this.#appendValues(m),
          markRead,
          null,
        ])
      ).rows[0];
      const existing = row
        ? undefined
        : (await q<MessageRow>('byCid', [m.channel, m.from, m.cid])).rows[0];
      if (!row && !existing)
        throw new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'postgres store: append raced');
      await client.query('COMMIT');
      if (existing)
        return { message: toMessage(existing), duplicate: true, created: created === 1 };
      const message = withoutUndefined({ ...m, seq: row!.seq });
      const result: AppendResult = { message, duplicate: false, created: created === 1 };
      return row!.read_seq === null ? result : { ...result, readSeq: row!.read_seq };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback));
      if (err instanceof SwitchboardError) throw err;
      raced = (err as { code?: string }).code === '23505';
      if (!raced) {
        broken ??= err;
        throw unavailable(err);
      }
    } finally {
      // A connection whose transaction may be half-done is destroyed, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
    const created = await this.createChannel(m.channel, open.kind, m.from, m.ts, open.members);
    return { ...(await this.append(m, { markRead })), created };
  }

  /**
   * An event and its change in one transaction: the target row is locked first, so concurrent
   * events on one message (two devices reacting) are serialised and each sees the other's effect.
   */
  async #appendEvent(e: NewMessage, open?: AppendOpen): Promise<AppendResult> {
    const { client, q } = await this.#connect();
    let broken: unknown = null;
    try {
      await client.query('BEGIN');
      const opened = open
        ? {
            created:
              (await q<{ created: number }>('createChannelWith', this.#openValues(e, open))).rows[0]
                ?.created === 1,
          }
        : {};
      const existing = (await q<MessageRow>('byCid', [e.channel, e.from, e.cid])).rows[0];
      if (existing) {
        await client.query('COMMIT');
        return { message: toMessage(existing), duplicate: true, ...opened };
      }
      const seq = e.deletes ?? e.edits ?? e.reacts ?? e.unreacts ?? e.previews!;
      const target = (await q<{ deleted: boolean }>('target', [e.channel, seq])).rows[0];
      if (!target || target.deleted) throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
      if (e.deletes !== undefined) await q('eraseMessage', [e.channel, seq]);
      else if (e.previews !== undefined) {
        const set = await q('setPreview', [e.channel, seq, JSON.stringify(e.preview)]);
        if (set.rowCount === 0)
          throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND', 'has a preview');
      } else if (e.edits !== undefined) {
        await q('editMessage', [
          e.channel,
          seq,
          e.text,
          e.ts,
          joinMentions(e.mentions),
          e.mentionsAll ?? null,
        ]);
        await q('reindex', [e.channel, seq, fold(e.text)]);
      } else if (e.reacts !== undefined) {
        const s = (
          await q<{ kinds: number; known: boolean; mine: boolean }>('reactionState', [
            e.channel,
            seq,
            e.emoji,
            e.from,
          ])
        ).rows[0]!;
        if (s.mine) throw new SwitchboardError('SB_ERR_REACTION_EXISTS');
        if (!s.known && s.kinds >= MAX_DISTINCT_REACTIONS)
          throw new SwitchboardError('SB_ERR_REACTION_LIMIT');
        await q('addReaction', [e.channel, seq, e.emoji, e.from, e.ts]);
      } else if ((await q('removeReaction', [e.channel, seq, e.emoji, e.from])).rowCount === 0) {
        throw new SwitchboardError('SB_ERR_REACTION_NOT_FOUND');
      }
      const inserted = (await q<{ seq: number }>('append', [...this.#appendValues(e), false, null]))
        .rows[0];
      // The target row exists, so the channel does; no row back is a duplicate cid that raced in.
      if (!inserted) throw new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'append raced');
      await client.query('COMMIT');
      return {
        message: withoutUndefined({ ...e, seq: inserted.seq }),
        duplicate: false,
        ...opened,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback));
      if (err instanceof SwitchboardError) throw err;
      broken ??= err;
      throw unavailable(err);
    } finally {
      // A connection whose transaction may be half-done is destroyed, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async versions(channel: string, seq: number): Promise<MessageVersion[]> {
    const m = (
      await this.#query<{
        text: string;
        original_text: string | null;
        ts: number;
        deleted: boolean;
      }>('original', [channel, seq])
    ).rows[0];
    if (!m || m.deleted) return [];
    if (m.original_text === null) return [{ text: m.text, ts: Number(m.ts) }];
    const edits = (await this.#query<MessageVersion>('editTexts', [channel, seq])).rows;
    return [
      { text: m.original_text, ts: Number(m.ts) },
      ...edits.map((e) => ({ text: e.text, ts: Number(e.ts) })),
    ];
  }

  async reactions(
    channel: string,
    seqs: number[],
    viewer: string,
  ): Promise<Map<number, ReactionSummary[]>> {
    if (seqs.length === 0) return new Map();
    const rows = (
      await this.#query<{ seq: number; emoji: string; user: string }>('reactions', [channel, seqs])
    ).rows;
    return summarize(rows, viewer, REACTION_NAMES);
  }

  async read(channel: string, query: ReadQuery): Promise<StoredMessage[]> {
    const limit = Math.max(0, Math.floor(query.limit));
    const after = query.after ?? 0;
    const thread = query.thread ?? null;
    const main = query.mainTimeline === true;
    const only = query.messagesOnly === true || thread !== null || main;
    const filter = only ? [thread, main] : [];
    const result =
      query.before === undefined && query.after !== undefined
        ? await this.#query<MessageRow>(only ? 'readMessagesAfter' : 'readAfter', [
            channel,
            after,
            limit,
            ...filter,
          ])
        : await this.#query<MessageRow>(only ? 'readMessagesBefore' : 'readBefore', [
            channel,
            after,
            query.before ?? Number.MAX_SAFE_INTEGER,
            limit,
            ...filter,
          ]);
    return result.rows.map(toMessage);
  }

  async countMentions(
    channel: string,
    user: string,
    after: number,
    upTo: number,
    cap: number,
  ): Promise<number> {
    return (await this.#query<{ n: number }>('countMentions', [channel, after, upTo, user, cap]))
      .rows[0]!.n;
  }

  async countMessages(channel: string, after: number, upTo: number, cap: number): Promise<number> {
    return (await this.#query<{ n: number }>('countMessages', [channel, after, upTo, cap])).rows[0]!
      .n;
  }

  async head(channel: string): Promise<ChannelHead | null> {
    const row = (await this.#query<{ last_seq: number; first_seq: number }>('head', [channel]))
      .rows[0];
    return row ? { lastSeq: row.last_seq, firstSeq: row.first_seq } : null;
  }

  async createChannel(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
    members: readonly string[] = [],
  ): Promise<boolean> {
    if (members.length === 0)
      return (await this.#query('createChannel', [channel, kind, createdBy, ts])).rowCount === 1;
    const values = [channel, kind, createdBy, ts, members, Date.now()];
    return (
      (await this.#query<{ created: number }>('createChannelWith', values)).rows[0]?.created === 1
    );
  }

  async listRooms(): Promise<RoomSummary[]> {
    const { rows } = await this.#query<{
      room: string;
      members: number;
      last_seq: number;
      topic: string;
      archived: boolean;
    }>('listRooms', []);
    return rows.map((r) => ({
      room: r.room,
      members: r.members,
      lastSeq: r.last_seq,
      topic: r.topic,
      archived: r.archived,
    }));
  }

  /** Channels are never deleted, so "not inserted and no channel" means an unknown channel. */
  async addMember(channel: string, user: string): Promise<boolean> {
    if ((await this.#query('insertMember', [channel, user, Date.now()])).rowCount === 1)
      return true;
    if (!(await this.head(channel)))
      throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${channel}`);
    return false;
  }

  async removeMember(channel: string, user: string): Promise<boolean> {
    return (await this.#query('removeMember', [channel, user])).rowCount === 1;
  }

  async isMember(channel: string, user: string): Promise<boolean> {
    return (await this.#query('isMember', [channel, user])).rowCount === 1;
  }

  async members(channel: string): Promise<string[]> {
    return (await this.#query<{ user: string }>('members', [channel])).rows.map((r) => r.user);
  }

  async membersPage(channel: string, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.#query<{ user: string }>('membersPage', [
      channel,
      after ?? '',
      limit,
    ]);
    return rows.map((r) => r.user);
  }

  async memberCount(channel: string): Promise<number> {
    return (await this.#query<{ n: number }>('memberCount', [channel])).rows[0]?.n ?? 0;
  }

  async memberships(user: string): Promise<Membership[]> {
    const { rows } = await this.#query<{
      channel: string;
      kind: ChannelKind;
      last_seq: number;
      first_seq: number;
      read_seq: number;
      floor_seq: number;
      topic: string;
      archived: boolean;
    }>('memberships', [user]);
    return rows.map((r) => ({
      channel: r.channel,
      kind: r.kind,
      lastSeq: r.last_seq,
      firstSeq: r.first_seq,
      readSeq: r.read_seq,
      floorSeq: r.floor_seq,
      topic: r.topic,
      archived: r.archived,
    }));
  }

  async membership(channel: string, user: string): Promise<MemberPosition | null> {
    const row = (
      await this.#query<{ read_seq: number; floor_seq: number }>('membership', [channel, user])
    ).rows[0];
    return row ? { readSeq: row.read_seq, floorSeq: row.floor_seq } : null;
  }

  async dmRecipient(channel: string, recipient: string, sender: string): Promise<DmRecipient> {
    const { rows } = await this.#query<DmRecipientRow>('dmRecipient', [channel, recipient, sender]);
    return toDmRecipient(rows[0]!);
  }

  async forgetUser(user: string): Promise<void> {
    await this.#query('forgetUser', [user]);
  }

  async readPositions(channel: string): Promise<ReadPosition[]> {
    const { rows } = await this.#query<{ user: string; read_seq: number; receipts: boolean }>(
      'readPositions',
      [channel],
    );
    return rows.map((r) => ({ user: r.user, readSeq: r.read_seq, receipts: r.receipts }));
  }

  async receiptsEnabled(user: string): Promise<boolean> {
    const row = (await this.#query<{ receipts: boolean }>('receiptsEnabled', [user])).rows[0];
    return row?.receipts ?? true;
  }

  async setReceiptsEnabled(user: string, enabled: boolean): Promise<void> {
    await this.#query('setReceiptsEnabled', [user, enabled]);
  }

  async setReadSeq(channel: string, user: string, seq: number): Promise<number> {
    const row = (await this.#query<{ read_seq: number }>('setReadSeq', [channel, user, seq]))
      .rows[0];
    if (row) return row.read_seq;
    if (!(await this.head(channel)))
      throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${channel}`);
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
  }

  async sessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const row = (await this.#query<SessionRow>('sessionByTokenHash', [tokenHash])).rows[0];
    return row ? toSession(row) : null;
  }

  async sessionsByHandle(handle: string): Promise<Session[]> {
    return (await this.#query<SessionRow>('sessionsByHandle', [handle])).rows.map(toSession);
  }

  async claimSession(s: Session, now: number): Promise<boolean> {
    const values = [s.handle, s.tokenHash, s.createdAt, s.expiresAt, now];
    return (await this.#query('claimSession', values)).rowCount === 1;
  }

  async setSessionExpiry(tokenHash: string, expiresAt: number): Promise<boolean> {
    return (await this.#query('setSessionExpiry', [tokenHash, expiresAt])).rowCount === 1;
  }

  /** Ends the pool; later calls reject SB_ERR_STORE_UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pool.end();
    } catch (err) {
      throw unavailable(err);
    }
  }
}

function unavailable(cause: unknown, message = 'postgres store'): SwitchboardError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', `${message}: ${detail}`, { cause });
}
