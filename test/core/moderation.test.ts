/**
 * Room kinds, roles and moderation on one node, over the wire: what each act does to the users
 * it targets, and the coded answers to bad or forbidden frames.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestClient, startNode, type Frame, type Node } from './harness.js';
import { connect, fresh, must, outcome, ownedRoom, rolesAuth } from './roles.js';

const nodes: Node[] = [];
let clock = Date.now();
async function node(): Promise<Node> {
  const n = await startNode({ auth: rolesAuth, now: () => clock });
  nodes.push(n);
  return n;
}
after(async () => {
  for (const n of nodes) await n.stop();
});

/** The frame without its request id: what must be byte-equal. */
const bare = (f: Frame): string => JSON.stringify({ ...f, id: undefined });

describe('private rooms', () => {
  it('answer a non-member byte for byte as an unknown room, and are not listed to them', async () => {
    const n = await node();
    const owner = await connect(n, fresh('own'));
    const stranger = await connect(n, fresh());
    const room = fresh('secret');
    const channel = `room:${room}`;
    const probes = [
      { type: 'join', room },
      { type: 'history', channel },
      { type: 'members', room },
      { type: 'typing', channel },
      { type: 'read', channel, seq: 0 },
      { type: 'resume', channel, after: 0 },
      { type: 'send', room, text: 'hi', cid: 'c1' },
      { type: 'leave', room },
      { type: 'kick', room, user: owner.user },
    ];
    const ask = async () => Promise.all(probes.map(async (p) => bare(await stranger.request(p))));
    const unknown = await ask();
    await must(owner, { type: 'create', room, kind: 'private' });
    await must(owner, { type: 'send', room, text: 'inside', cid: 'i1' });
    assert.deepEqual(await ask(), unknown);
    assert.ok(unknown.every((f) => f.includes('"type":"error"')));
    const listed = async (c: typeof owner) =>
      (await c.call<{ rooms: { room: string }[] }>({ type: 'rooms' })).rooms.some(
        (r) => r.room === room,
      );
    assert.equal(await listed(stranger), false);
    assert.equal(await listed(owner), true);
    assert.equal(await listed(await connect(n, fresh('root'))), true, 'server admins see all');
  });

  it('let an invited user in on every device at once', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'club', 'private');
    const user = fresh();
    const phone = await connect(n, user);
    const laptop = await connect(n, user);
    await must(owner, { type: 'invite', room, user });
    for (const c of [phone, laptop])
      await c.waitFor((f) => f.type === 'channel' && f.channel === `room:${room}`);
    await must(owner, { type: 'send', room, text: 'welcome', cid: 'w' });
    for (const c of [phone, laptop])
      await c.waitFor((f) => f.type === 'message' && f.text === 'welcome');
  });
});

describe('room kinds', () => {
  it('change only by a room admin or above, recorded in the audit log; a room made private hides', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'kinds');
    const mod = await connect(n, fresh());
    const stranger = await connect(n, fresh());
    await must(owner, { type: 'invite', room, user: mod.user });
    await must(owner, { type: 'role', room, user: mod.user, role: 'moderator' });
    const toPrivate = { type: 'room-settings', room, kind: 'private' };
    assert.equal(await outcome(mod, toPrivate), 'SB_ERR_FORBIDDEN');
    assert.equal(await outcome(stranger, { type: 'join', room }), 'ok', 'still public');
    await must(stranger, { type: 'leave', room });
    await must(owner, toPrivate);
    assert.equal(await outcome(stranger, { type: 'join', room }), 'SB_ERR_ROOM_NOT_FOUND');
    const { entries } = await owner.call<{ entries: Frame[] }>({ type: 'audit', room });
    assert.deepEqual([entries[0]!.action, entries[0]!.actor], ['room-settings', owner.user]);
    assert.deepEqual(entries[0]!.detail, { kind: 'private' });
  });
});

describe('announcement rooms', () => {
  it('let everyone read and only moderators and above post', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'news', 'announcement');
    const reader = await connect(n, fresh());
    await must(reader, { type: 'join', room });
    assert.equal(
      await outcome(reader, { type: 'send', room, text: 'me?', cid: 'r1' }),
      'SB_ERR_FORBIDDEN',
    );
    await must(owner, { type: 'send', room, text: 'news', cid: 'n1' });
    await reader.waitFor((f) => f.type === 'message' && f.text === 'news');
    await must(owner, { type: 'role', room, user: reader.user, role: 'moderator' });
    assert.equal(await outcome(reader, { type: 'send', room, text: 'now me', cid: 'r1' }), 'ok');
  });
});

