/** Conformance cases of the search seam (src/store/search-index.ts). */
import assert from 'node:assert/strict';
import { MAX_SEARCH_QUERY_LENGTH } from '../../../src/protocol/search-query.js';
import type { SearchHit, SearchQuery, Store } from '../../../src/store/store.js';
import { DM, ROOM, T0, type StoreCase, type StoreCaseContext } from './helpers.js';

const OTHER_ROOM = 'room:secret';
const OTHER_DM = 'dm:bob:cat';
const ALL = [ROOM, DM, OTHER_ROOM, OTHER_DM];
const everywhere = ALL.map((channel) => ({ channel, floorSeq: 0 }));

/** A store with the four channels; `texts` appended to ROOM by ann at T0 + i. */
async function storeWith(
  open: StoreCaseContext['open'],
  texts: string[] = [],
  options?: Parameters<StoreCaseContext['open']>[0],
): Promise<Store> {
  const store = await open(options);
  for (const ch of ALL)
    await store.createChannel(ch, ch.startsWith('dm:') ? 'dm' : 'room', 'ann', T0);
  for (const [i, text] of texts.entries()) await say(store, text, { ts: T0 + i });
  return store;
}

let cids = 0;
async function say(
  store: Store,
  text: string,
  { channel = ROOM, from = 'ann', ts = T0 }: { channel?: string; from?: string; ts?: number } = {},
): Promise<number> {
  return (await store.append({ channel, cid: `c${++cids}`, from, text, ts })).message.seq;
}

async function find(
  store: Store,
  query: string,
  extra: Partial<SearchQuery> = {},
): Promise<SearchHit[]> {
  return (await store.search.search({ query, channels: everywhere, limit: 100, ...extra })).hits;
}

const texts = (hits: SearchHit[]): string[] => hits.map((h) => h.text);
const marked = (h: SearchHit | undefined): string[] =>
  h === undefined ? [] : h.highlights.map(([a, b]) => h.text.slice(a, b));

async function rejectsInvalid(call: Promise<unknown>, why: string): Promise<void> {
  await assert.rejects(call, { code: 'SB_ERR_SEARCH_INVALID' }, why);
}

