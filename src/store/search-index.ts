/**
 * The search seam: full-text search over the message log, kept in the store's own database so
 * it moves in step with appends. Query language and matching rules: docs/search.md.
 *
 * Guarantees every implementation gives (checked by test/store/search-conformance.ts):
 * - Matching is the same everywhere: every word and "phrase" of `query` must occur in the
 *   message's text as a substring, after both are folded the same way (./search-text.ts: case,
 *   Latin accents, compatibility forms, runs of whitespace). Nothing in `query` is syntax.
 * - Only messages of `channels` with seq above the channel's `floorSeq` are searched; a channel
 *   outside the set is never read. Delete events (`deletes`) are not messages and never match.
 * - Hits come newest first (in the order they were stored, the last first); `cursor` resumes
 *   after the last hit of a page, so pages neither repeat nor skip a hit of an unchanged log.
 * - A message is searchable once `append` resolves. Appending its delete event, or retention
 *   pruning it, removes its text from the index in the same write: it is never found again.
 * - An edit event (`edits`) re-indexes its message with the new text in the same write: the
 *   old wording is never found again. Reaction events are not messages and never match.
 * - Bad input (empty, over MAX_SEARCH_QUERY_LENGTH, over MAX_SEARCH_TERMS, a malformed cursor)
 *   rejects SB_ERR_SEARCH_INVALID; a cursor is an index position, so a well-formed one that was
 *   not handed out only pages from there. Backend failures reject SB_ERR_STORE_UNAVAILABLE with
 *   the driver error as `cause`.
 */

export interface SearchQuery {
  /** Words and "phrases" (filters already taken out: see src/protocol/search-query.ts). */
  query: string;
  /** The channels the caller may read, each with the caller's floor there. */
  channels: ReadonlyArray<{ channel: string; floorSeq: number }>;
  /** Only messages from this handle. With it, `query` may be empty. */
  from?: string;
  /** Only messages with ts < before (ms since the epoch). */
  before?: number;
  /** Only messages with ts >= after (ms since the epoch). */
  after?: number;
  /** Hits per page, 1 to MAX_SEARCH_LIMIT. */
  limit: number;
  /** From the previous page; absent for the first page. */
  cursor?: string;
}

export interface SearchHit {
  channel: string;
  seq: number;
  from: string;
  ts: number;
  text: string;
  /** Where the words and phrases occur in `text`: sorted, disjoint [start, end) UTF-16 offsets. */
  highlights: [number, number][];
}

export interface SearchPage {
  hits: SearchHit[];
  /** Pass it back for the next page; null when this page is the last. */
  cursor: string | null;
}

export const MAX_SEARCH_LIMIT = 100;

export interface SearchIndex {
  search(query: SearchQuery): Promise<SearchPage>;
}
