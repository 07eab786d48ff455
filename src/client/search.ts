/**
 * Message search for apps built on the SDK (docs/search.md): one `search` frame through
 * `client.command()`. The server searches only what the viewer may read (their rooms that
 * `history` may read, their DMs above their floor) and never says whether an `in:` it found
 * nothing in exists. A query that cannot be one rejects as a SwitchboardError with
 * SB_ERR_SEARCH_INVALID.
 *
 * Its own entry point (`switchboard/client/search`), so apps that do not search do not carry it
 * in the SDK bundle.
 */
import type { SearchHit, SearchResult } from '../protocol/frames.js';
import type { SwitchboardClient } from './client.js';

export type { SearchHit, SearchResult };

export interface SearchOptions {
  /** Hits per page, 1-100; default: the server's (20). */
  limit?: number;
  /** `cursor` of the previous page, for the next one; default: the first page. */
  cursor?: string;
}

type Client = Pick<SwitchboardClient, 'command'>;

/** One page of the messages matching `query`, newest first, with the matched ranges. */
export function search(
  client: Client,
  query: string,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const { limit, cursor } = options;
  return client.command<SearchResult>({
    type: 'search',
    query,
    ...(limit === undefined ? {} : { limit }),
    ...(cursor === undefined ? {} : { cursor }),
  });
}

/**
 * `text` cut at the hit's highlights: pieces in order, each marked or not, so a UI can wrap the
 * marked ones (a `<mark>`, bold) without parsing. Ranges out of order, overlapping or past the
 * end are clamped, so a piece is never repeated.
 */
export function highlightPieces(hit: Pick<SearchHit, 'text' | 'highlights'>) {
  const pieces: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [start, end] of hit.highlights) {
    const s = Math.max(at, Math.min(start, hit.text.length));
    const e = Math.max(s, Math.min(end, hit.text.length));
    if (s > at) pieces.push({ text: hit.text.slice(at, s), marked: false });
    if (e > s) pieces.push({ text: hit.text.slice(s, e), marked: true });
    at = e;
  }
  if (at < hit.text.length) pieces.push({ text: hit.text.slice(at), marked: false });
  return pieces;
}
