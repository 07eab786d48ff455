/**
 * The one Store conformance suite (guarantees documented in src/store/store.ts). Every backend's
 * test file calls `storeConformance` with a factory; a backend that cannot honour a case declares
 * its id in `gaps` and the case is skipped with the reason shown. Each case opens fresh stores and
 * the suite closes them afterwards.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { NewMessage, Store, StoreOptions } from '../../src/store/store.js';

export type StoreFactory = (options?: StoreOptions) => Promise<Store>;
type Open = StoreFactory;

const ROOM = 'room:dev';
const DM = 'dm:ann:bob';
const T0 = 1_700_000_000_000;

function msg(cid: string, from = 'ann', channel = ROOM): NewMessage {
  return { channel, cid, from, text: `text ${cid}`, ts: T0 };
}

/** A store with ROOM holding `count` messages (seq 1..count, cid m1..mN). */
async function roomWith(open: Open, count: number, options?: StoreOptions): Promise<Store> {
  const store = await open(options);
  await store.createChannel(ROOM, 'room', 'ann', T0);
  for (let i = 1; i <= count; i++) await store.append(msg(`m${i}`));
  return store;
}

async function seqs(store: Store, query: Parameters<Store['read']>[1]): Promise<number[]> {
  return (await store.read(ROOM, query)).map((m) => m.seq);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const STORE_CASES: Record<string, { title: string; run: (open: Open) => Promise<void> }> = {
  'seq-gapless': {
    title: 'assigns per-channel seqs starting at 1 with no gap, independently per channel',
    async run(open) {
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
    async run(open) {
      const store = await roomWith(open, 0);
      const results = await Promise.all(range(1, 100).map((i) => store.append(msg(`c${i}`))));
      assert.deepEqual(
        results.map((r) => r.message.seq).sort((a, b) => a - b),
        range(1, 100),
      );
      assert.deepEqual(await seqs(store, { after: 0, limit: 1000 }), range(1, 100));
    },
  },
  idempotent: {
    title: 'returns the stored message with duplicate: true for a repeated (channel, from, cid)',
    async run(open) {
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
    async run(open) {
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
    async run(open) {
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
    async run(open) {
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
    async run(open) {
      const store = await roomWith(open, 10);
      assert.deepEqual(await seqs(store, { limit: 4 }), [7, 8, 9, 10]);
      assert.deepEqual(await seqs(store, { limit: 50 }), range(1, 10));
      assert.deepEqual(await seqs(store, { limit: 0 }), []);
      assert.deepEqual(await store.read('room:nowhere', { limit: 5 }), []);
    },
  },
  'head-unknown': {
    title: 'reports a null head for an unknown channel and 0 / 1 for an empty one',
    async run(open) {
      const store = await roomWith(open, 0);
      assert.equal(await store.head('room:nowhere'), null);
      assert.deepEqual(await store.head(ROOM), { lastSeq: 0, firstSeq: 1 });
    },
  },
  'append-unknown': {
    title: 'rejects an append to an unknown channel with SB_ERR_CHANNEL_INVALID',
    async run(open) {
      const store = await open();
      await assert.rejects(store.append(msg('x', 'ann', 'room:nowhere')), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
      assert.equal(await store.head('room:nowhere'), null);
    },
  },
  retention: {
    title: 'prunes beyond retainPerChannel, moves firstSeq forward and never reuses a seq',
    async run(open) {
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
  'create-channel': {
    title: 'creates a channel once and resolves false for a second create',
    async run(open) {
      const store = await open();
      assert.equal(await store.createChannel(ROOM, 'room', 'ann', T0), true);
      assert.equal(await store.createChannel(ROOM, 'room', 'bob', T0), false);
      assert.equal(await store.createChannel(ROOM, 'dm', 'bob', T0), false);
    },
  },
  'list-rooms': {
    title: 'lists rooms by name with member counts and lastSeq, excluding DMs',
    async run(open) {
      const store = await roomWith(open, 2);
      await store.createChannel('room:empty', 'room', 'bob', T0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.addMember(ROOM, 'ann');
      await store.addMember(ROOM, 'bob');
      await store.addMember(DM, 'ann');
      const rooms = (await store.listRooms()).sort((a, b) => a.room.localeCompare(b.room));
      assert.deepEqual(rooms, [
        { room: 'dev', members: 2, lastSeq: 2 },
        { room: 'empty', members: 0, lastSeq: 0 },
      ]);
    },
  },
  membership: {
    title: 'adds, checks, lists and removes members, resolving false for no-op changes',
    async run(open) {
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
  'add-member-unknown': {
    title: 'rejects adding a member to an unknown channel with SB_ERR_CHANNEL_INVALID',
    async run(open) {
      const store = await open();
      await assert.rejects(store.addMember('room:nowhere', 'ann'), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
    },
  },
  memberships: {
    title: 'lists every room and DM of a user with lastSeq, firstSeq, readSeq and floorSeq',
    async run(open) {
      const store = await roomWith(open, 3);
      await store.createChannel(DM, 'dm', 'ann', T0);
      await store.createChannel('room:other', 'room', 'bob', T0);
      await store.addMember(ROOM, 'ann');
      await store.addMember(DM, 'ann');
      await store.addMember(DM, 'bob');
      await store.addMember('room:other', 'bob');
      await store.append(msg('d1', 'bob', DM));
      await store.append(msg('m4'));
      const mine = (await store.memberships('ann')).sort((a, b) =>
        a.channel.localeCompare(b.channel),
      );
      assert.deepEqual(mine, [
        { channel: DM, kind: 'dm', lastSeq: 1, firstSeq: 1, readSeq: 0, floorSeq: 0 },
        { channel: ROOM, kind: 'room', lastSeq: 4, firstSeq: 1, readSeq: 3, floorSeq: 0 },
      ]);
      assert.deepEqual(await store.memberships('nobody'), []);
    },
  },
  'read-seq-start': {
    title: "starts a new member's readSeq at the channel's lastSeq, so old messages are not unread",
    async run(open) {
      const store = await roomWith(open, 5);
      await store.addMember(ROOM, 'bob');
      assert.equal((await store.memberships('bob'))[0]?.readSeq, 5);
    },
  },
  'floor-dm': {
    title: "sets a DM member's floorSeq to the lastSeq at which they were added (0 when new)",
    async run(open) {
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
      });
      assert.equal(await store.membership(DM, 'cat'), null);
      assert.equal(await store.membership('dm:nowhere:x', 'ann'), null);
    },
  },
  'floor-room': {
    title: "keeps a room member's floorSeq at 0 however late they join (room history is public)",
    async run(open) {
      const store = await roomWith(open, 5);
      await store.addMember(ROOM, 'bob');
      assert.deepEqual(await store.membership(ROOM, 'bob'), { readSeq: 5, floorSeq: 0 });
      assert.equal((await store.memberships('bob'))[0]?.floorSeq, 0);
    },
  },
  'forget-user': {
    title: 'forgetUser removes every room and DM membership of the user, and only theirs',
    async run(open) {
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
    async run(open) {
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
    async run(open) {
      const store = await roomWith(open, 1);
      await assert.rejects(store.setReadSeq(ROOM, 'cat', 1), { code: 'SB_ERR_NOT_A_MEMBER' });
      await assert.rejects(store.setReadSeq('room:nowhere', 'cat', 1), {
        code: 'SB_ERR_CHANNEL_INVALID',
      });
    },
  },
  sessions: {
    title: 'saves sessions and finds them by token hash and by handle, replacing per handle',
    async run(open) {
      const store = await open();
      const ann = { handle: 'ann', tokenHash: 'a'.repeat(64), createdAt: T0, expiresAt: T0 + 10 };
      const bob = { handle: 'bob', tokenHash: 'b'.repeat(64), createdAt: T0, expiresAt: T0 + 20 };
      await store.saveSession(ann);
      await store.saveSession(bob);
      assert.deepEqual(await store.sessionByTokenHash(ann.tokenHash), ann);
      assert.deepEqual(await store.sessionByHandle('bob'), bob);
      assert.equal(await store.sessionByHandle('cat'), null);
      assert.equal(await store.sessionByTokenHash('c'.repeat(64)), null);
      const renewed = { ...ann, tokenHash: 'd'.repeat(64), createdAt: T0 + 5, expiresAt: T0 + 99 };
      await store.saveSession(renewed);
      assert.deepEqual(await store.sessionByHandle('ann'), renewed);
      assert.deepEqual(await store.sessionByTokenHash(renewed.tokenHash), renewed);
      assert.equal(await store.sessionByTokenHash(ann.tokenHash), null);
      const slid = { ...renewed, expiresAt: T0 + 500 };
      await store.saveSession(slid);
      assert.deepEqual(await store.sessionByTokenHash(slid.tokenHash), slid);
    },
  },
  'claim-session': {
    title: 'claims a handle only when it is free or its session expired',
    async run(open) {
      const store = await open();
      const ann = { handle: 'ann', tokenHash: 'a'.repeat(64), createdAt: T0, expiresAt: T0 + 10 };
      const rival = { ...ann, tokenHash: 'e'.repeat(64) };
      assert.equal(await store.claimSession(ann, T0), true);
      assert.equal(await store.claimSession(rival, T0 + 9), false);
      assert.deepEqual(await store.sessionByHandle('ann'), ann);
      assert.equal(await store.claimSession(rival, T0 + 10), true);
      assert.deepEqual(await store.sessionByHandle('ann'), rival);
      assert.equal(await store.sessionByTokenHash(ann.tokenHash), null);
    },
  },
};

export function storeConformance(
  name: string,
  factory: StoreFactory,
  options: { gaps?: string[] } = {},
): void {
  const gaps = new Set(options.gaps ?? []);
  for (const gap of gaps) {
    if (!(gap in STORE_CASES)) throw new Error(`unknown store conformance case in gaps: ${gap}`);
  }

  describe(`Store conformance: ${name}`, () => {
    let opened: Store[] = [];
    const open: Open = async (storeOptions) => {
      const store = await factory(storeOptions);
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
    });

    for (const [id, { title, run }] of Object.entries(STORE_CASES)) {
      it(title, { skip: gaps.has(id) ? `declared gap: ${id}` : false }, () => run(open));
    }
  });
}