describe('roles', () => {
  it('refuse a moderator acting above their role and an admin granting admin', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'ranks');
    const mod = await connect(n, fresh());
    const adm = await connect(n, fresh());
    const member = fresh();
    for (const u of [mod.user, adm.user, member])
      await must(owner, { type: 'invite', room, user: u });
    await must(owner, { type: 'role', room, user: mod.user, role: 'moderator' });
    await must(owner, { type: 'role', room, user: adm.user, role: 'admin' });
    const by = (c: typeof owner, f: Record<string, unknown>) => outcome(c, { room, ...f });
    assert.equal(await by(mod, { type: 'kick', user: adm.user }), 'SB_ERR_OUTRANKED');
    assert.equal(await by(mod, { type: 'ban', user: owner.user }), 'SB_ERR_OUTRANKED');
    assert.equal(await by(mod, { type: 'mute', user: mod.user }), 'SB_ERR_OUTRANKED');
    assert.equal(await by(mod, { type: 'role', user: member, role: 'admin' }), 'SB_ERR_FORBIDDEN');
    assert.equal(await by(adm, { type: 'role', user: member, role: 'admin' }), 'SB_ERR_OUTRANKED');
    assert.equal(
      await by(adm, { type: 'role', user: owner.user, role: 'member' }),
      'SB_ERR_OUTRANKED',
    );
    assert.equal(await by(adm, { type: 'role', user: member, role: 'moderator' }), 'ok');
    assert.equal(await by(mod, { type: 'kick', user: member }), 'SB_ERR_OUTRANKED', 'now a peer');
  });

  it('refuse acting on a server admin, in a room or server-wide, with SB_ERR_OUTRANKED', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'ranks');
    const root = await connect(n, fresh('root'));
    const other = await connect(n, fresh('root'));
    await must(owner, { type: 'invite', room, user: root.user });
    const by = (c: typeof owner, f: Record<string, unknown>) => outcome(c, { room, ...f });
    for (const f of [
      { type: 'kick' },
      { type: 'ban', duration: 60 },
      { type: 'mute' },
      { type: 'role', role: 'member' },
    ])
      assert.equal(await by(owner, { ...f, user: root.user }), 'SB_ERR_OUTRANKED', f.type);
    // Nor may one server admin act on another: a server ban of one is refused.
    assert.equal(await by(other, { type: 'kick', user: root.user }), 'SB_ERR_OUTRANKED');
    assert.equal(await outcome(other, { type: 'ban', user: root.user }), 'SB_ERR_OUTRANKED');
    assert.equal(await outcome(root, { type: 'users' }), 'ok', 'still connected');
    const members = await owner.request({ type: 'members', room });
    assert.ok(JSON.stringify(members).includes(`"${root.user}"`), 'still a member');
  });

  it('reject a forged role or any unknown field in a client frame with SB_ERR_BAD_FRAME', async () => {
    const n = await node();
    const c = await connect(n, fresh());
    for (const forged of [
      { type: 'join', room: 'general', role: 'owner' },
      { type: 'send', room: 'general', text: 'x', cid: 'x', admin: true },
      { type: 'create', room: fresh('r'), kind: 'public', owner: c.user },
      { type: 'role', room: 'general', user: c.user, role: 'superuser' },
      { type: 'hello', protocol: 1, roles: ['admin'] },
    ])
      assert.equal(await outcome(c, forged), 'SB_ERR_BAD_FRAME', JSON.stringify(forged));
  });
});

