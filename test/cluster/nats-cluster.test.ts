/**
 * Switchboard nodes over a NATS cluster of three routed servers, each node given the full server
 * list: a server that has Switchboard nodes connected is SIGKILLed while a writer floods two
 * rooms (test/cluster/failover-case.ts); its nodes reconnect to the other servers and nothing is
 * lost or delivered twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { natsBinary } from '../helpers/brokers/nats.js';
import { startNatsCluster, type NatsCluster } from '../helpers/brokers/nats-cluster.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { losslessThroughBrokerFailure } from './failover-case.js';
import { nodeArgs } from './suite.js';

describe(
  'cluster over a NATS cluster: a server killed mid-traffic',
  { skip: natsBinary().skip },
  () => {
    let nats: NatsCluster;
    let dataDir: string;
    const nodes: ServerHandle[] = [];
    const clients: WsTestClient[] = [];

    before(async () => {
      nats = await startNatsCluster();
      dataDir = mkdtempSync(join(tmpdir(), 'sb-natscluster-'));
      for (let i = 0; i < 3; i++) {
        nodes.push(await startServer({ dataDir, args: await nodeArgs({ bus: nats.url }, i, []) }));
      }
    });

    after(async () => {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dataDir, { recursive: true, force: true });
      await nats?.dispose();
    });

    async function connect(node: ServerHandle, extra: Record<string, unknown>) {
      const c = await WsTestClient.connect(node.wsUrl);
      clients.push(c);
      await c.hello(extra);
      return c;
    }

    it('reconnects the nodes of a killed server to the others, nothing lost or twice', async () => {
      // The client picks a server from the list at random: kill the one serving most nodes.
      const served = await Promise.all([0, 1, 2].map((i) => nats.clientsOf(i)));
      const counts = served.map(
        (names) => names.filter((n) => n.startsWith('switchboard-')).length,
      );
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        3,
        `each node connected once: ${JSON.stringify(served)}`,
      );
      const victim = counts.indexOf(Math.max(...counts));
      const tag = Date.now().toString(36);
      await losslessThroughBrokerFailure({ nodes, connect }, [`na${tag}`, `nb${tag}`], async () => {
        await nats.kill(victim);
        const until = Date.now() + 20_000;
        // Every node is served by a surviving server again.
        for (;;) {
          const now = await Promise.all(
            [0, 1, 2].filter((i) => i !== victim).map((i) => nats.clientsOf(i)),
          );
          const n = now.flat().filter((name) => name.startsWith('switchboard-')).length;
          if (n === 3) break;
          if (Date.now() > until) throw new Error(`only ${n} nodes reconnected`);
          await new Promise((r) => setTimeout(r, 100));
        }
        await nats.restart(victim);
      });
    });
  },
);
