/**
 * Read receipts over the wire: `receipts` lists the other members' read positions in DMs and
 * small rooms, `receipt` frames follow a moving position (coalesced), the privacy switch hides
 * a user's position and theirs of others on every device, and big rooms and unreadable
 * channels answer with their codes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestClient, startNode, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

type Receipts = { channel: string; receipts: { user: string; seq: number }[]; off?: true };

async function room(overrides = {}) {
  const node = await startNode({ auth: rolesAuth, ...overrides });
  nodes.push(node);
  const ann = await connect(node, fresh('ann'));
  const bob = await connect(node, fresh('bob'));
  const name = fresh('r');
  await must(ann, { type: 'create', room: name });
  await must(bob, { type: 'join', room: name });
  for (const cid of ['m1', 'm2', 'm3'])
    await must(ann, { type: 'send', room: name, text: cid, cid });
  await bob.waitFor((f) => f.type === 'message' && f.seq === 3);
  return { node, ann, bob, room: name, channel: `room:${name}` };
}

describe('receipts', () => {
  it('lists the other members’ read positions, and a live receipt when one moves', async () => {
    const s = await room();
    const before = await s.ann.call<Receipts>({ type: 'receipts', channel: s.channel });
    assert.deepEqual(before, { channel: s.channel, receipts: [{ user: s.bob.user, seq: 0 }] });
    await must(s.bob, { type: 'read', channel: s.channel, seq: 1 });
    await must(s.bob, { type: 'read', channel: s.channel, seq: 2 });
    const live = await s.ann.waitFor((f) => f.type === 'receipt');
    assert.deepEqual(live, { type: 'receipt', channel: s.channel, user: s.bob.user, seq: 2 });
    assert.equal(s.ann.all().filter((f) => f.type === 'receipt').length, 1, 'coalesced');
    assert.equal(
      s.bob.all().filter((f) => f.type === 'receipt' && f.user === s.bob.user).length,
      0,
      'not to the reader',
    );
    const now = await s.ann.call<Receipts>({ type: 'receipts', channel: s.channel });
    assert.deepEqual(now.receipts, [{ user: s.bob.user, seq: 2 }]);
  });

  it('works in a DM', async () => {
    const s = await room();
    const sent = await s.ann.call<{ message: { channel: string; seq: number } }>({
      type: 'send',
      to: s.bob.user,
      text: 'psst',
      cid: 'd1',
    });
    const dm = sent.message.channel;
    await s.bob.waitFor((f) => f.type === 'message' && f.channel === dm);
    await must(s.bob, { type: 'read', channel: dm, seq: 1 });
    const live = await s.ann.waitFor((f) => f.type === 'receipt' && f.channel === dm);
    assert.equal(live.seq, 1);
    const r = await s.ann.call<Receipts>({ type: 'receipts', channel: dm });
    assert.deepEqual(r.receipts, [{ user: s.bob.user, seq: 1 }]);
  });

  it('tells a run of one sender’s messages once, by its first: the rest pass over only their own', async () => {
    const s = await room();
    const dm = async (from: TestClient, to: TestClient, cid: string) =>
      (
        await from.call<{ message: { channel: string; seq: number } }>({
          type: 'send',
          to: to.user,
          text: cid,
          cid,
        })
      ).message;
    const first = await dm(s.ann, s.bob, 'a1');
    await dm(s.ann, s.bob, 'a2');
    await dm(s.ann, s.bob, 'a3');
    // The run's receipts flushed (one coalescing interval) before the next move.
    await s.bob.waitFor((f) => f.type === 'receipt' && f.channel === first.channel);
    await new Promise((r) => setTimeout(r, 1_200));
    await dm(s.bob, s.ann, 'b4');
    await s.ann.waitFor((f) => f.type === 'message' && f.seq === 4);
    await dm(s.ann, s.bob, 'a5');
    const told = (c: TestClient, user: string): unknown[] =>
      c
        .all()
        .filter((f) => f.type === 'receipt' && f.channel === first.channel && f.user === user)
        .map((f) => f.seq);
    await s.bob.waitFor((f) => f.type === 'receipt' && f.channel === first.channel && f.seq === 5);
    // Past the next coalescing flush: nothing more comes.
    await new Promise((r) => setTimeout(r, 1_200));
    assert.deepEqual(told(s.bob, s.ann.user), [1, 5], 'a2 and a3 passed only over her own');
    assert.deepEqual(told(s.ann, s.bob.user), [4]);
    // The positions themselves are exact.
    const r = await s.bob.call<Receipts>({ type: 'receipts', channel: first.channel });
    assert.deepEqual(r.receipts, [{ user: s.ann.user, seq: 5 }]);
  });

  it('hides a user who turned receipts off, and shows them none, on every device', async () => {
    const s = await room();
    const phone = await connect(s.node, s.bob.user);
    const set = await s.bob.call({ type: 'settings', receipts: false });
    assert.deepEqual(set, { receipts: false });
    assert.deepEqual(await phone.waitFor((f) => f.type === 'settings'), {
      type: 'settings',
      receipts: false,
    });
    const r = await s.ann.call<Receipts>({ type: 'receipts', channel: s.channel });
    assert.deepEqual(r.receipts, []);
    assert.deepEqual(await phone.call<Receipts>({ type: 'receipts', channel: s.channel }), {
      channel: s.channel,
      receipts: [],
      off: true,
    });
    await must(phone, { type: 'read', channel: s.channel, seq: 3 });
    await must(s.ann, { type: 'read', channel: s.channel, seq: 3 });
    // A marker after one receipt interval: ann's own read reaches no one who hides them.
    const cy = await connect(s.node, fresh('cy'));
    await must(cy, { type: 'join', room: s.room });
    await must(s.ann, { type: 'send', room: s.room, text: 'm4', cid: 'm4' });
    await cy.waitFor((f) => f.type === 'message' && f.seq === 4);
    await must(cy, { type: 'read', channel: s.channel, seq: 4 });
    await s.ann.waitFor((f) => f.type === 'receipt' && f.user === cy.user);
    assert.equal(
      s.ann.all().some((f) => f.type === 'receipt' && f.user === s.bob.user),
      false,
    );
    assert.equal(
      phone.all().some((f) => f.type === 'receipt'),
      false,
    );
    const again = TestClient.connect(s.node);
    const hello = (await again.hello({ token: s.bob.user, presence: false })) as {
      settings: { receipts: boolean };
    };
    assert.deepEqual(hello.settings, { receipts: false }, 'kept for the next hello');
  });

  it('answers a room above --receipts-max-members with SB_ERR_RECEIPTS_UNAVAILABLE', async () => {
    const s = await room({ receiptsMaxMembers: 1 });
    assert.equal(
      await outcome(s.ann, { type: 'receipts', channel: s.channel }),
      'SB_ERR_RECEIPTS_UNAVAILABLE',
    );
  });

  it('answers a private room of others as an unknown room', async () => {
    const s = await room();
    const hidden = fresh('p');
    await must(s.ann, { type: 'create', room: hidden, kind: 'private' });
    assert.equal(
      await outcome(s.bob, { type: 'receipts', channel: `room:${hidden}` }),
      'SB_ERR_ROOM_NOT_FOUND',
    );
    assert.equal(
      await outcome(s.bob, { type: 'receipts', channel: `room:nowhere-${hidden}` }),
      'SB_ERR_ROOM_NOT_FOUND',
    );
  });
});
