/**
 * user.offline when a node dies: three nodes share one store and one bus; the node holding bob's
 * only connection is cut off (its goodbye never arrives) and stopped. The other two each see bob
 * go offline when the presence bound passes, and the log holds one user.offline for him.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { WsTestClient } from '../helpers/ws-client.js';

/** A bus whose node can be cut off: it then sends nothing, as a dead process would. */
class SeverableBus extends MemoryBus {
  severed = false;
  protected override async send(topic: string, payload: string): Promise<void> {
    if (!this.severed) await super.send(topic, payload);
  }
}

const TTL = 600;

async function count(store: Store, type: string, user: string): Promise<number> {
  const events = await store.webhooks.readEvents(0, 10_000);
  return events.filter((e) => e.type === type && (e.data as { user: string }).user === user).length;
}

async function until(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a dead node’s user goes offline once, when the presence bound passes, however many nodes see it', async () => {
  const store = new MemoryStore();
  const asStore: Store = store;
  await asStore.createChannel('room:general', 'room', 'system', Date.now());
  const hub = new MemoryHub();
  const buses = ['a', 'b', 'c'].map((id) => new SeverableBus(hub, id));
  const nodes: RunningSwitchboard[] = [];
  for (const bus of buses)
    nodes.push(
      await startSwitchboard(
        {
          port: 0,
          host: '127.0.0.1',
          web: false,
          logLevel: 'silent',
          shutdownTimeout: 200,
          webhooks: true,
          presenceHeartbeat: 100,
          presenceTtl: TTL,
        },
        { store, bus },
      ),
    );
  const [a, b, c] = nodes as [RunningSwitchboard, RunningSwitchboard, RunningSwitchboard];
  const ann = await WsTestClient.connect(a.wsUrl);
  await ann.hello({ handle: 'ann' });
  const cy = await WsTestClient.connect(c.wsUrl);
  await cy.hello({ handle: 'cy' });
  const bob = await WsTestClient.connect(b.wsUrl);
  await bob.hello({ handle: 'bob' });
  await until(async () => (await count(store, 'user.online', 'bob')) === 1, 'bob online');

  // Both survivors know bob is online (on b) before b dies.
  for (const client of [ann, cy])
    await until(async () => {
      const { users } = await client.call<{ users: { user: string }[] }>({ type: 'users' });
      return users.some((u) => u.user === 'bob');
    }, 'bob seen online on the other nodes');
  buses[1]!.severed = true; // node b dies: no goodbye, no more heartbeats
  await b.stop();
  await until(async () => (await count(store, 'user.offline', 'bob')) >= 1, 'bob offline');
  // Both survivors have passed the bound by now or soon; give them twice its length.
  await new Promise((r) => setTimeout(r, 2 * TTL));
  assert.equal(await count(store, 'user.offline', 'bob'), 1);
  assert.equal(await count(store, 'user.online', 'bob'), 1);
  assert.equal(await count(store, 'user.offline', 'ann'), 0, 'ann is still online');
  ann.close();
  cy.close();
  bob.close();
  await a.stop();
  await c.stop();
});
