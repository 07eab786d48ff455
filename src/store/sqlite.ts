import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { BusyTimeout } from './sqlite-busy-timeout.js';
import { GroupCommit } from './sqlite-group-commit.js';
import { migrate } from './sqlite-schema.js';
import { SqliteModeration } from './sqlite-moderation.js';
import { SqliteApiKeys } from './sqlite-api-keys.js';
import { SqliteWebhooks } from './sqlite-webhooks.js';
import { SqliteAccounts } from './sqlite-accounts.js';
import { SqlitePush } from './sqlite-push.js';
import { SqliteSearch } from './sqlite-search.js';
import { SqliteUploads } from './sqlite-uploads.js';
import { SqliteThreads } from './sqlite-threads.js';
import type { SearchIndex } from './search-index.js';
import type { AccountStore } from '../auth/account-store.js';
import {
  refuseDm,
  SQLITE_SYNCHRONOUS,
  type DmRecipient,
  type SqliteSynchronous,
  type Store,
  type StoreOptions,
} from './store.js';

/** How long a writer waits for another process's write lock before failing, in ms. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * WAL pages after which a commit checkpoints (`wal_autocheckpoint`; SQLite's default is 1,000,
 * ~4 MB). A checkpoint copies each page once however often the WAL rewrote it, so a longer WAL
 * copies far less per append: store bench, ~4-5 µs of CPU less per append and ~20 % more
 * appends/s (bench/README.md). The checkpoint still runs in a commit, on the event loop.
 */
export const WAL_CHECKPOINT_PAGES = 10_000;
/** The WAL file is cut back to this size after a checkpoint (`journal_size_limit`), in bytes. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * The default Store and SessionStore: one SQLite file in WAL mode, shareable by several processes
 * on one host; both seams share the connection and the schema of ./sqlite-schema.ts.
 * Sequence numbers are allocated inside `BEGIN IMMEDIATE`, which holds the file's write lock,
 * so concurrent writers in different processes still get gapless, unique seqs. Appends and
 * read-position moves, channel creations and joins are group-committed: one transaction per event-loop turn
 * (./sqlite-group-commit.ts). Durability follows `options.sqliteSynchronous` (default `full`).
 */
export class SqliteStore implements Store, SessionStore {
  readonly #db: Database.Database;
  readonly #retain: number;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #append: (m: NewMessage) => AppendResult;
  readonly #commits: GroupCommit;
  /** The connection's busy_timeout: not waiting in a group commit, waiting in every other call. */
  readonly #busy: BusyTimeout;
  readonly #addMember: (channel: string, user: string) => boolean;
  readonly moderation: SqliteModeration;
  /** Thread follows and counts (./sqlite-threads.ts). */
  readonly threads: SqliteThreads;
  readonly apiKeys: SqliteApiKeys;
  readonly webhooks: SqliteWebhooks;
  readonly #search: SqliteSearch;
  /** Full-text search over the messages (./sqlite-search.ts). */
  readonly search: SearchIndex;
  /** Push subscriptions and notification settings (./sqlite-push.ts). */
  readonly push: SqlitePush;
  /** Accounts and their device sessions, on this connection (./sqlite-accounts.ts). */
  readonly accounts: AccountStore;
  readonly uploads: SqliteUploads;