describe('kick, ban and mute', () => {
  async function room(n: Node) {
    const { owner, room: name } = await ownedRoom(n, 'r');
    return { owner, name, channel: `room:${name}` };
  }

  it('kick takes every device of the user out of the stream at once; a resume then gets a code', async () => {
    const n = await node();
    const { owner, name, channel } = await room(n);
    const user = fresh();
    const a = await connect(n, user);
    const b = await connect(n, user);
    await must(a, { type: 'join', room: name });
    await must(owner, { type: 'kick', room: name, user, reason: 'spam' });
    for (const c of [a, b])
      await c.waitFor(
        (f) => f.type === 'member' && f.room === name && f.joined === false && f.removed === 'kick',
      );
    await must(owner, { type: 'send', room: name, text: 'after', cid: 'k1' });
    assert.equal(await outcome(a, { type: 'resume', channel, after: 0 }), 'SB_ERR_NOT_A_MEMBER');
    assert.equal(await outcome(b, { type: 'history', channel }), 'SB_ERR_NOT_A_MEMBER');
    // A reconnect that resumes the room gets the same code as a frame naming it, and no data.
    const again = TestClient.connect(n);
    await again.hello({ token: user, presence: false, resume: [{ channel, after: 0 }] });
    const refused = await again.waitFor((f) => f.type === 'error' && f.channel === channel);
    assert.equal(refused.code, 'SB_ERR_NOT_A_MEMBER');
    assert.equal(refused.retryable, false);
    assert.equal(again.messages(channel).length, 0);
    assert.equal(a.messages(channel).length + b.messages(channel).length, 0);
    assert.equal(await outcome(a, { type: 'join', room: name }), 'ok', 'a kick is no ban');
  });

  it('a timed room ban keeps the user out until it expires, then lets them rejoin', async () => {
    const n = await node();
    const { owner, name, channel } = await room(n);
    const user = await connect(n, fresh());
    await must(user, { type: 'join', room: name });
    await must(owner, { type: 'ban', room: name, user: user.user, duration: 60 });
    await user.waitFor(
      (f) => f.type === 'member' && f.room === name && f.joined === false && f.removed === 'ban',
    );
    assert.equal(await outcome(user, { type: 'join', room: name }), 'SB_ERR_BANNED');
    assert.equal(await outcome(user, { type: 'resume', channel, after: 0 }), 'SB_ERR_BANNED');
    assert.equal(
      await outcome(owner, { type: 'invite', room: name, user: user.user }),
      'SB_ERR_BANNED',
    );
    clock += 61_000;
    try {
      assert.equal(await outcome(user, { type: 'join', room: name }), 'ok');
    } finally {
      clock -= 61_000;
    }
  });

  it('a user banned from general is not put back in it as a newcomer', async () => {
    const n = await node();
    const root = await connect(n, fresh('root'));
    const user = fresh();
    const first = TestClient.connect(n);
    const joined = await first.hello({ handle: user, presence: false });
    assert.deepEqual(
      (joined.channels as Frame[]).map((c) => c.channel),
      ['room:general'],
    );
    await must(root, { type: 'ban', room: 'general', user });
    first.raw.drop();
    await first.waitClosed();
    const again = TestClient.connect(n);
    const data = await again.hello({ handle: user, presence: false });
    assert.deepEqual(data.channels, []);
  });

  it('members lists each member with their role and mute, and the room kind', async () => {
    const n = await node();
    const { owner, name } = await room(n);
    const user = await connect(n, fresh());
    await must(user, { type: 'join', room: name });
    await must(owner, { type: 'mute', room: name, user: user.user });
    const reply = await user.call<{ kind: string; members: Frame[] }>({
      type: 'members',
      room: name,
    });
    assert.equal(reply.kind, 'public');
    const byUser = new Map(reply.members.map((m) => [m.user, m]));
    assert.deepEqual(byUser.get(owner.user), { user: owner.user, connections: 1, role: 'owner' });
    assert.deepEqual(byUser.get(user.user), {
      user: user.user,
      connections: 1,
      role: 'member',
      muted: true,
    });
  });

  it('a timed mute stops sending and typing until it expires or is lifted', async () => {
    const n = await node();
    const { owner, name, channel } = await room(n);
    const user = await connect(n, fresh());
    await must(user, { type: 'join', room: name });
    await must(owner, { type: 'mute', room: name, user: user.user, duration: 5 });
    const send = (cid: string) => outcome(user, { type: 'send', room: name, text: 'x', cid });
    assert.equal(await send('m1'), 'SB_ERR_MUTED');
    assert.equal(await outcome(user, { type: 'typing', channel }), 'SB_ERR_MUTED');
    assert.equal(await outcome(user, { type: 'history', channel }), 'ok', 'reading goes on');
    clock += 6_000;
    try {
      assert.equal(await send('m2'), 'ok');
    } finally {
      clock -= 6_000;
    }
    await must(owner, { type: 'mute', room: name, user: user.user });
    assert.equal(await send('m3'), 'SB_ERR_MUTED');
    await must(owner, { type: 'unmute', room: name, user: user.user });
    assert.equal(await send('m3'), 'ok');
  });

  it('a server ban closes every connection with 4102 and refuses the next hello', async () => {
    const n = await node();
    const root = await connect(n, fresh('root'));
    const user = fresh();
    const a = await connect(n, user);
    const b = await connect(n, user);
    assert.equal(await outcome(a, { type: 'ban', user: b.user }), 'SB_ERR_FORBIDDEN');
    await must(root, { type: 'ban', user, reason: 'abuse' });
    assert.equal(await a.waitClosed(), 4102);
    assert.equal(await b.waitClosed(), 4102);
    const again = (await import('./harness.js')).TestClient.connect(n);
    const r = await again.request({ type: 'hello', protocol: 1, handle: user });
    assert.equal(r.code, 'SB_ERR_BANNED');
    assert.equal(await again.waitClosed(), 4102);
    await must(root, { type: 'unban', user });
    await connect(n, user);
  });
});

