import type { Query } from './postgres-moderation.js';
import { IS_MESSAGE } from './rows.js';
import type { ThreadFollow, ThreadStore, ThreadSummary } from './thread-store.js';

const SQL = {
  threadFollow: `INSERT INTO thread_follows (channel, root, "user", read_seq) VALUES ($1, $2, $3, $4)
    ON CONFLICT (channel, root, "user") DO NOTHING`,
  threadUnfollow: 'DELETE FROM thread_follows WHERE channel = $1 AND root = $2 AND "user" = $3',
  threadFollowers:
    'SELECT "user", read_seq FROM thread_follows WHERE channel = $1 AND root = $2 ORDER BY "user"',
  threadFollowed: `SELECT channel, root, read_seq FROM thread_follows
    WHERE "user" = $1 AND ($2::text IS NULL OR channel = $2) ORDER BY channel, root`,
  // Never moves back; clamps to the channel's lastSeq.
  threadSetRead: `UPDATE thread_follows SET read_seq = greatest(read_seq,
      least($4::bigint, (SELECT last_seq FROM channels c WHERE c.channel = thread_follows.channel)))
    WHERE channel = $1 AND root = $2 AND "user" = $3 RETURNING read_seq`,
  threadSummaries: `SELECT thread, count(*)::int AS replies, max(ts) AS last_reply,
      max(seq) AS last_seq
    FROM messages WHERE channel = $1 AND thread = ANY($2::bigint[]) AND ${IS_MESSAGE}
      AND NOT deleted
    GROUP BY thread`,
  threadCountAfter: `SELECT count(*)::int AS n FROM (SELECT 1 FROM messages
    WHERE channel = $1 AND thread = $2 AND ${IS_MESSAGE} AND NOT deleted AND seq > $3
    LIMIT $4) page`,
} as const;

/** The thread seam in PostgreSQL (./thread-store.ts), on the store's pool. */
export class PostgresThreads implements ThreadStore {
  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
  }

  #q<R extends Record<string, unknown>>(name: keyof typeof SQL, values: unknown[]) {
    return this.#query<R>(name, SQL[name], values);
  }

  async follow(channel: string, root: number, user: string, readSeq: number): Promise<boolean> {
    return (await this.#q('threadFollow', [channel, root, user, readSeq])).rowCount === 1;
  }

  async unfollow(channel: string, root: number, user: string): Promise<boolean> {
    return (await this.#q('threadUnfollow', [channel, root, user])).rowCount === 1;
  }

  async followers(channel: string, root: number): Promise<{ user: string; readSeq: number }[]> {
    const { rows } = await this.#q<{ user: string; read_seq: number }>('threadFollowers', [
      channel,
      root,
    ]);
    return rows.map((r) => ({ user: r.user, readSeq: r.read_seq }));
  }

  async followed(user: string, channel?: string): Promise<ThreadFollow[]> {
    const { rows } = await this.#q<{ channel: string; root: number; read_seq: number }>(
      'threadFollowed',
      [user, channel ?? null],
    );
    return rows.map((r) => ({ channel: r.channel, root: r.root, readSeq: r.read_seq }));
  }

  async setRead(channel: string, root: number, user: string, seq: number): Promise<number | null> {
    const { rows } = await this.#q<{ read_seq: number }>('threadSetRead', [
      channel,
      root,
      user,
      seq,
    ]);
    return rows[0]?.read_seq ?? null;
  }

  async summaries(channel: string, roots: number[]): Promise<Map<number, ThreadSummary>> {
    if (roots.length === 0) return new Map();
    const { rows } = await this.#q<{
      thread: number;
      replies: number;
      last_reply: number;
      last_seq: number;
    }>('threadSummaries', [channel, roots]);
    return new Map(
      rows.map((r) => [
        r.thread,
        { replies: r.replies, lastReply: r.last_reply, lastSeq: r.last_seq },
      ]),
    );
  }

  async countAfter(channel: string, root: number, after: number, cap: number): Promise<number> {
    return (await this.#q<{ n: number }>('threadCountAfter', [channel, root, after, cap])).rows[0]!
      .n;
  }
}
