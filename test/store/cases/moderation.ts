/**
 * Conformance cases of the moderation seam (src/store/moderation-store.ts): room kinds and
 * settings, roles, bans and mutes with expiry, blocks, the audit log, and what a store of
 * release 0.1.0 holds after the upgrade.
 */
import assert from 'node:assert/strict';
import { SERVER_SCOPE, type Restriction } from '../../../src/store/store.js';
import { DM, ROOM, T0, msg, type StoreCase } from './helpers.js';

const ban = (over: Partial<Restriction> = {}): Restriction => ({
  scope: ROOM,
  user: 'bob',
  kind: 'ban',
  until: null,
  reason: null,
  by: 'ann',
  at: T0,
  ...over,
});

export const MODERATION_CASES: Record<string, StoreCase> = {
  'room-kind-and-roles': {
    title:
      'creates public rooms whose new members are members, and keeps kind, slow mode and roles',
    async run({ open }) {
      const store = await open();
      await store.createChannel(ROOM, 'room', 'ann', T0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      const m = store.moderation;
      assert.equal(await m.access('room:nope', 'ann', T0), null);
      assert.equal(await m.access(DM, 'ann', T0), null, 'a DM is not a room');
      const none = {
        kind: 'public',
        role: null,
        slowMode: 0,
        topic: '',
        archived: false,
        banned: false,
        muted: false,
      };
      assert.deepEqual(await m.access(ROOM, 'ann', T0), none);
      await store.addMember(ROOM, 'ann');
      assert.equal((await m.access(ROOM, 'ann', T0))?.role, 'member');
      assert.equal(await m.setRole(ROOM, 'ann', 'owner'), true);
      assert.equal(await m.setRole(ROOM, 'bob', 'admin'), false, 'bob is not a member');
      assert.equal(await m.setRoomSettings(ROOM, { kind: 'announcement' }), true);
      assert.equal(await m.setRoomSettings(ROOM, { slowMode: 30 }), true);
      assert.equal(await m.setRoomSettings('room:nope', { slowMode: 1 }), false);
      assert.deepEqual(await m.access(ROOM, 'ann', T0), {
        ...none,
        kind: 'announcement',
        role: 'owner',
        slowMode: 30,
      });
      // Leaving forgets the role: a member who comes back is a member again.
      await store.removeMember(ROOM, 'ann');
      await store.addMember(ROOM, 'ann');
      assert.equal((await m.access(ROOM, 'ann', T0))?.role, 'member');
      assert.deepEqual(await store.membership(ROOM, 'ann'), { readSeq: 0, floorSeq: 0 });
    },
  },
  'topic-and-archive': {
    title: 'keeps a room\u2019s topic, and archives and unarchives it once per change',
    async run({ open }) {
      const store = await open();
      await store.createChannel(ROOM, 'room', 'ann', T0);
      await store.createChannel(DM, 'dm', 'ann', T0);
      const m = store.moderation;
      assert.equal(await m.setRoomSettings(ROOM, { topic: 'Café talk ☕' }), true);
      assert.equal(await m.setRoomSettings(ROOM, { slowMode: 5 }), true, 'the topic stays');
      assert.equal((await m.access(ROOM, 'ann', T0))?.topic, 'Café talk ☕');
      assert.equal(await m.setArchived(ROOM, false), false, 'not archived: no change');
      assert.equal(await m.setArchived(ROOM, true), true);
      assert.equal(await m.setArchived(ROOM, true), false, 'archived already');
      assert.equal(await m.setArchived('room:nope', true), false);
      assert.equal(await m.setArchived(DM, true), false, 'a DM is not a room');
      assert.equal((await m.access(ROOM, 'ann', T0))?.archived, true);
      const [room] = await store.listRooms();
      assert.deepEqual(room, {
        room: ROOM.slice(5),
        members: 0,
        lastSeq: 0,
        topic: 'Café talk ☕',
        archived: true,
      });
      assert.equal(await m.setArchived(ROOM, false), true);
      assert.equal(await m.setRoomSettings(ROOM, { topic: '' }), true);
      const after = await m.access(ROOM, 'ann', T0);
      assert.deepEqual([after?.topic, after?.archived, after?.slowMode], ['', false, 5]);
    },
  },
  'hidden-rooms': {
    title: 'hides private rooms from their non-members only',
    async run({ open }) {
      const store = await open();
      for (const r of ['room:a', 'room:b', 'room:c']) await store.createChannel(r, 'room', 'x', T0);
      await store.moderation.setRoomSettings('room:b', { kind: 'private' });
      await store.moderation.setRoomSettings('room:c', { kind: 'private' });
      await store.addMember('room:c', 'ann');
      assert.deepEqual(await store.moderation.hiddenRooms('ann'), ['room:b']);
      assert.deepEqual(await store.moderation.hiddenRooms('bob'), ['room:b', 'room:c']);
    },
  },
  restrictions: {
    title: 'keeps one ban or mute per scope, user and kind, active until it expires or is lifted',
    async run({ open }) {
      const store = await open();
      await store.createChannel(ROOM, 'room', 'ann', T0);
      const m = store.moderation;
      await m.restrict(ban({ until: T0 + 1000, reason: 'spam' }));
      assert.deepEqual(
        await m.restriction(ROOM, 'bob', 'ban', T0),
        ban({ until: T0 + 1000, reason: 'spam' }),
      );
      assert.equal((await m.access(ROOM, 'bob', T0 + 999))?.banned, true);
      assert.equal((await m.access(ROOM, 'bob', T0 + 1000))?.banned, false, 'expired');
      assert.equal(await m.restriction(ROOM, 'bob', 'ban', T0 + 1000), null);
      assert.equal(await m.restriction(ROOM, 'bob', 'mute', T0), null, 'a ban is not a mute');
      await m.restrict(ban({ kind: 'mute' }));
      await m.restrict(ban({ scope: SERVER_SCOPE, by: 'root' }));
      assert.deepEqual(await m.access(ROOM, 'bob', T0 + 5000), {
        kind: 'public',
        role: null,
        slowMode: 0,
        topic: '',
        archived: false,
        banned: false,
        muted: true,
      });
      assert.equal((await m.restriction(SERVER_SCOPE, 'bob', 'ban', T0 + 9e9))?.by, 'root');
      await m.restrict(ban({ until: null }));
      assert.equal((await m.access(ROOM, 'bob', T0 + 9e9))?.banned, true, 'replaced: no expiry');
      assert.equal(await m.lift(ROOM, 'bob', 'ban'), true);
      assert.equal(await m.lift(ROOM, 'bob', 'ban'), false);
      assert.equal((await m.access(ROOM, 'bob', T0))?.banned, false);
      assert.notEqual(
        await m.restriction(SERVER_SCOPE, 'bob', 'ban', T0),
        null,
        'other scope kept',
      );
    },
  },
  'blocks-and-last-sent': {
    title: 'blocks one way, and tells when a user last sent in a channel',
    async run({ open }) {
      const store = await open();
      const m = store.moderation;
      assert.equal(await m.setBlock('ann', 'bob', true), true);
      assert.equal(await m.setBlock('ann', 'bob', true), false);
      assert.equal(await m.isBlocked('ann', 'bob'), true);
      assert.equal(await m.isBlocked('bob', 'ann'), false);
      assert.equal(await m.setBlock('ann', 'bob', false), true);
      assert.equal(await m.isBlocked('ann', 'bob'), false);
      await store.createChannel(ROOM, 'room', 'ann', T0);
      assert.equal(await m.lastSentAt(ROOM, 'ann'), null);
      await store.append({ ...msg('a'), ts: T0 + 1 });
      await store.append({ ...msg('b', 'bob'), ts: T0 + 2 });
      await store.append({ ...msg('c'), ts: T0 + 3 });
      assert.equal(await m.lastSentAt(ROOM, 'ann'), T0 + 3);
      assert.equal(await m.lastSentAt(ROOM, 'bob'), T0 + 2);
    },
  },
  'dm-recipient': {
    title: "reads a DM recipient's membership and block of the sender together, as each alone",
    async run({ open }) {
      const store = await open();
      const both = async (recipient: string, sender: string) => {
        const got = await store.dmRecipient(DM, recipient, sender);
        assert.deepEqual(got, {
          position: await store.membership(DM, recipient),
          blocked: await store.moderation.isBlocked(recipient, sender),
        });
        return got;
      };
      // No such conversation yet, then one bob is no member of.
      assert.deepEqual(await both('bob', 'ann'), { position: null, blocked: false });
      await store.createChannel(DM, 'dm', 'ann', T0, ['ann']);
      assert.deepEqual(await both('bob', 'ann'), { position: null, blocked: false });
      await store.moderation.setBlock('bob', 'ann', true);
      assert.deepEqual(await both('bob', 'ann'), { position: null, blocked: true });
      // A member joining late is floored at the conversation so far; the block is one way.
      await store.append(msg('a', 'ann', DM));
      await store.append(msg('b', 'ann', DM));
      await store.addMember(DM, 'bob');
      assert.deepEqual(await both('bob', 'ann'), {
        position: { readSeq: 2, floorSeq: 2 },
        blocked: true,
      });
      assert.deepEqual(await both('ann', 'bob'), {
        position: { readSeq: 0, floorSeq: 0 },
        blocked: false,
      });
      await store.moderation.setBlock('bob', 'ann', false);
      assert.equal((await both('bob', 'ann')).blocked, false);
    },
  },
  'dm-append-checks': {
    title:
      "checks a DM's recipient in the append (AppendOptions.recipient): refused alone, nothing stored",
    async run({ open }) {
      const store = await open();
      const toBob = { recipient: 'bob', markRead: true };
      const head = async () => (await store.head(DM))?.lastSeq;
      // No such conversation: its recipient is no member of it either.
      await assert.rejects(store.append(msg('a', 'ann', DM), toBob), {
        code: 'SB_ERR_NOT_A_MEMBER',
      });
      await store.createChannel(DM, 'dm', 'ann', T0, ['ann']);
      // bob is no member yet, then is.
      await assert.rejects(store.append(msg('a', 'ann', DM), toBob), {
        code: 'SB_ERR_NOT_A_MEMBER',
      });
      assert.equal(await head(), 0);
      await store.addMember(DM, 'bob');
      const first = await store.append(msg('a', 'ann', DM), toBob);
      assert.equal(first.message.seq, 1);
      assert.equal(first.readSeq, 1);
      // bob blocks ann: refused, the retry of a stored cid too (checked before the duplicate).
      await store.moderation.setBlock('bob', 'ann', true);
      await assert.rejects(store.append(msg('b', 'ann', DM), toBob), { code: 'SB_ERR_BLOCKED' });
      await assert.rejects(store.append(msg('a', 'ann', DM), toBob), { code: 'SB_ERR_BLOCKED' });
      assert.equal(await head(), 1);
      // An event ignores it (an edit of one's own message stays possible).
      const edit = await store.append({ ...msg('e', 'ann', DM), edits: 1 }, { recipient: 'bob' });
      assert.equal(edit.message.seq, 2);
      // Queued in one turn (one batch where a store batches): only the blocked one is refused,
      // the others get gapless seqs in order; the block is one way.
      const results = await Promise.allSettled([
        store.append(msg('c', 'bob', DM), { recipient: 'ann' }),
        store.append(msg('d', 'ann', DM), toBob),
        store.append(msg('f', 'bob', DM), { recipient: 'ann' }),
        store.append(msg('a', 'ann', DM)),
      ]);
      assert.deepEqual(
        results.map((r) =>
          r.status === 'fulfilled'
            ? [r.value.message.seq, r.value.duplicate]
            : (r.reason as { code: string }).code,
        ),
        [[3, false], 'SB_ERR_BLOCKED', [4, false], [1, true]],
      );
      await store.moderation.setBlock('bob', 'ann', false);
      assert.equal((await store.append(msg('d', 'ann', DM), toBob)).message.seq, 5);
      assert.deepEqual(
        (await store.read(DM, { after: 0, limit: 10 })).map((m) => m.cid),
        ['a', 'e', 'c', 'f', 'd'],
      );
    },
  },
  audit: {
    title: 'reads the audit log of one scope newest first, paged by id',
    async run({ open }) {
      const store = await open();
      const m = store.moderation;
      const entry = (scope: string, action: string) => ({
        scope,
        ts: T0,
        actor: 'ann',
        action,
        target: 'bob',
        detail: '{"reason":"x"}',
      });
      const ids: number[] = [];
      for (const a of ['kick', 'ban', 'mute']) ids.push(await m.appendAudit(entry(ROOM, a)));
      ids.push(await m.appendAudit({ ...entry(SERVER_SCOPE, 'ban'), target: null, detail: null }));
      assert.deepEqual(
        [...ids].sort((a, b) => a - b),
        ids,
        'increasing ids',
      );
      const page = await m.audit(ROOM, { limit: 2 });
      assert.deepEqual(
        page.map((e) => e.action),
        ['mute', 'ban'],
      );
      assert.deepEqual(page[0], { id: ids[2], ...entry(ROOM, 'mute') });
      assert.deepEqual(
        (await m.audit(ROOM, { before: ids[1], limit: 10 })).map((e) => e.action),
        ['kick'],
      );
      assert.deepEqual(await m.audit(SERVER_SCOPE, { limit: 10 }), [
        { id: ids[3], ...entry(SERVER_SCOPE, 'ban'), target: null, detail: null },
      ]);
      assert.deepEqual(await m.auditEntry(ids[1]!), { id: ids[1], ...entry(ROOM, 'ban') });
      assert.equal(await m.auditEntry(ids[3]! + 1000), null);
    },
  },
  'delete-events': {
    title: 'keeps a delete event in the message log with the seq it removes, once per cid',
    async run({ open }) {
      const store = await open();
      await store.createChannel(ROOM, 'room', 'ann', T0);
      await store.append(msg('m1'));
      const del = { channel: ROOM, cid: 'delete:1', from: 'mod', text: '', ts: T0 + 1, deletes: 1 };
      const first = await store.append(del);
      assert.deepEqual(first, { message: { ...del, seq: 2 }, duplicate: false });
      assert.equal((await store.append(del)).duplicate, true);
      assert.deepEqual(await store.read(ROOM, { after: 0, limit: 5 }), [
        { ...msg('m1'), seq: 1, text: '', deleted: true },
        { ...del, seq: 2 },
      ]);
    },
  },
  'release-moderation': {
    title: 'upgrades a release 0.1.0 store: rooms are public, members are members, no owner',
    async run({ release, openAt }) {
      assert.ok(release, 'the factory has no release fixture: declare the gap');
      const store = await openAt((await release()).url);
      const none = {
        kind: 'public',
        role: 'member',
        slowMode: 0,
        topic: '',
        archived: false,
        banned: false,
        muted: false,
      };
      // The fixture's rooms were created by 'system', which is no member: nobody owns them.
      for (const user of ['ann', 'bob', 'cat'])
        assert.deepEqual(await store.moderation.access('room:general', user, T0), none);
      assert.equal((await store.moderation.access('room:dev', 'cat', T0))?.role, null);
      assert.deepEqual(await store.moderation.hiddenRooms('cat'), []);
      assert.deepEqual(await store.moderation.audit(SERVER_SCOPE, { limit: 5 }), []);
    },
  },
};
