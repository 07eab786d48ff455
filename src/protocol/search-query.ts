/**
 * The search query language (docs/search.md), shared by server, SDK and browser: words and
 * "quoted phrases", all ANDed, plus the filters `in:`, `from:`, `before:` and `after:`. Nothing
 * else is syntax: `* : ^ ( ) - NEAR AND OR` and SQL-looking text are words like any other.
 */
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE, ROOM_RE } from './channels.js';

/** Longest query, in UTF-16 code units (JavaScript string length). */
export const MAX_SEARCH_QUERY_LENGTH = 256;
/** Most words and phrases in one query; each is one more index probe. */
export const MAX_SEARCH_TERMS = 8;

export interface SearchFilters {
  /** `in:#room` / `in:room`: a room; `in:@user`: the DM with that user. */
  in?: { kind: 'room'; room: string } | { kind: 'dm'; user: string };
  /** `from:handle` or `from:@handle`. */
  from?: string;
  /** `before:YYYY-MM-DD`: sent before 00:00 UTC that day (ms since the epoch, exclusive). */
  before?: number;
  /** `after:YYYY-MM-DD`: sent at or after 00:00 UTC that day (ms since the epoch, inclusive). */
  after?: number;
}

export interface ParsedSearch {
  /** The query without its filters: the words and "phrases" to look for. */
  text: string;
  filters: SearchFilters;
}

const invalid = (message: string): SwitchboardError =>
  new SwitchboardError('SB_ERR_SEARCH_INVALID', message);

/** A `"phrase"` (closing quote optional at the end) or a run of non-space characters. */
const TOKEN_RE = /"([^"]*)(?:"|$)|[^\s"]+/gu;
const FILTER_RE = /^(in|from|before|after):(.+)$/iu;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/u;

/**
 * The words and phrases of `text`, in order, unfolded: a phrase keeps its inner spaces; an
 * empty phrase is dropped. Throws SB_ERR_SEARCH_INVALID over MAX_SEARCH_QUERY_LENGTH or
 * MAX_SEARCH_TERMS.
 */
export function searchTerms(text: string): string[] {
  if (text.length > MAX_SEARCH_QUERY_LENGTH)
    throw invalid(`search query is longer than ${MAX_SEARCH_QUERY_LENGTH} characters`);
  const terms: string[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const term = (m[1] ?? m[0]).trim();
    if (term !== '') terms.push(term);
  }
  if (terms.length > MAX_SEARCH_TERMS)
    throw invalid(`search query has more than ${MAX_SEARCH_TERMS} words and phrases`);
  return terms;
}

/** Splits a query into its filters and the rest; throws SB_ERR_SEARCH_INVALID on a bad filter. */
export function parseSearchQuery(query: string): ParsedSearch {
  if (query.length > MAX_SEARCH_QUERY_LENGTH)
    throw invalid(`search query is longer than ${MAX_SEARCH_QUERY_LENGTH} characters`);
  const filters: SearchFilters = {};
  const rest: string[] = [];
  for (const m of query.matchAll(TOKEN_RE)) {
    const filter = m[1] === undefined ? FILTER_RE.exec(m[0]) : null;
    if (filter) applyFilter(filters, filter[1]!.toLowerCase(), filter[2]!);
    else rest.push(m[0]);
  }
  return { text: rest.join(' '), filters };
}

function applyFilter(filters: SearchFilters, name: string, value: string): void {
  const v = value.toLowerCase();
  if (name === 'in') {
    if (v.startsWith('@') && HANDLE_RE.test(v.slice(1)))
      filters.in = { kind: 'dm', user: v.slice(1) };
    else if (ROOM_RE.test(v.replace(/^#/u, '')))
      filters.in = { kind: 'room', room: v.replace(/^#/u, '') };
    else throw invalid(`in: needs #room or @user, not ${value}`);
  } else if (name === 'from') {
    const handle = v.replace(/^@/u, '');
    if (!HANDLE_RE.test(handle)) throw invalid(`from: needs a handle, not ${value}`);
    filters.from = handle;
  } else {
    filters[name as 'before' | 'after'] = utcDay(value);
  }
}

function utcDay(value: string): number {
  const m = DATE_RE.exec(value);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const ts = Date.UTC(y, mo - 1, d);
  const check = new Date(ts);
  if (!m || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    throw invalid(`a date filter needs YYYY-MM-DD, not ${value}`);
  return ts;
}
