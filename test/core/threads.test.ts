/**
 * Threads over the wire: thread messages stay on the channel's log (live, resume, history) but
 * the main timeline and its unread count leave them out unless sent alsoToRoom; the root's
 * author and the posters follow a thread, their devices hear of each reply with an unread
 * count, and a thread read position is shared by all their devices. Bad roots get their code.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestClient, startNode, tick, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

type Msg = Record<string, unknown>;

/** A room of `kind` where ann (owner) posted seq 1 and bob is a member. */
async function room(kind: 'public' | 'private' | 'announcement' = 'public') {
  const node = await startNode({ auth: rolesAuth });
  nodes.push(node);
  const ann = await connect(node, fresh('ann'));
  const bob = await connect(node, fresh('bob'));
  const name = fresh('r');
  await must(ann, { type: 'create', room: name, kind });
  if (kind === 'private') await must(ann, { type: 'invite', room: name, user: bob.user });
  else await must(bob, { type: 'join', room: name });
  const channel = `room:${name}`;
  await must(ann, { type: 'send', room: name, text: 'root', cid: 'root' });
  await bob.waitFor((f) => f.type === 'message' && f.seq === 1);
  const send = (c: TestClient, cid: string, extra: Msg = {}) =>
    c.call<{ message: Msg }>({ type: 'send', room: name, text: `text ${cid}`, cid, ...extra });
  return { node, ann, bob, room: name, channel, send };
}

