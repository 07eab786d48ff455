import { fold } from './search-text.js';
import { joinMentions } from './rows.js';
import type { NewMessage } from './message-store.js';

/** Most appends in one batch statement: bounds how long one statement holds its channels. */
export const MAX_BATCH = 500;

/** One queued message append (not an event, not opening its channel). */
export interface QueuedAppend {
  m: NewMessage;
  markRead: boolean;
  /** AppendOptions.recipient: the DM's checks. */
  recipient?: string | undefined;
}

/** What the batch statement assigned to the append at index `n` (1-based) of its batch. */
export interface BatchRow {
  n: number;
  seq: number;
  read_seq: number | null;
}

/*
 * The single-row `append` statement of ./postgres.ts for a whole batch, in one autocommit
 * statement (one round trip, one commit). `$1` is a JSON array of the appends (batchJson), `$2`
 * retainPerChannel (0: keep all).
 * - Every lookup is one index probe per append or per channel, whatever the planner thinks of
 *   the tables' sizes: the duplicate check and a DM's checks are each a LATERAL … LIMIT 1, never
 *   a join over all messages, members or blocks. (As `EXISTS` the DM checks were planned as
 *   hashed subplans: the planner guesses 100 input rows, so every batch read the whole members
 *   table; test/store/postgres.test.ts asks EXPLAIN.) Pruning runs only with retention on (only
 *   an append moves first_seq, and only then).
 * - The duplicate check is the single append's (statement snapshot); of several appends of one
 *   (channel, sender, cid) in the batch only the first goes on. A concurrent append of the same
 *   cid that passes the check too fails the UNIQUE constraint (23505) and the whole statement
 *   rolls back, seqs included.
 * - `locked` takes the channels' row locks in channel order (ORDER BY under FOR UPDATE locks in
 *   sorted order), so two batches touching the same channels never deadlock; the UPDATE only
 *   touches rows already locked there and sees their latest committed version.
 * - Each channel's seqs are reserved by one UPDATE … RETURNING (base + 1 … base + count) and
 *   handed out in batch order: gapless, unique, in the order the appends were queued.
 * - Retention, the search index and the read position follow as in the single statement; an
 *   append already behind the new first_seq (a batch longer than retainPerChannel) is returned
 *   with its seq but not written, as if a later append had pruned it.
 * - A DM's checks (`recipient`, AppendOptions.recipient) filter with the duplicate check: a
 *   recipient who is no member or blocks the sender leaves its append out.
 * - Only appends that got a seq come back: a duplicate, an unknown channel or a refused DM has
 *   no row.
 * A row's read_seq is the sender's position after that append: the position the batch left when
 *   another write had it further, else the larger of its seq and the position before the batch.
 */