  /** Opens (creating if missing, with its parent directory) the file at `path`, or ':memory:'. */
  constructor(path: string, options: StoreOptions = {}) {
    this.#retain = options.retainPerChannel ?? 0;
    const synchronous = options.sqliteSynchronous ?? 'full';
    if (!SQLITE_SYNCHRONOUS.includes(synchronous))
      throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `sqlite synchronous: ${synchronous}`);
    try {
      if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
      // Its busy_timeout is set once, by BusyTimeout below, before any statement runs.
      this.#db = new Database(path);
    } catch (err) {
      throw unavailable(err, `cannot open sqlite store at ${path}`);
    }
    const db = this.#db;
    try {
      this.#busy = new BusyTimeout(db, BUSY_TIMEOUT_MS);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
      migrate(db);
      this.#sql = prepare(db);
      this.moderation = new SqliteModeration(db, (fn) => this.#run(fn));
      this.threads = new SqliteThreads(db, (fn) => this.#run(fn));
      this.apiKeys = new SqliteApiKeys(db, (fn) => this.#run(fn));
      this.webhooks = new SqliteWebhooks(db, (fn) => this.#run(fn));
      this.search = this.#search = new SqliteSearch(
        db,
        (fn) => this.#run(fn),
        options.sqliteSearchFeedDocs,
      );
      this.push = new SqlitePush(db, (fn) => this.#run(fn));
    } catch (err) {
      db.close();
      throw unavailable(err, `cannot open sqlite store at ${path}`);
    }
    const sql = this.#sql;
    const search = this.#search;
    this.#commits = new GroupCommit(db, (err) => unavailable(err), this.#busy, {
      afterBegin: () => search.begin(),
      beforeCommit: () => search.flush(),
      onCommit: options.onSqliteCommit,
    });
    this.accounts = new SqliteAccounts(db, (fn) => this.#run(fn));
    this.uploads = new SqliteUploads(db, (fn) => this.#run(fn));

    // Runs inside a group-commit batch, which holds the write lock (an event's in a savepoint).
    // A message reads the channel's last seq, INSERTs at the next one skipping a retry of a stored
    // (channel, sender, cid), then UPDATEs the last seq; the retry and the missing channel are
    // told apart only when nothing was inserted. An event is checked for a retry before
    // applyEvent changes its target. No RETURNING: SQLite buffers a RETURNING statement's rows in
    // an ephemeral table, a temporary B-tree with its own page cache (an 87 KB allocation) opened
    // and freed per statement: ~4 µs of CPU per append in a micro-bench, and in a process whose
    // heap top sat at glibc's trim threshold a brk() pair per append, 6× the CPU per append
    // (bench/README.md, "What RETURNING cost").
    /** The stored entry of a retried (channel, sender, cid), as a duplicate's answer. */
    const retried = (m: NewMessage): AppendResult | undefined => {
      const existing = sql.byCid.get(m.channel, m.from, m.cid) as MessageRow | undefined;
      return existing && { message: toMessage(existing), duplicate: true };
    };
    this.#append = (m: NewMessage): AppendResult => {
      if (!isMessage(m)) {
        const duplicate = retried(m);
        if (duplicate) return duplicate;
        applyEvent(sql, m);
      }
      const last = sql.lastSeq.get(m.channel) as number | undefined;
      const seq = (last ?? 0) + 1;
      // Counted before the row that keeps it is written; a retry's id is never used.
      const doc = this.#search.docId(m);
      const inserted =
        last !== undefined &&
        sql.insert.run(
          m.channel,
          seq,
          m.cid,
          m.from,
          m.text,
          m.ts,
          m.deletes ?? null,
          ...optionalColumns(m),
          m.alsoToRoom ? 1 : 0,
          doc,
        ).changes === 1;
      if (!inserted) {
        const duplicate = retried(m);
        if (duplicate) return duplicate;
        throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${m.channel}`);
      }
      sql.setLastSeq.run(seq, m.channel);
      this.#search.add({ ...m, seq }, doc);
      if (this.#retain > 0 && seq > this.#retain) {
        const firstSeq = seq - this.#retain + 1;
        // The documents first: they are found through the messages' rows.
        this.#search.prune(m.channel, firstSeq);
        sql.prune.run(m.channel, firstSeq);
        sql.pruneReactions.run(m.channel, firstSeq);
        sql.moveFirstSeq.run(firstSeq, m.channel);
      }
      return { message: withoutUndefined({ ...m, seq }), duplicate: false };
    };

    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#addMember = db.transaction((channel: string, user: string): boolean => {
      if (sql.insertMember.run(user, Date.now(), channel).changes === 1) return true;
      if (!sql.head.get(channel))
        throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${channel}`);
      return false;
    }).immediate;
  }

  /** The durability mode as the connection reports it (`PRAGMA synchronous`). */
  get synchronous(): SqliteSynchronous {
    return this.#db.pragma('synchronous', { simple: true }) === 2 ? 'full' : 'normal';
  }

  /** WAL pages after which a commit checkpoints, as the connection reports it. */
  get walCheckpointPages(): number {
    return this.#db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  /**
   * Runs a synchronous driver call, waiting up to BUSY_TIMEOUT_MS for another process's lock (a
   * group commit before it left the connection not waiting), wrapping driver errors as
   * SB_ERR_STORE_UNAVAILABLE.
   */
  async #run<T>(fn: () => T): Promise<T> {
    try {
      this.#busy.wait();
      return fn();
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      throw unavailable(err);
    }
  }