describe('thread messages', () => {
  it('carry thread live, on resume and in the thread view; the main timeline leaves them out', async () => {
    const s = await room();
    const t2 = await s.send(s.bob, 't2', { thread: 1 });
    assert.deepEqual([t2.message.seq, t2.message.thread, t2.message.alsoToRoom], [2, 1, undefined]);
    const live = await s.ann.waitFor((f) => f.type === 'message' && f.seq === 2);
    assert.equal(live.thread, 1);
    await s.send(s.ann, 'm3');
    await s.send(s.bob, 't4', { thread: 1, alsoToRoom: true });
    const main = await s.ann.call<{ messages: Msg[] }>({ type: 'history', channel: s.channel });
    assert.deepEqual(
      main.messages.map((m) => [m.seq, m.thread ?? null, m.replies ?? null]),
      [
        [1, null, 2],
        [3, null, null],
        [4, 1, null],
      ],
    );
    assert.equal(main.messages[0]!.lastReply, (await s.ann.waitFor((f) => f.seq === 4)).ts);
    const thread = await s.bob.call<{ root: Msg; messages: Msg[]; hasMore: boolean }>({
      type: 'history',
      channel: s.channel,
      thread: 1,
    });
    assert.deepEqual([thread.root.seq, thread.root.replies], [1, 2]);
    assert.deepEqual(
      thread.messages.map((m) => m.seq),
      [2, 4],
    );
    const page = await s.bob.call<{ messages: Msg[]; hasMore: boolean }>({
      type: 'history',
      channel: s.channel,
      thread: 1,
      before: 4,
      limit: 1,
    });
    assert.deepEqual([page.messages.map((m) => m.seq), page.hasMore], [[2], false]);
    const again = TestClient.connect(s.node);
    await again.hello({
      token: s.bob.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    await again.waitFor((f) => f.type === 'synced' && f.channel === s.channel);
    assert.deepEqual(
      again.messages(s.channel).map((f) => [f.seq, f.thread ?? null, f.alsoToRoom ?? null]),
      [
        [1, null, null],
        [2, 1, null],
        [3, null, null],
        [4, 1, true],
      ],
    );
  });

  it('is one message per cid, like any send', async () => {
    const s = await room();
    await s.send(s.bob, 'same', { thread: 1 });
    const again = await s.bob.call<{ duplicate: boolean; message: Msg }>({
      type: 'send',
      room: s.room,
      text: 'x',
      cid: 'same',
      thread: 1,
    });
    assert.deepEqual([again.duplicate, again.message.seq], [true, 2]);
  });

  it('refuses a root of another channel, in a thread, deleted or an event, and a reply elsewhere', async () => {
    const s = await room();
    const other = fresh('r');
    await must(s.ann, { type: 'create', room: other });
    for (const cid of ['o1', 'o2', 'o3', 'o4'])
      await must(s.ann, { type: 'send', room: other, text: cid, cid });
    const post = (extra: Msg) =>
      outcome(s.bob, { type: 'send', room: s.room, text: 'x', cid: fresh('c'), ...extra });
    assert.equal(await post({ thread: 4 }), 'SB_ERR_MESSAGE_NOT_FOUND', 'root of another room');
    await s.send(s.bob, 't2', { thread: 1 });
    assert.equal(await post({ thread: 2 }), 'SB_ERR_MESSAGE_NOT_FOUND', 'a thread message');
    await must(s.bob, { type: 'react', channel: s.channel, seq: 1, emoji: '👍', cid: 'r' });
    assert.equal(await post({ thread: 3 }), 'SB_ERR_MESSAGE_NOT_FOUND', 'an event');
    await s.send(s.ann, 'm4');
    assert.equal(
      await post({ thread: 1, replyTo: 4 }),
      'SB_ERR_MESSAGE_NOT_FOUND',
      'reply outside',
    );
    assert.equal(await post({ replyTo: 2 }), 'SB_ERR_MESSAGE_NOT_FOUND', 'top level to thread');
    assert.equal(await post({ thread: 1, replyTo: 2 }), 'ok', 'a reply inside the thread');
    assert.equal(await post({ thread: 1, replyTo: 1 }), 'ok', 'a reply to the root');
    assert.equal(await post({ alsoToRoom: true }), 'SB_ERR_BAD_FRAME', 'alsoToRoom alone');
    await must(s.ann, { type: 'delete', channel: s.channel, seq: 1 });
    assert.equal(await post({ thread: 1 }), 'SB_ERR_MESSAGE_NOT_FOUND', 'a deleted root');
    const view = await s.bob.call<{ root: Msg; messages: Msg[] }>({
      type: 'history',
      channel: s.channel,
      thread: 1,
    });
    assert.equal(view.root.deleted, true, 'a deleted root still shows its thread');
    assert.equal(
      await outcome(s.bob, { type: 'history', channel: s.channel, thread: 2 }),
      'SB_ERR_MESSAGE_NOT_FOUND',
    );
  });
});

describe('following threads', () => {
  it('follows the root author and posters, tells every device, and keeps thread unread apart', async () => {
    const s = await room();
    const annPhone = await connect(s.node, s.ann.user);
    await s.send(s.bob, 't2', { thread: 1 });
    for (const c of [s.ann, annPhone]) {
      const f = await c.waitFor((x) => x.type === 'thread' && x.seq === 2);
      assert.deepEqual([f.channel, f.root, f.from, f.unread], [s.channel, 1, s.bob.user, 1]);
    }
    const mine = await s.bob.waitFor((x) => x.type === 'thread' && x.seq === 2);
    assert.equal(mine.unread, 0, 'the poster has read their own message');
    const listed = await s.ann.call<{ threads: Msg[] }>({ type: 'threads' });
    assert.deepEqual(
      listed.threads.map((t) => [t.channel, t.root, t.unread, t.replies, t.lastSeq]),
      [[s.channel, 1, 1, 1, 2]],
    );
    // The channel's unread count leaves the thread message out.
    const state = await s.ann.call<{ unread: number }>({
      type: 'read',
      channel: s.channel,
      seq: 0,
    });
    assert.equal(state.unread, 0);
    const read = await s.ann.call<{ unread: number; readSeq: number }>({
      type: 'read',
      channel: s.channel,
      seq: 2,
      thread: 1,
    });
    assert.deepEqual([read.readSeq, read.unread], [2, 0]);
    const moved = await annPhone.waitFor((x) => x.type === 'read' && x.thread === 1);
    assert.deepEqual([moved.seq, moved.unread], [2, 0]);
    await must(s.ann, { type: 'unfollow', channel: s.channel, thread: 1 });
    assert.deepEqual((await s.ann.call<{ threads: Msg[] }>({ type: 'threads' })).threads, []);
    assert.equal(
      await outcome(s.ann, { type: 'read', channel: s.channel, seq: 2, thread: 1 }),
      'SB_ERR_THREAD_NOT_FOLLOWED',
    );
    await s.send(s.bob, 't3', { thread: 1 });
    await s.bob.waitFor((x) => x.type === 'thread' && x.seq === 3);
    assert.equal(
      s.ann.all().some((x) => x.type === 'thread' && x.seq === 3),
      false,
      'an unfollowed thread is quiet for its root author',
    );
  });

  it('follows on request, from the newest reply, and answers an unreadable channel as unknown', async () => {
    const s = await room('private');
    await s.send(s.bob, 't2', { thread: 1 });
    const cy = await connect(s.node, fresh('cy'));
    assert.equal(
      await outcome(cy, { type: 'follow', channel: s.channel, thread: 1 }),
      'SB_ERR_ROOM_NOT_FOUND',
    );
    assert.equal(
      await outcome(cy, { type: 'history', channel: s.channel, thread: 1 }),
      'SB_ERR_ROOM_NOT_FOUND',
    );
    assert.equal(
      await outcome(cy, { type: 'follow', channel: `dm:${s.ann.user}:${s.bob.user}`, thread: 1 }),
      'SB_ERR_CHANNEL_INVALID',
    );
    await must(s.ann, { type: 'invite', room: s.room, user: cy.user });
    const info = await cy.call<Msg>({ type: 'follow', channel: s.channel, thread: 1 });
    assert.deepEqual([info.readSeq, info.unread, info.replies], [2, 0, 1]);
    assert.equal(
      await outcome(cy, { type: 'follow', channel: s.channel, thread: 2 }),
      'SB_ERR_MESSAGE_NOT_FOUND',
    );
    await s.send(s.bob, 't3', { thread: 1 });
    const f = await cy.waitFor((x) => x.type === 'thread' && x.seq === 3);
    assert.equal(f.unread, 1);
  });
});

describe('thread news after leaving', () => {
  it('stops telling a follower who left the room', async () => {
    const s = await room();
    const cy = await connect(s.node, fresh('cy'));
    await must(cy, { type: 'join', room: s.room });
    await must(cy, { type: 'follow', channel: s.channel, thread: 1 });
    await must(cy, { type: 'leave', room: s.room });
    await s.send(s.bob, 't2', { thread: 1 });
    await s.ann.waitFor((x) => x.type === 'thread' && x.seq === 2);
    await tick(50);
    assert.equal(
      cy.all().some((x) => x.type === 'thread'),
      false,
    );
    assert.deepEqual((await cy.call<{ threads: Msg[] }>({ type: 'threads' })).threads, []);
  });
});

describe('thread permissions', () => {
  it('lets members answer in an announcement room’s threads, not post at its top level', async () => {
    const s = await room('announcement');
    assert.equal(
      await outcome(s.bob, { type: 'send', room: s.room, text: 'x', cid: 'top' }),
      'SB_ERR_FORBIDDEN',
    );
    assert.equal(
      await outcome(s.bob, { type: 'send', room: s.room, text: 'x', cid: 'in', thread: 1 }),
      'ok',
    );
    await must(s.ann, { type: 'mute', room: s.room, user: s.bob.user });
    assert.equal(
      await outcome(s.bob, { type: 'send', room: s.room, text: 'x', cid: 'in2', thread: 1 }),
      'SB_ERR_MUTED',
    );
  });
});
