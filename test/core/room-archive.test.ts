/**
 * A room's topic and archiving over the wire, on two nodes sharing a store and a bus: the change
 * reaches members on the other node as a `room` frame and as a `room.changed` event; an archived
 * room answers writes with SB_ERR_ROOM_ARCHIVED while its history and search stay readable.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryHub } from '../../src/bus/memory.js';
import type { EventSink } from '../../src/core/event-sink.js';
import { MAX_TOPIC_CHARS } from '../../src/protocol/frames.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { TestClient, startNode, tick, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

interface Logged {
  type: string;
  channel: string | null;
  data: Record<string, unknown>;
}

/** Two nodes on one store and bus; node a's webhook events are logged. */
async function setUp() {
  const store: Store = new MemoryStore();
  const hub = new MemoryHub();
  const events: Logged[] = [];
  const sink: EventSink = {
    emit: (type, channel, data) => events.push({ type, channel, data }),
    presence() {},
  };
  const a = await startNode({ auth: rolesAuth, events: sink }, { store, hub });
  const b = await startNode({ auth: rolesAuth }, { store, hub });
  nodes.push(a, b);
  const owner = await connect(a, fresh('own'));
  const room = fresh('r');
  await must(owner, { type: 'create', room });
  await must(owner, { type: 'send', room, text: 'the archived words', cid: 'c1' });
  const user = fresh();
  await must(owner, { type: 'invite', room, user });
  const member = await connect(b, user);
  await tick(20);
  return { a, b, store, owner, member, room, channel: `room:${room}`, events };
}

const roomFrame = (room: string, key: string) => (f: Record<string, unknown>) =>
  f.type === 'room' && f.room === room && key in f;

async function listed(
  c: Awaited<ReturnType<typeof connect>>,
  archived?: boolean,
): Promise<Record<string, unknown>[]> {
  const r = await c.request({ type: 'rooms', ...(archived === undefined ? {} : { archived }) });
  return (r.data as { rooms: Record<string, unknown>[] }).rooms;
}

