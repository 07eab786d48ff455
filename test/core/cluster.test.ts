/**
 * Two cores sharing one store and one in-memory bus hub: the cross-node paths of the core
 * (room traffic over `ch.*`, DMs and read positions over `u.*`, interest routing).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Authenticator, Credentials } from '../../src/auth/authenticator.js';
import { MemoryHub } from '../../src/bus/memory.js';
import { CloseCode } from '../../src/protocol/close-codes.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { startNode, TestClient, tick, type Node } from './harness.js';

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

async function cluster(): Promise<[Node, Node]> {
  const store: Store = new MemoryStore();
  await store.createChannel('room:general', 'room', 'system', Date.now());
  const hub = new MemoryHub();
  const a = await startNode({}, { store, hub });
  const b = await startNode({}, { store, hub });
  nodes.push(a, b);
  return [a, b];
}

describe('two nodes', () => {
  it('deliver room messages across nodes in the same order', async () => {
    const [n1, n2] = await cluster();
    const x = TestClient.connect(n1);
    await x.hello({ handle: 'xnode' });
    const y = TestClient.connect(n2);
    await y.hello({ handle: 'ynode' });
    await tick(20);
    for (let i = 1; i <= 20; i++) {
      const c = i % 2 ? x : y;
      await c.call({ type: 'send', room: 'general', text: `m${i}`, cid: `m${i}` });
    }
    await x.waitFor((f) => f.type === 'message' && f.text === 'm20');
    await y.waitFor((f) => f.type === 'message' && f.text === 'm19');
    const seqX = x.messages().map((m) => m.seq as number);
    const seqY = y.messages().map((m) => m.seq as number);
    assert.deepEqual(seqX, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    assert.deepEqual(seqY, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it('deliver a DM to the recipient on another node and echo it to the sender’s other node', async () => {
    const [n1, n2] = await cluster();
    const s1 = TestClient.connect(n1);
    await s1.hello({ handle: 'sender' });
    const s2 = TestClient.connect(n2);
    await s2.hello({ token: s1.token });
    const r = TestClient.connect(n2);
    await r.hello({ handle: 'receiver' });
    await s1.call({ type: 'send', to: 'receiver', text: 'over the wire', cid: 'dm1' });
    await r.waitFor((f) => f.type === 'message' && f.text === 'over the wire');
    await s2.waitFor((f) => f.type === 'message' && f.text === 'over the wire');
    await s1.call({ type: 'send', to: 'receiver', text: 'second', cid: 'dm2' });
    await r.waitFor((f) => f.type === 'message' && f.text === 'second');
    assert.deepEqual(
      r.messages('dm:receiver:sender').map((m) => m.seq),
      [1, 2],
    );
  });

  it('route a room only to nodes with local members of it', async () => {
    const [n1, n2] = await cluster();
    const x = TestClient.connect(n1);
    await x.hello({ handle: 'only1' });
    await x.call({ type: 'create', room: 'private-ish' });
    const y = TestClient.connect(n2);
    await y.hello({ handle: 'only2' });
    await tick(20);
    assert.ok(n1.core.channels.has('room:private-ish'));
    assert.equal(n2.core.channels.has('room:private-ish'), false);
    await y.call({ type: 'join', room: 'private-ish' });
    assert.ok(n2.core.channels.has('room:private-ish'));
    await x.call({ type: 'send', room: 'private-ish', text: 'now you see it', cid: 'p1' });
    await y.waitFor((f) => f.type === 'message' && f.text === 'now you see it');
  });

  it('close exactly one session’s connections on every node, or all of a user’s, at once', async () => {
    // Token "<user>/<session>" names both: a stand-in for an authenticator that keeps sessions.
    const auth: Authenticator = {
      authenticate: ({ token }: Credentials) => {
        const [user, sessionId] = (token ?? '').split('/');
        return Promise.resolve({ user: user!, sessionId: sessionId!, token: token!, expiresAt: 0 });
      },
      exists: () => Promise.resolve(true),
    };
    const store: Store = new MemoryStore();
    await store.createChannel('room:general', 'room', 'system', Date.now());
    const hub = new MemoryHub();
    const n1 = await startNode({ auth }, { store, hub });
    const n2 = await startNode({ auth }, { store, hub });
    const n3 = await startNode({ auth }, { store, hub });
    nodes.push(n1, n2, n3);
    const open = async (node: Node, token: string) => {
      const c = TestClient.connect(node);
      await c.hello({ token });
      return c;
    };
    const phone1 = await open(n1, 'kim/phone');
    const phone2 = await open(n2, 'kim/phone');
    const laptop = await open(n2, 'kim/laptop');
    const other = await open(n3, 'lee/phone');
    await tick(20);
    n3.core.disconnectUser('kim', CloseCode.SESSION_REVOKED, 'phone');
    await tick(50);
    assert.equal(phone1.raw.closeCode, 4101);
    assert.equal(phone2.raw.closeCode, 4101);
    assert.equal(laptop.raw.closeCode, null, 'another session of the user stays');
    assert.equal(other.raw.closeCode, null, 'another user with a session of that name stays');
    n1.core.disconnectUser('kim', CloseCode.SESSION_REVOKED);
    await tick(50);
    assert.equal(laptop.raw.closeCode, 4101);
    assert.equal(other.raw.closeCode, null);
  });
});
