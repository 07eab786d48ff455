/**
 * Push notifications in a cluster: two node processes sharing one SQLite store over the mesh
 * bus, and the loopback push service. A DM to a user connected to the OTHER node sends nothing
 * (presence is cluster-wide); a DM to an offline user is pushed exactly once, by the node that
 * stored it, although both nodes know the user and hold the subscription.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/brokers/common.js';
import { opensslAvailable, PushService } from '../helpers/push-service.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { nodeArgs } from '../cluster/suite.js';

const skip = !opensslAvailable() && !process.env.CI ? 'openssl is not installed' : false;

describe('push notifications across two nodes', { skip }, () => {
  let service: PushService;
  let dataDir: string;
  const nodes: ServerHandle[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    service = await PushService.start();
    dataDir = mkdtempSync(join(tmpdir(), 'sb-push-cluster-'));
    const ports = [await freePort(), await freePort()];
    for (let i = 0; i < 2; i++) {
      const args = await nodeArgs({ bus: 'mesh' }, i, ports);
      args.push('--push-ca', service.caFile, '--push-allow-private', '--push-concurrency', '1');
      nodes.push(await startServer({ dataDir, args }));
    }
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    await service?.close();
  });

  async function connect(node: number, extra: Record<string, unknown>): Promise<WsTestClient> {
    const c = await WsTestClient.connect(nodes[node]!.wsUrl);
    clients.push(c);
    await c.hello(extra);
    return c;
  }

  /** Until the node of `node` counts `user` online (or offline). */
  async function until(node: WsTestClient, user: string, online: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { users } = await node.call<{ users: { user: string }[] }>({ type: 'users' });
      if (users.some((u) => u.user === user) === online) return;
      if (Date.now() > deadline) throw new Error(`presence of ${user} never became ${online}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('signs with one VAPID key pair on every node', async () => {
    const keys = await Promise.all(
      nodes.map(async (n) => {
        const res = await fetch(`${n.url}/api/v1/push/vapid-public-key`);
        return ((await res.json()) as { publicKey: string }).publicKey;
      }),
    );
    assert.equal(keys[0], keys[1]);
  });

  it('pushes a DM once when the user is offline, and not at all while they are on the other node', async () => {
    const ann = await connect(0, { handle: 'ann' });
    const bob = await connect(1, { handle: 'bob' });
    const sub = service.subscription();
    await bob.call({ type: 'push-subscribe', ...sub.json });
    await until(ann, 'bob', true);
    await ann.call({ type: 'send', to: 'bob', cid: 'on', text: 'you are on node 1' });
    await bob.waitFor((f) => f.type === 'message' && f.text === 'you are on node 1');

    bob.close();
    await until(ann, 'bob', false);
    const watcher = await connect(1, { handle: 'cy' });
    await until(watcher, 'bob', false);
    const sent = await ann.call<{ message: { seq: number } }>({
      type: 'send',
      to: 'bob',
      cid: 'off',
      text: 'you are offline',
    });
    await service.until(() => service.received.some((r) => r.id === sub.id));
    // A second push, from the other node, would come within its own queue's time: give both
    // nodes a marker round trip each before counting.
    for (const [i, c] of [ann, watcher].entries()) {
      const m = service.subscription();
      const who = await connect(i, { handle: `mark${i}` });
      await who.call({ type: 'push-subscribe', ...m.json });
      who.close();
      await until(c, `mark${i}`, false);
      await c.call({ type: 'send', to: `mark${i}`, cid: `m${i}`, text: 'marker' });
      await service.until(() => service.received.some((r) => r.id === m.id));
    }
    const mine = service.received.filter((r) => r.id === sub.id);
    assert.deepEqual(
      mine.map((r) => r.payload.seq),
      [sent.message.seq],
      'one push, for the offline message only',
    );
  });
});
