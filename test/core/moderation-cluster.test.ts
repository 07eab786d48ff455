/**
 * Moderation across nodes: three cores sharing one store and one in-memory bus hub. An act made
 * on one node takes effect for the user's connections on the others within 1 s, and survives
 * reconnect and resume.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryHub } from '../../src/bus/memory.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { TestClient, startNode, tick, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

async function cluster(): Promise<[Node, Node, Node]> {
  const store: Store = new MemoryStore();
  await store.createChannel('room:general', 'room', 'system', Date.now());
  const hub = new MemoryHub();
  const three = await Promise.all(
    [1, 2, 3].map(() => startNode({ auth: rolesAuth }, { store, hub })),
  );
  nodes.push(...three);
  return three as [Node, Node, Node];
}

const WITHIN = 1000;

/** A room made on node a, with `user` a member connected on nodes b and c. */
async function setUp(kind = 'public') {
  const [a, b, c] = await cluster();
  const owner = await connect(a, fresh('own'));
  const room = fresh('r');
  await must(owner, { type: 'create', room, kind });
  const user = fresh();
  await must(owner, { type: 'invite', room, user });
  const onB = await connect(b, user);
  const onC = await connect(c, user);
  await tick(20);
  return { a, b, c, owner, room, channel: `room:${room}`, user, onB, onC };
}

const left = (room: string) => (f: Record<string, unknown>) =>
  f.type === 'member' && f.room === room && f.joined === false;

describe('moderation across nodes', () => {
  it('a kick on one node takes the user out of the room on every other node, for good', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'kick', room: s.room, user: s.user });
    await s.onB.waitFor(left(s.room), WITHIN);
    await s.onC.waitFor(left(s.room), WITHIN);
    assert.equal(s.b.core.channels.has(s.channel), false, 'node b let go of the room');
    await must(s.owner, { type: 'send', room: s.room, text: 'after the kick', cid: 'k1' });
    // Reconnect on c resuming the room: a coded frame, no data; then a resume command is refused.
    const again = TestClient.connect(s.c);
    await again.hello({
      token: s.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    const refused = await again.waitFor((f) => f.type === 'error' && f.channel === s.channel);
    assert.equal(refused.code, 'SB_ERR_NOT_A_MEMBER', 'the resume ends with a coded frame');
    assert.equal(refused.retryable, false);
    const r = await again.request({ type: 'resume', channel: s.channel, after: 0 });
    assert.equal(r.code, 'SB_ERR_NOT_A_MEMBER');
    await tick(50);
    assert.equal(s.onB.messages(s.channel).length + again.messages(s.channel).length, 0);
  });

  it('a room ban on one node keeps the user out on every node: join and resume answer SB_ERR_BANNED', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'ban', room: s.room, user: s.user, duration: 600 });
    await s.onB.waitFor(left(s.room), WITHIN);
    await s.onC.waitFor(left(s.room), WITHIN);
    assert.equal(await outcome(s.onB, { type: 'join', room: s.room }), 'SB_ERR_BANNED');
    const again = TestClient.connect(s.b);
    await again.hello({
      token: s.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    const refused = await again.waitFor((f) => f.type === 'error' && f.channel === s.channel);
    assert.equal(refused.code, 'SB_ERR_BANNED', 'the resume ends with a coded frame');
    assert.equal(
      await outcome(again, { type: 'resume', channel: s.channel, after: 0 }),
      'SB_ERR_BANNED',
    );
  });

  it('a kick from a private room leaves it unknown to the user on every node', async () => {
    const s = await setUp('private');
    await must(s.owner, { type: 'kick', room: s.room, user: s.user });
    await s.onC.waitFor(left(s.room), WITHIN);
    const again = TestClient.connect(s.b);
    await again.hello({
      token: s.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    const refused = await again.waitFor((f) => f.type === 'error' && f.channel === s.channel);
    assert.equal(refused.code, 'SB_ERR_ROOM_NOT_FOUND');
    assert.equal(
      await outcome(s.onC, { type: 'resume', channel: s.channel, after: 0 }),
      'SB_ERR_ROOM_NOT_FOUND',
    );
  });

  it('a mute or a role change on one node holds for the next command on another', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'mute', room: s.room, user: s.user });
    const send = (cid: string) => outcome(s.onB, { type: 'send', room: s.room, text: 'x', cid });
    assert.equal(await send('m1'), 'SB_ERR_MUTED');
    const admin = await connect(s.c, fresh('root'));
    await must(admin, { type: 'unmute', room: s.room, user: s.user });
    assert.equal(await send('m1'), 'ok');
    const other = fresh();
    await must(s.owner, { type: 'invite', room: s.room, user: other });
    assert.equal(
      await outcome(s.onC, { type: 'kick', room: s.room, user: other }),
      'SB_ERR_FORBIDDEN',
    );
    await must(s.owner, { type: 'role', room: s.room, user: s.user, role: 'moderator' });
    assert.equal(await outcome(s.onC, { type: 'kick', room: s.room, user: other }), 'ok');
  });

  it('an invite on one node brings the room to the user’s connections on the others', async () => {
    const [a, b] = await cluster();
    const owner = await connect(a, fresh('own'));
    const room = fresh('club');
    await must(owner, { type: 'create', room, kind: 'private' });
    const user = fresh();
    const onB = await connect(b, user);
    await tick(20);
    await must(owner, { type: 'invite', room, user });
    await onB.waitFor((f) => f.type === 'channel' && f.channel === `room:${room}`, WITHIN);
    await must(owner, { type: 'send', room, text: 'hello there', cid: 'h' });
    await onB.waitFor((f) => f.type === 'message' && f.text === 'hello there', WITHIN);
  });

  it('a server ban on one node closes the user’s connections everywhere with 4102, and they stay out', async () => {
    const [a, b, c] = await cluster();
    const root = await connect(a, fresh('root'));
    const user = fresh();
    const onB = await connect(b, user);
    const onC = await connect(c, user);
    await tick(20);
    const t0 = Date.now();
    await must(root, { type: 'ban', user });
    assert.equal(await onB.waitClosed(WITHIN), 4102);
    assert.equal(await onC.waitClosed(WITHIN), 4102);
    assert.ok(Date.now() - t0 < WITHIN);
    const again = TestClient.connect(c);
    const r = await again.request({ type: 'hello', protocol: 1, token: user });
    assert.equal(r.code, 'SB_ERR_BANNED');
    assert.equal(await again.waitClosed(), 4102);
  });
});

