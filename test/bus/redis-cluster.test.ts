import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import keySlot from 'cluster-key-slot';
import { RedisClusterBus, parseClusterUrl } from '../../src/bus/redis-cluster.js';
import { freePort } from '../helpers/brokers/common.js';
import {
  redisClusterBinaries,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/brokers/redis-cluster.js';
import { Signal } from '../helpers/signal.js';
import { busConformance } from './conformance.js';

test('parses a redis-cluster URL into its nodes and shared credentials', () => {
  const { nodes, redis } = parseClusterUrl('rediss-cluster://u:p%40ss@a:7000, b:7001,c');
  assert.deepEqual(nodes, [
    { host: 'a', port: 7000 },
    { host: 'b', port: 7001 },
    { host: 'c', port: 6379 },
  ]);
  assert.deepEqual(redis, { tls: {}, username: 'u', password: 'p@ss' });
  assert.throws(() => parseClusterUrl('redis-cluster://'));
});

describe('RedisClusterBus', { skip: redisClusterBinaries().skip }, () => {
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(() => cluster?.dispose());

  busConformance('RedisClusterBus', {
    create: (nodeId) => Promise.resolve(new RedisClusterBus(cluster.url, { nodeId })),
    restartBackend: () => cluster.restart(),
    killBackend: () => cluster.kill(),
    unreachable: async (nodeId) =>
      new RedisClusterBus(`redis-cluster://127.0.0.1:${await freePort()}`, { nodeId }),
  });

  test('spreads topics over the shards: each master serves some of 30 topics', async () => {
    const slots = Array.from({ length: 30 }, (_, i) => keySlot(`sb:ch.room:spread${i}`));
    const owners = new Set<number>();
    for (const slot of slots) owners.add(await cluster.masterOf(slot));
    assert.equal(owners.size, 3);
  });

  test('follows a failover: a killed master’s replica takes over, onReconnect, topics flow again', async () => {
    const got = new Signal();
    const inbox: string[] = [];
    const reconnects = { a: 0, b: 0 };
    const a = new RedisClusterBus(cluster.url, { nodeId: 'fo-a' });
    const b = new RedisClusterBus(cluster.url, { nodeId: 'fo-b' });
    await a.start(
      () => {},
      () => (reconnects.a++, got.notify()),
    );
    await b.start(
      (topic, payload) => (inbox.push(`${topic}|${payload}`), got.notify()),
      () => (reconnects.b++, got.notify()),
    );
    try {
      // One topic on the shard that dies, one on another shard.
      const victim = 'ch.room:failover';
      const victimSlot = keySlot(`sb:${victim}`);
      let other = '';
      for (let i = 0; other === ''; i++) {
        const t = `ch.room:other${i}`;
        if ((await cluster.masterOf(keySlot(`sb:${t}`))) !== (await cluster.masterOf(victimSlot)))
          other = t;
      }
      await b.subscribe(victim);
      await b.subscribe(other);
      await a.publish(victim, 'before');
      await a.publish(other, 'before');
      const has = (line: string) => () => inbox.includes(line);
      await got.until(has(`${victim}|before`), () => 'before on the victim shard', 10_000);
      await got.until(has(`${other}|before`), () => 'before on the other shard', 10_000);

      const killed = await cluster.killMaster(victimSlot);
      await got.until(
        () => reconnects.a > 0 && reconnects.b > 0,
        () => `onReconnect at both (${JSON.stringify(reconnects)})`,
        30_000,
      );
      assert.equal(a.ready(), true);
      assert.equal(b.ready(), true);
      await a.publish(victim, 'after');
      await a.publish(other, 'after');
      await got.until(has(`${victim}|after`), () => 'after on the new master', 10_000);
      await got.until(has(`${other}|after`), () => 'after on the other shard', 10_000);
      await cluster.revive(killed);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('follows a manual CLUSTER FAILOVER: the old master is alive but no longer serves the slot', async () => {
    const got = new Signal();
    const inbox: string[] = [];
    let reconnects = 0;
    const a = new RedisClusterBus(cluster.url, { nodeId: 'mf-a' });
    const b = new RedisClusterBus(cluster.url, { nodeId: 'mf-b' });
    await a.start(() => {});
    await b.start(
      (_topic, payload) => (inbox.push(payload), got.notify()),
      () => (reconnects++, got.notify()),
    );
    try {
      const topic = 'ch.room:manual-failover';
      await b.subscribe(topic);
      await a.publish(topic, 'before');
      await got.until(
        () => inbox.includes('before'),
        () => 'before',
        10_000,
      );
      await cluster.failover(keySlot(`sb:${topic}`));
      await got.until(
        () => reconnects > 0,
        () => 'onReconnect at b',
        30_000,
      );
      // a may still route by the old slot map: it follows the redirect, or fails and retries.
      const until = Date.now() + 10_000;
      while (!inbox.includes('after')) {
        await a.publish(topic, 'after').catch(() => undefined);
        await got
          .until(
            () => inbox.includes('after'),
            () => 'after',
            1_000,
          )
          .catch(() => {
            if (Date.now() > until) throw new Error('nothing arrives after the failover');
          });
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
