/**
 * Conformance cases about what outlives one store object: reopening, closing, several processes
 * sharing one store, and a store written by an earlier release. A backend that lives in one
 * process's memory declares them as gaps.
 */
import assert from 'node:assert/strict';
import { runProcesses } from '../fixtures/processes.js';
import { RELEASE_T0 } from '../fixtures/release.js';
import { assertUnavailable } from '../storage-suite.js';
import { range, type StoreCase } from './helpers.js';

export const DURABILITY_CASES: Record<string, StoreCase> = {
  reopen: {
    title: 'keeps channels, messages and members across close and reopen',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const first = await openAt(url);
      await first.createChannel('room:dev', 'room', 'ann', 1);
      await first.addMember('room:dev', 'ann');
      await first.append({ channel: 'room:dev', cid: 'c1', from: 'ann', text: 'hi', ts: 5 });
      await first.close();

      const again = await openAt(url);
      assert.deepEqual(await again.head('room:dev'), { lastSeq: 1, firstSeq: 1 });
      assert.deepEqual(await again.read('room:dev', { limit: 5 }), [
        { channel: 'room:dev', seq: 1, cid: 'c1', from: 'ann', text: 'hi', ts: 5 },
      ]);
      assert.equal(await again.isMember('room:dev', 'ann'), true);
      const dup = await again.append({
        channel: 'room:dev',
        cid: 'c1',
        from: 'ann',
        text: 'x',
        ts: 6,
      });
      assert.equal(dup.duplicate, true);
    },
  },
  'closed-rejects': {
    title:
      'rejects calls after close with SB_ERR_STORE_UNAVAILABLE carrying the driver error as cause',
    async run({ open }) {
      const store = await open();
      await store.close();
      await store.close();
      await assertUnavailable(store.head('room:general'));
    },
  },
  'processes-seq': {
    title: 'assigns seqs 1..800 exactly once to 4 processes appending 200 messages each',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const store = await openAt(url);
      await store.createChannel('room:race', 'room', 'system', 0);
      const reports = await runProcesses(url, 'append', 4, 200);
      const all = await store.read('room:race', { after: 0, limit: 10_000 });
      assert.deepEqual(
        all.map((m) => m.seq),
        range(1, 800),
      );
      assert.deepEqual(
        reports.flatMap((r) => r.fresh).sort((a, b) => a - b),
        range(1, 800),
      );
      assert.equal(new Set(all.map((m) => m.cid)).size, 800);
      for (const w of [1, 2, 3, 4]) {
        const mine = all.filter((m) => m.from === `w${w}`).map((m) => Number(m.text));
        assert.deepEqual(mine, range(1, 200), `writer ${w} order`);
      }
      assert.deepEqual(await store.head('room:race'), { lastSeq: 800, firstSeq: 1 });
      const switches = all.filter((m, i) => i > 0 && m.from !== all[i - 1]!.from).length;
      assert.ok(switches >= 10, `writers barely overlapped (${switches} switches)`);
    },
  },
  'processes-same-cid': {
    title: 'stores one message for 4 processes × 50 concurrent appends of the same (sender, cid)',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const store = await openAt(url);
      await store.createChannel('room:same', 'room', 'system', 0);
      const reports = await runProcesses(url, 'same-cid', 4, 50);
      assert.deepEqual(
        reports.flatMap((r) => r.fresh),
        [1],
      );
      assert.equal(
        reports.reduce((n, r) => n + r.duplicates, 0),
        199,
      );
      assert.equal((await store.read('room:same', { after: 0, limit: 100 })).length, 1);
      // The duplicates consumed no seq: the next message gets 2.
      const next = { channel: 'room:same', cid: 'next', from: 'ann', text: 'next', ts: 1 };
      assert.equal((await store.append(next)).message.seq, 2);
    },
  },
  'release-data': {
    title: 'opens a store written by release 0.1.0 with its channels, messages and positions',
    async run({ release, openAt }) {
      assert.ok(release, 'the factory has no release fixture: declare the gap');
      const store = await openAt((await release()).url);
      assert.deepEqual(await store.listRooms(), [
        { room: 'dev', members: 3, lastSeq: 2, topic: '', archived: false },
        { room: 'general', members: 4, lastSeq: 3, topic: '', archived: false },
      ]);
      const t = RELEASE_T0;
      assert.deepEqual(await store.read('room:dev', { after: 0, limit: 10 }), [
        { channel: 'room:dev', seq: 1, cid: 'd1', from: 'ann', text: 'ship it?', ts: t + 4 },
        {
          channel: 'room:dev',
          seq: 2,
          cid: 'd2',
          from: 'bob',
          text: 'line one\nline two',
          ts: t + 5,
        },
      ]);
      assert.equal((await store.read('room:general', { limit: 1 }))[0]?.text, 'hey ✨');
      assert.deepEqual(
        await store.memberships('cat'),
        [
          { channel: 'dm:bob:cat', kind: 'dm', lastSeq: 3, firstSeq: 1, readSeq: 2, floorSeq: 2 },
          {
            channel: 'room:general',
            kind: 'room',
            lastSeq: 3,
            firstSeq: 1,
            readSeq: 0,
            floorSeq: 0,
          },
        ].map((m) => ({ ...m, topic: '', archived: false })),
      );
      assert.deepEqual(await store.membership('room:general', 'ann'), { readSeq: 3, floorSeq: 0 });
      assert.deepEqual(await store.members('dm:ann:bob'), ['ann', 'bob']);
      // Writing goes on where the release stopped, and its cids still deduplicate.
      const old = await store.append({
        channel: 'room:general',
        cid: 'g1',
        from: 'ann',
        text: 'x',
        ts: t,
      });
      assert.deepEqual([old.duplicate, old.message.seq, old.message.text], [true, 1, 'hello']);
      const next = { channel: 'room:general', cid: 'g4', from: 'bob', text: 'new', ts: t + 99 };
      assert.equal((await store.append(next)).message.seq, 4);
      assert.equal(await store.setReadSeq('room:general', 'bob', 4), 4);
      await store.forgetUser('old');
      assert.deepEqual(await store.memberships('old'), []);
    },
  },
};
