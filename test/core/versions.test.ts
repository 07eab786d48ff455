/**
 * Previous versions over the wire: an edited room message keeps every text it had, which the
 * room's moderators and above and server admins read with `versions`; its author and other
 * members get SB_ERR_FORBIDDEN, a DM has no moderators, and a delete erases them.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNode, type Node } from './harness.js';
import { connect, fresh, must, outcome, rolesAuth } from './roles.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

async function editedRoom() {
  const node = await startNode({ auth: rolesAuth });
  nodes.push(node);
  const owner = await connect(node, fresh('own'));
  const author = await connect(node, fresh('auth'));
  const mod = await connect(node, fresh('mod'));
  const member = await connect(node, fresh('mem'));
  const root = await connect(node, fresh('root'));
  const room = fresh('r');
  const channel = `room:${room}`;
  await must(owner, { type: 'create', room });
  for (const c of [author, mod, member]) await must(c, { type: 'join', room });
  await must(owner, { type: 'role', room, user: mod.user, role: 'moderator' });
  await must(author, { type: 'send', room, text: 'first words', cid: 'm1' });
  await must(author, { type: 'edit', channel, seq: 1, text: 'second words', cid: 'e1' });
  await must(author, { type: 'edit', channel, seq: 1, text: 'final words', cid: 'e2' });
  return { node, owner, author, mod, member, root, room, channel };
}

type Versions = { versions: { text: string; ts: number }[] };

describe('versions', () => {
  it('gives moderators, the owner and server admins every text, the original first', async () => {
    const s = await editedRoom();
    for (const c of [s.mod, s.owner, s.root]) {
      const r = await c.call<Versions>({ type: 'versions', channel: s.channel, seq: 1 });
      assert.deepEqual(
        r.versions.map((v) => v.text),
        ['first words', 'second words', 'final words'],
      );
      assert.ok(r.versions.every((v, i) => i === 0 || v.ts >= r.versions[i - 1]!.ts));
    }
  });

  it('refuses the author and other members with SB_ERR_FORBIDDEN', async () => {
    const s = await editedRoom();
    for (const c of [s.author, s.member])
      assert.equal(
        await outcome(c, { type: 'versions', channel: s.channel, seq: 1 }),
        'SB_ERR_FORBIDDEN',
      );
  });

  it('answers SB_ERR_MESSAGE_NOT_FOUND for an event, no message, or a deleted one', async () => {
    const s = await editedRoom();
    const ask = (seq: number) => outcome(s.mod, { type: 'versions', channel: s.channel, seq });
    assert.equal(await ask(2), 'SB_ERR_MESSAGE_NOT_FOUND', 'an edit event is no message');
    assert.equal(await ask(9), 'SB_ERR_MESSAGE_NOT_FOUND');
    await must(s.author, { type: 'delete', channel: s.channel, seq: 1 });
    assert.equal(await ask(1), 'SB_ERR_MESSAGE_NOT_FOUND', 'a delete erased every version');
  });

  it('refuses versions of a direct message to everyone, server admins included', async () => {
    const s = await editedRoom();
    await must(s.author, { type: 'send', to: s.member.user, text: 'psst', cid: 'd1' });
    const dm = `dm:${[s.author.user, s.member.user].sort().join(':')}`;
    for (const c of [s.author, s.member, s.root])
      assert.equal(await outcome(c, { type: 'versions', channel: dm, seq: 1 }), 'SB_ERR_FORBIDDEN');
  });
});
