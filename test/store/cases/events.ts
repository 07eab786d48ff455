/**
 * Conformance cases of events on the log (src/store/message-store.ts LogEvent): edits, deletes
 * and reactions append an entry and change their message in one step, or change nothing.
 */
import assert from 'node:assert/strict';
import { MAX_DISTINCT_REACTIONS, type Store } from '../../../src/store/store.js';
import { ROOM, T0, msg, range, roomWith, type StoreCase } from './helpers.js';

// Each event a later time, as the server gives them.
let clock = 0;
const edit = (seq: number, text: string, cid = `e${seq}-${text.length}`, from = 'ann') => ({
  channel: ROOM,
  cid,
  from,
  text,
  ts: T0 + 60_000,
  edits: seq,
});
const del = (seq: number, from = 'ann') => ({
  channel: ROOM,
  cid: `delete:${seq}`,
  from,
  text: '',
  ts: T0 + 120_000,
  deletes: seq,
});
const react = (seq: number, emoji: string, from: string, on = true, cid?: string) => ({
  channel: ROOM,
  cid: cid ?? `${on ? 'r' : 'u'}-${seq}-${emoji}-${from}`,
  from,
  text: '',
  ts: T0 + 1_000 + ++clock,
  emoji,
  ...(on ? { reacts: seq } : { unreacts: seq }),
});

async function rejectsWith(store: Store, act: () => Promise<unknown>, code: string): Promise<void> {
  const before = await store.head(ROOM);
  await assert.rejects(act(), { code });
  assert.deepEqual(await store.head(ROOM), before, `${code} appends nothing`);
}