export const SEARCH_CASES: Record<string, StoreCase> = {
  'search-hard-examples': {
    title:
      'finds a URL, foo in foo.png, C++20, 東京 in 東京タワー, "the who", café for cafe, emoji',
    async run({ open }) {
      const store = await storeWith(open, [
        'docs at https://example.com/a?b=1 now',
        'see foo.png',
        'we build with C++20 modules',
        'C20 is a paper size',
        '明日は東京タワーに行く',
        'The Who played last night',
        'who is the drummer',
        'un Café au lait',
        'party 🎉 tonight',
        'thumbs 👍🏽 from me',
      ]);
      const cases: [string, string[], string[]][] = [
        [
          'https://example.com/a?b=1',
          ['docs at https://example.com/a?b=1 now'],
          ['https://example.com/a?b=1'],
        ],
        ['foo', ['see foo.png'], ['foo']],
        ['C++20', ['we build with C++20 modules'], ['C++20']],
        ['東京', ['明日は東京タワーに行く'], ['東京']],
        ['"the who"', ['The Who played last night'], ['The Who']],
        ['cafe', ['un Café au lait'], ['Café']],
        ['CAFÉ', ['un Café au lait'], ['Café']],
        ['🎉', ['party 🎉 tonight'], ['🎉']],
        ['👍🏽', ['thumbs 👍🏽 from me'], ['👍🏽']],
      ];
      for (const [query, expected, highlighted] of cases) {
        const hits = await find(store, query);
        assert.deepEqual(texts(hits), expected, query);
        assert.deepEqual(marked(hits[0]), highlighted, `highlights of ${query}`);
      }
    },
  },
  'search-words-and-phrases': {
    title: 'ANDs words in any order, keeps a quoted phrase in order, matches substrings',
    async run({ open }) {
      const store = await storeWith(open, [
        'red apple',
        'green apple',
        'red car',
        'the who',
        'who the',
      ]);
      assert.deepEqual(texts(await find(store, 'apple red')), ['red apple']);
      assert.deepEqual(texts(await find(store, '"red apple"')), ['red apple']);
      assert.deepEqual(texts(await find(store, '"apple red"')), []);
      assert.deepEqual(texts(await find(store, 'the who')), ['who the', 'the who']);
      assert.deepEqual(texts(await find(store, '"the who"')), ['the who']);
      assert.deepEqual(texts(await find(store, 'ppl')), ['green apple', 'red apple']);
      assert.deepEqual(texts(await find(store, 'e')).length, 5, 'a one-letter word');
    },
  },
  'search-whole-term': {
    title: 'finds a term only whole, never a text that holds its pieces apart, on every page',
    async run({ open }) {
      // Each decoy holds every trigram of its term (abc+bcd, abc+def+efg) but not the term.
      const decoys = ['the abc of bcd', 'bcd then abc', 'abc def or efg', 'xabc-def efg'];
      const store = await storeWith(open, ['abcd here', 'abcdefg here', ...decoys, ...decoys]);
      for (const [query, expected] of [
        ['abcd', ['abcdefg here', 'abcd here']],
        ['abcdefg', ['abcdefg here']],
        ['"cd h"', ['abcd here']],
      ] as const) {
        assert.deepEqual(texts(await find(store, query)), expected, query);
        // Eight newer decoys before the hit: a page of one is still the hit, then the next.
        const first = await store.search.search({ query, channels: everywhere, limit: 1 });
        assert.deepEqual(texts(first.hits), expected.slice(0, 1), `${query}, limit 1`);
        assert.equal(first.cursor === null, expected.length === 1, `${query}, cursor`);
      }
    },
  },
  'search-folding': {
    title: 'folds case, accents, width and whitespace alike in text and query',
    async run({ open }) {
      const decomposed = 'cafe\u0301 time';
      const store = await storeWith(open, [decomposed, 'ＦＵＬＬ width', 'line one\n\tline two']);
      const [hit] = await find(store, 'CAFÉ');
      assert.equal(hit?.text, decomposed);
      assert.deepEqual(marked(hit), ['cafe\u0301'], 'the mark belongs to the highlight');
      assert.deepEqual(texts(await find(store, 'full')), ['ＦＵＬＬ width']);
      assert.deepEqual(marked((await find(store, '"one line"'))[0]), ['one\n\tline']);
    },
  },
  'search-scripts': {
    title:
      'matches other scripts alike: kana, Hangul, Devanagari, Arabic, Vietnamese, Greek, ligatures, ZWJ emoji',
    async run({ open }) {
      const store = await storeWith(open, [
        'がっこうへ行く',
        '한국어 배우기',
        'हिन्दी भाषा',
        'مرحبا بالعالم',
        'Việt Nam đẹp',
        'ΑΘΗΝΑ άλφα',
        'ﬁnal ﬂag',
        '👨‍👩‍👧 family',
      ]);
      const cases: [string, number[]][] = [
        ['がっ', [1]],
        ['한국', [2]],
        ['हिन्दी', [3]],
        ['بالعالم', [4]],
        ['viet nam', [5]],
        ['αθηνα αλφα', [6]],
        ['final flag', [7]],
        ['👨‍👩‍👧', [8]],
        ['👩', [8]],
      ];
      for (const [query, seqs] of cases)
        assert.deepEqual(
          (await find(store, query)).map((h) => h.seq),
          seqs,
          query,
        );
    },
  },
  'search-highlights': {
    title: 'highlights every occurrence of every term, merged, in UTF-16 offsets of the text',
    async run({ open }) {
      const store = await storeWith(open, ['Foo bar foo 🎉 foobar']);
      const [hit] = await find(store, 'foo bar');
      assert.deepEqual(hit?.highlights, [
        [0, 3],
        [4, 7],
        [8, 11],
        [15, 21],
      ]);
      const [emoji] = await find(store, '🎉');
      assert.deepEqual(emoji?.highlights, [[12, 14]]);
    },
  },
  'search-channels': {
    title: 'searches only the given channels, above each floor',
    async run({ open }) {
      const store = await storeWith(open);
      await say(store, 'needle in dev');
      await say(store, 'needle in secret', { channel: OTHER_ROOM });
      await say(store, 'needle old dm', { channel: DM });
      await say(store, 'needle new dm', { channel: DM, from: 'bob' });
      await say(store, 'needle other dm', { channel: OTHER_DM, from: 'cat' });
      const hits = await find(store, 'needle', {
        channels: [
          { channel: ROOM, floorSeq: 0 },
          { channel: DM, floorSeq: 1 },
        ],
      });
      assert.deepEqual(texts(hits), ['needle new dm', 'needle in dev']);
      assert.deepEqual(
        hits.map((h) => [h.channel, h.seq, h.from, h.ts]),
        [
          [DM, 2, 'bob', T0],
          [ROOM, 1, 'ann', T0],
        ],
      );
      assert.deepEqual(await find(store, 'needle', { channels: [] }), []);
    },
  },
  'search-filters': {
    title: 'filters by sender and by time (after inclusive, before exclusive)',
    async run({ open }) {
      const store = await storeWith(open);
      await say(store, 'report one', { from: 'ann', ts: 1000 });
      await say(store, 'report two', { from: 'bob', ts: 2000 });
      await say(store, 'report three', { from: 'ann', ts: 3000 });
      assert.deepEqual(texts(await find(store, 'report', { from: 'ann' })), [
        'report three',
        'report one',
      ]);
      assert.deepEqual(texts(await find(store, 'report', { after: 2000 })), [
        'report three',
        'report two',
      ]);
      assert.deepEqual(texts(await find(store, 'report', { before: 2000 })), ['report one']);
      assert.deepEqual(texts(await find(store, 'report', { after: 2000, before: 3000 })), [
        'report two',
      ]);
      assert.deepEqual(texts(await find(store, '', { from: 'bob' })), ['report two']);
    },
  },
  'search-pages': {
    title: 'pages newest first with a cursor: no duplicate, no gap, a null cursor at the end',
    async run({ open }) {
      const store = await storeWith(open);
      const sent: string[] = [];
      for (let i = 1; i <= 25; i++) {
        const text = `page item ${i}`;
        await say(store, text, { channel: i % 2 ? ROOM : DM, ts: T0 + i });
        if (i % 5 === 0) await say(store, `unrelated ${i}`);
        sent.push(text);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.search.search({
          query: 'item',
          channels: everywhere,
          limit: 10,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...texts(page.hits));
        cursor = page.cursor ?? undefined;
        pages++;
      } while (cursor !== undefined && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual(seen, sent.reverse());
      const exact = await store.search.search({ query: 'item', channels: everywhere, limit: 25 });
      assert.equal(exact.cursor, null, 'no empty last page');
    },
  },
  'search-deletes': {
    title: 'never finds a deleted message, and a delete event never matches',
    async run({ open }) {
      const store = await storeWith(open);
      const gone = await say(store, 'the launch code is 1234');
      await say(store, 'launch party at noon');
      await store.append({
        channel: ROOM,
        cid: 'del',
        from: 'ann',
        text: '',
        ts: T0,
        deletes: gone,
      });
      assert.deepEqual(texts(await find(store, 'launch')), ['launch party at noon']);
      assert.deepEqual(await find(store, '1234'), []);
      assert.deepEqual(await find(store, '', { from: 'ann' }).then(texts), [
        'launch party at noon',
      ]);
      await assert.rejects(
        store.append({
          channel: ROOM,
          cid: 'e',
          from: 'ann',
          text: 'back again',
          ts: T0,
          edits: gone,
        }),
        { code: 'SB_ERR_MESSAGE_NOT_FOUND' },
      );
      assert.deepEqual(await find(store, 'back again'), []);
    },
  },
  'search-retention': {
    title: 'never finds a message retention has pruned',
    async run({ open }) {
      const store = await storeWith(open, ['old needle', 'mid needle', 'new needle'], {
        retainPerChannel: 2,
      });
      assert.deepEqual(texts(await find(store, 'needle')), ['new needle', 'mid needle']);
    },
  },
  'search-edit': {
    title: 'an edit re-indexes its message: the new wording is found, the old one never again',
    async run({ open }) {
      const store = await storeWith(open, ['first draft text', 'another message']);
      const edit = { channel: ROOM, cid: 'e1', from: 'ann', text: 'final wording', ts: T0 + 9 };
      await store.append({ ...edit, edits: 1 });
      assert.deepEqual(await find(store, 'draft'), []);
      const [hit] = await find(store, 'wording');
      assert.deepEqual([hit?.seq, hit?.text], [1, 'final wording'], 'the message, not the edit');
      assert.equal((await find(store, 'wording')).length, 1);
      await store.append({ ...edit, cid: 'r1', text: '', emoji: '🎉', reacts: 1 });
      assert.deepEqual(await find(store, '🎉'), [], 'a reaction is no message');
    },
  },
  'search-literal-syntax': {
    title: 'searches FTS and SQL syntax literally, without an error',
    async run({ open }) {
      const tricky = [
        `'; DROP TABLE messages; --`,
        '100% sure_thing',
        'back\\slash',
        'a "quoted" word',
        'NEAR(a b) AND x OR y NOT z',
        '^start col:val *star* -minus (paren)',
      ];
      const store = await storeWith(open, [...tricky, 'plain text']);
      for (const query of [
        `" * : ^ ( NEAR`,
        `'; DROP TABLE messages; --`,
        'OR',
        'NOT',
        '-minus',
        '*star*',
        'col:val',
        '^start',
        '(paren)',
        'NEAR(a',
        '%',
        '_',
        '\\',
        '"unbalanced',
        'body:x',
        'x\u0000y',
      ])
        await find(store, query);
      assert.deepEqual(texts(await find(store, `'; DROP TABLE messages; --`)), [tricky[0]]);
      assert.deepEqual(texts(await find(store, '%')), ['100% sure_thing']);
      assert.deepEqual(texts(await find(store, '_')), ['100% sure_thing']);
      assert.deepEqual(texts(await find(store, '\\')), ['back\\slash']);
      assert.deepEqual(texts(await find(store, 'NEAR(a b)')), [tricky[4]]);
      assert.deepEqual(texts(await find(store, 'col:val *star*')), [tricky[5]]);
      assert.equal((await store.head(ROOM))?.lastSeq, 7, 'the table is still there');
    },
  },
  'search-invalid': {
    title: 'rejects an empty or too long query, too many terms, a bad cursor or limit',
    async run({ open }) {
      const store = await storeWith(open, ['something']);
      const q = { channels: everywhere, limit: 10 };
      await rejectsInvalid(store.search.search({ ...q, query: '' }), 'empty');
      await rejectsInvalid(store.search.search({ ...q, query: '  "" ' }), 'only blanks');
      await rejectsInvalid(
        store.search.search({ ...q, query: 'x'.repeat(MAX_SEARCH_QUERY_LENGTH + 1) }),
        'too long',
      );
      await rejectsInvalid(store.search.search({ ...q, query: 'a b c d e f g h i' }), 'terms');
      await rejectsInvalid(store.search.search({ ...q, query: 'x', cursor: '!' }), 'cursor');
      await rejectsInvalid(store.search.search({ ...q, query: 'x', limit: 0 }), 'limit');
      const longest = await store.search.search({
        ...q,
        query: 'some'.padEnd(MAX_SEARCH_QUERY_LENGTH, ' '),
      });
      assert.deepEqual(texts(longest.hits), ['something']);
    },
  },
  'search-release': {
    title: 'finds the messages of a release 0.1.0 database after migrating it',
    async run({ openAt, release }) {
      const copy = await release!();
      const store = await openAt(copy.url);
      const hits = await find(store, '"one line"', {
        channels: [{ channel: 'room:dev', floorSeq: 0 }],
      });
      assert.deepEqual(
        hits.map((h) => [h.channel, h.seq, h.text]),
        [['room:dev', 2, 'line one\nline two']],
      );
      assert.equal(
        (await find(store, 'before', { channels: [{ channel: 'dm:bob:cat', floorSeq: 0 }] }))
          .length,
        2,
      );
      await store.append({
        channel: 'room:dev',
        cid: 'n1',
        from: 'ann',
        text: 'line three',
        ts: T0,
      });
      assert.deepEqual(
        texts(await find(store, 'line', { channels: [{ channel: 'room:dev', floorSeq: 0 }] })),
        ['line three', 'line one\nline two'],
        'new messages come first',
      );
    },
  },
};
