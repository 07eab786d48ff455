/** Conformance cases of the message log seam (src/store/message-store.ts). */
import assert from 'node:assert/strict';
import type { AppendResult } from '../../../src/store/store.js';
import { DM, ROOM, T0, msg, range, roomWith, seqs, type StoreCase } from './helpers.js';

export const MESSAGE_CASES: Record<string, StoreCase> = {
  'seq-gapless': {
    title: 'assigns per-channel seqs starting at 1 with no gap, independently per channel',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      const room: number[] = [];
      for (let i = 1; i <= 5; i++) room.push((await store.append(msg(`r${i}`))).message.seq);
      const dm = (await store.append(msg('d1', 'ann', DM))).message;
      assert.deepEqual(room, [1, 2, 3, 4, 5]);
      assert.equal(dm.seq, 1);
      assert.deepEqual(dm, {
        channel: DM,
        seq: 1,
        cid: 'd1',
        from: 'ann',
        text: 'text d1',
        ts: T0,
      });
      assert.deepEqual(await store.head(ROOM), { lastSeq: 5, firstSeq: 1 });
    },
  },
  'seq-concurrent': {
    title: 'assigns unique gapless seqs to 100 appends issued concurrently',
    async run({ open }) {
      const store = await roomWith(open, 0);
      const results = await Promise.all(range(1, 100).map((i) => store.append(msg(`c${i}`))));
      assert.deepEqual(
        results.map((r) => r.message.seq).sort((a, b) => a - b),
        range(1, 100),
      );
      assert.deepEqual(await seqs(store, { after: 0, limit: 1000 }), range(1, 100));
    },
  },
  'burst-mixed': {
    title:
      'appends issued together in two channels each get their own result: a repeated cid is a duplicate, an unknown channel rejects alone, read positions move',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.addMember(ROOM, 'ann');
      const [a1, d1, a2, again, nowhere, a3] = await Promise.allSettled([
        store.append(msg('a1'), { markRead: true }),
        store.append(msg('d1', 'ann', DM)),
        store.append(msg('a2', 'bob')),
        store.append({ ...msg('a1'), text: 'changed' }, { markRead: true }),
        store.append(msg('x', 'ann', 'room:nowhere')),
        store.append(msg('a3'), { markRead: true }),
      ]);
      const ok = (r: PromiseSettledResult<AppendResult> | undefined): AppendResult => {
        assert.equal(r?.status, 'fulfilled');
        return r.value;
      };
      assert.deepEqual(
        [ok(a1), ok(a2), ok(a3)].map((r) => r.message.seq).sort((a, b) => a - b),
        [1, 2, 3],
      );
      assert.equal(ok(d1).message.seq, 1);
      assert.deepEqual(ok(again), { message: ok(a1).message, duplicate: true });
      assert.equal(nowhere?.status, 'rejected');
      assert.equal((nowhere.reason as { code?: string }).code, 'SB_ERR_CHANNEL_INVALID');
      for (const r of [ok(a1), ok(a3)]) assert.ok(r.readSeq! >= r.message.seq);
      assert.equal(ok(a2).readSeq, undefined, 'bob is not a member: nothing moves');
      assert.equal((await store.membership(ROOM, 'ann'))?.readSeq, 3);
      assert.deepEqual(await store.head(ROOM), { lastSeq: 3, firstSeq: 1 });
      assert.deepEqual(await store.head(DM), { lastSeq: 1, firstSeq: 1 });
    },
  },
  'burst-retention': {
    title: 'keeps retainPerChannel when more appends than it are issued together',
    async run({ open }) {
      const store = await roomWith(open, 0, { retainPerChannel: 3 });
      const results = await Promise.all(range(1, 6).map((i) => store.append(msg(`b${i}`))));
      assert.deepEqual(
        results.map((r) => r.message.seq).sort((a, b) => a - b),
        range(1, 6),
      );
      assert.deepEqual(await store.head(ROOM), { lastSeq: 6, firstSeq: 4 });
      assert.deepEqual(await seqs(store, { after: 0, limit: 10 }), [4, 5, 6]);
      assert.equal((await store.append(msg('b7'))).message.seq, 7);
      assert.deepEqual(await seqs(store, { limit: 10 }), [5, 6, 7]);
    },
  },
  idempotent: {
    title: 'returns the stored message with duplicate: true for a repeated (channel, from, cid)',
    async run({ open }) {
      const store = await roomWith(open, 2);
      const first = await store.append(msg('x'));
      assert.equal(first.duplicate, false);
      const again = await store.append({ ...msg('x'), text: 'changed', ts: T0 + 5 });
      assert.deepEqual(again, { message: first.message, duplicate: true });
      assert.deepEqual(await store.head(ROOM), { lastSeq: 3, firstSeq: 1 });
      assert.equal((await store.read(ROOM, { limit: 10 })).length, 3);
    },
  },
  'idempotent-per-sender': {
    title: 'stores the same cid from a different sender or in another channel as a new message',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      assert.equal((await store.append(msg('x', 'ann'))).message.seq, 1);
      const bob = await store.append(msg('x', 'bob'));
      assert.deepEqual([bob.message.seq, bob.duplicate], [2, false]);
      const dm = await store.append(msg('x', 'ann', DM));
      assert.deepEqual([dm.message.seq, dm.duplicate], [1, false]);
    },
  },
  'read-after': {
    title: 'reads the oldest `limit` messages after a position in ascending order',
    async run({ open }) {
      const store = await roomWith(open, 10);
      assert.deepEqual(await seqs(store, { after: 0, limit: 3 }), [1, 2, 3]);
      assert.deepEqual(await seqs(store, { after: 7, limit: 5 }), [8, 9, 10]);
      assert.deepEqual(await seqs(store, { after: 10, limit: 5 }), []);
      assert.deepEqual(await seqs(store, { after: 99, limit: 5 }), []);
      const [m] = await store.read(ROOM, { after: 3, limit: 1 });
      assert.deepEqual(m, {
        channel: ROOM,
        seq: 4,
        cid: 'm4',
        from: 'ann',
        text: 'text m4',
        ts: T0,
      });
    },
  },
  'read-before': {
    title: 'reads the newest `limit` messages before a position, returned in ascending order',
    async run({ open }) {
      const store = await roomWith(open, 10);
      assert.deepEqual(await seqs(store, { before: 8, limit: 3 }), [5, 6, 7]);
      assert.deepEqual(await seqs(store, { before: 3, limit: 5 }), [1, 2]);
      assert.deepEqual(await seqs(store, { before: 1, limit: 5 }), []);
      assert.deepEqual(await seqs(store, { before: 99, limit: 2 }), [9, 10]);
      assert.deepEqual(await seqs(store, { after: 2, before: 6, limit: 10 }), [3, 4, 5]);
    },
  },
  'read-newest': {
    title: 'reads the newest `limit` messages in ascending order when given neither bound',
    async run({ open }) {
      const store = await roomWith(open, 10);
      assert.deepEqual(await seqs(store, { limit: 4 }), [7, 8, 9, 10]);
      assert.deepEqual(await seqs(store, { limit: 50 }), range(1, 10));
      assert.deepEqual(await seqs(store, { limit: 0 }), []);
      assert.deepEqual(await store.read('room:nowhere', { limit: 5 }), []);
    },
  },
  'reply-to': {
    title: 'keeps the message a reply answers, in the append result and in reads',
    async run({ open }) {
      const store = await roomWith(open, 1);
      const r = await store.append({ ...msg('r1'), replyTo: 1 });
      assert.deepEqual(r.message, { ...msg('r1'), replyTo: 1, seq: 2 });
      const [first, reply] = await store.read(ROOM, { after: 0, limit: 5 });
      assert.equal(first!.replyTo, undefined);
      assert.deepEqual(reply, { ...msg('r1'), replyTo: 1, seq: 2 });
    },
  },
  'head-unknown': {
    title: 'reports a null head for an unknown channel and 0 / 1 for an empty one',
    async run({ open }) {
      const store = await roomWith(open, 0);
      assert.equal(await store.head('room:nowhere'), null);
      assert.deepEqual(await store.head(ROOM), { lastSeq: 0, firstSeq: 1 });
    },
  },
  'append-unknown': {
    title: 'rejects an append to an unknown channel with SB_ERR_CHANNEL_INVALID',
    async run({ open }) {
      const store = await open();
      await assert.rejects(store.append(msg('x', 'ann', 'room:nowhere')), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
      assert.equal(await store.head('room:nowhere'), null);
    },
  },
  retention: {
    title: 'prunes beyond retainPerChannel, moves firstSeq forward and never reuses a seq',
    async run({ open }) {
      const store = await roomWith(open, 8, { retainPerChannel: 3 });
      assert.deepEqual(await store.head(ROOM), { lastSeq: 8, firstSeq: 6 });
      assert.deepEqual(await seqs(store, { limit: 10 }), [6, 7, 8]);
      assert.deepEqual(await seqs(store, { after: 0, limit: 10 }), [6, 7, 8]);
      assert.deepEqual(await seqs(store, { before: 6, limit: 10 }), []);
      assert.equal((await store.append(msg('m9'))).message.seq, 9);
      assert.deepEqual(await store.head(ROOM), { lastSeq: 9, firstSeq: 7 });
      await store.addMember(ROOM, 'ann');
      const [m] = await store.memberships('ann');
      assert.deepEqual([m?.firstSeq, m?.lastSeq], [7, 9]);
    },
  },
};
