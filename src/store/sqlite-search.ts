import type Database from 'better-sqlite3';
import { isMessage, type NewMessage, type StoredMessage } from './message-store.js';
import type { SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import { fold, hitPage, prepareSearch, type HitRow } from './search-text.js';

/** Trigrams need three characters: shorter terms are checked by `instr` on candidate rows only. */
const TRIGRAM = 3;

/**
 * Documents waiting above the mark that make a transaction feed them to the index: few enough
 * that a search's scan of them costs under 0.1 ms, enough that a DM's commit seldom feeds
 * (bench/README.md, "The search index fed in bulk").
 */
export const SEARCH_FEED_DOCS = 64;

/**
 * Feeding the index through document `@through`: what waits above the mark, up to it, into
 * `search_fts` (`fill`), then the mark moved to it (`mark`). Also run by the search bench after
 * its bulk load (bench/search.ts).
 */
export const FEED_SQL = {
  fill: `INSERT INTO search_fts (rowid, body)
    SELECT id, body FROM search_docs
    WHERE id > (SELECT id FROM search_indexed) AND id <= @through`,
  mark: 'UPDATE search_indexed SET id = @through',
} as const;

/** Everything after FROM but the driving table, shared by the indexed and the scanning query. */
const FILTERS = `
  JOIN messages m ON m.channel = d.channel AND m.seq = d.seq
  WHERE d.id < @below
    AND EXISTS (SELECT 1 FROM json_each(@channels) c WHERE c.key = d.channel AND d.seq > c.value)
    AND (@sender IS NULL OR d.sender = @sender)
    AND (@before IS NULL OR d.ts < @before)
    AND (@after IS NULL OR d.ts >= @after)
    AND NOT EXISTS (SELECT 1 FROM json_each(@terms) t WHERE instr(d.body, t.value) = 0)`;

/**
 * The SearchIndex of a SqliteStore (schema in ./sqlite-schema.ts, migrations 18, 19, 21 and 22):
 * `search_docs` holds the folded text of every live message, found through the id its message's
 * row keeps (`messages.doc`), and `search_fts`, an external-content FTS5 table with the trigram
 * tokenizer and no positions (`detail = none`), indexes it. New documents are fed to the index
 * in one statement once `feedDocs` of them are waiting above the mark (`search_indexed.id`), at
 * the end of the write transaction that reaches that many (`flush`): FTS5 writes a new segment,
 * and merges segments, per statement that feeds it: at every group commit of one or two
 * messages (DMs) about a tenth of a DM's CPU (bench/README.md, "The search index fed in bulk").
 * Deletes and edits of indexed documents go through triggers on `search_docs`, with FTS5's
 * secure-delete on, so a removed text leaves no token behind; those of documents not fed yet
 * need nothing. A query with a term of three or more characters goes through `search_fts` for
 * the documents at or below the mark and scans the fewer than `feedDocs` above it (all newer),
 * so a message is found as soon as it is stored; each such term is asked as the AND of trigrams
 * that cover it (`trigramCover`), each a quoted FTS5 string, so nothing in it is syntax. One
 * with only shorter terms (`C`, `東京`) scans `search_docs` newest first. Either way every term is then
 * checked with `instr` on the folded text, so every path and every backend match alike.
 * SqliteStore calls `docId`, `add` and `prune` inside its append transaction, `begin` first
 * and `flush` last in each of its transactions (GroupCommit).
 */
export class SqliteSearch implements SearchIndex {
  readonly #sql: ReturnType<typeof prepare>;
  readonly #run: <T>(fn: () => T) => Promise<T>;
  readonly #feedDocs: number;
  /** The id `docId` gives next in this transaction; null until it reads it. */
  #next: number | null = null;
  /** The mark as this transaction read it, with #next. */
  #mark = 0;

  /**
   * `feedDocs`: how many waiting documents make a transaction feed them (default
   * SEARCH_FEED_DOCS; 1: every transaction feeds its own).
   */
  constructor(
    db: Database.Database,
    run: <T>(fn: () => T) => Promise<T>,
    feedDocs = SEARCH_FEED_DOCS,
  ) {
    this.#sql = prepare(db);
    this.#run = run;
    this.#feedDocs = Math.max(1, Math.floor(feedDocs));
  }

  /**
   * The id of the document message `m` is to get, or null when it gets none (an event, no
   * text). Counted, not written: the message's row keeps it (`messages.doc`), then `add` writes
   * the document. An id counted for a row not written (a retry) is never used. Synchronous,
   * inside the append's transaction.
   */
  docId(m: NewMessage): number | null {
    if (!isMessage(m) || m.text === '') return null;
    // Read once per transaction (which holds the write lock), then counted here.
    if (this.#next === null) {
      const { top, mark } = this.#sql.bounds.get() as { top: number; mark: number };
      this.#next = Math.max(top, mark) + 1;
      this.#mark = mark;
    }
    return this.#next++;
  }

  /**
   * Indexes a stored message as document `doc` (its `docId`); for an event, follows its effect:
   * unindexes the message a delete deletes, re-indexes the one an edit edits. Synchronous,
   * inside the append's transaction.
   */
  add(m: StoredMessage, doc: number | null): void {
    if (m.deletes !== undefined) this.#sql.remove.run({ channel: m.channel, seq: m.deletes });
    else if (m.edits !== undefined)
      this.#sql.updateDoc.run({ body: fold(m.text), channel: m.channel, seq: m.edits });
    else if (doc !== null) this.#sql.insert.run(doc, m.channel, m.seq, m.from, m.ts, fold(m.text));
  }

  /** Forgets the next id: runs first in every write transaction that may call `add`. */
  begin(): void {
    this.#next = null;
  }

  /**
   * Unindexes the messages of `channel` below `firstSeq` (retention), before their rows go: the
   * documents are found through them. Synchronous.
   */
  prune(channel: string, firstSeq: number): void {
    // One DELETE per document, not `id IN (SELECT doc …)`: that builds an ephemeral table per
    // statement, and retention runs this at every append (bench/README.md, "What RETURNING cost").
    for (const doc of this.#sql.pruned.all(channel, firstSeq) as number[])
      this.#sql.removeDoc.run(doc, channel, firstSeq);
  }

  /**
   * Once `feedDocs` documents wait above the mark (this transaction's and earlier ones', from
   * any process), feeds them all to the FTS index in one statement and moves the mark past
   * them. Synchronous; runs last in every write transaction that may have called `add`
   * (GroupCommit's batch), so fewer than `feedDocs` ever wait after a commit.
   */
  flush(): void {
    const next = this.#next;
    this.#next = null;
    if (next === null || next - 1 - this.#mark < this.#feedDocs) return;
    // Through every id counted, fed or deleted since: nothing above the mark is left behind.
    const through = { through: next - 1 };
    this.#sql.fill.run(through);
    this.#sql.mark.run(through);
  }

  search(q: SearchQuery): Promise<SearchPage> {
    return this.#run(() => {
      const { terms, limit, below } = prepareSearch(q);
      // The trigrams of the terms of three or more characters; shorter terms have none.
      const trigrams = [...new Set(terms.flatMap(trigramCover))];
      const params = {
        below: Number.isFinite(below) ? below : Number.MAX_SAFE_INTEGER,
        channels: JSON.stringify(
          Object.fromEntries(q.channels.map((c) => [c.channel, c.floorSeq])),
        ),
        sender: q.from ?? null,
        before: q.before ?? null,
        after: q.after ?? null,
        terms: JSON.stringify(terms),
        limit: limit + 1,
      };
      if (trigrams.length === 0)
        return hitPage(this.#sql.scanning.all(params) as HitRow[], limit, terms);
      // The documents above the mark are newer than every indexed one: scanned first, then the
      // index for the rest of the page. The index is asked only below the mark read here, so
      // a feed by another process in between finds nothing twice.
      const mark = this.#sql.indexed.get() as number;
      const waiting = this.#sql.waiting.all({ ...params, mark }) as HitRow[];
      const rest =
        waiting.length > limit
          ? []
          : (this.#sql.matching.all({
              ...params,
              mark,
              limit: params.limit - waiting.length,
              match: trigrams.map(ftsString).join(' '),
            }) as HitRow[]);
      return hitPage([...waiting, ...rest], limit, terms);
    });
  }
}