export const APPEND_BATCH_SQL = `WITH input AS MATERIALIZED (
      SELECT * FROM json_to_recordset($1::json) AS i(n int, channel text, sender text, cid text,
        text text, ts bigint, body text, reply_to bigint, mentions text, mentions_all text,
        preview text, attachments text, thread bigint, also_to_room boolean, mark boolean,
        recipient text)),
    fresh AS MATERIALIZED (SELECT DISTINCT ON (i.channel, i.sender, i.cid) i.* FROM input i
      LEFT JOIN LATERAL (SELECT 1 AS hit FROM messages m
        WHERE m.channel = i.channel AND m.sender = i.sender AND m.cid = i.cid LIMIT 1) d ON true
      LEFT JOIN LATERAL (SELECT 1 AS hit FROM members mb
        WHERE mb.channel = i.channel AND mb."user" = i.recipient LIMIT 1) mem ON true
      LEFT JOIN LATERAL (SELECT 1 AS hit FROM blocks b
        WHERE b."user" = i.recipient AND b.other = i.sender LIMIT 1) blk ON true
      WHERE d.hit IS NULL
        AND (i.recipient IS NULL OR (mem.hit IS NOT NULL AND blk.hit IS NULL))
      ORDER BY i.channel, i.sender, i.cid, i.n),
    counts AS (SELECT channel, count(*) AS k FROM fresh GROUP BY channel),
    locked AS MATERIALIZED (SELECT c.channel FROM channels c
      WHERE c.channel IN (SELECT channel FROM counts) ORDER BY c.channel FOR UPDATE OF c),
    bumped AS (UPDATE channels c SET last_seq = c.last_seq + k.k,
        first_seq = CASE WHEN $2::bigint > 0
          THEN greatest(c.first_seq, c.last_seq + k.k + 1 - $2::bigint) ELSE c.first_seq END
      FROM counts k, locked l WHERE c.channel = k.channel AND l.channel = k.channel
      RETURNING c.channel, c.last_seq - k.k AS base, c.first_seq),
    numbered AS MATERIALIZED (SELECT f.*, b.first_seq,
        b.base + row_number() OVER (PARTITION BY f.channel ORDER BY f.n) AS seq
      FROM fresh f JOIN bumped b ON b.channel = f.channel),
    pruned AS (DELETE FROM messages m USING bumped b
      WHERE m.channel = b.channel AND m.seq < b.first_seq AND $2::bigint > 0),
    pruned_reactions AS (DELETE FROM reactions r USING bumped b
      WHERE r.channel = b.channel AND r.seq < b.first_seq AND $2::bigint > 0),
    unindexed AS (DELETE FROM message_search s USING bumped b
      WHERE s.channel = b.channel AND s.seq < b.first_seq AND $2::bigint > 0),
    indexed AS (INSERT INTO message_search (channel, seq, sender, ts, body)
      SELECT channel, seq, sender, ts, body FROM numbered WHERE body <> '' AND seq >= first_seq),
    moved AS (UPDATE members mb SET read_seq = greatest(mb.read_seq, r.top)
      FROM (SELECT channel, sender, max(seq) AS top FROM numbered WHERE mark
        GROUP BY channel, sender) r
      WHERE mb.channel = r.channel AND mb."user" = r.sender
      RETURNING mb.channel, mb."user", mb.read_seq, r.top),
    inserted AS (INSERT INTO messages (channel, seq, cid, sender, text, ts, reply_to, mentions,
        mentions_all, preview, attachments, thread, also_to_room)
      SELECT channel, seq, cid, sender, text, ts, reply_to, mentions, mentions_all, preview,
        attachments, thread, coalesce(also_to_room, false) FROM numbered WHERE seq >= first_seq)
    SELECT x.n, x.seq, CASE WHEN mv.read_seq IS NULL THEN NULL WHEN mv.read_seq > mv.top
        THEN mv.read_seq ELSE greatest(x.seq, least(coalesce(before.read_seq, 0), mv.top)) END AS read_seq
    FROM numbered x
    LEFT JOIN moved mv ON x.mark AND mv.channel = x.channel AND mv."user" = x.sender
    LEFT JOIN members before ON before.channel = x.channel AND before."user" = x.sender`;

/**
 * The batch as APPEND_BATCH_SQL's `$1`: one JSON array, parsed by the server in one go (cheaper
 * on the client than an array parameter per column). A message's folded text is its search body.
 */
export function batchJson(batch: readonly QueuedAppend[]): string {
  return JSON.stringify(
    batch.map(({ m, markRead, recipient }, i) => ({
      n: i + 1,
      channel: m.channel,
      sender: m.from,
      cid: m.cid,
      text: m.text,
      ts: m.ts,
      body: fold(m.text),
      reply_to: m.replyTo,
      mentions: joinMentions(m.mentions),
      mentions_all: m.mentionsAll,
      preview: m.preview ? JSON.stringify(m.preview) : undefined,
      attachments: m.attachments ? JSON.stringify(m.attachments) : undefined,
      thread: m.thread,
      also_to_room: m.alsoToRoom === true,
      mark: markRead,
      recipient,
    })),
  );
}
