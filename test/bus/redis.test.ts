import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisBus } from '../../src/bus/redis.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { redisBinary, startRedis } from '../helpers/brokers/redis.js';
import { busConformance } from './conformance.js';

const bin = redisBinary();

async function eventually(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RedisBus', { skip: bin.skip }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startRedis();
  });
  after(() => broker?.dispose());

  busConformance('RedisBus', {
    create: (nodeId) => Promise.resolve(new RedisBus(broker.url, { nodeId })),
    restartBackend: () => broker.restart(),
    killBackend: () => broker.kill(),
    unreachable: async (nodeId) =>
      new RedisBus(`redis://127.0.0.1:${await freePort()}`, { nodeId }),
  });

  it('declares the bus lost when the broker stops answering on an open connection, and restores it', async () => {
    const ping = { pingIntervalMs: 100, pingTimeoutMs: 300 };
    const a = new RedisBus(broker.url, { nodeId: 'hung-a', ...ping });
    const b = new RedisBus(broker.url, { nodeId: 'hung-b', ...ping });
    const got: string[] = [];
    let reconnects = 0;
    await a.start(
      (_t, p) => got.push(p),
      () => reconnects++,
    );
    await b.start(() => {});
    try {
      await a.subscribe('t');
      // SIGSTOP: the kernel keeps the TCP connections open, no reply and no reset ever comes.
      broker.freeze!();
      try {
        await eventually(() => !a.ready(), 'a hung connection counts as lost', 5_000);
        assert.equal(reconnects, 0);
      } finally {
        broker.thaw!();
      }
      await eventually(() => a.ready() && reconnects === 1, 'restored after the thaw', 15_000);
      await eventually(() => b.ready(), 'b restored too', 15_000);
      await b.publish('t', 'after');
      await eventually(() => got.includes('after'), 'the subscription was restored', 5_000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