/**
 * Trigrams of `term` that cover every character: those starting at 0, 3, 6, … and the last one;
 * none for a term under three characters. The index keeps no positions (`detail = none`,
 * migration 22), so it cannot be asked for the term as a phrase; a document holding all of these
 * is a candidate, and the instr check of FILTERS keeps only those that hold the term itself.
 */
export function trigramCover(term: string): string[] {
  const chars = [...term];
  if (chars.length < TRIGRAM) return [];
  const starts = [];
  for (let i = 0; i + TRIGRAM < chars.length; i += TRIGRAM) starts.push(i);
  starts.push(chars.length - TRIGRAM);
  return starts.map((i) => chars.slice(i, i + TRIGRAM).join(''));
}

/** An FTS5 string: in double quotes, inner quotes doubled; nothing inside is an operator. */
const ftsString = (term: string): string => `"${term.replaceAll('"', '""')}"`;

/** The id of the document of message (@channel, @seq), kept in its row. */
const DOC_OF = 'SELECT doc FROM messages WHERE channel = @channel AND seq = @seq';

function prepare(db: Database.Database) {
  const columns = 'd.id AS position, d.channel, d.seq, d.sender, d.ts, m.text';
  return {
    // The next id is above both, even when the newest document was deleted (a rowid is reused
    // otherwise).
    bounds: db.prepare(
      `SELECT (SELECT coalesce(max(id), 0) FROM search_docs) AS top,
         (SELECT id FROM search_indexed) AS mark`,
    ),
    indexed: db.prepare('SELECT id FROM search_indexed').pluck(),
    insert: db.prepare(
      'INSERT INTO search_docs (id, channel, seq, sender, ts, body) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    fill: db.prepare(FEED_SQL.fill),
    mark: db.prepare(FEED_SQL.mark),
    // A message's document is found by the id its row keeps (`messages.doc`); the document's
    // own channel and seq are checked too, so an id reused after its document was deleted (see
    // `bounds`) never reaches another message's document.
    remove: db.prepare(
      `DELETE FROM search_docs WHERE id = (${DOC_OF}) AND channel = @channel AND seq = @seq`,
    ),
    updateDoc: db.prepare(
      `UPDATE search_docs SET body = @body
       WHERE id = (${DOC_OF}) AND channel = @channel AND seq = @seq`,
    ),
    pruned: db
      .prepare('SELECT doc FROM messages WHERE channel = ? AND seq < ? AND doc IS NOT NULL')
      .pluck(),
    removeDoc: db.prepare('DELETE FROM search_docs WHERE id = ? AND channel = ? AND seq < ?'),
    matching: db.prepare(
      `SELECT ${columns} FROM search_fts f JOIN search_docs d ON d.id = f.rowid ${FILTERS}
         AND search_fts MATCH @match AND f.rowid <= @mark
       ORDER BY f.rowid DESC LIMIT @limit`,
    ),
    waiting: db.prepare(
      `SELECT ${columns} FROM search_docs d ${FILTERS} AND d.id > @mark
       ORDER BY d.id DESC LIMIT @limit`,
    ),
    scanning: db.prepare(
      `SELECT ${columns} FROM search_docs d ${FILTERS} ORDER BY d.id DESC LIMIT @limit`,
    ),
  };
}