export const EVENT_CASES: Record<string, StoreCase> = {
  'event-edit': {
    title: 'appends an edit and gives its message the new text and the edit time',
    async run({ open }) {
      const store = await roomWith(open, 2);
      const r = await store.append(edit(1, 'fixed'));
      assert.deepEqual(r, {
        message: { ...edit(1, 'fixed'), seq: 3 },
        duplicate: false,
      });
      const log = await store.read(ROOM, { after: 0, limit: 10 });
      assert.deepEqual(log[0], { ...msg('m1'), seq: 1, text: 'fixed', edited: T0 + 60_000 });
      assert.deepEqual(log[2], { ...edit(1, 'fixed'), seq: 3 });
      const messages = await store.read(ROOM, { limit: 10, messagesOnly: true });
      assert.deepEqual(
        messages.map((m) => [m.seq, m.text]),
        [
          [1, 'fixed'],
          [2, 'text m2'],
        ],
      );
      assert.deepEqual(
        (await store.append(edit(1, 'fixed'))).duplicate,
        true,
        'the same cid again is a duplicate',
      );
    },
  },
  'event-delete-erases': {
    title: 'a delete erases the text, the edits and the reactions of its message, keeping its seq',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.append(edit(1, 'secret v2'));
      await store.append(react(1, '👍', 'bob'));
      await store.append(del(1));
      const log = await store.read(ROOM, { after: 0, limit: 10 });
      assert.deepEqual(log[0], { ...msg('m1'), seq: 1, text: '', deleted: true });
      assert.equal(log[1]!.text, '', 'the edit entry lost its text too');
      assert.equal(JSON.stringify(log).includes('secret'), false, 'nothing of the text is left');
      assert.deepEqual(await store.reactions(ROOM, [1], 'bob'), new Map());
      assert.deepEqual(log[3], { ...del(1), seq: 4 });
      await rejectsWith(store, () => store.append(edit(1, 'back')), 'SB_ERR_MESSAGE_NOT_FOUND');
      await rejectsWith(
        store,
        () => store.append(react(1, '🎉', 'bob')),
        'SB_ERR_MESSAGE_NOT_FOUND',
      );
      await rejectsWith(
        store,
        () => store.append({ ...del(1), cid: 'again' }),
        'SB_ERR_MESSAGE_NOT_FOUND',
      );
    },
  },
  'event-target': {
    title: 'refuses an event on no message or on another event, appending nothing',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.append(edit(1, 'v2'));
      await rejectsWith(store, () => store.append(edit(99, 'x')), 'SB_ERR_MESSAGE_NOT_FOUND');
      await rejectsWith(store, () => store.append(edit(2, 'x')), 'SB_ERR_MESSAGE_NOT_FOUND');
      await rejectsWith(
        store,
        () => store.append(react(2, '👍', 'bob')),
        'SB_ERR_MESSAGE_NOT_FOUND',
      );
      await rejectsWith(store, () => store.append(del(2)), 'SB_ERR_MESSAGE_NOT_FOUND');
    },
  },
  reactions: {
    title: 'counts reactions per emoji with the first names, and whether the viewer reacted',
    async run({ open }) {
      const store = await roomWith(open, 2);
      for (const [emoji, who] of [
        ['👍', 'ann'],
        ['👍🏽', 'bob'],
        ['👍', 'bob'],
        ['🎉', 'ann'],
        ['👍', 'carl'],
        ['👍', 'dora'],
      ] as const)
        await store.append(react(1, emoji, who));
      const seen = await store.reactions(ROOM, [1, 2], 'bob');
      assert.deepEqual(seen.get(1), [
        { emoji: '👍', count: 4, me: true, users: ['ann', 'bob', 'carl'] },
        { emoji: '👍🏽', count: 1, me: true, users: ['bob'] },
        { emoji: '🎉', count: 1, me: false, users: ['ann'] },
      ]);
      assert.equal(seen.has(2), false);
      await rejectsWith(
        store,
        () => store.append(react(1, '👍', 'ann', true, 'other-cid')),
        'SB_ERR_REACTION_EXISTS',
      );
      await rejectsWith(
        store,
        () => store.append(react(1, '🎉', 'bob', false)),
        'SB_ERR_REACTION_NOT_FOUND',
      );
      await store.append(react(1, '👍', 'ann', false));
      await store.append(react(1, '🎉', 'ann', false));
      // Ordered by each emoji's earliest reaction still there: bob's 👍🏽 came before his 👍.
      assert.deepEqual((await store.reactions(ROOM, [1], 'ann')).get(1), [
        { emoji: '👍🏽', count: 1, me: false, users: ['bob'] },
        { emoji: '👍', count: 3, me: false, users: ['bob', 'carl', 'dora'] },
      ]);
      const again = await store.append(react(1, '👍', 'ann'));
      assert.equal(again.duplicate, true, 'a repeated cid is a duplicate, not a new reaction');
    },
  },
  'reaction-limit': {
    title: `allows ${MAX_DISTINCT_REACTIONS} different reactions on a message, and more of each`,
    async run({ open }) {
      const store = await roomWith(open, 1);
      const emoji = range(0, MAX_DISTINCT_REACTIONS - 1).map((i) =>
        String.fromCodePoint(0x1f600 + i),
      );
      for (const e of emoji) await store.append(react(1, e, 'ann'));
      await rejectsWith(store, () => store.append(react(1, '🎉', 'bob')), 'SB_ERR_REACTION_LIMIT');
      await store.append(react(1, emoji[0]!, 'bob'));
      assert.equal((await store.reactions(ROOM, [1], 'ann')).get(1)!.length, emoji.length);
    },
  },
  'reaction-race': {
    title: 'of 10 concurrent identical reactions from two devices exactly one is appended',
    async run({ open }) {
      const store = await roomWith(open, 1);
      const results = await Promise.allSettled(
        range(1, 10).map((i) => store.append(react(1, '🔥', 'ann', true, `device-${i}`))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results)
        if (r.status === 'rejected')
          assert.equal((r.reason as { code?: string }).code, 'SB_ERR_REACTION_EXISTS');
      assert.equal((await store.head(ROOM))!.lastSeq, 2);
      assert.equal((await store.reactions(ROOM, [1], 'ann')).get(1)![0]!.count, 1);
    },
  },
  'event-retention': {
    title: 'prunes the reactions of messages that retention drops',
    async run({ open }) {
      const store = await roomWith(open, 1, { retainPerChannel: 3 });
      await store.append(react(1, '👍', 'bob'));
      await store.append(msg('m2'));
      await store.append(msg('m3'));
      assert.deepEqual(await store.reactions(ROOM, [1], 'bob'), new Map());
    },
  },
  'count-messages': {
    title: 'counts the messages of a range, not the events, up to a cap',
    async run({ open }) {
      const store = await roomWith(open, 3);
      await store.append(edit(1, 'v2'));
      await store.append(react(2, '👍', 'bob'));
      await store.append(msg('m4'));
      await store.append(del(6));
      // seqs: 1-3 messages, 4 edit, 5 reaction, 6 message (deleted: still a message), 7 delete
      assert.equal(await store.countMessages(ROOM, 0, 7, 100), 4);
      assert.equal(await store.countMessages(ROOM, 3, 7, 100), 1);
      assert.equal(await store.countMessages(ROOM, 1, 5, 100), 2);
      assert.equal(await store.countMessages(ROOM, 0, 7, 2), 2);
      assert.equal(await store.countMessages('room:none', 0, 7, 100), 0);
    },
  },
};
