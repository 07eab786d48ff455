/**
 * The multi-node suite over a Redis Cluster (3 masters, 3 replicas), then a failover mid-traffic:
 * a writer floods two rooms whose topics live on different shards, the master of one room's
 * shard is SIGKILLed and its replica takes over; readers on the other nodes end up with every
 * message of both rooms exactly once and in order (live, or repaired from the store after the
 * bus's onReconnect), and /readyz is 200 again.
 */
import assert from 'node:assert/strict';
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
import { clusterSuite, nodeArgs } from './suite.js';

let broker: RedisCluster | null = null;
clusterSuite(
  'redis-cluster',
  async () => {
    broker = await startRedisCluster();
    return { bus: broker.url, broker };
  },
  async () => broker?.dispose(),
  redisClusterBinaries().skip,
);

describe(
  'cluster over redis-cluster: a master killed mid-traffic',
  { skip: redisClusterBinaries().skip },
  () => {
    let cluster: RedisCluster;
    let dataDir: string;
    const nodes: ServerHandle[] = [];
    const clients: WsTestClient[] = [];

    before(async () => {
      cluster = await startRedisCluster();
      dataDir = mkdtempSync(join(tmpdir(), 'sb-rcluster-'));
      for (let i = 0; i < 3; i++) {
        const args = await nodeArgs({ bus: cluster.url }, i, []);
        nodes.push(await startServer({ dataDir, args }));
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

    it('delivers every message of both rooms to readers on the other nodes exactly once, in order', async () => {
      const rooms = await roomsOnTwoShards();
      const writer = await connect(nodes[0]!, { handle: `fow${Date.now().toString(36)}` });
      const readers = [
        await connect(nodes[1]!, { handle: `for1${Date.now().toString(36)}` }),
        await connect(nodes[2]!, { handle: `for2${Date.now().toString(36)}` }),
      ];
      for (const room of rooms) {
        await writer.call({ type: 'create', room });
        for (const r of readers) await r.call({ type: 'join', room });
      }
      await new Promise((r) => setTimeout(r, 300));
      const sent = new Map<string, number>(rooms.map((r) => [r, 0]));
      // Retries a send the way the SDK's outbox does: same cid until stored.
      const sendOne = async (room: string) => {
        const cid = `${room}-${sent.get(room)!}`;
        const until = Date.now() + 30_000;
        for (;;) {
          const r = await writer.request({ type: 'send', room, text: cid, cid });
          if (r.type === 'reply') break;
          assert.equal(r.retryable, true, `only retryable errors: ${String(r.code)}`);
          if (Date.now() > until) throw new Error(`send ${cid} kept failing`);
          await new Promise((res) => setTimeout(res, 100));
        }
        sent.set(room, sent.get(room)! + 1);
      };
      let flooding = true;
      const flood = (async () => {
        while (flooding) {
          for (const room of rooms) await sendOne(room);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      try {
        await new Promise((r) => setTimeout(r, 500));
        const killed = await cluster.killMaster(keySlot(`sb:ch.room:${rooms[0]}`));
        await new Promise((r) => setTimeout(r, 1_000));
        await cluster.revive(killed);
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        flooding = false;
        await flood;
      }
      for (const node of nodes) {
        const until = Date.now() + 30_000;
        while ((await fetch(`${node.url}/readyz`)).status !== 200) {
          if (Date.now() > until) throw new Error(`${node.url}/readyz stayed down`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      for (const room of rooms) {
        const total = sent.get(room)!;
        assert.ok(total > 20, `the writer kept sending in ${room} (${total})`);
        for (const [k, reader] of readers.entries()) {
          await reader
            .waitFor(() => reader.messages(`room:${room}`).length >= total, 30_000)
            .catch(() => undefined);
          const seqs = reader.messages(`room:${room}`).map((m) => m.seq as number);
          assert.deepEqual(
            seqs,
            Array.from({ length: total }, (_, i) => i + 1),
            `reader ${k} in ${room}: every seq once, in order`,
          );
        }
      }
    });
  },
);
