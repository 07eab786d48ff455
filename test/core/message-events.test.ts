/**
 * Edits, reactions and deletes over the wire: each is an event on the channel's log that the
 * other members receive live and a resume replays; history shows messages in their current state
 * (edited text, tombstones, reaction counts with `me`); bad input gets its code and appends
 * nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { oneEmoji } from '../../src/core/commands/message-events.js';
import { TestClient, startNode, tick, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

async function room(overrides = {}) {
  const node = await startNode({ auth: rolesAuth, ...overrides });
  nodes.push(node);
  const ann = await connect(node, fresh('ann'));
  const bob = await connect(node, fresh('bob'));
  const name = fresh('r');
  await must(ann, { type: 'create', room: name });
  await must(bob, { type: 'join', room: name });
  const channel = `room:${name}`;
  await must(ann, { type: 'send', room: name, text: 'helo wrld', cid: 'm1' });
  await bob.waitFor((f) => f.type === 'message' && f.seq === 1);
  return { node, ann, bob, room: name, channel };
}

type Msg = Record<string, unknown>;
const historyOf = async (c: TestClient, channel: string): Promise<Msg[]> =>
  (await c.call<{ messages: Msg[] }>({ type: 'history', channel })).messages;

describe('edit', () => {
  it('changes the author’s message for everyone, live, in history and in a resume', async () => {
    const s = await room();
    const r = await s.ann.call<{ message: Msg }>({
      type: 'edit',
      channel: s.channel,
      seq: 1,
      text: 'hello world',
      cid: 'e1',
    });
    assert.deepEqual([r.message.seq, r.message.edits, r.message.text], [2, 1, 'hello world']);
    const live = await s.bob.waitFor((f) => f.type === 'message' && f.edits === 1);
    assert.equal(live.text, 'hello world');
    const [m] = await historyOf(s.bob, s.channel);
    assert.equal(m!.text, 'hello world');
    assert.equal(typeof m!.edited, 'number', 'history marks it edited');
    assert.equal((await historyOf(s.bob, s.channel)).length, 1, 'history has no events');
    const again = TestClient.connect(s.node);
    await again.hello({
      token: s.bob.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    await again.waitFor((f) => f.type === 'synced' && f.channel === s.channel);
    assert.deepEqual(
      again.messages(s.channel).map((f) => [f.seq, f.text, f.edits ?? null]),
      [
        [1, 'hello world', null],
        [2, 'hello world', 1],
      ],
    );
  });

  it('refuses another’s message, a deleted one, an event, empty text and a closed window', async () => {
    const s = await room();
    const edit = (c: TestClient, seq: number, text = 'x', cid = fresh('c')) =>
      outcome(c, { type: 'edit', channel: s.channel, seq, text, cid });
    assert.equal(await edit(s.bob, 1), 'SB_ERR_FORBIDDEN');
    assert.equal(await edit(s.ann, 1, '   '), 'SB_ERR_MESSAGE_EMPTY');
    assert.equal(await edit(s.ann, 1, 'x'.repeat(5000)), 'SB_ERR_MESSAGE_TOO_LARGE');
    assert.equal(await edit(s.ann, 7), 'SB_ERR_MESSAGE_NOT_FOUND');
    await must(s.ann, { type: 'edit', channel: s.channel, seq: 1, text: 'v2', cid: 'v2' });
    assert.equal(await edit(s.ann, 2), 'SB_ERR_MESSAGE_NOT_FOUND', 'an edit event is no message');
    await must(s.ann, { type: 'delete', channel: s.channel, seq: 1 });
    assert.equal(await edit(s.ann, 1), 'SB_ERR_MESSAGE_NOT_FOUND');

    let now = Date.now();
    const w = await room({ editWindow: 60, now: () => now });
    assert.equal(
      await outcome(w.ann, { type: 'edit', channel: w.channel, seq: 1, text: 'in time', cid: 'a' }),
      'ok',
    );
    now += 61_000;
    assert.equal(
      await outcome(w.ann, { type: 'edit', channel: w.channel, seq: 1, text: 'late', cid: 'b' }),
      'SB_ERR_EDIT_WINDOW_CLOSED',
    );
  });
});

describe('react', () => {
  it('counts reactions in history with `me`, sends each change live, and toggles off', async () => {
    const s = await room();
    const react = (c: TestClient, emoji: string, on = true) =>
      outcome(c, { type: 'react', channel: s.channel, seq: 1, emoji, on, cid: fresh('r') });
    assert.equal(await react(s.ann, '👍'), 'ok');
    assert.equal(await react(s.bob, '👍'), 'ok');
    assert.equal(await react(s.bob, '❤'), 'ok', 'a text-style heart is taken as ❤️');
    const live = await s.ann.waitFor(
      (f) => f.type === 'message' && f.reacts === 1 && f.from === s.bob.user,
    );
    assert.equal(live.emoji, '👍');
    assert.equal(await react(s.bob, '👍'), 'SB_ERR_REACTION_EXISTS');
    let [m] = await historyOf(s.ann, s.channel);
    assert.deepEqual(m!.reactions, [
      { emoji: '👍', count: 2, me: true, users: [s.ann.user, s.bob.user] },
      { emoji: '❤️', count: 1, me: false, users: [s.bob.user] },
    ]);
    assert.equal(await react(s.ann, '👍', false), 'ok');
    assert.equal(await react(s.ann, '👍', false), 'SB_ERR_REACTION_NOT_FOUND');
    [m] = await historyOf(s.ann, s.channel);
    assert.deepEqual(m!.reactions, [
      { emoji: '👍', count: 1, me: false, users: [s.bob.user] },
      { emoji: '❤️', count: 1, me: false, users: [s.bob.user] },
    ]);
  });

  it('takes one emoji sequence and refuses anything else with SB_ERR_REACTION_INVALID', async () => {
    for (const ok of ['👍', '👍🏽', '👨‍👩‍👧', '🇯🇵', '1️⃣', '🏳️‍🌈', '❤️']) assert.equal(oneEmoji(ok), ok, ok);
    for (const bad of ['a', ':+1:', '👍👍', '👍\u200d', '', ' 👍', '<script>', '\u200d', '1'])
      assert.throws(() => oneEmoji(bad), { code: 'SB_ERR_REACTION_INVALID' }, bad);
    const s = await room();
    const try_ = (emoji: string) =>
      outcome(s.bob, { type: 'react', channel: s.channel, seq: 1, emoji, cid: fresh('r') });
    assert.equal(await try_('lol'), 'SB_ERR_REACTION_INVALID');
    assert.equal(await try_('😀'.repeat(300)), 'SB_ERR_BAD_FRAME', 'a 1 KB "emoji"');
    assert.equal((await historyOf(s.bob, s.channel))[0]!.reactions, undefined);
  });
});

describe('delete', () => {
  it('leaves a tombstone in history with no text and no reactions, for everyone', async () => {
    const s = await room();
    await must(s.bob, { type: 'react', channel: s.channel, seq: 1, emoji: '👀', cid: 'r' });
    await must(s.ann, { type: 'edit', channel: s.channel, seq: 1, text: 'regret', cid: 'e' });
    await must(s.ann, { type: 'delete', channel: s.channel, seq: 1 });
    await s.bob.waitFor((f) => f.type === 'message' && f.deletes === 1);
    const [m] = await historyOf(s.bob, s.channel);
    assert.deepEqual(
      [m!.seq, m!.text, m!.deleted, m!.reactions, m!.edited],
      [1, '', true, undefined, undefined],
    );
    const raw = await s.node.store.read(s.channel, { after: 0, limit: 10 });
    assert.equal(JSON.stringify(raw).includes('regret'), false, 'the edit’s text is gone too');
    assert.equal(JSON.stringify(raw).includes('wrld'), false);
    assert.equal(
      await outcome(s.bob, { type: 'react', channel: s.channel, seq: 1, emoji: '👍', cid: 'x' }),
      'SB_ERR_MESSAGE_NOT_FOUND',
    );
    assert.equal(
      await outcome(s.bob, { type: 'report', channel: s.channel, seq: 1 }),
      'SB_ERR_MESSAGE_NOT_FOUND',
    );
    await tick(10);
  });

  it('works in a DM for both people, and not for a third', async () => {
    const node = await startNode({ auth: rolesAuth });
    nodes.push(node);
    const ann = await connect(node, fresh('ann'));
    const bob = await connect(node, fresh('bob'));
    const eve = await connect(node, fresh('eve'));
    const sent = await ann.call<{ message: Msg }>({
      type: 'send',
      to: bob.user,
      text: 'hi',
      cid: 'd',
    });
    const channel = sent.message.channel as string;
    await must(bob, { type: 'react', channel, seq: 1, emoji: '🙂', cid: 'r' });
    await ann.waitFor((f) => f.type === 'message' && f.reacts === 1);
    await must(ann, { type: 'edit', channel, seq: 1, text: 'hi bob', cid: 'e' });
    await bob.waitFor((f) => f.type === 'message' && f.edits === 1);
    assert.equal(
      await outcome(eve, { type: 'react', channel, seq: 1, emoji: '🙂', cid: 'r' }),
      'SB_ERR_CHANNEL_INVALID',
    );
  });
});

describe('unread', () => {
  it('counts messages only: edits, reactions and deletes do not add to it', async () => {
    const s = await room();
    await must(s.bob, { type: 'read', channel: s.channel, seq: 1 });
    await must(s.ann, { type: 'send', room: s.room, text: 'two', cid: 'm2' });
    await must(s.ann, { type: 'send', room: s.room, text: 'three', cid: 'm3' });
    await must(s.ann, { type: 'edit', channel: s.channel, seq: 2, text: 'TWO', cid: 'e' });
    await must(s.ann, { type: 'react', channel: s.channel, seq: 1, emoji: '🎉', cid: 'r' });
    await must(s.bob, { type: 'react', channel: s.channel, seq: 3, emoji: '👍', cid: 'r' });
    const again = TestClient.connect(s.node);
    const hello = await again.hello({ token: s.bob.user, presence: false });
    const state = (hello.channels as { channel: string; unread: number; lastSeq: number }[]).find(
      (c) => c.channel === s.channel,
    )!;
    assert.deepEqual([state.lastSeq, state.unread], [6, 2], 'two messages, four log entries');
    const read = await again.call<{ unread: number }>({ type: 'read', channel: s.channel, seq: 2 });
    assert.equal(read.unread, 1);
    const joined = await s.bob.call<{ unread: number }>({ type: 'join', room: s.room });
    assert.equal(joined.unread, 1, 'the join reply of a member counts the same way');
  });
});

describe('reply', () => {
  it('answers an earlier message of the channel, live and in history; refuses anything else', async () => {
    const s = await room();
    const r = await s.bob.call<{ message: Msg }>({
      type: 'send',
      room: s.room,
      text: 'what do you mean?',
      cid: 'q',
      replyTo: 1,
    });
    assert.equal(r.message.replyTo, 1);
    const live = await s.ann.waitFor((f) => f.type === 'message' && f.cid === 'q');
    assert.equal(live.replyTo, 1);
    const page = await historyOf(s.ann, s.channel);
    assert.deepEqual(
      page.map((m) => [m.seq, m.replyTo ?? null]),
      [
        [1, null],
        [2, 1],
      ],
    );
    const reply = (to: number, cid: string) =>
      outcome(s.bob, { type: 'send', room: s.room, text: 'x', cid, replyTo: to });
    assert.equal(await reply(99, 'a'), 'SB_ERR_MESSAGE_NOT_FOUND', 'no such message');
    await must(s.bob, { type: 'react', channel: s.channel, seq: 1, emoji: '👍', cid: 'r' });
    assert.equal(await reply(3, 'b'), 'SB_ERR_MESSAGE_NOT_FOUND', 'a reaction is no message');
    await must(s.ann, { type: 'delete', channel: s.channel, seq: 1 });
    assert.equal(await reply(1, 'c'), 'SB_ERR_MESSAGE_NOT_FOUND', 'a deleted message');
    assert.equal(await reply(2, 'd'), 'ok', 'a reply to a reply');
  });
});