  append(message: NewMessage, options: AppendOptions = {}): Promise<AppendResult> {
    // A message's append throws a SwitchboardError (no such channel) only before it writes, and
    // the read move after it throws none: no savepoint. An event's may throw after applyEvent
    // wrote, so it keeps its savepoint.
    const { markRead = false, open, recipient } = options;
    const check = recipient !== undefined && !open && isMessage(message);
    if (!markRead && !open && !check)
      return this.#commits.run(() => this.#append(message), !isMessage(message));
    // The conversation's opening and the read move join the append's write: one write, not two
    // or three, per first DM. Neither the opening nor the read move throws a SwitchboardError
    // (#create), so the write needs a savepoint only when the append's own does; nor does a
    // DM's check, which refuses before anything is written.
    return this.#commits.run(() => {
      const { channel, from, ts } = message;
      if (check) refuseDm(this.#dmRecipient(channel, recipient, from));
      const created = open && this.#create(channel, open.kind, from, ts, open.members);
      const result = this.#append(message);
      const withCreated = open ? { ...result, created: created === true } : result;
      if (result.duplicate || !markRead) return withCreated;
      const readSeq = this.#moveRead(message.channel, message.from, result.message.seq);
      return readSeq === undefined ? withCreated : { ...withCreated, readSeq };
    }, !isMessage(message));
  }

  /**
   * createChannel's writes, inside the caller's transaction; whether the channel was new. Throws
   * no SwitchboardError (only a driver error, which fails the whole batch): no savepoint needed.
   */
  #create(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
    members: readonly string[],
  ): boolean {
    const created = this.#sql.createChannel.run(channel, kind, createdBy, ts).changes === 1;
    // The channel exists now: a member's insert cannot fail for want of it, so it needs no
    // savepoint of its own (addMember's check).
    for (const user of members) this.#sql.insertMember.run(user, Date.now(), channel);
    return created;
  }

  read(channel: string, query: ReadQuery): Promise<StoredMessage[]> {
    return this.#run(() => {
      const limit = Math.max(0, Math.floor(query.limit));
      const after = query.after ?? 0;
      const thread = query.thread ?? null;
      const main = query.mainTimeline === true ? 1 : 0;
      const only = query.messagesOnly === true || thread !== null || main === 1;
      const before = query.before ?? Number.MAX_SAFE_INTEGER;
      const forward = query.before === undefined && query.after !== undefined;
      const rows = only
        ? (forward ? this.#sql.readMessagesAfter : this.#sql.readMessagesBefore).all({
            channel,
            after,
            before,
            limit,
            thread,
            main,
          })
        : forward
          ? this.#sql.readAfter.all(channel, after, limit)
          : this.#sql.readBefore.all(channel, after, before, limit);
      return (rows as MessageRow[]).map(toMessage);
    });
  }

  versions(channel: string, seq: number): Promise<MessageVersion[]> {
    return this.#run(() => {
      const m = this.#sql.original.get(channel, seq) as
        { text: string; original_text: string | null; ts: number; deleted: number } | undefined;
      if (!m || m.deleted) return [];
      if (m.original_text === null) return [{ text: m.text, ts: m.ts }];
      const edits = this.#sql.editTexts.all(channel, seq) as MessageVersion[];
      return [
        { text: m.original_text, ts: m.ts },
        ...edits.map((e) => ({ text: e.text, ts: e.ts })),
      ];
    });
  }

  reactions(
    channel: string,
    seqs: number[],
    viewer: string,
  ): Promise<Map<number, ReactionSummary[]>> {
    return this.#run(() => {
      const rows = this.#sql.reactions.all(channel, JSON.stringify(seqs)) as {
        seq: number;
        emoji: string;
        user: string;
      }[];
      return summarize(rows, viewer, REACTION_NAMES);
    });
  }

  countMentions(
    channel: string,
    user: string,
    after: number,
    upTo: number,
    cap: number,
  ): Promise<number> {
    return this.#run(
      () => (this.#sql.countMentions.get(channel, after, upTo, user, user, cap) as { n: number }).n,
    );
  }

  countMessages(channel: string, after: number, upTo: number, cap: number): Promise<number> {
    return this.#run(
      () => (this.#sql.countMessages.get(channel, after, upTo, cap) as { n: number }).n,
    );
  }

  head(channel: string): Promise<ChannelHead | null> {
    return this.#run(() => {
      const row = this.#sql.head.get(channel) as
        { last_seq: number; first_seq: number } | undefined;
      return row ? { lastSeq: row.last_seq, firstSeq: row.first_seq } : null;
    });
  }

  createChannel(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
    members: readonly string[] = [],
  ): Promise<boolean> {
    // Group-committed like appends: a burst of first DMs shares one commit (one fsync).
    return this.#commits.run(() => this.#create(channel, kind, createdBy, ts, members), false);
  }

  listRooms(): Promise<RoomSummary[]> {
    return this.#run(() => {
      const rows = this.#sql.listRooms.all() as {
        room: string;
        members: number;
        last_seq: number;
        topic: string;
        archived: number;
      }[];
      return rows.map((r) => ({
        room: r.room,
        members: r.members,
        lastSeq: r.last_seq,
        topic: r.topic,
        archived: r.archived === 1,
      }));
    });
  }

  addMember(channel: string, user: string): Promise<boolean> {
    return this.#commits.run(() => this.#addMember(channel, user));
  }

  removeMember(channel: string, user: string): Promise<boolean> {
    return this.#run(() => this.#sql.removeMember.run(channel, user).changes === 1);
  }

  isMember(channel: string, user: string): Promise<boolean> {
    return this.#run(() => this.#sql.isMember.get(channel, user) !== undefined);
  }

  membership(channel: string, user: string): Promise<MemberPosition | null> {
    return this.#run(() => {
      const row = this.#sql.membership.get(channel, user) as
        { read_seq: number; floor_seq: number } | undefined;
      return row ? { readSeq: row.read_seq, floorSeq: row.floor_seq } : null;
    });
  }

  dmRecipient(channel: string, recipient: string, sender: string): Promise<DmRecipient> {
    return this.#run(() => this.#dmRecipient(channel, recipient, sender));
  }

  #dmRecipient(channel: string, recipient: string, sender: string): DmRecipient {
    return toDmRecipient(
      this.#sql.dmRecipient.get({ channel, recipient, sender }) as DmRecipientRow,
    );
  }

  forgetUser(user: string): Promise<void> {
    return this.#run(() => {
      this.#sql.forgetUser.run(user);
      this.#sql.forgetSettings.run(user);
      this.#sql.forgetFollows.run(user);
    });
  }

  readPositions(channel: string): Promise<ReadPosition[]> {
    return this.#run(() =>
      (
        this.#sql.readPositions.all(channel) as {
          user: string;
          read_seq: number;
          receipts: number;
        }[]
      ).map((r) => ({ user: r.user, readSeq: r.read_seq, receipts: r.receipts === 1 })),
    );
  }

  receiptsEnabled(user: string): Promise<boolean> {
    return this.#run(() => {
      const row = this.#sql.receiptsEnabled.get(user) as { receipts: number } | undefined;
      return row === undefined || row.receipts === 1;
    });
  }

  setReceiptsEnabled(user: string, enabled: boolean): Promise<void> {
    return this.#run(() => {
      this.#sql.setReceiptsEnabled.run(user, enabled ? 1 : 0);
    });
  }

  members(channel: string): Promise<string[]> {
    return this.#run(() => this.#sql.members.pluck().all(channel) as string[]);
  }

  membersPage(channel: string, after: string | null, limit: number): Promise<string[]> {
    return this.#run(
      () => this.#sql.membersPage.pluck().all(channel, after ?? '', limit) as string[],
    );
  }

  memberCount(channel: string): Promise<number> {
    return this.#run(() => this.#sql.memberCount.pluck().get(channel) as number);
  }

  memberships(user: string): Promise<Membership[]> {
    return this.#run(() => {
      const rows = this.#sql.memberships.all(user) as {
        channel: string;
        kind: ChannelKind;
        last_seq: number;
        first_seq: number;
        read_seq: number;
        floor_seq: number;
        topic: string;
        archived: number;
      }[];
      return rows.map((r) => ({
        channel: r.channel,
        kind: r.kind,
        lastSeq: r.last_seq,
        firstSeq: r.first_seq,
        readSeq: r.read_seq,
        floorSeq: r.floor_seq,
        topic: r.topic,
        archived: r.archived === 1,
      }));
    });
  }

  /** Moves a member's read position (inside a batch); its new value, undefined for a non-member. */
  #moveRead(channel: string, user: string, seq: number): number | undefined {
    if (this.#sql.setReadSeq.run(seq, channel, user).changes === 0) return undefined;
    return this.#sql.readSeq.get(channel, user) as number;
  }

  setReadSeq(channel: string, user: string, seq: number): Promise<number> {
    return this.#commits.run(() => {
      const readSeq = this.#moveRead(channel, user, seq);
      if (readSeq !== undefined) return readSeq;
      if (!this.#sql.head.get(channel))
        throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${channel}`);
      throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
    });
  }

  sessionByTokenHash(tokenHash: string): Promise<Session | null> {
    return this.#run(() => {
      const row = this.#sql.sessionByTokenHash.get(tokenHash) as SessionRow | undefined;
      return row ? toSession(row) : null;
    });
  }

  sessionsByHandle(handle: string): Promise<Session[]> {
    return this.#run(() => (this.#sql.sessionsByHandle.all(handle) as SessionRow[]).map(toSession));
  }

  claimSession(s: Session, now: number): Promise<boolean> {
    return this.#run(
      () =>
        this.#sql.claimSession.run(s.handle, s.tokenHash, s.createdAt, s.expiresAt, now).changes ===
        1,
    );
  }

  setSessionExpiry(tokenHash: string, expiresAt: number): Promise<boolean> {
    return this.#run(() => this.#sql.setSessionExpiry.run(expiresAt, tokenHash).changes === 1);
  }

  /** Closes the file; later calls reject SB_ERR_STORE_UNAVAILABLE. Idempotent. */
  close(): Promise<void> {
    return this.#run(() => {
      this.#commits.drain();
      if (this.#db.open) this.#db.close();
    });
  }
}

/** Applies an event's change to its target (message-store.ts LogEvent), inside append's transaction. */
function applyEvent(sql: ReturnType<typeof prepare>, e: NewMessage): void {
  const seq = e.deletes ?? e.edits ?? e.reacts ?? e.unreacts ?? e.previews!;
  const target = sql.target.get(e.channel, seq) as { deleted: number } | undefined;
  if (!target || target.deleted) throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
  if (e.deletes !== undefined) {
    sql.eraseMessage.run(e.channel, seq);
    sql.eraseEdits.run(e.channel, seq);
    sql.erasePreviews.run(e.channel, seq);
    sql.dropReactions.run(e.channel, seq);
  } else if (e.previews !== undefined) {
    if (sql.setPreview.run(JSON.stringify(e.preview), e.channel, seq).changes === 0)
      throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND', 'has a preview');
  } else if (e.edits !== undefined) {
    sql.editMessage.run(
      e.text,
      e.ts,
      joinMentions(e.mentions),
      e.mentionsAll ?? null,
      e.channel,
      seq,
    );
  } else if (e.reacts !== undefined) {
    const s = sql.reactionState.get(e.emoji, e.emoji, e.from, e.channel, seq) as {
      kinds: number;
      known: number;
      mine: number;
    };
    if (s.mine) throw new SwitchboardError('SB_ERR_REACTION_EXISTS');
    if (!s.known && s.kinds >= MAX_DISTINCT_REACTIONS)
      throw new SwitchboardError('SB_ERR_REACTION_LIMIT');
    sql.addReaction.run(e.channel, seq, e.emoji, e.from, e.ts);
  } else if (sql.removeReaction.run(e.channel, seq, e.emoji, e.from).changes === 0) {
    throw new SwitchboardError('SB_ERR_REACTION_NOT_FOUND');
  }
}

function unavailable(cause: unknown, message?: string): SwitchboardError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SwitchboardError(
    'SB_ERR_STORE_UNAVAILABLE',
    `${message ?? 'sqlite store'}: ${detail}`,
    {
      cause,
    },
  );
}

/** ReadQuery's `thread` (@thread, null: any) and `mainTimeline` (@main, 1: only it). */
const MESSAGE_FILTER = `(@thread IS NULL OR thread = @thread) AND (@main = 0 OR ${IN_MAIN_TIMELINE})`;

function prepare(db: Database.Database) {
  return {
    byCid: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND sender = ? AND cid = ?`,
    ),
    lastSeq: db.prepare('SELECT last_seq FROM channels WHERE channel = ?').pluck(),
    // Changes nothing when (channel, sender, cid) is stored: a retry.
    insert: db.prepare(
      `INSERT INTO messages (channel, seq, cid, sender, text, ts, deletes, edits, reacts,
         unreacts, emoji, reply_to, mentions, mentions_all, previews, preview, attachments,
         thread, also_to_room, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel, sender, cid) DO NOTHING`,
    ),
    setLastSeq: db.prepare('UPDATE channels SET last_seq = ? WHERE channel = ?'),
    prune: db.prepare('DELETE FROM messages WHERE channel = ? AND seq < ?'),
    pruneReactions: db.prepare('DELETE FROM reactions WHERE channel = ? AND seq < ?'),
    target: db.prepare(
      `SELECT deleted FROM messages WHERE channel = ? AND seq = ? AND ${IS_MESSAGE}`,
    ),
    eraseMessage: db.prepare(
      `UPDATE messages SET text = '', deleted = 1, edited_ts = NULL, mentions = NULL,
         mentions_all = NULL, preview = NULL, original_text = NULL, attachments = NULL
         WHERE channel = ? AND seq = ?`,
    ),
    eraseEdits: db.prepare(
      `UPDATE messages SET text = '', mentions = NULL, mentions_all = NULL
       WHERE channel = ? AND edits = ?`,
    ),
    erasePreviews: db.prepare(
      'UPDATE messages SET preview = NULL WHERE channel = ? AND previews = ?',
    ),
    setPreview: db.prepare(
      'UPDATE messages SET preview = ? WHERE channel = ? AND seq = ? AND preview IS NULL',
    ),
    original: db.prepare(
      `SELECT text, original_text, ts, deleted FROM messages
       WHERE channel = ? AND seq = ? AND ${IS_MESSAGE}`,
    ),
    editTexts: db.prepare(
      'SELECT text, ts FROM messages WHERE channel = ? AND edits = ? ORDER BY seq',
    ),
    dropReactions: db.prepare('DELETE FROM reactions WHERE channel = ? AND seq = ?'),
    editMessage: db.prepare(
      `UPDATE messages SET original_text = coalesce(original_text, text), text = ?, edited_ts = ?,
         mentions = ?, mentions_all = ?
       WHERE channel = ? AND seq = ?`,
    ),
    reactionState: db.prepare(
      `SELECT count(DISTINCT emoji) AS kinds, coalesce(max(emoji = ?), 0) AS known,
         coalesce(max(emoji = ? AND user = ?), 0) AS mine
       FROM reactions WHERE channel = ? AND seq = ?`,
    ),
    addReaction: db.prepare(
      'INSERT INTO reactions (channel, seq, emoji, user, ts) VALUES (?, ?, ?, ?, ?)',
    ),
    removeReaction: db.prepare(
      'DELETE FROM reactions WHERE channel = ? AND seq = ? AND emoji = ? AND user = ?',
    ),
    reactions: db.prepare(
      `SELECT seq, emoji, user FROM reactions
       WHERE channel = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq, ts, user`,
    ),
    countMessages: db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages
         WHERE channel = ? AND seq > ? AND seq <= ? AND ${IS_MESSAGE} AND ${IN_MAIN_TIMELINE}
         LIMIT ?)`,
    ),
    // instr, not LIKE: `_` in a handle is a LIKE wildcard.
    countMentions: db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages
         WHERE channel = ? AND seq > ? AND seq <= ? AND ${IS_MESSAGE} AND deleted = 0
           AND (instr(' ' || mentions || ' ', ' ' || ? || ' ') > 0
             OR (mentions_all IS NOT NULL AND sender <> ?))
         LIMIT ?)`,
    ),
    readMessagesAfter: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = @channel AND seq > @after
         AND ${IS_MESSAGE} AND ${MESSAGE_FILTER}
       ORDER BY seq LIMIT @limit`,
    ),
    readMessagesBefore: db.prepare(
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE channel = @channel AND seq > @after AND seq < @before AND ${IS_MESSAGE}
           AND ${MESSAGE_FILTER}
         ORDER BY seq DESC LIMIT @limit)
       ORDER BY seq`,
    ),
    moveFirstSeq: db.prepare('UPDATE channels SET first_seq = max(first_seq, ?) WHERE channel = ?'),
    readAfter: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    readBefore: db.prepare(
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE channel = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
    ),
    head: db.prepare('SELECT last_seq, first_seq FROM channels WHERE channel = ?'),
    createChannel: db.prepare(
      `INSERT INTO channels (channel, kind, created_by, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel) DO NOTHING`,
    ),
    listRooms: db.prepare(
      `SELECT substr(c.channel, 6) AS room, c.last_seq, c.topic, c.archived,
         (SELECT count(*) FROM members m WHERE m.channel = c.channel) AS members
       FROM channels c WHERE c.kind = 'room' ORDER BY c.channel`,
    ),
    insertMember: db.prepare(
      `INSERT INTO members (channel, user, read_seq, joined_at, floor_seq)
       SELECT channel, ?, last_seq, ?, CASE kind WHEN 'dm' THEN last_seq ELSE 0 END
       FROM channels WHERE channel = ?
       ON CONFLICT (channel, user) DO NOTHING`,
    ),
    removeMember: db.prepare('DELETE FROM members WHERE channel = ? AND user = ?'),
    isMember: db.prepare('SELECT 1 FROM members WHERE channel = ? AND user = ?'),
    membership: db.prepare(
      'SELECT read_seq, floor_seq FROM members WHERE channel = ? AND user = ?',
    ),
    // One statement, so one read transaction: after another process's commit, each reads its
    // pages again (bench/README.md, "A DM's two reads in one").
    dmRecipient: db.prepare(
      `SELECT m.read_seq, m.floor_seq,
         EXISTS (SELECT 1 FROM blocks WHERE user = @recipient AND other = @sender) AS blocked
       FROM (SELECT 1) LEFT JOIN members m ON m.channel = @channel AND m.user = @recipient`,
    ),
    forgetUser: db.prepare('DELETE FROM members WHERE user = ?'),
    forgetSettings: db.prepare('DELETE FROM user_settings WHERE user = ?'),
    readPositions: db.prepare(
      `SELECT m.user, m.read_seq, coalesce(s.receipts, 1) AS receipts
       FROM members m LEFT JOIN user_settings s ON s.user = m.user
       WHERE m.channel = ? ORDER BY m.user`,
    ),
    receiptsEnabled: db.prepare('SELECT receipts FROM user_settings WHERE user = ?'),
    setReceiptsEnabled: db.prepare(
      `INSERT INTO user_settings (user, receipts) VALUES (?, ?)
       ON CONFLICT (user) DO UPDATE SET receipts = excluded.receipts`,
    ),
    forgetFollows: db.prepare('DELETE FROM thread_follows WHERE user = ?'),
    members: db.prepare('SELECT user FROM members WHERE channel = ? ORDER BY user'),
    membersPage: db.prepare(
      'SELECT user FROM members WHERE channel = ? AND user > ? ORDER BY user LIMIT ?',
    ),
    memberCount: db.prepare('SELECT count(*) FROM members WHERE channel = ?'),
    memberships: db.prepare(
      `SELECT m.channel, c.kind, c.last_seq, c.first_seq, m.read_seq, m.floor_seq, c.topic,
         c.archived
       FROM members m JOIN channels c ON c.channel = m.channel
       WHERE m.user = ? ORDER BY m.channel`,
    ),
    // Never moves back; clamps to the channel's lastSeq. No RETURNING (see #append): readSeq.
    setReadSeq: db.prepare(
      `UPDATE members SET read_seq = max(read_seq,
         min(?, (SELECT last_seq FROM channels c WHERE c.channel = members.channel)))
       WHERE channel = ? AND user = ?`,
    ),
    readSeq: db.prepare('SELECT read_seq FROM members WHERE channel = ? AND user = ?').pluck(),
    sessionByTokenHash: db.prepare('SELECT * FROM sessions WHERE token_hash = ?'),
    sessionsByHandle: db.prepare('SELECT * FROM sessions WHERE handle = ? ORDER BY created_at'),
    setSessionExpiry: db.prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ?'),
    // One statement, so the check and the write are atomic even between processes. The table is
    // keyed by handle, so the upsert also ends the handle's earlier session.
    claimSession: db.prepare(
      `INSERT INTO sessions (handle, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (handle) DO UPDATE SET token_hash = excluded.token_hash,
         created_at = excluded.created_at, expires_at = excluded.expires_at
       WHERE sessions.expires_at <= ?`,
    ),
  };
}
