/**
 * Conformance cases of mentions (src/store/message-store.ts countMentions) and read receipts
 * (src/store/channel-store.ts readPositions, receipts setting).
 */
import assert from 'node:assert/strict';
import { ROOM, msg, roomWith, type StoreCase } from './helpers.js';

export const MENTION_CASES: Record<string, StoreCase> = {
  'mentions-kept': {
    title: 'keeps a message’s mentions and @room/@here in the append result and in reads',
    async run({ open }) {
      const store = await roomWith(open, 0);
      const m = { ...msg('a'), mentions: ['bob', 'cy_d'], mentionsAll: 'here' as const };
      const r = await store.append(m);
      assert.deepEqual(r.message, { ...m, seq: 1 });
      assert.deepEqual(await store.read(ROOM, { after: 0, limit: 5 }), [{ ...m, seq: 1 }]);
      assert.deepEqual((await store.append(m)).message, { ...m, seq: 1 });
    },
  },
  'mentions-counted': {
    title: 'counts the live messages after a position that mention a user, by handle or @room',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.append({ ...msg('a'), mentions: ['bob'] });
      await store.append({ ...msg('b'), mentions: ['cy_d'] });
      await store.append({ ...msg('c'), mentionsAll: 'room' });
      await store.append({ ...msg('d', 'bob'), mentionsAll: 'room' });
      await store.append({ ...msg('e'), mentions: ['bob', 'cyxd'] });
      assert.equal(await store.countMentions(ROOM, 'bob', 0, 5, 100), 3);
      assert.equal(await store.countMentions(ROOM, 'bob', 1, 5, 100), 2);
      assert.equal(await store.countMentions(ROOM, 'bob', 0, 4, 100), 2);
      assert.equal(await store.countMentions(ROOM, 'bob', 0, 5, 2), 2);
      // `_` matches itself only.
      assert.equal(await store.countMentions(ROOM, 'cy_d', 0, 5, 100), 3);
      assert.equal(await store.countMentions(ROOM, 'ann', 0, 5, 100), 1);
      assert.equal(await store.countMentions(ROOM, 'nobody', 0, 5, 100), 2);
    },
  },
  'mentions-edited-deleted': {
    title: 'replaces the mentions on an edit and erases them on a delete',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.append({ ...msg('a'), mentions: ['bob'] });
      await store.append({ ...msg('b'), mentions: ['bob'] });
      await store.append({ ...msg('e1'), text: 'for cy', edits: 1, mentions: ['cy'] });
      const [edited] = await store.read(ROOM, { after: 0, limit: 1 });
      assert.deepEqual(edited!.mentions, ['cy']);
      assert.equal(await store.countMentions(ROOM, 'bob', 0, 3, 100), 1);
      assert.equal(await store.countMentions(ROOM, 'cy', 0, 3, 100), 1);
      await store.append({ ...msg('d1'), text: '', deletes: 2 });
      const gone = (await store.read(ROOM, { after: 1, limit: 1 }))[0]!;
      assert.equal(gone.mentions, undefined);
      assert.equal(await store.countMentions(ROOM, 'bob', 0, 4, 100), 0);
    },
  },
  'read-positions': {
    title: 'lists every member’s read position with their receipts setting, kept and reset',
    async run({ open }) {
      const store = await roomWith(open, 2);
      await store.addMember(ROOM, 'bob');
      await store.addMember(ROOM, 'ann');
      await store.append(msg('m3'));
      await store.setReadSeq(ROOM, 'ann', 3);
      assert.equal(await store.receiptsEnabled('bob'), true);
      await store.setReceiptsEnabled('bob', false);
      await store.setReceiptsEnabled('bob', false);
      assert.equal(await store.receiptsEnabled('bob'), false);
      assert.deepEqual(await store.readPositions(ROOM), [
        { user: 'ann', readSeq: 3, receipts: true },
        { user: 'bob', readSeq: 2, receipts: false },
      ]);
      await store.forgetUser('bob');
      assert.equal(await store.receiptsEnabled('bob'), true);
      await store.setReceiptsEnabled('ann', false);
      await store.setReceiptsEnabled('ann', true);
      assert.equal(await store.receiptsEnabled('ann'), true);
      assert.deepEqual(await store.readPositions('room:nowhere'), []);
    },
  },
};
