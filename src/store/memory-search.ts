import { isMessage, type StoredMessage } from './message-store.js';
import type { SearchHit, SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import { fold, highlights, prepareSearch, toPage } from './search-text.js';

interface Doc {
  position: number;
  message: StoredMessage;
  folded: string;
}

const key = (channel: string, seq: number): string => `${channel}\n${seq}`;

/**
 * The SearchIndex of a MemoryStore: the folded text of every live message, scanned newest
 * first with a substring test. MemoryStore calls `add` and `remove` as it appends and prunes.
 */
export class MemorySearch implements SearchIndex {
  /** Insertion order is index order: the newest last. */
  readonly #docs = new Map<string, Doc>();
  #positions = 0;

  /**
   * Indexes a stored message; for an event, follows its effect: removes the message a delete
   * deletes, re-indexes the one an edit edits (the store changed its text already).
   */
  add(m: StoredMessage): void {
    if (m.deletes !== undefined) this.remove(m.channel, m.deletes);
    else if (m.edits !== undefined) {
      const doc = this.#docs.get(key(m.channel, m.edits));
      if (doc) doc.folded = fold(m.text);
    } else if (isMessage(m) && m.text !== '')
      this.#docs.set(key(m.channel, m.seq), {
        position: ++this.#positions,
        message: m,
        folded: fold(m.text),
      });
  }

  remove(channel: string, seq: number): void {
    this.#docs.delete(key(channel, seq));
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const { terms, limit, below } = prepareSearch(q);
    const floors = new Map(q.channels.map((c) => [c.channel, c.floorSeq]));
    const rows: Doc[] = [];
    const docs = [...this.#docs.values()];
    for (let i = docs.length - 1; i >= 0 && rows.length <= limit; i--) {
      const { position, message: m, folded } = docs[i]!;
      const floor = floors.get(m.channel);
      if (position >= below || floor === undefined || m.seq <= floor) continue;
      if (q.from !== undefined && m.from !== q.from) continue;
      if ((q.before !== undefined && m.ts >= q.before) || (q.after !== undefined && m.ts < q.after))
        continue;
      if (terms.every((t) => folded.includes(t))) rows.push(docs[i]!);
    }
    const page = toPage(rows, limit);
    return {
      hits: page.rows.map(({ message: m }): SearchHit => ({
        channel: m.channel,
        seq: m.seq,
        from: m.from,
        ts: m.ts,
        text: m.text,
        highlights: highlights(m.text, terms),
      })),
      cursor: page.cursor,
    };
  }
}
