import { SwitchboardError } from '../errors.js';
import type { SearchHit, SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import { prepareSearch } from './search-text.js';
import type { Shard } from './sharded-parts.js';

/**
 * Where one shard's search stands in a sharded cursor: `''` not started, a string the shard's
 * own cursor, null nothing left there.
 */
type ShardState = string | null;

const invalid = (): SwitchboardError =>
  new SwitchboardError('SB_ERR_SEARCH_INVALID', 'not a search cursor');

/**
 * Search over the channels of several shards (./sharded.ts): each shard searches its own
 * channels from its own cursor, and the pages are merged newest first by `ts` (equal times:
 * lower shard first). Taking a prefix of each shard's page keeps every shard's own guarantees,
 * so pages neither repeat nor skip a hit. The cursor is the base64url JSON array of every
 * shard's state; a shard whose page was cut part-way is asked again for exactly the hits taken,
 * to learn its cursor after them.
 */
export class ShardedSearch implements SearchIndex {
  constructor(
    private readonly shards: readonly Shard[],
    private readonly indexOf: (channel: string) => number,
  ) {}

  /** Whether every shard has its trigram index (the server warns once when one has not). */
  get trigramIndex(): boolean {
    return this.shards.every(
      (s) => (s.search as { trigramIndex?: boolean }).trigramIndex !== false,
    );
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const { limit } = prepareSearch({ ...q, cursor: undefined });
    const states = q.cursor === undefined ? this.shards.map(() => '') : this.#decode(q.cursor);
    const channels = this.shards.map((): SearchQuery['channels'][number][] => []);
    for (const c of q.channels) channels[this.indexOf(c.channel)]!.push(c);
    const pageOf = (i: number, n: number): Promise<SearchPage> =>
      this.shards[i]!.search.search({
        ...q,
        channels: channels[i]!,
        limit: n,
        cursor: states[i] === '' ? undefined : states[i]!,
      });
    const pages = await Promise.all(
      this.shards.map(async (_, i) =>
        states[i] === null || channels[i]!.length === 0 ? null : pageOf(i, limit),
      ),
    );
    const taken = pages.map(() => 0);
    const hits: SearchHit[] = [];
    while (hits.length < limit) {
      let best = -1;
      for (const [i, page] of pages.entries()) {
        const hit = page?.hits[taken[i]!];
        if (hit && (best < 0 || hit.ts > pages[best]!.hits[taken[best]!]!.ts)) best = i;
      }
      if (best < 0) break;
      hits.push(pages[best]!.hits[taken[best]!++]!);
    }
    const next = await Promise.all(
      pages.map(async (page, i): Promise<ShardState> => {
        if (page === null) return channels[i]!.length === 0 ? null : states[i]!;
        if (taken[i] === page.hits.length) return page.cursor;
        if (taken[i] === 0) return states[i]!;
        return (await pageOf(i, taken[i]!)).cursor;
      }),
    );
    const more = next.some((s) => s !== null);
    return { hits, cursor: more ? Buffer.from(JSON.stringify(next)).toString('base64url') : null };
  }

  #decode(cursor: string): ShardState[] {
    let states: unknown;
    try {
      states = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (
      !Array.isArray(states) ||
      states.length !== this.shards.length ||
      !states.every((s) => s === null || typeof s === 'string')
    )
      throw invalid();
    return states as ShardState[];
  }
}
