/**
 * Mentions over the wire: the server decides whom a message mentions (members only, not the
 * sender, not those who block the sender), keeps it live, in history and on resume, tells every
 * device of each mentioned user, counts unread mentions per channel the same on every device,
 * and refuses `@room` by a plain member of a big room and floods of mentions with their codes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MAX_MENTIONS, mentionSpans, parseMentions } from '../../src/protocol/mentions.js';
import { TestClient, startNode, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

type Msg = Record<string, unknown>;
type State = { channel: string; unread: number; mentions: number };

async function room(overrides = {}) {
  const node = await startNode({ auth: rolesAuth, ...overrides });
  nodes.push(node);
  const ann = await connect(node, fresh('ann'));
  const bob = await connect(node, fresh('bob'));
  const name = fresh('r');
  await must(ann, { type: 'create', room: name });
  await must(bob, { type: 'join', room: name });
  return { node, ann, bob, room: name, channel: `room:${name}` };
}

describe('mention parsing', () => {
  it('finds @handles case-insensitively, not inside addresses, without trailing punctuation', () => {
    assert.deepEqual(parseMentions('hi @Bob, @cy_d. and ann@example.com @bob @here'), {
      handles: ['bob', 'cy_d'],
      all: 'here',
    });
    assert.deepEqual(parseMentions('@here @room'), { handles: [], all: 'room' });
    assert.deepEqual(parseMentions('`@ann` and\n```\n@bob\n```\n@cy'), {
      handles: ['cy'],
      all: null,
    });
    assert.deepEqual(mentionSpans('a @bob.'), [{ start: 2, end: 6, name: 'bob' }]);
  });
});

describe('mentions', () => {
  it('lists mentioned members on the message live, in history and on resume', async () => {
    const s = await room();
    const text = `hi @${s.bob.user} and @${s.ann.user} and @nobody`;
    const r = await s.ann.call<{ message: Msg }>({ type: 'send', room: s.room, text, cid: 'm1' });
    assert.deepEqual(r.message.mentions, [s.bob.user], 'not the sender, not a non-member');
    const live = await s.bob.waitFor((f) => f.type === 'message' && f.seq === 1);
    assert.deepEqual(live.mentions, [s.bob.user]);
    const h = await s.bob.call<{ messages: Msg[] }>({ type: 'history', channel: s.channel });
    assert.deepEqual(h.messages[0]!.mentions, [s.bob.user]);
    const again = TestClient.connect(s.node);
    await again.hello({
      token: s.bob.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    const replayed = await again.waitFor((f) => f.type === 'message' && f.seq === 1);
    assert.deepEqual(replayed.mentions, [s.bob.user]);
  });

  it('sends a mention event to every device of the mentioned user', async () => {
    const s = await room();
    const phone = await connect(s.node, s.bob.user);
    await must(s.ann, { type: 'send', room: s.room, text: `@${s.bob.user} look`, cid: 'm1' });
    for (const c of [s.bob, phone]) {
      const m = await c.waitFor((f) => f.type === 'mention');
      assert.deepEqual(m, { type: 'mention', channel: s.channel, seq: 1, from: s.ann.user });
    }
  });

  it('counts unread mentions in hello and read, the same on every device', async () => {
    const s = await room();
    await must(s.ann, { type: 'send', room: s.room, text: `@${s.bob.user} one`, cid: 'm1' });
    await must(s.ann, { type: 'send', room: s.room, text: 'plain', cid: 'm2' });
    await must(s.ann, { type: 'send', room: s.room, text: '@room two', cid: 'm3' });
    const phone = TestClient.connect(s.node);
    const hello = (await phone.hello({ token: s.bob.user, presence: false })) as {
      channels: State[];
    };
    const state = hello.channels.find((c) => c.channel === s.channel)!;
    assert.deepEqual([state.unread, state.mentions], [3, 2]);
    const read = await s.bob.call<State>({ type: 'read', channel: s.channel, seq: 1 });
    assert.deepEqual([read.unread, read.mentions], [2, 1]);
    const echoed = await phone.waitFor((f) => f.type === 'read' && f.channel === s.channel);
    assert.deepEqual([echoed.unread, echoed.mentions], [2, 1]);
  });

  it('tells only the users an edit adds, and counts the edited text', async () => {
    const s = await room();
    const cy = await connect(s.node, fresh('cy'));
    await must(cy, { type: 'join', room: s.room });
    await must(s.ann, { type: 'send', room: s.room, text: `@${s.bob.user} hi`, cid: 'm1' });
    await s.bob.waitFor((f) => f.type === 'mention');
    const r = await s.ann.call<{ message: Msg }>({
      type: 'edit',
      channel: s.channel,
      seq: 1,
      text: `@${s.bob.user} @${cy.user} hi`,
      cid: 'e1',
    });
    assert.deepEqual(r.message.mentions, [s.bob.user, cy.user]);
    assert.equal((await cy.waitFor((f) => f.type === 'mention')).seq, 1);
    await s.bob.waitFor((f) => f.type === 'message' && f.seq === 2);
    assert.equal(s.bob.all().filter((f) => f.type === 'mention').length, 1, 'bob once only');
    const h = await cy.call<{ messages: Msg[] }>({ type: 'history', channel: s.channel });
    assert.deepEqual(h.messages[0]!.mentions, [s.bob.user, cy.user]);
  });

  it('leaves out a user who blocks the sender', async () => {
    const s = await room();
    await must(s.bob, { type: 'block', user: s.ann.user });
    const r = await s.ann.call<{ message: Msg }>({
      type: 'send',
      room: s.room,
      text: `@${s.bob.user} hi`,
      cid: 'm1',
    });
    assert.equal(r.message.mentions, undefined);
  });

  it('mentions the other person of a DM', async () => {
    const s = await room();
    const r = await s.ann.call<{ message: Msg }>({
      type: 'send',
      to: s.bob.user,
      text: `@${s.bob.user}?`,
      cid: 'd1',
    });
    assert.deepEqual(r.message.mentions, [s.bob.user]);
    await s.bob.waitFor((f) => f.type === 'mention' && f.channel === r.message.channel);
    await must(s.ann, { type: 'send', to: s.bob.user, text: '@here', cid: 'd2' });
    const all = await s.bob.waitFor((f) => f.type === 'mention' && f.all === 'here');
    assert.deepEqual([all.channel, all.seq], [r.message.channel, 2]);
  });
});

describe('@room and @here', () => {
  it('are for moderators and above in a room above --mention-all-min-members', async () => {
    const s = await room({ mentionAllMinMembers: 1 });
    const send = { type: 'send', room: s.room, text: '@room hi', cid: 'x1' };
    assert.equal(await outcome(s.bob, send), 'SB_ERR_MENTION_FORBIDDEN');
    assert.equal(await outcome(s.bob, { ...send, text: '@here hi' }), 'SB_ERR_MENTION_FORBIDDEN');
    const h = await s.bob.call<{ messages: Msg[] }>({ type: 'history', channel: s.channel });
    assert.equal(h.messages.length, 0, 'nothing stored');
    const r = await s.ann.call<{ message: Msg }>({ ...send, cid: 'x2' });
    assert.equal(r.message.mentionsAll, 'room');
    const m = await s.bob.waitFor((f) => f.type === 'mention');
    assert.deepEqual(m, {
      type: 'mention',
      channel: s.channel,
      seq: 1,
      from: s.ann.user,
      all: 'room',
    });
  });

  it('are anyone’s in a small room', async () => {
    const s = await room();
    const r = await s.bob.call<{ message: Msg }>({
      type: 'send',
      room: s.room,
      text: '@here',
      cid: 'h',
    });
    assert.equal(r.message.mentionsAll, 'here');
  });
});

describe('a flood of mentions', () => {
  it(`refuses more than ${MAX_MENTIONS} different names with SB_ERR_MENTION_LIMIT`, async () => {
    const s = await room();
    const names = Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `@x${i}`).join(' ');
    const send = { type: 'send', room: s.room, text: names, cid: 'f1' };
    assert.equal(await outcome(s.ann, send), 'SB_ERR_MENTION_LIMIT');
    const fine = Array.from({ length: MAX_MENTIONS }, (_, i) => `@x${i}`).join(' ');
    assert.equal(await outcome(s.ann, { ...send, text: fine }), 'ok');
  });
});
