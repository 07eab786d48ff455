/**
 * The tables of the PostgreSQL store, shared by the seams PostgresStore implements (messages,
 * channels and members, sessions, accounts), and the migrations that bring a database of any release to
 * this version.
 */
import type pg from 'pg';
import { fold } from './search-text.js';

type Migration = string | ((client: pg.PoolClient) => Promise<void>);

/**
 * Schema migrations; index i brings `switchboard_schema` from version i to i + 1. Never edit one.
 * The same tables as the SQLite store; `"user"` is quoted because USER is reserved in PostgreSQL.
 */
const MIGRATIONS: Migration[] = [
  `CREATE TABLE channels (
     channel TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('room', 'dm')),
     created_by TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     last_seq BIGINT NOT NULL DEFAULT 0,
     first_seq BIGINT NOT NULL DEFAULT 1
   );
   CREATE TABLE messages (
     channel TEXT NOT NULL,
     seq BIGINT NOT NULL,
     cid TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     ts BIGINT NOT NULL,
     PRIMARY KEY (channel, seq),
     UNIQUE (channel, sender, cid)
   );
   CREATE TABLE members (
     channel TEXT NOT NULL,
     "user" TEXT NOT NULL,
     read_seq BIGINT NOT NULL,
     joined_at BIGINT NOT NULL,
     PRIMARY KEY (channel, "user")
   );
   CREATE INDEX members_by_user ON members ("user");
   CREATE TABLE sessions (
     handle TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );`,
  // 2: per-member read floor (DM members see nothing at or below it).
  `ALTER TABLE members ADD COLUMN floor_seq BIGINT NOT NULL DEFAULT 0`,
  // 3 (issue 7): room kinds and settings, member roles, bans and mutes, blocks, the audit log,
  // and delete events in the message log (`deletes`: the seq they remove).
  // Existing rooms become public; the recorded creator of a room becomes its owner (general was
  // created by 'system': no owner).
  `ALTER TABLE channels ADD COLUMN room_kind TEXT NOT NULL DEFAULT 'public'
     CHECK (room_kind IN ('public', 'private', 'announcement'));
   ALTER TABLE channels ADD COLUMN slow_mode INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE messages ADD COLUMN deletes BIGINT;
   ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
     CHECK (role IN ('owner', 'admin', 'moderator', 'member'));
   UPDATE members SET role = 'owner' WHERE EXISTS (SELECT 1 FROM channels c
     WHERE c.channel = members.channel AND c.kind = 'room' AND c.created_by = members."user");
   CREATE TABLE restrictions (
     scope TEXT NOT NULL,
     "user" TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
     until_ts BIGINT,
     reason TEXT,
     set_by TEXT NOT NULL,
     set_at BIGINT NOT NULL,
     PRIMARY KEY (scope, "user", kind)
   );
   CREATE TABLE blocks (
     "user" TEXT NOT NULL,
     other TEXT NOT NULL,
     PRIMARY KEY ("user", other)
   );
   CREATE TABLE audit (
     id BIGSERIAL PRIMARY KEY,
     scope TEXT NOT NULL,
     ts BIGINT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     detail TEXT
   );
   CREATE INDEX audit_by_scope ON audit (scope, id)`,
  // 4 (issue 7, accounts): accounts and their device sessions. An account also holds its handle
  // with a never-expiring row in `sessions` (src/store/account-hold.ts); guest rows are untouched.
  `CREATE TABLE accounts (
     handle TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     name TEXT,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE account_sessions (
     id TEXT PRIMARY KEY,
     handle TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     device TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     last_seen_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX account_sessions_by_handle ON account_sessions (handle)`,
  // 5 (issue 7): server roles of an account (space-separated, e.g. 'admin').
  `ALTER TABLE accounts ADD COLUMN roles TEXT NOT NULL DEFAULT ''`,
  // 6 (issue 7, OIDC sign-in): which account an identity at an OpenID provider (the ID token's
  // iss and sub) signs in to. Linked when the account is made; never moved to another account.
  `CREATE TABLE oidc_identities (
     issuer TEXT NOT NULL,
     subject TEXT NOT NULL,
     handle TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     PRIMARY KEY (issuer, subject)
   )`,
  // 7 (issue 8): edits and reactions on the log, and what they leave on their message: the
  // edited time, the deleted flag (a delete erases the text), the reactions. Messages deleted
  // before this release lose their text now.
  `ALTER TABLE messages ADD COLUMN edits BIGINT;
   ALTER TABLE messages ADD COLUMN reacts BIGINT;
   ALTER TABLE messages ADD COLUMN unreacts BIGINT;
   ALTER TABLE messages ADD COLUMN emoji TEXT;
   ALTER TABLE messages ADD COLUMN edited_ts BIGINT;
   ALTER TABLE messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT false;
   CREATE INDEX messages_edits ON messages (channel, edits) WHERE edits IS NOT NULL;
   UPDATE messages SET text = '', deleted = true
     WHERE (channel, seq) IN (SELECT channel, deletes FROM messages WHERE deletes IS NOT NULL);
   CREATE TABLE reactions (
     channel TEXT NOT NULL,
     seq BIGINT NOT NULL,
     emoji TEXT NOT NULL,
     "user" TEXT NOT NULL,
     ts BIGINT NOT NULL,
     PRIMARY KEY (channel, seq, emoji, "user")
   )`,
  // 8 (issue 8, replies): the message a message answers.
  `ALTER TABLE messages ADD COLUMN reply_to BIGINT`,
  // 9 (issue 8, mentions and read receipts): whom a message mentions (space-separated handles;
  // '@room'/'@here' apart), and each user's settings (read receipts shared or not).
  `ALTER TABLE messages ADD COLUMN mentions TEXT;
   ALTER TABLE messages ADD COLUMN mentions_all TEXT CHECK (mentions_all IN ('room', 'here'));
   CREATE TABLE user_settings (
     "user" TEXT PRIMARY KEY,
     receipts BOOLEAN NOT NULL DEFAULT true
   )`,
  // 10 (issue 8, link previews and versions): preview events (`previews`: the seq they
  // describe) and the preview a message shows, as JSON text; the original text of an edited
  // message (its later texts are its edit events'). A delete erases all three.
  `ALTER TABLE messages ADD COLUMN previews BIGINT;
   ALTER TABLE messages ADD COLUMN preview TEXT;
   ALTER TABLE messages ADD COLUMN original_text TEXT`,
  // 11 (issue 8, files): a message's attachments (JSON, erased with the message) and the uploads
  // (src/store/upload-store.ts): who sent which file to which channel, and the message (by cid)
  // that claimed it; unclaimed ones are collected after a while.
  `ALTER TABLE messages ADD COLUMN attachments TEXT;
   CREATE TABLE uploads (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     channel TEXT NOT NULL,
     name TEXT NOT NULL,
     type TEXT NOT NULL,
     size BIGINT NOT NULL,
     width INTEGER,
     height INTEGER,
     thumb TEXT,
     thumb_size BIGINT NOT NULL DEFAULT 0,
     created_at BIGINT NOT NULL,
     message_cid TEXT
   );
   CREATE INDEX uploads_owner ON uploads (owner);
   CREATE INDEX uploads_unclaimed ON uploads (created_at) WHERE message_cid IS NULL`,
  // 12 (issue 8, threads): the thread a message is in (its root's seq), whether the room's main
  // timeline shows it too, and who follows which thread with their read position in it.
  `ALTER TABLE messages ADD COLUMN thread BIGINT;
   ALTER TABLE messages ADD COLUMN also_to_room BOOLEAN NOT NULL DEFAULT false;
   CREATE INDEX messages_thread ON messages (channel, thread, seq) WHERE thread IS NOT NULL;
   CREATE TABLE thread_follows (
     channel TEXT NOT NULL,
     root BIGINT NOT NULL,
     "user" TEXT NOT NULL,
     read_seq BIGINT NOT NULL,
     PRIMARY KEY (channel, root, "user")
   );
   CREATE INDEX thread_follows_user ON thread_follows ("user", channel, root)`,
  // 13 (issue 9, HTTP API): API keys
  // (only the key's SHA-256) and the log of every call made with one.
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     scopes TEXT NOT NULL,
     key_hash TEXT NOT NULL UNIQUE,
     created_by TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     revoked_at BIGINT
   );
   CREATE TABLE api_calls (
     id BIGSERIAL PRIMARY KEY,
     key_id TEXT NOT NULL,
     method TEXT NOT NULL,
     path TEXT NOT NULL,
     status INTEGER NOT NULL,
     ts BIGINT NOT NULL
   );
   CREATE INDEX api_calls_key ON api_calls (key_id, id);`,
  // 14 (issue 9, push notifications): the Web Push subscriptions of users' devices (keyed by
  // endpoint), notification settings per user (channel '') and per channel, and the cluster's
  // VAPID key pair (one row).
  `CREATE TABLE push_subscriptions (
     endpoint TEXT PRIMARY KEY,
     "user" TEXT NOT NULL,
     p256dh TEXT NOT NULL,
     auth TEXT NOT NULL,
     session TEXT,
     created_at BIGINT NOT NULL,
     id BIGSERIAL NOT NULL
   );
   CREATE INDEX push_subscriptions_by_user ON push_subscriptions ("user");
   CREATE TABLE notify_settings (
     "user" TEXT NOT NULL,
     channel TEXT NOT NULL,
     level TEXT CHECK (level IN ('all', 'mentions', 'none')),
     preview BOOLEAN,
     muted_until BIGINT,
     PRIMARY KEY ("user", channel)
   );
   CREATE TABLE push_vapid (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     public_key TEXT NOT NULL,
     private_key TEXT NOT NULL
   );`,
  // 15 (issue 9, webhooks): the webhook event log, each user's last logged presence (so an
  // online/offline event is logged once however many nodes see it), and the subscriptions with
  // their cursor and delivery lease.
  `CREATE TABLE webhook_events (
     pos BIGSERIAL PRIMARY KEY,
     type TEXT NOT NULL,
     channel TEXT,
     ts BIGINT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE TABLE webhook_presence (
     "user" TEXT PRIMARY KEY,
     online BOOLEAN NOT NULL
   );
   CREATE TABLE webhook_subscriptions (
     id TEXT PRIMARY KEY,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     secret TEXT NOT NULL,
     state TEXT NOT NULL,
     cursor BIGINT NOT NULL,
     generation INTEGER NOT NULL DEFAULT 0,
     created_at BIGINT NOT NULL,
     failing_since BIGINT,
     last_error TEXT,
     lease_node TEXT,
     lease_until BIGINT
   )`,
  // 16 (issue 9, rooms): a room's topic ('' when none) and whether it is archived (read-only).
  `ALTER TABLE channels ADD COLUMN topic TEXT NOT NULL DEFAULT '';
   ALTER TABLE channels ADD COLUMN archived BOOLEAN NOT NULL DEFAULT false`,
  // 17 (issue 9, webhook retention and delivery history): how far retention pruned the webhook
  // event log, so a replay to a pruned position is refused (positions may have gaps: the lowest
  // one left does not tell); and each subscription's newest delivery attempts.
  `CREATE TABLE webhook_log (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     pruned_through BIGINT NOT NULL
   );
   INSERT INTO webhook_log (id, pruned_through) VALUES (1, 0);
   CREATE TABLE webhook_deliveries (
     id BIGSERIAL PRIMARY KEY,
     subscription TEXT NOT NULL,
     pos BIGINT NOT NULL,
     attempt INTEGER NOT NULL,
     status INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL,
     ts BIGINT NOT NULL
   );
   CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription, id)`,
  // 18 (issue 8, search; test/store/search-migration.test.ts undoes it): the folded
  // text of every live message (./search-text.ts, so in
  // JavaScript), filled from the messages already stored, oldest first so that index order is
  // time order; deleted ones and events left out. Its trigram index: `ensureTrigramIndex`.
  async (client) => {
    await client.query(`CREATE TABLE message_search (
       id BIGSERIAL PRIMARY KEY,
       channel TEXT NOT NULL,
       seq BIGINT NOT NULL,
       sender TEXT NOT NULL,
       ts BIGINT NOT NULL,
       body TEXT NOT NULL,
       UNIQUE (channel, seq)
     )`);
    await client.query(`DECLARE search_backfill NO SCROLL CURSOR FOR
       SELECT channel, seq, sender, ts, text FROM messages
       WHERE edits IS NULL AND deletes IS NULL AND reacts IS NULL AND unreacts IS NULL
         AND NOT deleted AND text <> ''
       ORDER BY ts, channel, seq`);
    for (;;) {
      const { rows } = await client.query<{
        channel: string;
        seq: number;
        sender: string;
        ts: number;
        text: string;
      }>('FETCH 2000 FROM search_backfill');
      if (rows.length === 0) break;
      await client.query(
        `INSERT INTO message_search (channel, seq, sender, ts, body)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
        [
          rows.map((r) => r.channel),
          rows.map((r) => r.seq),
          rows.map((r) => r.sender),
          rows.map((r) => r.ts),
          rows.map((r) => fold(r.text)),
        ],
      );
    }
    await client.query('CLOSE search_backfill');
  },
  // 19 (issue 7): the server roles a JWT or the auth webhook last presented for a user, who has
  // no account to keep them: a server admin signed in that way is no moderation target either.
  `CREATE TABLE presented_roles (
     "user" TEXT PRIMARY KEY,
     roles TEXT NOT NULL,
     seen_at BIGINT NOT NULL
   )`,
];

