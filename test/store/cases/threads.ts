/** Conformance cases of threads: thread messages on the log, and the thread seam (src/store/thread-store.ts). */
import assert from 'node:assert/strict';
import type { Store } from '../../../src/store/store.js';
import { ROOM, T0, msg, roomWith, seqs, type StoreCase } from './helpers.js';

/** ROOM: 1 root (ann), 2 in thread 1, 3 top level, 4 in thread 1 also to the room, 5 in thread 1. */
async function threaded(open: Parameters<StoreCase['run']>[0]['open']): Promise<Store> {
  const store = await roomWith(open, 1);
  await store.append({ ...msg('t2', 'bob'), thread: 1, ts: T0 + 2 });
  await store.append({ ...msg('m3'), ts: T0 + 3 });
  await store.append({ ...msg('t4', 'cy'), thread: 1, alsoToRoom: true, ts: T0 + 4 });
  await store.append({ ...msg('t5', 'bob'), thread: 1, ts: T0 + 5 });
  return store;
}

export const THREAD_CASES: Record<string, StoreCase> = {
  'thread-fields': {
    title: 'keeps thread and alsoToRoom on a thread message, in the append result and in reads',
    async run({ open }) {
      const store = await roomWith(open, 1);
      const r = await store.append({ ...msg('t'), thread: 1, alsoToRoom: true });
      assert.deepEqual(r.message, { ...msg('t'), thread: 1, alsoToRoom: true, seq: 2 });
      const plain = await store.append({ ...msg('u'), thread: 1 });
      assert.deepEqual(plain.message, { ...msg('u'), thread: 1, seq: 3 });
      const read = await store.read(ROOM, { after: 0, limit: 5 });
      assert.deepEqual(read.slice(1), [r.message, plain.message]);
      assert.equal(read[0]!.thread, undefined);
    },
  },
  'thread-read': {
    title: 'reads one thread in seq order, paged both ways, and the main timeline without it',
    async run({ open }) {
      const store = await threaded(open);
      assert.deepEqual(await seqs(store, { thread: 1, limit: 10 }), [2, 4, 5]);
      assert.deepEqual(await seqs(store, { thread: 1, after: 2, limit: 1 }), [4]);
      assert.deepEqual(await seqs(store, { thread: 1, before: 5, limit: 1 }), [4]);
      assert.deepEqual(await seqs(store, { mainTimeline: true, limit: 10 }), [1, 3, 4]);
      assert.deepEqual(await seqs(store, { mainTimeline: true, after: 1, limit: 1 }), [3]);
      assert.deepEqual(await seqs(store, { after: 0, limit: 10 }), [1, 2, 3, 4, 5]);
    },
  },
  'thread-unread-main': {
    title: 'counts only main-timeline messages as channel unread',
    async run({ open }) {
      const store = await threaded(open);
      assert.equal(await store.countMessages(ROOM, 0, 5, 100), 3);
      assert.equal(await store.countMessages(ROOM, 1, 5, 100), 2);
    },
  },
  'thread-summaries': {
    title: 'summarizes live thread messages per root: count, last reply time and seq',
    async run({ open }) {
      const store = await threaded(open);
      assert.deepEqual(
        await store.threads.summaries(ROOM, [1, 3]),
        new Map([[1, { replies: 3, lastReply: T0 + 5, lastSeq: 5 }]]),
      );
      await store.append({ ...msg('d', 'bob'), text: '', deletes: 5 });
      assert.deepEqual(
        await store.threads.summaries(ROOM, [1]),
        new Map([[1, { replies: 2, lastReply: T0 + 4, lastSeq: 4 }]]),
      );
      assert.equal(await store.threads.countAfter(ROOM, 1, 2, 100), 1);
      assert.equal(await store.threads.countAfter(ROOM, 1, 0, 1), 1);
      assert.deepEqual(await store.threads.summaries(ROOM, []), new Map());
    },
  },
  'thread-follow': {
    title: 'follows once, lists followers and followed threads, unfollows',
    async run({ open }) {
      const store = await threaded(open);
      assert.equal(await store.threads.follow(ROOM, 1, 'bob', 2), true);
      assert.equal(await store.threads.follow(ROOM, 1, 'bob', 5), false);
      assert.equal(await store.threads.follow(ROOM, 3, 'bob', 3), true);
      assert.equal(await store.threads.follow(ROOM, 1, 'ann', 1), true);
      assert.deepEqual(await store.threads.followers(ROOM, 1), [
        { user: 'ann', readSeq: 1 },
        { user: 'bob', readSeq: 2 },
      ]);
      assert.deepEqual(await store.threads.followed('bob'), [
        { channel: ROOM, root: 1, readSeq: 2 },
        { channel: ROOM, root: 3, readSeq: 3 },
      ]);
      assert.deepEqual(await store.threads.followed('bob', 'room:other'), []);
      assert.equal(await store.threads.unfollow(ROOM, 1, 'bob'), true);
      assert.equal(await store.threads.unfollow(ROOM, 1, 'bob'), false);
      assert.deepEqual(await store.threads.followers(ROOM, 1), [{ user: 'ann', readSeq: 1 }]);
    },
  },
  'thread-read-position': {
    title: 'moves a thread read position forward only, clamped to lastSeq; null when not following',
    async run({ open }) {
      const store = await threaded(open);
      await store.threads.follow(ROOM, 1, 'bob', 2);
      assert.equal(await store.threads.setRead(ROOM, 1, 'bob', 4), 4);
      assert.equal(await store.threads.setRead(ROOM, 1, 'bob', 3), 4);
      assert.equal(await store.threads.setRead(ROOM, 1, 'bob', 99), 5);
      assert.equal(await store.threads.setRead(ROOM, 1, 'cy', 4), null);
    },
  },
  'thread-forget-user': {
    title: 'forgets the thread follows of a reclaimed handle',
    async run({ open }) {
      const store = await threaded(open);
      await store.threads.follow(ROOM, 1, 'bob', 2);
      await store.forgetUser('bob');
      assert.deepEqual(await store.threads.followed('bob'), []);
    },
  },
};
