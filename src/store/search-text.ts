/**
 * What every search backend shares, so that they match exactly alike: the folding of text and
 * query, the terms of a query, highlights, cursors and the checks on a query.
 */
import { SwitchboardError } from '../errors.js';
import { searchTerms } from '../protocol/search-query.js';
import { MAX_SEARCH_LIMIT, type SearchPage, type SearchQuery } from './search-index.js';

/**
 * Combining marks removed by folding: the Latin/Greek/Cyrillic diacritics (U+0300-036F and its
 * extensions). Other marks (Japanese voicing marks, Indic vowel signs, keycaps) change meaning
 * and stay.
 */
// eslint-disable-next-line no-misleading-character-class -- a class of lone combining marks
const DIACRITIC = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\ufe20-\ufe2f]/gu;
const SPACE = /^\s$/u;

/** Folded text, and for each of its UTF-16 units the [start, end) of what it came from. */
export interface FoldedText {
  text: string;
  starts: number[];
  ends: number[];
}

/**
 * Case-, accent- and width-insensitive form, one code point at a time: NFKD (`ｆｕｌｌ` → `full`,
 * `ﬁ` → `fi`), Latin diacritics removed (`é` → `e`), lower case, whitespace runs as one space.
 * Only the folded forms are indexed and compared; highlights map back through `starts`/`ends`.
 */
export function foldWithMap(text: string): FoldedText {
  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  for (const cp of text) {
    const end = i + cp.length;
    let f: string;
    // NUL cannot be stored in PostgreSQL text: never part of what is compared.
    if (cp === '\0') f = '';
    else if (SPACE.test(cp)) f = out.endsWith(' ') ? '' : ' ';
    else f = cp.normalize('NFKD').replace(DIACRITIC, '').toLowerCase().replace(DIACRITIC, '');
    // What folds to nothing (a combining accent, more whitespace) belongs to what came before.
    if (f === '') for (let k = ends.length - 1; k >= 0 && ends[k] === i; k--) ends[k] = end;
    for (let k = 0; k < f.length; k++) {
      starts.push(i);
      ends.push(end);
    }
    out += f;
    i = end;
  }
  return { text: out, starts, ends };
}

/** Printable ASCII with no two spaces in a row: folding it only lower-cases it. */
const PLAIN_ASCII = /^(?:[!-~]| (?! ))*$/;

/**
 * `foldWithMap(text).text`; printable ASCII (most chat text) takes a short cut with the same
 * result (NFKD and the diacritics leave it as it is), at a sixth of the cost on every append.
 */
export const fold = (text: string): string =>
  PLAIN_ASCII.test(text) ? text.toLowerCase() : foldWithMap(text).text;

/** The folded words and phrases of `query`; checks its length and term count. */
export function foldedTerms(query: string): string[] {
  return searchTerms(query)
    .map((t) => fold(t).trim())
    .filter((t) => t !== '');
}

/** Sorted, merged [start, end) ranges of `text` where the folded terms occur. */
export function highlights(text: string, terms: readonly string[]): [number, number][] {
  const f = foldWithMap(text);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    for (let at = f.text.indexOf(term); at >= 0; at = f.text.indexOf(term, at + term.length))
      ranges.push([f.starts[at]!, f.ends[at + term.length - 1]!]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}

const invalid = (message: string): SwitchboardError =>
  new SwitchboardError('SB_ERR_SEARCH_INVALID', message);

/** A checked query: folded terms, the page size and the position to continue below. */
export interface PreparedSearch {
  terms: string[];
  limit: number;
  /** Hits with an index position below this one; Infinity for the first page. */
  below: number;
}

export function prepareSearch(q: SearchQuery): PreparedSearch {
  const terms = foldedTerms(q.query);
  if (terms.length === 0 && q.from === undefined)
    throw invalid('search query has nothing to look for');
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_SEARCH_LIMIT)
    throw new SwitchboardError('SB_ERR_SEARCH_INVALID', `limit must be 1-${MAX_SEARCH_LIMIT}`);
  return { terms, limit: q.limit, below: decodeCursor(q.cursor) };
}

/** A cursor is the index position of the last hit of a page, in base 36. */
export const encodeCursor = (position: number): string => position.toString(36);

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return Infinity;
  const n = /^[0-9a-z]{1,11}$/u.test(cursor) ? parseInt(cursor, 36) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalid('not a search cursor');
  return n;
}

/** The page of `rows` (at most limit + 1, newest first) and the cursor after it. */
export function toPage<R extends { position: number }>(
  rows: R[],
  limit: number,
): { rows: R[]; cursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    rows: page,
    cursor: rows.length > limit ? encodeCursor(page.at(-1)!.position) : null,
  };
}

/** A hit as the SQL stores read it: its index position (the cursor) and its message. */
export interface HitRow {
  position: number;
  channel: string;
  seq: number;
  sender: string;
  ts: number;
  text: string;
}

/** The page of `limit` hits out of `rows` (one more than `limit` says there is a next page). */
export function hitPage(rows: HitRow[], limit: number, terms: readonly string[]): SearchPage {
  const page = toPage(rows, limit);
  return {
    hits: page.rows.map((r) => ({
      channel: r.channel,
      seq: r.seq,
      from: r.sender,
      ts: r.ts,
      text: r.text,
      highlights: highlights(r.text, terms),
    })),
    cursor: page.cursor,
  };
}