describe('room topic and archive over the wire', () => {
  it('sets a trimmed topic seen by members on another node and in the room list', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'room-settings', room: s.room, topic: '  Release planning  ' });
    const f = await s.member.waitFor(roomFrame(s.room, 'topic'), 1000);
    assert.equal(f.topic, 'Release planning');
    const mine = (await listed(s.member)).find((r) => r.room === s.room);
    assert.equal(mine?.topic, 'Release planning');
    assert.deepEqual(s.events.at(-1), {
      type: 'room.changed',
      channel: s.channel,
      data: { room: s.room, topic: 'Release planning', by: s.owner.user },
    });
    await must(s.owner, { type: 'room-settings', room: s.room, topic: '' });
    const cleared = (await listed(s.member)).find((r) => r.room === s.room);
    assert.equal(cleared && 'topic' in cleared, false, 'an empty topic is no topic');
  });

  it('refuses a topic over MAX_TOPIC_CHARS characters with SB_ERR_TOPIC_TOO_LONG', async () => {
    const s = await setUp();
    const long = { type: 'room-settings', room: s.room, topic: 'é'.repeat(MAX_TOPIC_CHARS + 1) };
    assert.equal(await outcome(s.owner, long), 'SB_ERR_TOPIC_TOO_LONG');
    const max = { ...long, topic: '👍'.repeat(MAX_TOPIC_CHARS) };
    assert.equal(await outcome(s.owner, max), 'ok', 'characters are code points, not UTF-16 units');
    const member = { type: 'room-settings', room: s.room, topic: 'mine' };
    assert.equal(await outcome(s.member, member), 'SB_ERR_FORBIDDEN');
  });

  it('makes an archived room read-only on every node, history and search still answering', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'archive', room: s.room });
    const f = await s.member.waitFor(roomFrame(s.room, 'archived'), 1000);
    assert.equal(f.archived, true);
    const send = { type: 'send', room: s.room, text: 'late', cid: 'c2' };
    assert.equal(await outcome(s.member, send), 'SB_ERR_ROOM_ARCHIVED');
    const edit = { type: 'edit', channel: s.channel, seq: 1, text: 'new', cid: 'e1' };
    assert.equal(await outcome(s.owner, edit), 'SB_ERR_ROOM_ARCHIVED');
    const react = { type: 'react', channel: s.channel, seq: 1, emoji: '👍', cid: 'r1' };
    assert.equal(await outcome(s.member, react), 'SB_ERR_ROOM_ARCHIVED');
    const del = { type: 'delete', channel: s.channel, seq: 1 };
    assert.equal(await outcome(s.owner, del), 'SB_ERR_ROOM_ARCHIVED', 'not even your own');
    const history = await s.member.request({ type: 'history', channel: s.channel });
    assert.equal(history.type, 'reply');
    const found = await s.member.request({ type: 'search', query: 'archived words' });
    assert.equal((found.data as { hits: unknown[] }).hits.length, 1);
    assert.equal(await outcome(s.owner, { type: 'archive', room: s.room }), 'SB_ERR_ROOM_ARCHIVED');
    assert.deepEqual(
      s.events.filter((e) => e.type === 'room.changed').map((e) => e.data),
      [{ room: s.room, archived: true, by: s.owner.user }],
    );
  });

  it('lists archived rooms only when asked, and unarchives them once', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'archive', room: s.room });
    assert.equal(
      (await listed(s.member)).some((r) => r.room === s.room),
      false,
    );
    const archived = (await listed(s.member, true)).find((r) => r.room === s.room);
    assert.equal(archived?.archived, true);
    assert.equal(await outcome(s.member, { type: 'unarchive', room: s.room }), 'SB_ERR_FORBIDDEN');
    await must(s.owner, { type: 'unarchive', room: s.room });
    const f = await s.member.waitFor((x) => roomFrame(s.room, 'archived')(x) && !x.archived, 1000);
    assert.equal(f.archived, false);
    const again = { type: 'unarchive', room: s.room };
    assert.equal(await outcome(s.owner, again), 'SB_ERR_ROOM_NOT_ARCHIVED');
    assert.equal(
      await outcome(s.member, { type: 'send', room: s.room, text: 'back', cid: 'c3' }),
      'ok',
    );
    assert.equal(
      (await listed(s.member, true)).some((r) => r.room === s.room),
      false,
    );
  });

  it('says a room\u2019s topic and archived flag in hello, the join reply and an invite, not in a read reply', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'room-settings', room: s.room, topic: 'Plans' });
    await must(s.owner, { type: 'archive', room: s.room });
    const again = TestClient.connect(s.a);
    const access = s.store.moderation.access.bind(s.store.moderation);
    const looked: string[] = [];
    s.store.moderation.access = (channel, user, now) => {
      looked.push(channel);
      return access(channel, user, now);
    };
    const hello = await again.hello({ token: s.member.user, presence: false });
    s.store.moderation.access = access;
    const states = hello.channels as Record<string, unknown>[];
    const mine = states.find((c) => c.channel === s.channel);
    assert.equal(mine?.topic, 'Plans');
    assert.equal(mine?.archived, true);
    assert.deepEqual(looked, [], 'the look comes with the memberships, not a read per room');
    const open = fresh('open');
    await must(s.owner, { type: 'create', room: open });
    await must(s.owner, { type: 'room-settings', room: open, topic: 'Open <b>talk</b>' });
    const joiner = await connect(s.a, fresh('j'));
    const joined = (await joiner.request({ type: 'join', room: open })).data as Record<
      string,
      unknown
    >;
    assert.deepEqual([joined.topic, joined.archived], ['Open <b>talk</b>', false]);
    const created = (await joiner.request({ type: 'create', room: fresh('new') })).data as Record<
      string,
      unknown
    >;
    assert.deepEqual([created.topic, created.archived], ['', false]);
    const invited = await connect(s.a, fresh('inv'));
    await must(s.owner, { type: 'invite', room: open, user: invited.user });
    const announced = await invited.waitFor((f) => f.type === 'channel', 1000);
    assert.deepEqual([announced.topic, announced.archived], ['Open <b>talk</b>', false]);
    const read = await joiner.request({ type: 'read', channel: `room:${open}`, seq: 0 });
    assert.equal('topic' in (read.data as object), false, 'a read reply does not say');
  });

  it('says the topic and archived flag to the joiner\u2019s devices on another node', async () => {
    const s = await setUp();
    await must(s.owner, { type: 'room-settings', room: s.room, topic: 'Plans' });
    await must(s.owner, { type: 'archive', room: s.room });
    const open = fresh('open');
    await must(s.owner, { type: 'create', room: open });
    await must(s.owner, { type: 'room-settings', room: open, topic: 'Open talk' });
    const user = fresh('j');
    const here = await connect(s.a, user);
    const there = await connect(s.b, user);
    await must(here, { type: 'join', room: open });
    const joined = await there.waitFor((f) => f.type === 'channel', 1000);
    assert.deepEqual(
      [joined.channel, joined.topic, joined.archived],
      [`room:${open}`, 'Open talk', false],
    );
    await must(s.owner, { type: 'invite', room: s.room, user });
    const invited = await there.waitFor(
      (f) => f.type === 'channel' && f.channel === s.channel,
      1000,
    );
    assert.deepEqual([invited.topic, invited.archived], ['Plans', true]);
  });

  it('lets a server admin who is no member archive a room', async () => {
    const s = await setUp();
    const root = await connect(s.a, fresh('root'));
    assert.equal(await outcome(root, { type: 'archive', room: s.room }), 'ok');
    await s.member.waitFor(roomFrame(s.room, 'archived'), 1000);
  });
});
