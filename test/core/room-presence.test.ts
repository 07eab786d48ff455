/**
 * The `room-presence` frame across two nodes (issue #10 §4): counts exact on both nodes after a
 * burst of joins, leaves, connects and disconnects anywhere, at most one frame per room per
 * interval to each watcher, nothing when nothing changed, join/leave lists in small rooms only.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { ROOM_PRESENCE_INTERVAL_MS } from '../../src/core/room-presence.js';
import { BusPresence } from '../../src/presence/bus.js';
import { MEMBERS_PAGE_MAX } from '../../src/protocol/frames.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { startNode, TestClient, tick, type Frame, type Node } from './harness.js';

const nodes: Node[] = [];
const hubs = new WeakMap<Node, MemoryHub>();
const hubOf = (n: Node): MemoryHub => hubs.get(n)!;
after(async () => {
  for (const n of nodes) await n.stop();
});

/** Two nodes sharing a store, a bus hub and cluster-wide presence over that hub. */
async function cluster(memberEventsLimit: number, seeded: number): Promise<Node[]> {
  const store: Store = new MemoryStore();
  await store.createChannel('room:general', 'room', 'system', Date.now());
  await store.createChannel('room:big', 'room', 'system', Date.now());
  for (let i = 0; i < seeded; i++) await store.addMember('room:big', `seed${i}`);
  const hub = new MemoryHub();
  const out: Node[] = [];
  for (let i = 0; i < 2; i++) {
    const presence = new BusPresence(new MemoryBus(hub), { batchMs: 5 });
    const node = await startNode({ memberEventsLimit, presence }, { store, hub });
    hubs.set(node, hub);
    out.push(node);
  }
  nodes.push(...out);
  return out;
}

/** Records when each room-presence frame reached the client (polled every 5 ms). */
function watch(c: TestClient): { frames: { at: number; f: Frame }[]; stop(): void } {
  const frames: { at: number; f: Frame }[] = [];
  let seen = c.all().length;
  const timer = setInterval(() => {
    const all = c.all();
    for (; seen < all.length; seen++)
      if (all[seen]!.type === 'room-presence' && all[seen]!.room === 'big')
        frames.push({ at: Date.now(), f: all[seen]! });
  }, 5);
  timer.unref();
  return { frames, stop: () => clearInterval(timer) };
}

async function connect(node: Node, handle: string): Promise<TestClient> {
  const c = TestClient.connect(node);
  await c.hello({ handle });
  return c;
}

/** The truth: members in the store, and how many of them have an open connection. */
async function truth(
  node: Node,
  online: Set<string>,
): Promise<{ members: number; online: number }> {
  const members = await node.store.members('room:big');
  return { members: members.length, online: members.filter((u) => online.has(u)).length };
}

