import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { shardOf } from '../../src/store/shard-of.js';
import { ShardedStore } from '../../src/store/sharded.js';
import { RELEASE_GAPS, describeWithPostgres, migratedCopies, shardedFactory } from './backends.js';
import { storeConformance } from './conformance.js';

const SHARDS = 3;

// The other half of the store suite: ./sharded-2.test.ts; search, sessions and accounts over
// the same layout: ./sharded-search.test.ts (three databases per case take a while to make).

describe('shardOf', () => {
  it('is the first 32 bits of SHA-1 of the name modulo the count, fixed for good', () => {
    // sha1('room:dev') begins 0x71e92fbf: 1911107519 % 3 = 2; these values are the data layout: never change them.
    assert.deepEqual(
      ['room:dev', 'dm:ann:bob', 'room:secret', 'room:general'].map((c) => shardOf(c, SHARDS)),
      [2, 0, 1, 0],
    );
    assert.equal(shardOf('room:dev', 1), 0);
    assert.throws(() => shardOf('room:dev', 0), RangeError);
  });
});

describeWithPostgres('ShardedStore', (server) => {
  const copies = migratedCopies(server);
  const factory = shardedFactory(copies, SHARDS);
  storeConformance('ShardedStore (3 databases)', factory, { gaps: RELEASE_GAPS, part: [1, 2] });

  const open = (urls: string[]) => openStore(urls.join(','), { dataDir: '/nonexistent' });
  const databases = () => Promise.all(Array.from({ length: SHARDS }, () => copies()));
  const refusal = (urls: string[]) =>
    open(urls).then(
      async (s) => (await s.close(), assert.fail('openStore resolved')),
      (e: unknown) => e as Error & { code?: string },
    );

  describe('layout', () => {
    it('keeps each channel in the database shardOf names and sessions in the first', async () => {
      const urls = await databases();
      const store = await open(urls);
      try {
        assert.ok(store instanceof ShardedStore);
        for (const room of ['room:dev', 'room:secret']) {
          await store.createChannel(room, 'room', 'ann', 1);
          await store.append({ channel: room, cid: 'c1', from: 'ann', text: 'hi', ts: 1 });
        }
        await store.claimSession({ handle: 'ann', tokenHash: 'h', createdAt: 1, expiresAt: 9 }, 1);
        assert.deepEqual(
          (await store.listRooms()).map((r) => r.room),
          ['dev', 'general', 'secret'],
        );
      } finally {
        await store.close();
      }
      for (const [i, url] of urls.entries()) {
        const shard = await PostgresStore.open(url);
        try {
          const rooms = (await shard.listRooms()).map((r) => `room:${r.room}`);
          const expected = ['room:dev', 'room:general', 'room:secret'].filter(
            (c) => shardOf(c, SHARDS) === i,
          );
          assert.deepEqual(rooms, expected, `rooms of database ${i + 1}`);
          assert.equal((await shard.sessionByTokenHash('h')) !== null, i === 0);
        } finally {
          await shard.close();
        }
      }
    });

    it("reads a DM recipient from the conversation's shard and the block from the first, for the append's checks too", async () => {
      // The conformance case's DM lives on the first shard, with the blocks (one statement);
      // this one does not, so the two reads go to two databases.
      const dm = 'dm:ann:cat';
      assert.equal(shardOf(dm, SHARDS), 1);
      const store = await open(await databases());
      try {
        await store.createChannel(dm, 'dm', 'ann', 1, ['ann']);
        await store.moderation.setBlock('cat', 'ann', true);
        assert.deepEqual(await store.dmRecipient(dm, 'cat', 'ann'), {
          position: null,
          blocked: true,
        });
        await store.addMember(dm, 'cat');
        assert.deepEqual(await store.dmRecipient(dm, 'cat', 'ann'), {
          position: { readSeq: 0, floorSeq: 0 },
          blocked: true,
        });
        assert.deepEqual(await store.dmRecipient(dm, 'ann', 'cat'), {
          position: { readSeq: 0, floorSeq: 0 },
          blocked: false,
        });
        // AppendOptions.recipient: asked of the two shards, then appended on the conversation's.
        const send = (cid: string, from: string, recipient: string) =>
          store.append({ channel: dm, cid, from, text: cid, ts: 2 }, { recipient });
        await assert.rejects(send('a', 'ann', 'cat'), { code: 'SB_ERR_BLOCKED' });
        assert.equal((await send('b', 'cat', 'ann')).message.seq, 1);
        await assert.rejects(send('c', 'cat', 'dan'), { code: 'SB_ERR_NOT_A_MEMBER' });
        await store.moderation.setBlock('cat', 'ann', false);
        assert.equal((await send('a', 'ann', 'cat')).message.seq, 2);
        assert.equal((await store.head(dm))?.lastSeq, 2);
      } finally {
        await store.close();
      }
    });

    it('refuses a reordered list with SB_ERR_STORE_SHARD_MISMATCH', async () => {
      const urls = await databases();
      await (await open(urls)).close();
      const err = await refusal([urls[1]!, urls[0]!, urls[2]!]);
      assert.equal(err.code, 'SB_ERR_STORE_SHARD_MISMATCH');
      assert.match(err.message, /this database is shard [12] of 3, not [12] of 3/u);
      await (await open(urls)).close();
    });

    it('refuses a shard added or removed with SB_ERR_STORE_SHARD_MISMATCH', async () => {
      const urls = await databases();
      await (await open(urls)).close();
      assert.equal((await refusal(urls.slice(0, 2))).code, 'SB_ERR_STORE_SHARD_MISMATCH');
      assert.equal((await refusal([...urls, await copies()])).code, 'SB_ERR_STORE_SHARD_MISMATCH');
    });

    it('refuses a single-database store among shards, and a shard alone; a refusal records nothing', async () => {
      const [single, a, b] = await databases();
      await (await open([single!])).close();
      assert.equal((await refusal([single!, a!])).code, 'SB_ERR_STORE_SHARD_MISMATCH');
      await (await open([a!, b!])).close();
      assert.equal((await refusal([a!])).code, 'SB_ERR_STORE_SHARD_MISMATCH');
    });

    it('refuses the same database listed twice with SB_ERR_CONFIG_INVALID', async () => {
      const [a, b] = await databases();
      assert.equal((await refusal([a!, b!, a!])).code, 'SB_ERR_CONFIG_INVALID');
    });
  });
});
