import type pg from 'pg';
import type { SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import { hitPage, prepareSearch, type HitRow } from './search-text.js';

/**
 * Runs one statement, named (prepared once per connection) unless `name` is null; rejects
 * SB_ERR_STORE_UNAVAILABLE with the driver error as cause.
 */
export type PostgresQuery = <R extends pg.QueryResultRow>(
  name: string | null,
  text: string,
  values: unknown[],
) => Promise<pg.QueryResult<R>>;

/**
 * The query for `n` terms: a LIKE each, so the GIN index can use them all. The channels are an
 * `= ANY` (not a join), so the planner estimates the rows well and, for a common term, walks
 * the primary key backwards and stops at the limit instead of sorting every match; the text is
 * joined to the page only. Sent unnamed (a fresh plan per query): a generic plan cannot tell a
 * term of three characters, which the index serves, from a shorter one, for which a GIN scan
 * reads the whole index.
 */
const searchSql = (n: number): string => `SELECT h.*, m.text FROM (
    SELECT s.id AS position, s.channel, s.seq, s.sender, s.ts FROM message_search s
    WHERE s.channel = ANY ($1::text[])
      AND s.seq > ($2::bigint[])[array_position($1::text[], s.channel)]
      AND s.id < $3 AND ($4::text IS NULL OR s.sender = $4)
      AND ($5::bigint IS NULL OR s.ts < $5) AND ($6::bigint IS NULL OR s.ts >= $6)
      ${Array.from({ length: n }, (_, i) => `AND s.body LIKE $${i + 8}`).join(' ')}
    ORDER BY s.id DESC LIMIT $7) h
  JOIN messages m ON m.channel = h.channel AND m.seq = h.seq
  ORDER BY h.position DESC`;

/** A LIKE pattern matching `term` anywhere; `\`, `%` and `_` in it are literal. */
const containing = (term: string): string => `%${term.replace(/[\\%_]/gu, (c) => `\\${c}`)}%`;

/**
 * The SearchIndex of a PostgresStore (schema in ./postgres-schema.ts, the search migration, the last one):
 * `message_search` holds the folded text of every live message (./search-text.ts), kept in step
 * by the append statement itself (./postgres.ts), with a pg_trgm GIN index on it when the
 * extension could be created (`trigramIndex`). Each term is one `LIKE '%term%'` (escaped, so
 * nothing in it is syntax), which that index serves for terms of three characters or more.
 * Without the extension the same queries scan the table: slower, same results.
 */
export class PostgresSearch implements SearchIndex {
  readonly #query: PostgresQuery;
  /** Whether the pg_trgm index exists; false: every search scans `message_search`. */
  readonly trigramIndex: boolean;

  constructor(query: PostgresQuery, trigramIndex: boolean) {
    this.#query = query;
    this.trigramIndex = trigramIndex;
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const { terms, limit, below } = prepareSearch(q);
    const { rows } = await this.#query<HitRow>(null, searchSql(terms.length), [
      q.channels.map((c) => c.channel),
      q.channels.map((c) => c.floorSeq),
      Number.isFinite(below) ? below : Number.MAX_SAFE_INTEGER,
      q.from ?? null,
      q.before ?? null,
      q.after ?? null,
      limit + 1,
      ...terms.map(containing),
    ]);
    return hitPage(rows, limit, terms);
  }
}
