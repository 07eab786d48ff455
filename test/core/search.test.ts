/**
 * The search command over the wire (MemoryStore and SqliteStore): a user finds what they may
 * read (their rooms and DMs) and nothing else, `in:` a channel they cannot read finds nothing
 * without telling whether it exists, and bad queries get SB_ERR_SEARCH_INVALID.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SearchResult } from '../../src/protocol/frames.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { startNode, type Frame, type Node, type TestClient } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const texts = (r: SearchResult): string[] => r.hits.map((h) => h.text);
const bare = (f: Frame): string => JSON.stringify({ ...f, id: undefined });

const backends: [string, () => Store][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore(':memory:')],
];

for (const [name, makeStore] of backends) {
  describe(`search over the wire (${name})`, () => {
    let node: Node;
    let ann: TestClient, bob: TestClient, cat: TestClient;
    const [a, b, c] = [fresh('ann'), fresh('bob'), fresh('cat')];
    const [priv, pub] = [fresh('priv'), fresh('pub')];
    const find = (who: TestClient, query: string, extra: object = {}) =>
      who.call<SearchResult>({ type: 'search', query, ...extra });

    before(async () => {
      const store = makeStore();
      await store.createChannel('room:general', 'room', 'system', Date.now());
      node = await startNode({ auth: rolesAuth }, { store });
      [ann, bob, cat] = [await connect(node, a), await connect(node, b), await connect(node, c)];
      for (const [who, room] of [
        [ann, 'general'],
        [bob, 'general'],
        [cat, 'general'],
      ] as const)
        await must(who, { type: 'join', room });
      await must(ann, { type: 'create', room: priv, kind: 'private' });
      await must(ann, { type: 'send', room: priv, text: 'secret plan alpha', cid: 'p1' });
      await must(ann, { type: 'create', room: pub });
      await must(ann, { type: 'send', room: pub, text: 'public plan beta', cid: 'p2' });
      await must(ann, { type: 'send', to: b, text: 'plan for bob', cid: 'd1' });
      await must(bob, { type: 'send', to: a, text: 'plan ok', cid: 'd2' });
      await must(bob, { type: 'send', to: c, text: 'plan for cat', cid: 'd3' });
      await must(cat, { type: 'send', room: 'general', text: 'general plan', cid: 'g1' });
    });
    after(() => node.stop());

    it("finds the user's own rooms and DMs, never a private room they are not in nor others' DMs", async () => {
      assert.deepEqual(texts(await find(cat, 'plan')), ['general plan', 'plan for cat']);
      assert.deepEqual(texts(await find(ann, 'plan')), [
        'general plan',
        'plan ok',
        'plan for bob',
        'public plan beta',
        'secret plan alpha',
      ]);
      assert.deepEqual(texts(await find(bob, 'secret')), []);
    });

    it('answers in: a channel the user cannot read exactly as in: one that does not exist', async () => {
      const probe = async (query: string) => bare(await cat.request({ type: 'search', query }));
      const nowhere = await probe(`in:#${fresh('none')} plan`);
      assert.equal(await probe(`in:#${priv} plan`), nowhere);
      assert.equal(await probe(`in:@${a} plan`), nowhere);
      assert.equal(await probe(`in:#${pub} plan`), nowhere, 'a public room they have not joined');
      assert.deepEqual(JSON.parse(nowhere), { type: 'reply', data: { hits: [] } });
    });

    it('applies in:, from: and dates, and marks the matched text', async () => {
      const dm = await find(ann, `plan in:@${b}`);
      assert.deepEqual(texts(dm), ['plan ok', 'plan for bob']);
      assert.deepEqual(texts(await find(ann, `PLAN from:@${b}`)), ['plan ok']);
      assert.deepEqual(texts(await find(ann, `in:#${priv} alpha`)), ['secret plan alpha']);
      assert.deepEqual(texts(await find(ann, 'plan before:2000-01-01')), []);
      assert.equal((await find(ann, 'plan after:2000-01-01')).hits.length, 5);
      const [hit] = (await find(ann, 'BETA')).hits;
      assert.deepEqual([hit?.channel, hit?.from, hit?.highlights], [`room:${pub}`, a, [[12, 16]]]);
    });

    it('pages with a cursor', async () => {
      const first = await find(ann, 'plan', { limit: 3 });
      assert.equal(first.hits.length, 3);
      const rest = await find(ann, 'plan', { limit: 3, cursor: first.cursor });
      assert.deepEqual(texts(rest), ['public plan beta', 'secret plan alpha']);
      assert.equal(rest.cursor, undefined);
    });

    it('searches FTS and SQL syntax literally, and refuses empty or too long queries', async () => {
      for (const query of [`" * : ^ ( NEAR`, `'; DROP TABLE messages; --`, 'from:', 'in:'])
        assert.equal(await outcome(ann, { type: 'search', query }), 'ok', query);
      for (const query of ['', '   ', 'x'.repeat(257), 'plan before:2024-13-01', 'in:#Bad!'])
        assert.equal(await outcome(ann, { type: 'search', query }), 'SB_ERR_SEARCH_INVALID', query);
      const cursor = 'not-a-cursor';
      assert.equal(
        await outcome(ann, { type: 'search', query: 'x', cursor }),
        'SB_ERR_SEARCH_INVALID',
      );
    });

    it('stops searching a room for a member who is kicked from it', async () => {
      const room = fresh('club');
      await must(ann, { type: 'create', room });
      await must(ann, { type: 'invite', room, user: c });
      await must(ann, { type: 'send', room, text: 'club agenda', cid: 'k1' });
      assert.deepEqual(texts(await find(cat, 'agenda')), ['club agenda']);
      await must(ann, { type: 'kick', room, user: c });
      assert.deepEqual(texts(await find(cat, 'agenda')), []);
      assert.deepEqual(texts(await find(cat, `in:#${room} agenda`)), []);
    });

    it('no longer finds a message once it is deleted', async () => {
      const [mine] = (await find(ann, 'plan for bob')).hits;
      await must(ann, { type: 'delete', channel: mine!.channel, seq: mine!.seq });
      assert.deepEqual(texts(await find(ann, 'plan for bob')), []);
      assert.deepEqual(texts(await find(bob, `in:@${a} plan`)), ['plan ok']);
    });
  });
}