describe('room-presence', () => {
  it('sends each watcher at most one frame per interval during a burst on two nodes, and exact counts on both', async () => {
    const [a, b] = await cluster(10, 200);
    const wa = await connect(a!, 'watcher-a');
    const wb = await connect(b!, 'watcher-b');
    await wa.call({ type: 'join', room: 'big' });
    await wb.call({ type: 'join', room: 'big' });
    const seen = [watch(wa), watch(wb)];
    const online = new Set(['watcher-a', 'watcher-b']);
    // The burst (~2 s): 40 users join (half on each node, one of them on both), then 15 leave and 10
    // of those who stay disconnect.
    const users: TestClient[] = [];
    for (let i = 0; i < 40; i++) {
      const c = await connect(i % 2 ? a! : b!, `user${i}`);
      await c.call({ type: 'join', room: 'big' });
      users.push(c);
      online.add(`user${i}`);
      await tick(40); // the burst spans several intervals
    }
    const twin = TestClient.connect(a!);
    await twin.hello({ token: users[0]!.token });
    for (let i = 0; i < 15; i++) await users[i]!.call({ type: 'leave', room: 'big' });
    for (let i = 20; i < 30; i++) {
      users[i]!.raw.drop();
      online.delete(`user${i}`);
    }
    await tick(3 * ROOM_PRESENCE_INTERVAL_MS);
    for (const s of seen) s.stop();
    const want = await truth(a!, online);
    assert.deepEqual(want, { members: 200 + 2 + 25, online: 2 + 25 - 10 });
    for (const s of seen) {
      assert.ok(s.frames.length >= 2, 'the burst was announced');
      for (let i = 1; i < s.frames.length; i++)
        assert.ok(
          s.frames[i]!.at - s.frames[i - 1]!.at >= ROOM_PRESENCE_INTERVAL_MS * 0.8,
          `frames ${i - 1} and ${i} came ${s.frames[i]!.at - s.frames[i - 1]!.at} ms apart`,
        );
      const last = s.frames.at(-1)!.f;
      assert.equal(last.members, want.members);
      assert.equal(last.online, want.online);
      assert.equal(last.joined, undefined, 'a room above memberEventsLimit gets counts only');
    }
    for (const n of [a!, b!]) {
      const tally = n.core.channels.get('room:big')!.tally!;
      assert.deepEqual({ members: tally.size, online: tally.online }, want);
    }
    // Nothing changed since: no frame.
    const before = wa.all().filter((f) => f.type === 'room-presence' && f.room === 'big').length;
    await tick(ROOM_PRESENCE_INTERVAL_MS * 1.5);
    assert.equal(
      wa.all().filter((f) => f.type === 'room-presence' && f.room === 'big').length,
      before,
    );
    twin.raw.drop();
  });

  it('lists who joined and left in a room at or below memberEventsLimit', async () => {
    const [a, b] = await cluster(1000, 3);
    const wa = await connect(a!, 'watcher');
    await wa.call({ type: 'join', room: 'big' });
    await wa.waitFor((f) => f.type === 'room-presence');
    const x = await connect(b!, 'xavier');
    await x.call({ type: 'join', room: 'big' });
    const y = await connect(b!, 'yvonne');
    await y.call({ type: 'join', room: 'big' });
    await y.call({ type: 'leave', room: 'big' });
    const f = await wa.waitFor(
      (f) => f.type === 'room-presence' && Array.isArray(f.joined) && f.joined.includes('xavier'),
      3 * ROOM_PRESENCE_INTERVAL_MS,
    );
    const all = wa.all().filter((g) => g.type === 'room-presence');
    const last = all.at(-1)!;
    assert.deepEqual(last.left ?? f.left, ['yvonne']);
    assert.equal(last.members, 3 + 2);
    assert.equal(last.online, 2);
  });

  it('a node that starts later counts the room from the store and the cluster presence', async () => {
    const [a, b] = await cluster(10, 50);
    const x = await connect(a!, 'early');
    await x.call({ type: 'join', room: 'big' });
    const y = await connect(b!, 'other');
    await y.call({ type: 'join', room: 'big' });
    const late = await startNode(
      {
        memberEventsLimit: 10,
        presence: new BusPresence(new MemoryBus(hubOf(a!)), { batchMs: 5 }),
      },
      { store: a!.store, hub: hubOf(a!) },
    );
    nodes.push(late);
    const z = await connect(late, 'late');
    await z.call({ type: 'join', room: 'big' });
    const f = await z.waitFor(
      (f) => f.type === 'room-presence' && f.online === 3,
      3 * ROOM_PRESENCE_INTERVAL_MS,
    );
    assert.equal(f.members, 53);
    const ta = a!.core.channels.get('room:big')!.tally!;
    assert.deepEqual([ta.size, ta.online], [53, 3]);
  });

  it('pages the member list by handle with a cursor, a bounded limit and the count', async () => {
    const [a] = await cluster(10, 25);
    const c = await connect(a!, 'lister');
    await c.call({ type: 'join', room: 'big' });
    type Page = { members: { user: string }[]; count: number; next?: string };
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page: Page = await c.call<Page>({
        type: 'members',
        room: 'big',
        limit: 10,
        ...(after === undefined ? {} : { after }),
      });
      assert.equal(page.count, 26);
      assert.ok(page.members.length <= 10);
      seen.push(...page.members.map((m) => m.user));
      after = page.next;
      pages++;
    } while (after !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, (await a!.store.members('room:big')).sort());
    const tooMany = await c.request({ type: 'members', room: 'big', limit: MEMBERS_PAGE_MAX + 1 });
    assert.equal(tooMany.code, 'SB_ERR_BAD_FRAME');
    const all = await c.call<Page>({ type: 'members', room: 'big' });
    assert.equal(all.members.length, 26);
    assert.equal(all.next, undefined);
  });
});