/** The version of the search migration (18). */
export const SEARCH_VERSION = 18;

/** The schema version a migrated database is at (`switchboard_schema`). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Key of the transaction-scoped advisory lock that serialises migrations between nodes. */
const MIGRATION_LOCK = 0x5357_4d49; // "SWMI"

/**
 * Applies pending migrations in one transaction holding an advisory lock, so nodes starting at
 * once wait for each other and the schema is migrated exactly once. Resolves whether the search
 * table has its trigram index (see `ensureTrigramIndex`).
 */
export async function migrate(pool: pg.Pool): Promise<{ trigramIndex: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS switchboard_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) AS version FROM switchboard_schema',
    );
    for (let v = rows[0]!.version; v < MIGRATIONS.length; v++) {
      const migration = MIGRATIONS[v]!;
      if (typeof migration === 'string') await client.query(migration);
      else await migration(client);
      await client.query('INSERT INTO switchboard_schema (version, applied_at) VALUES ($1, $2)', [
        v + 1,
        Date.now(),
      ]);
    }
    const trigramIndex = await ensureTrigramIndex(client);
    await client.query('COMMIT');
    client.release();
    return { trigramIndex };
  } catch (err) {
    // Destroy the connection: its transaction may be half-done or the socket broken.
    client.release(err instanceof Error ? err : true);
    throw err;
  }
}

/**
 * Creates pg_trgm and the GIN index of `message_search` if missing, at every start, so an
 * extension installed later is used from the next start on. Where it cannot be created (not
 * installed, or the role may not create it; pg_trgm is a trusted extension since PostgreSQL 13,
 * so a database owner may) the store works without it: search scans the table, same results.
 * Resolves whether the index exists.
 */
async function ensureTrigramIndex(client: pg.PoolClient): Promise<boolean> {
  await client.query('SAVEPOINT search_trigram');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await client.query(
      'CREATE INDEX IF NOT EXISTS message_search_trgm ON message_search USING gin (body gin_trgm_ops)',
    );
    await client.query('RELEASE SAVEPOINT search_trigram');
    return true;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT search_trigram');
    return false;
  }
}
