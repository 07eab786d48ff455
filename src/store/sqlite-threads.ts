import type Database from 'better-sqlite3';
import { IS_MESSAGE } from './rows.js';
import type { Run } from './sqlite-moderation.js';
import type { ThreadFollow, ThreadStore, ThreadSummary } from './thread-store.js';

const LIVE_IN_THREAD = `thread = ? AND ${IS_MESSAGE} AND deleted = 0`;

function prepare(db: Database.Database) {
  return {
    follow: db.prepare(
      `INSERT INTO thread_follows (channel, root, user, read_seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel, root, user) DO NOTHING`,
    ),
    unfollow: db.prepare('DELETE FROM thread_follows WHERE channel = ? AND root = ? AND user = ?'),
    followers: db.prepare(
      'SELECT user, read_seq FROM thread_follows WHERE channel = ? AND root = ? ORDER BY user',
    ),
    followed: db.prepare(
      `SELECT channel, root, read_seq FROM thread_follows
       WHERE user = @user AND (@channel IS NULL OR channel = @channel) ORDER BY channel, root`,
    ),
    // Never moves back; clamps to the channel's lastSeq. No RETURNING (an ephemeral table per
    // statement, see SqliteStore's append): readSeq after it, in the same call.
    setRead: db.prepare(
      `UPDATE thread_follows SET read_seq = max(read_seq,
         min(?, (SELECT last_seq FROM channels c WHERE c.channel = thread_follows.channel)))
       WHERE channel = ? AND root = ? AND user = ?`,
    ),
    readSeq: db
      .prepare('SELECT read_seq FROM thread_follows WHERE channel = ? AND root = ? AND user = ?')
      .pluck(),
    summaries: db.prepare(
      `SELECT thread, count(*) AS replies, max(ts) AS last_reply, max(seq) AS last_seq
       FROM messages WHERE channel = ? AND thread IN (SELECT value FROM json_each(?))
         AND ${IS_MESSAGE} AND deleted = 0
       GROUP BY thread`,
    ),
    countAfter: db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages
         WHERE channel = ? AND ${LIVE_IN_THREAD} AND seq > ? LIMIT ?)`,
    ),
  };
}

/** The thread seam in SQLite (./thread-store.ts), in the store's database. */
export class SqliteThreads implements ThreadStore {
  readonly #sql: ReturnType<typeof prepare>;
  readonly #run: Run;

  constructor(db: Database.Database, run: Run) {
    this.#sql = prepare(db);
    this.#run = run;
  }

  follow(channel: string, root: number, user: string, readSeq: number): Promise<boolean> {
    return this.#run(() => this.#sql.follow.run(channel, root, user, readSeq).changes === 1);
  }

  unfollow(channel: string, root: number, user: string): Promise<boolean> {
    return this.#run(() => this.#sql.unfollow.run(channel, root, user).changes === 1);
  }

  followers(channel: string, root: number): Promise<{ user: string; readSeq: number }[]> {
    return this.#run(() =>
      (this.#sql.followers.all(channel, root) as { user: string; read_seq: number }[]).map((r) => ({
        user: r.user,
        readSeq: r.read_seq,
      })),
    );
  }

  followed(user: string, channel?: string): Promise<ThreadFollow[]> {
    return this.#run(() =>
      (
        this.#sql.followed.all({ user, channel: channel ?? null }) as {
          channel: string;
          root: number;
          read_seq: number;
        }[]
      ).map((r) => ({ channel: r.channel, root: r.root, readSeq: r.read_seq })),
    );
  }

  setRead(channel: string, root: number, user: string, seq: number): Promise<number | null> {
    return this.#run(() => {
      if (this.#sql.setRead.run(seq, channel, root, user).changes === 0) return null;
      return this.#sql.readSeq.get(channel, root, user) as number;
    });
  }

  summaries(channel: string, roots: number[]): Promise<Map<number, ThreadSummary>> {
    return this.#run(() => {
      const rows = this.#sql.summaries.all(channel, JSON.stringify(roots)) as {
        thread: number;
        replies: number;
        last_reply: number;
        last_seq: number;
      }[];
      return new Map(
        rows.map((r) => [
          r.thread,
          { replies: r.replies, lastReply: r.last_reply, lastSeq: r.last_seq },
        ]),
      );
    });
  }

  countAfter(channel: string, root: number, after: number, cap: number): Promise<number> {
    return this.#run(
      () => (this.#sql.countAfter.get(channel, root, after, cap) as { n: number }).n,
    );
  }
}
