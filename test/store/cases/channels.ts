/** Conformance cases of the channel and membership seam (src/store/channel-store.ts). */
import assert from 'node:assert/strict';
import { DM, ROOM, T0, msg, roomWith, type StoreCase } from './helpers.js';

export const CHANNEL_CASES: Record<string, StoreCase> = {
  'create-channel': {
    title: 'creates a channel once and resolves false for a second create',
    async run({ open }) {
      const store = await open();
      assert.equal(await store.createChannel(ROOM, 'room', 'ann', T0), true);
      assert.equal(await store.createChannel(ROOM, 'room', 'bob', T0), false);
      assert.equal(await store.createChannel(ROOM, 'dm', 'bob', T0), false);
    },
  },
  'create-channel-members': {
    title: 'creates a channel with its members in one call, adding them as addMember would',
    async run({ open }) {
      const store = await open();
      assert.equal(await store.createChannel(DM, 'dm', 'ann', T0, ['ann', 'bob']), true);
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 0, floorSeq: 0 });
      assert.deepEqual(await store.membership(DM, 'bob'), { readSeq: 0, floorSeq: 0 });
      for (let i = 1; i <= 2; i++) await store.append(msg(`d${i}`, 'ann', DM));
      await store.removeMember(DM, 'bob');
      assert.equal(
        await store.createChannel(DM, 'dm', 'ann', T0, ['ann', 'bob']),
        false,
        'an existing channel: still false',
      );
      assert.deepEqual(
        await store.membership(DM, 'bob'),
        { readSeq: 2, floorSeq: 2 },
        'a member who joins an existing DM is floored at its lastSeq',
      );
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 0, floorSeq: 0 }, 'unchanged');
      assert.equal(await store.createChannel(ROOM, 'room', 'ann', T0, []), true, 'no members');
      assert.deepEqual(await store.members(ROOM), []);
    },
  },
  'append-open': {
    title: 'opens a channel with its members in the append that stores its first message',
    async run({ open }) {
      const store = await open();
      const opening = { kind: 'dm' as const, members: ['ann', 'bob'] };
      const first = await store.append(msg('d1', 'ann', DM), { markRead: true, open: opening });
      assert.equal(first.created, true);
      assert.equal(first.duplicate, false);
      assert.equal(first.message.seq, 1);
      assert.equal(first.readSeq, 1, 'the read move joins the same write');
      assert.deepEqual(await store.head(DM), { lastSeq: 1, firstSeq: 1 });
      assert.deepEqual(await store.members(DM), ['ann', 'bob']);
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 1, floorSeq: 0 });
      assert.deepEqual(await store.membership(DM, 'bob'), { readSeq: 0, floorSeq: 0 });
      assert.equal((await store.memberships('bob'))[0]?.kind, 'dm');
      const again = await store.append(msg('d1', 'ann', DM), { markRead: true, open: opening });
      assert.equal(again.duplicate, true, 'a retried first DM is a duplicate by cid');
      assert.equal(again.created, false);
      assert.equal(again.message.seq, 1);
      const reply = await store.append(msg('d2', 'bob', DM), { open: opening });
      assert.deepEqual([reply.created, reply.message.seq], [false, 2], 'an open channel: gapless');
      assert.equal(reply.readSeq, undefined, 'no read move unless asked');
      await store.removeMember(DM, 'bob');
      await store.append(msg('d3', 'ann', DM), { open: opening });
      assert.deepEqual(
        await store.membership(DM, 'bob'),
        { readSeq: 2, floorSeq: 2 },
        'a member added to an existing DM is floored at its lastSeq before the append',
      );
      assert.equal((await store.append(msg('d4', 'ann', DM))).created, undefined, 'only with open');
    },
  },
  'append-open-rejected': {
    title: 'an append that opens its channel and is rejected leaves no channel and no members',
    async run({ open }) {
      const store = await open();
      const opening = { kind: 'dm' as const, members: ['ann', 'bob'] };
      const react = { ...msg('r1', 'ann', DM), text: '', reacts: 1, emoji: '👍' };
      await assert.rejects(store.append(react, { open: opening }), {
        code: 'SB_ERR_MESSAGE_NOT_FOUND',
      });
      assert.equal(await store.head(DM), null);
      assert.deepEqual(await store.memberships('ann'), []);
      assert.equal(await store.membership(DM, 'bob'), null);
      const first = await store.append(msg('d1', 'ann', DM), { open: opening });
      assert.deepEqual([first.created, first.message.seq], [true, 1], 'and a later one opens it');
    },
  },
  'list-rooms': {
    title: 'lists rooms by name with member counts and lastSeq, excluding DMs',
    async run({ open }) {
      const store = await roomWith(open, 2);
      await store.createChannel('room:empty', 'room', 'bob', T0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.addMember(ROOM, 'ann');
      await store.addMember(ROOM, 'bob');
      await store.addMember(DM, 'ann');
      const rooms = (await store.listRooms()).sort((a, b) => a.room.localeCompare(b.room));
      assert.deepEqual(rooms, [
        { room: 'dev', members: 2, lastSeq: 2, topic: '', archived: false },
        { room: 'empty', members: 0, lastSeq: 0, topic: '', archived: false },
      ]);
    },
  },
  membership: {
    title: 'adds, checks, lists and removes members, resolving false for no-op changes',
    async run({ open }) {
      const store = await roomWith(open, 0);
      assert.equal(await store.addMember(ROOM, 'ann'), true);
      assert.equal(await store.addMember(ROOM, 'ann'), false);
      assert.equal(await store.addMember(ROOM, 'bob'), true);
      assert.equal(await store.isMember(ROOM, 'ann'), true);
      assert.equal(await store.isMember(ROOM, 'cat'), false);
      assert.equal(await store.isMember('room:nowhere', 'ann'), false);
      assert.deepEqual((await store.members(ROOM)).sort(), ['ann', 'bob']);
      assert.equal(await store.removeMember(ROOM, 'ann'), true);
      assert.equal(await store.removeMember(ROOM, 'ann'), false);
      assert.equal(await store.removeMember('room:nowhere', 'ann'), false);
      assert.deepEqual(await store.members(ROOM), ['bob']);
      assert.deepEqual(await store.members('room:nowhere'), []);
    },
  },
  'members-page': {
    title: 'pages members in handle order after a cursor, and counts them',
    async run({ open }) {
      const store = await roomWith(open, 0);
      for (const u of ['eve', 'ann', 'dan', 'bob', 'cat']) await store.addMember(ROOM, u);
      assert.deepEqual(await store.membersPage(ROOM, null, 2), ['ann', 'bob']);
      assert.deepEqual(await store.membersPage(ROOM, 'bob', 2), ['cat', 'dan']);
      assert.deepEqual(await store.membersPage(ROOM, 'dan', 2), ['eve']);
      assert.deepEqual(await store.membersPage(ROOM, 'eve', 2), []);
      assert.deepEqual(await store.membersPage('room:nowhere', null, 2), []);
      assert.equal(await store.memberCount(ROOM), 5);
      await store.removeMember(ROOM, 'cat');
      assert.equal(await store.memberCount(ROOM), 4);
      assert.equal(await store.memberCount('room:nowhere'), 0);
    },
  },
  'add-member-unknown': {
    title: 'rejects adding a member to an unknown channel with SB_ERR_CHANNEL_INVALID',
    async run({ open }) {
      const store = await open();
      await assert.rejects(store.addMember('room:nowhere', 'ann'), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
    },
  },
  memberships: {
    title:
      'lists every room and DM of a user with lastSeq, firstSeq, readSeq, floorSeq and a room\u2019s topic and archived flag',
    async run({ open }) {
      const store = await roomWith(open, 3);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.createChannel('room:other', 'room', 'bob', T0);
      await store.addMember(ROOM, 'ann');
      await store.addMember(DM, 'ann');
      await store.addMember(DM, 'bob');
      await store.addMember('room:other', 'bob');
      await store.append(msg('d1', 'bob', DM));
      await store.append(msg('m4'));
      const look = { topic: '', archived: false };
      const dm = { channel: DM, kind: 'dm', lastSeq: 1, firstSeq: 1, readSeq: 0, floorSeq: 0 };
      const room = {
        channel: ROOM,
        kind: 'room',
        lastSeq: 4,
        firstSeq: 1,
        readSeq: 3,
        floorSeq: 0,
      };
      const mine = async () =>
        (await store.memberships('ann')).sort((a, b) => a.channel.localeCompare(b.channel));
      assert.deepEqual(await mine(), [
        { ...dm, ...look },
        { ...room, ...look },
      ]);
      await store.moderation.setRoomSettings(ROOM, { topic: 'Plans ✨' });
      await store.moderation.setArchived(ROOM, true);
      assert.deepEqual(await mine(), [
        { ...dm, ...look },
        { ...room, topic: 'Plans ✨', archived: true },
      ]);
      assert.deepEqual(await store.memberships('nobody'), []);
    },
  },
  'read-seq-start': {
    title: "starts a new member's readSeq at the channel's lastSeq, so old messages are not unread",
    async run({ open }) {
      const store = await roomWith(open, 5);
      await store.addMember(ROOM, 'bob');
      assert.equal((await store.memberships('bob'))[0]?.readSeq, 5);
    },
  },
  'floor-dm': {
    title: "sets a DM member's floorSeq to the lastSeq at which they were added (0 when new)",
    async run({ open }) {
      const store = await open();
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.addMember(DM, 'ann');
      await store.addMember(DM, 'bob');
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 0, floorSeq: 0 });
      for (let i = 1; i <= 3; i++) await store.append(msg(`d${i}`, 'bob', DM));
      assert.equal(await store.removeMember(DM, 'ann'), true);
      assert.equal(await store.addMember(DM, 'ann'), true);
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 3, floorSeq: 3 });
      assert.deepEqual(await store.membership(DM, 'bob'), { readSeq: 0, floorSeq: 0 });
      assert.equal(await store.setReadSeq(DM, 'ann', 1), 3);
      await store.append(msg('d4', 'bob', DM));
      assert.equal(await store.setReadSeq(DM, 'ann', 4), 4);
      const [m] = await store.memberships('ann');
      assert.deepEqual(m, {
        channel: DM,
        kind: 'dm',
        lastSeq: 4,
        firstSeq: 1,
        readSeq: 4,
        floorSeq: 3,
        topic: '',
        archived: false,
      });
      assert.equal(await store.membership(DM, 'cat'), null);
      assert.equal(await store.membership('dm:nowhere:x', 'ann'), null);
    },
  },
  'append-mark-read': {
    title:
      "moves the sender's read position with an append asked to, never back, not for a duplicate",
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.addMember(ROOM, 'ann');
      await store.addMember(ROOM, 'bob');
      await store.append(msg('b1', 'bob'));
      const sent = await store.append(msg('a1'), { markRead: true });
      assert.equal(sent.message.seq, 2);
      assert.equal(sent.readSeq, 2);
      assert.equal((await store.membership(ROOM, 'ann'))?.readSeq, 2);
      await store.append(msg('b2', 'bob'));
      assert.equal((await store.membership(ROOM, 'ann'))?.readSeq, 2, 'only when asked');
      assert.equal((await store.append(msg('b3', 'bob'))).readSeq, undefined);
      const again = await store.append(msg('a1'), { markRead: true });
      assert.equal(again.duplicate, true);
      assert.equal(again.readSeq, undefined, 'a duplicate moves nothing');
      assert.equal((await store.membership(ROOM, 'ann'))?.readSeq, 2);
      const stranger = await store.append(msg('c1', 'cat'), { markRead: true });
      assert.equal(stranger.message.seq, 5, 'a non-member sender still appends');
      assert.equal(stranger.readSeq, undefined, 'and moves nothing');
      assert.equal(await store.setReadSeq(ROOM, 'bob', 5), 5);
      assert.equal((await store.append(msg('b4', 'bob'), { markRead: true })).readSeq, 6);
    },
  },
  'floor-room': {
    title: "keeps a room member's floorSeq at 0 however late they join (room history is public)",
    async run({ open }) {
      const store = await roomWith(open, 5);
      await store.addMember(ROOM, 'bob');
      assert.deepEqual(await store.membership(ROOM, 'bob'), { readSeq: 5, floorSeq: 0 });
      assert.equal((await store.memberships('bob'))[0]?.floorSeq, 0);
    },
  },
  'forget-user': {
    title: 'forgetUser removes every room and DM membership of the user, and only theirs',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.createChannel('room:other', 'room', 'bob', T0);
      for (const ch of [ROOM, DM, 'room:other']) {
        await store.addMember(ch, 'ann');
        await store.addMember(ch, 'bob');
      }
      await store.forgetUser('ann');
      await store.forgetUser('nobody');
      assert.deepEqual(await store.memberships('ann'), []);
      assert.equal(await store.isMember(DM, 'ann'), false);
      assert.equal(await store.membership(ROOM, 'ann'), null);
      assert.equal((await store.memberships('bob')).length, 3);
      assert.deepEqual(await store.members(DM), ['bob']);
      // Re-added to the DM afterwards: a new member, floored at the conversation so far.
      await store.append(msg('d1', 'bob', DM));
      assert.equal(await store.addMember(DM, 'ann'), true);
      assert.deepEqual(await store.membership(DM, 'ann'), { readSeq: 1, floorSeq: 1 });
    },
  },
  'set-read-seq': {
    title: 'moves readSeq forward only, clamped to lastSeq, and resolves the resulting position',
    async run({ open }) {
      const store = await roomWith(open, 0);
      await store.addMember(ROOM, 'ann');
      for (let i = 1; i <= 10; i++) await store.append(msg(`m${i}`));
      assert.equal(await store.setReadSeq(ROOM, 'ann', 4), 4);
      assert.equal(await store.setReadSeq(ROOM, 'ann', 2), 4);
      assert.equal(await store.setReadSeq(ROOM, 'ann', 99), 10);
      assert.equal((await store.memberships('ann'))[0]?.readSeq, 10);
    },
  },
  'set-read-seq-non-member': {
    title:
      'rejects setReadSeq for a non-member with SB_ERR_NOT_A_MEMBER, unknown channel SB_ERR_CHANNEL_INVALID',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await assert.rejects(store.setReadSeq(ROOM, 'cat', 1), { code: 'SB_ERR_NOT_A_MEMBER' });
      await assert.rejects(store.setReadSeq('room:nowhere', 'cat', 1), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
    },
  },
};