describe('slow mode, blocks and the audit log', () => {
  it('slow mode holds a member back with retryAfter and lets moderators through', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'slow');
    await must(owner, { type: 'room-settings', room, slowMode: 10 });
    const user = await connect(n, fresh());
    await must(user, { type: 'join', room });
    await must(user, { type: 'send', room, text: 'one', cid: 's1' });
    const r = await user.request({ type: 'send', room, text: 'two', cid: 's2' });
    assert.equal(r.code, 'SB_ERR_SLOW_MODE');
    assert.ok((r.retryAfter as number) > 9_000 && (r.retryAfter as number) <= 10_000);
    await must(owner, { type: 'send', room, text: 'a', cid: 'o1' });
    await must(owner, { type: 'send', room, text: 'b', cid: 'o2' });
  });

  it('a blocked user cannot DM the one who blocked them', async () => {
    const n = await node();
    const a = await connect(n, fresh());
    const b = await connect(n, fresh());
    await must(a, { type: 'block', user: b.user });
    assert.equal(
      await outcome(b, { type: 'send', to: a.user, text: 'hey', cid: 'd1' }),
      'SB_ERR_BLOCKED',
    );
    assert.equal(
      await outcome(b, { type: 'send', to: a.user, text: 'hey', cid: 'd1', replyTo: 99 }),
      'SB_ERR_BLOCKED',
    );
    assert.equal(await outcome(a, { type: 'send', to: b.user, text: 'hey', cid: 'd1' }), 'ok');
    await must(a, { type: 'unblock', user: b.user });
    assert.equal(await outcome(b, { type: 'send', to: a.user, text: 'hey', cid: 'd2' }), 'ok');
    // Blocked again in a conversation b follows: refused by the append's own check, the retry of
    // a stored cid too, and nothing stored or delivered.
    await must(a, { type: 'block', user: b.user });
    const refused = { type: 'send', to: a.user, text: 'again', cid: 'd3' };
    assert.equal(await outcome(b, refused), 'SB_ERR_BLOCKED');
    assert.equal(await outcome(b, { ...refused, text: 'hey', cid: 'd2' }), 'SB_ERR_BLOCKED');
    // The block answers first, as when b did not follow: before a reply to a message that does
    // not exist and before a file that is not b's, refused otherwise for those.
    const missingParent = { ...refused, cid: 'd4', replyTo: 99 };
    const strangeFile = { ...refused, cid: 'd5', attachments: ['nope'] };
    assert.equal(await outcome(b, missingParent), 'SB_ERR_BLOCKED');
    assert.equal(await outcome(b, strangeFile), 'SB_ERR_BLOCKED');
    await must(a, { type: 'unblock', user: b.user });
    assert.equal(await outcome(b, missingParent), 'SB_ERR_MESSAGE_NOT_FOUND');
    assert.equal(await outcome(b, strangeFile), 'SB_ERR_ATTACHMENT_INVALID');
    assert.equal(await outcome(b, refused), 'ok');
    await a.waitFor((f) => f.type === 'message' && f.text === 'again');
    const dm = a.messages().find((f) => f.text === 'again')!.channel as string;
    const { messages } = await a.call<{ messages: Frame[] }>({ type: 'history', channel: dm });
    assert.deepEqual(
      messages.map((m) => [m.seq, m.from, m.text]),
      [
        [1, a.user, 'hey'],
        [2, b.user, 'hey'],
        [3, b.user, 'again'],
      ],
    );
    assert.deepEqual(
      a.messages(dm).map((m) => m.seq),
      [2, 3],
    );
  });

  it('records every moderation act for room admins and server admins, newest first', async () => {
    const n = await node();
    const { owner, room } = await ownedRoom(n, 'log');
    const user = fresh();
    await must(owner, { type: 'invite', room, user });
    await must(owner, { type: 'mute', room, user, duration: 30, reason: 'caps' });
    await must(owner, { type: 'kick', room, user });
    const { entries } = await owner.call<{ entries: Frame[] }>({ type: 'audit', room });
    assert.deepEqual(
      entries.map((e) => [e.action, e.target, e.actor, e.room]),
      [
        ['kick', user, owner.user, room],
        ['mute', user, owner.user, room],
        ['invite', user, owner.user, room],
      ],
    );
    assert.deepEqual(entries[1]!.detail, { duration: 30, reason: 'caps' });
    assert.equal(await outcome(owner, { type: 'audit' }), 'SB_ERR_FORBIDDEN');
    const root = await connect(n, fresh('root'));
    await must(root, { type: 'ban', user, duration: 5 });
    const server = await root.call<{ entries: Frame[] }>({ type: 'audit' });
    assert.deepEqual(
      server.entries.map((e) => [e.action, e.target, e.room]),
      [['ban', user, undefined]],
    );
  });
});

