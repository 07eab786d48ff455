/**
 * The tables of the SQLite store, shared by the seams SqliteStore implements (messages, channels
 * and members, sessions), and the migrations that bring a file of any release to this version.
 */
import type Database from 'better-sqlite3';
import { fold } from './search-text.js';

/**
 * The triggers that carry a delete or an edit of an indexed search document (at or below the
 * mark) into FTS5. Made by migration 19 and made again, the same, by 21, which rebuilds their
 * table, and by 22, which rebuilds the index: part of those migrations' text, so never edit it.
 */
const INDEXED_DOC_TRIGGERS = `CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs
     WHEN old.id <= (SELECT id FROM search_indexed) BEGIN
     INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
   END;
   CREATE TRIGGER search_docs_update AFTER UPDATE OF body ON search_docs
     WHEN old.id <= (SELECT id FROM search_indexed) BEGIN
     INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
     INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
   END;`;

/** Schema migrations; index i brings `PRAGMA user_version` from i to i + 1. Never edit one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE channels (
     channel TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('room', 'dm')),
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0,
     first_seq INTEGER NOT NULL DEFAULT 1
   );
   CREATE TABLE messages (
     channel TEXT NOT NULL,
     seq INTEGER NOT NULL,
     cid TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     ts INTEGER NOT NULL,
     PRIMARY KEY (channel, seq),
     UNIQUE (channel, sender, cid)
   ) WITHOUT ROWID;
   CREATE TABLE members (
     channel TEXT NOT NULL,
     user TEXT NOT NULL,
     read_seq INTEGER NOT NULL,
     joined_at INTEGER NOT NULL,
     PRIMARY KEY (channel, user)
   ) WITHOUT ROWID;
   CREATE INDEX members_by_user ON members (user);
   CREATE TABLE sessions (
     handle TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // 2: per-member read floor (DM members see nothing at or below it).
  `ALTER TABLE members ADD COLUMN floor_seq INTEGER NOT NULL DEFAULT 0;`,
  // 3 (issue 7): room kinds and settings, member roles, bans and mutes, blocks, the audit log,
  // and delete events in the message log (`deletes`: the seq they remove).
  // Existing rooms become public; the recorded creator of a room becomes its owner (general was
  // created by 'system': no owner).
  `ALTER TABLE channels ADD COLUMN room_kind TEXT NOT NULL DEFAULT 'public'
     CHECK (room_kind IN ('public', 'private', 'announcement'));
   ALTER TABLE channels ADD COLUMN slow_mode INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE messages ADD COLUMN deletes INTEGER;
   ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
     CHECK (role IN ('owner', 'admin', 'moderator', 'member'));
   UPDATE members SET role = 'owner' WHERE EXISTS (SELECT 1 FROM channels c
     WHERE c.channel = members.channel AND c.kind = 'room' AND c.created_by = members.user);
   CREATE TABLE restrictions (
     scope TEXT NOT NULL,
     user TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
     until_ts INTEGER,
     reason TEXT,
     set_by TEXT NOT NULL,
     set_at INTEGER NOT NULL,
     PRIMARY KEY (scope, user, kind)
   ) WITHOUT ROWID;
   CREATE TABLE blocks (
     user TEXT NOT NULL,
     other TEXT NOT NULL,
     PRIMARY KEY (user, other)
   ) WITHOUT ROWID;
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     scope TEXT NOT NULL,
     ts INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     detail TEXT
   );
   CREATE INDEX audit_by_scope ON audit (scope, id);`,
  // 4 (issue 7, accounts): accounts and their device sessions. An account also holds its handle
  // with a never-expiring row in `sessions` (src/store/account-hold.ts); guest rows are untouched.
  `CREATE TABLE accounts (
     handle TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     name TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE account_sessions (
     id TEXT PRIMARY KEY,
     handle TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     device TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX account_sessions_by_handle ON account_sessions (handle);`,
  // 5 (issue 7): server roles of an account (space-separated, e.g. 'admin').
  `ALTER TABLE accounts ADD COLUMN roles TEXT NOT NULL DEFAULT '';`,
  // 6 (issue 7, OIDC sign-in): which account an identity at an OpenID provider (the ID token's
  // iss and sub) signs in to. Linked when the account is made; never moved to another account.
  `CREATE TABLE oidc_identities (
     issuer TEXT NOT NULL,
     subject TEXT NOT NULL,
     handle TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (issuer, subject)
   )`,
  // 7 (issue 8): edits and reactions on the log, and what they leave on their message: the
  // edited time, the deleted flag (a delete erases the text), the reactions. Messages deleted
  // before this release lose their text now.
  `ALTER TABLE messages ADD COLUMN edits INTEGER;
   ALTER TABLE messages ADD COLUMN reacts INTEGER;
   ALTER TABLE messages ADD COLUMN unreacts INTEGER;
   ALTER TABLE messages ADD COLUMN emoji TEXT;
   ALTER TABLE messages ADD COLUMN edited_ts INTEGER;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX messages_edits ON messages (channel, edits) WHERE edits IS NOT NULL;
   UPDATE messages SET text = '', deleted = 1
     WHERE (channel, seq) IN (SELECT channel, deletes FROM messages WHERE deletes IS NOT NULL);
   CREATE TABLE reactions (
     channel TEXT NOT NULL,
     seq INTEGER NOT NULL,
     emoji TEXT NOT NULL,
     user TEXT NOT NULL,
     ts INTEGER NOT NULL,
     PRIMARY KEY (channel, seq, emoji, user)
   ) WITHOUT ROWID;`,
  // 8 (issue 8, replies): the message a message answers.
  `ALTER TABLE messages ADD COLUMN reply_to INTEGER;`,
  // 9 (issue 8, mentions and read receipts): whom a message mentions (space-separated handles;
  // '@room'/'@here' apart), and each user's settings (read receipts shared or not).
  `ALTER TABLE messages ADD COLUMN mentions TEXT;
   ALTER TABLE messages ADD COLUMN mentions_all TEXT CHECK (mentions_all IN ('room', 'here'));
   CREATE TABLE user_settings (
     user TEXT PRIMARY KEY,
     receipts INTEGER NOT NULL DEFAULT 1
   ) WITHOUT ROWID;`,
  // 10 (issue 8, link previews and versions): preview events (`previews`: the seq they
  // describe) and the preview a message shows, as JSON; the original text of an edited message
  // (its later texts are its edit events'). A delete erases all three.
  `ALTER TABLE messages ADD COLUMN previews INTEGER;
   ALTER TABLE messages ADD COLUMN preview TEXT;
   ALTER TABLE messages ADD COLUMN original_text TEXT;`,
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
     size INTEGER NOT NULL,
     width INTEGER,
     height INTEGER,
     thumb TEXT,
     thumb_size INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     message_cid TEXT
   );
   CREATE INDEX uploads_owner ON uploads (owner);
   CREATE INDEX uploads_unclaimed ON uploads (created_at) WHERE message_cid IS NULL;`,
  // 12 (issue 8, threads): the thread a message is in (its root's seq), whether the room's main
  // timeline shows it too, and who follows which thread with their read position in it.
  `ALTER TABLE messages ADD COLUMN thread INTEGER;
   ALTER TABLE messages ADD COLUMN also_to_room INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX messages_thread ON messages (channel, thread, seq) WHERE thread IS NOT NULL;
   CREATE TABLE thread_follows (
     channel TEXT NOT NULL,
     root INTEGER NOT NULL,
     user TEXT NOT NULL,
     read_seq INTEGER NOT NULL,
     PRIMARY KEY (channel, root, user)
   ) WITHOUT ROWID;
   CREATE INDEX thread_follows_user ON thread_follows (user, channel, root);`,
  // 13 (issue 9, HTTP API): API keys
  // (only the key's SHA-256) and the log of every call made with one.
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     scopes TEXT NOT NULL,
     key_hash TEXT NOT NULL UNIQUE,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE api_calls (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     key_id TEXT NOT NULL,
     method TEXT NOT NULL,
     path TEXT NOT NULL,
     status INTEGER NOT NULL,
     ts INTEGER NOT NULL
   );
   CREATE INDEX api_calls_key ON api_calls (key_id, id);`,
  // 14 (issue 9, push notifications): the Web Push subscriptions of users' devices (keyed by
  // endpoint), notification settings per user (channel '') and per channel, and the cluster's
  // VAPID key pair (one row).
  `CREATE TABLE push_subscriptions (
     endpoint TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     p256dh TEXT NOT NULL,
     auth TEXT NOT NULL,
     session TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user);
   CREATE TABLE notify_settings (
     user TEXT NOT NULL,
     channel TEXT NOT NULL,
     level TEXT CHECK (level IN ('all', 'mentions', 'none')),
     preview INTEGER,
     muted_until INTEGER,
     PRIMARY KEY (user, channel)
   ) WITHOUT ROWID;
   CREATE TABLE push_vapid (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     public_key TEXT NOT NULL,
     private_key TEXT NOT NULL
   );`,
  // 15 (issue 9, webhooks): the webhook event log, each user's last logged presence (so an
  // online/offline event is logged once however many nodes see it), and the subscriptions with
  // their cursor and delivery lease.
  `CREATE TABLE webhook_events (
     pos INTEGER PRIMARY KEY AUTOINCREMENT,
     type TEXT NOT NULL,
     channel TEXT,
     ts INTEGER NOT NULL,
     data TEXT NOT NULL
   );
   CREATE TABLE webhook_presence (
     user TEXT PRIMARY KEY,
     online INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE webhook_subscriptions (
     id TEXT PRIMARY KEY,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     secret TEXT NOT NULL,
     state TEXT NOT NULL,
     cursor INTEGER NOT NULL,
     generation INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     failing_since INTEGER,
     last_error TEXT,
     lease_node TEXT,
     lease_until INTEGER
   );`,
  // 16 (issue 9, rooms): a room's topic ('' when none) and whether it is archived (read-only).
  `ALTER TABLE channels ADD COLUMN topic TEXT NOT NULL DEFAULT '';
   ALTER TABLE channels ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;`,
  // 17 (issue 9, webhook retention and delivery history): how far retention pruned the webhook
  // event log, so a replay to a pruned position is refused (positions may have gaps: the lowest
  // one left does not tell); and each subscription's newest delivery attempts.
  `CREATE TABLE webhook_log (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     pruned_through INTEGER NOT NULL
   );
   INSERT INTO webhook_log (id, pruned_through) VALUES (1, 0);
   CREATE TABLE webhook_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription TEXT NOT NULL,
     pos INTEGER NOT NULL,
     attempt INTEGER NOT NULL,
     status INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL,
     ts INTEGER NOT NULL
   );
   CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription, id)`,
  // 18 (issue 8, search; test/store/search-migration.test.ts undoes it and what follows): the folded
  // text of every live message (./search-text.ts) and an FTS5
  // trigram index over it (./sqlite-search.ts), filled from the messages already stored (oldest
  // first, so index order is time order; deleted ones and events left out).
  `CREATE TABLE search_docs (
     id INTEGER PRIMARY KEY,
     channel TEXT NOT NULL,
     seq INTEGER NOT NULL,
     sender TEXT NOT NULL,
     ts INTEGER NOT NULL,
     body TEXT NOT NULL,
     UNIQUE (channel, seq)
   );
   INSERT INTO search_docs (channel, seq, sender, ts, body)
     SELECT channel, seq, sender, ts, switchboard_fold(text) FROM messages
     WHERE edits IS NULL AND deletes IS NULL AND reacts IS NULL AND unreacts IS NULL
       AND deleted = 0 AND text <> ''
     ORDER BY ts, channel, seq;
   CREATE VIRTUAL TABLE search_fts USING fts5(body, content = 'search_docs', content_rowid = 'id',
     tokenize = 'trigram remove_diacritics 1');
   INSERT INTO search_fts (search_fts) VALUES ('rebuild');
   INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);
   CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
     INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
   END;
   CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
     INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
   END;
   CREATE TRIGGER search_docs_update AFTER UPDATE OF body ON search_docs BEGIN
     INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
     INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
   END;`,
  // 19 (issue 10, store throughput; with 18 the search schema): new documents are
  // indexed once per write transaction by SqliteSearch.flush (one INSERT … SELECT of the rows
  // above `search_indexed.id`), not by a trigger per row: FTS5 writes its pending terms out at
  // every statement that feeds it, so one statement per row cost ~4× the tokenizing. A delete or
  // an edit reaches the index only for a row it already holds (a row not yet flushed is
  // indexed later with its final text, or not at all).
  `DROP TRIGGER search_docs_insert;
   DROP TRIGGER search_docs_delete;
   DROP TRIGGER search_docs_update;
   CREATE TABLE search_indexed (id INTEGER NOT NULL);
   INSERT INTO search_indexed (id) SELECT coalesce(max(id), 0) FROM search_docs;
   ${INDEXED_DOC_TRIGGERS}`,
  // 20 (issue 7): the server roles a JWT or the auth webhook last presented for a user, who has
  // no account to keep them: a server admin signed in that way is no moderation target either
  // (AuthChain.serverRoles), on every node, connected or not.
  `CREATE TABLE presented_roles (
     user TEXT PRIMARY KEY,
     roles TEXT NOT NULL,
     seen_at INTEGER NOT NULL
   );`,
  // 21 (issue 10, store throughput): a message's search document is found through the id kept
  // in `messages.doc`, not through a (channel, seq) index on search_docs: one B-tree fewer
  // written per append, whose page per channel a batch dirtied (bench/README.md, "One index
  // fewer per append"). SQLite cannot drop a UNIQUE constraint's index, so search_docs is
  // rebuilt without it, ids kept; its triggers go with the old table and come back as 19 made them.
  `ALTER TABLE messages ADD COLUMN doc INTEGER;
   UPDATE messages SET doc = d.id FROM search_docs d
     WHERE d.channel = messages.channel AND d.seq = messages.seq;
   CREATE TABLE search_docs_new (
     id INTEGER PRIMARY KEY,
     channel TEXT NOT NULL,
     seq INTEGER NOT NULL,
     sender TEXT NOT NULL,
     ts INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   INSERT INTO search_docs_new (id, channel, seq, sender, ts, body)
     SELECT id, channel, seq, sender, ts, body FROM search_docs;
   DROP TABLE search_docs;
   ALTER TABLE search_docs_new RENAME TO search_docs;
   ${INDEXED_DOC_TRIGGERS}`,
  // 22 (issue 10, store throughput): the FTS5 index keeps which documents hold a trigram, not
  // where (`detail = none`): a feed costs ~2 µs less per append and the index is smaller. A term
  // longer than a trigram is then asked as an AND of its trigrams, and instr on the folded text
  // keeps only the documents that hold it whole (./sqlite-search.ts). Rebuilt from the documents
  // at or below the mark, so those above it still wait for the next feed.
  `DROP TRIGGER search_docs_delete;
   DROP TRIGGER search_docs_update;
   DROP TABLE search_fts;
   CREATE VIRTUAL TABLE search_fts USING fts5(body, content = 'search_docs', content_rowid = 'id',
     tokenize = 'trigram remove_diacritics 1', detail = none);
   INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);
   INSERT INTO search_fts (rowid, body)
     SELECT id, body FROM search_docs WHERE id <= (SELECT id FROM search_indexed);
   ${INDEXED_DOC_TRIGGERS}`,
];

/** The first migration of the search schema (18; 19 is its index mark). */
export const SEARCH_FIRST = 18;

/** The schema version a migrated database is at (`PRAGMA user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies pending migrations under the write lock, so concurrent openers migrate once. */
export function migrate(db: Database.Database): void {
  // For the backfill of migration 5 only; no trigger or view calls it, so other tools can still
  // write the file.
  db.function('switchboard_fold', { deterministic: true }, (text) => fold(String(text)));
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