describe('reports across nodes', () => {
  it('reach the room’s moderators and the server admins on every node, and no one else', async () => {
    const s = await setUp();
    const mod = fresh();
    await must(s.owner, { type: 'invite', room: s.room, user: mod });
    await must(s.owner, { type: 'role', room: s.room, user: mod, role: 'moderator' });
    const modOnC = await connect(s.c, mod);
    const root = await connect(s.b, fresh('root'));
    await tick(20);
    await must(s.owner, { type: 'send', room: s.room, text: 'rude', cid: 'r1' });
    await s.onB.waitFor((f) => f.type === 'message' && f.text === 'rude');
    await must(s.onB, { type: 'report', channel: s.channel, seq: 1, reason: 'rude' });
    const isReport = (f: Record<string, unknown>) => f.type === 'report' && f.seq === 1;
    for (const c of [modOnC, root, s.owner]) {
      const r = await c.waitFor(isReport, WITHIN);
      assert.deepEqual(
        [r.from, r.text, r.reporter, r.reason],
        [s.owner.user, 'rude', s.user, 'rude'],
      );
    }
    assert.equal(s.onC.all().some(isReport), false, 'a plain member gets no report');
    assert.equal(
      await outcome(s.onB, { type: 'report', channel: s.channel, seq: 99 }),
      'SB_ERR_MESSAGE_NOT_FOUND',
    );
    const { entries } = await s.owner.call<{ entries: Record<string, unknown>[] }>({
      type: 'audit',
      room: s.room,
    });
    assert.deepEqual(entries[0]!.detail, { channel: s.channel, seq: 1, reason: 'rude' });
  });
});