describe('deleting messages', () => {
  it('appends a delete event others receive live and in history; another’s message needs a moderator', async () => {
    const n = await node();
    const owner = await connect(n, fresh('own'));
    const room = fresh('del');
    const channel = `room:${room}`;
    await must(owner, { type: 'create', room });
    const author = await connect(n, fresh());
    const mod = await connect(n, fresh());
    for (const c of [author, mod]) await must(c, { type: 'join', room });
    await must(owner, { type: 'role', room, user: mod.user, role: 'moderator' });
    await must(author, { type: 'send', room, text: 'oops', cid: 'a1' });
    await must(author, { type: 'send', room, text: 'bad', cid: 'a2' });
    const del = (c: typeof owner, seq: number) => outcome(c, { type: 'delete', channel, seq });
    assert.equal(await del(author, 1), 'ok', 'one’s own message');
    assert.equal(await del(author, 99), 'SB_ERR_MESSAGE_NOT_FOUND');
    const other = await connect(n, fresh());
    await must(other, { type: 'join', room });
    await must(other, { type: 'send', room, text: 'mine', cid: 'o1' });
    assert.equal(await del(author, 4), 'SB_ERR_FORBIDDEN', 'a member deletes only their own');
    assert.equal(await del(mod, 2), 'ok');
    const event = await owner.waitFor((f) => f.type === 'message' && f.deletes === 2);
    assert.deepEqual([event.from, event.text, event.cid], [mod.user, '', 'delete:2']);
    // History: messages in their current state (tombstones), no events.
    const page = await other.call<{ messages: Frame[] }>({ type: 'history', channel });
    assert.deepEqual(
      page.messages.map((m) => [m.seq, m.text, m.deleted]),
      [
        [1, '', true],
        [2, '', true],
        [4, 'mine', undefined],
      ],
    );
    const { entries } = await owner.call<{ entries: Frame[] }>({ type: 'audit', room });
    assert.deepEqual([entries[0]!.action, entries[0]!.target], ['delete', author.user]);
    assert.equal(entries.filter((e) => e.action === 'delete').length, 1, 'own deletes are no act');
  });

  it('in a DM, deletes only one’s own messages', async () => {
    const n = await node();
    const a = await connect(n, fresh());
    const b = await connect(n, fresh());
    const r = await a.call<{ message: Frame }>({ type: 'send', to: b.user, text: 'x', cid: 'x' });
    const channel = r.message.channel;
    assert.equal(await outcome(b, { type: 'delete', channel, seq: 1 }), 'SB_ERR_FORBIDDEN');
    assert.equal(await outcome(a, { type: 'delete', channel, seq: 1 }), 'ok');
    await b.waitFor((f) => f.type === 'message' && f.deletes === 1);
  });
});
