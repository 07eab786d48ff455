/**
 * Switchboard nodes over a Redis Cluster (3 masters, 3 replicas), failing over mid-traffic
 * (test/cluster/failover-case.ts): the master of one of two rooms' shards is SIGKILLed while a
 * writer floods both, its replica takes over, and the killed node comes back as a replica.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import keySlot from 'cluster-key-slot';
import {
  redisClusterBinaries,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/brokers/redis-cluster.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { losslessThroughBrokerFailure } from './failover-case.js';
import { nodeArgs } from './suite.js';

const skip = redisClusterBinaries().skip;

describe('cluster over redis-cluster: a master killed mid-traffic', { skip }, () => {
  let cluster: RedisCluster;
  let dataDir: string;
  const nodes: ServerHandle[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    cluster = await startRedisCluster();
    dataDir = mkdtempSync(join(tmpdir(), 'sb-rcluster-'));
    for (let i = 0; i < 3; i++) {
      nodes.push(await startServer({ dataDir, args: await nodeArgs({ bus: cluster.url }, i, []) }));
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    await cluster?.dispose();
  });

  async function connect(node: ServerHandle, extra: Record<string, unknown>) {
    const c = await WsTestClient.connect(node.wsUrl);
    clients.push(c);
    await c.hello(extra);
    return c;
  }

  /** Two room names whose bus topics hash to slots on different masters. */
  async function roomsOnTwoShards(): Promise<[string, string]> {
    const base = Date.now().toString(36);
    const slotOf = (room: string) => keySlot(`sb:ch.room:${room}`);
    const first = `fo${base}a`;
    const firstMaster = await cluster.masterOf(slotOf(first));
    for (let i = 0; ; i++) {
      const second = `fo${base}b${i}`;
      if ((await cluster.masterOf(slotOf(second))) !== firstMaster) return [first, second];
    }
  }

  it('gives readers on the other nodes every message of rooms on both shards once, in order', async () => {
    const rooms = await roomsOnTwoShards();
    await losslessThroughBrokerFailure({ nodes, connect }, rooms, async () => {
      const killed = await cluster.killMaster(keySlot(`sb:ch.room:${rooms[0]}`));
      await new Promise((r) => setTimeout(r, 1_000));
      await cluster.revive(killed);
    });
  });
});
