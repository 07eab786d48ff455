import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisBus } from '../../src/bus/redis.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { redisBinary, startRedis } from '../helpers/brokers/redis.js';
import { busConformance } from './conformance.js';

const bin = redisBinary();

describe('RedisBus', { skip: bin.skip }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startRedis();
  });
  after(() => broker?.dispose());

  busConformance('RedisBus', {
    create: (nodeId) => Promise.resolve(new RedisBus(broker.url, { nodeId })),
    restartBackend: () => broker.restart(),
  });

  test('start rejects with SB_ERR_BACKEND_UNAVAILABLE within seconds when Redis is unreachable', async () => {
    const bus = new RedisBus(`redis://127.0.0.1:${await freePort()}`, { nodeId: 'down' });
    const began = Date.now();
    await assert.rejects(
      bus.start(() => {}),
      { code: 'SB_ERR_BACKEND_UNAVAILABLE' },
    );
    assert.ok(Date.now() - began < 6_000, 'start took too long to fail');
    assert.equal(bus.ready(), false);
    await bus.close();
  });

  test('publish rejects promptly with SB_ERR_BACKEND_UNAVAILABLE while Redis is down', async () => {
    const bus = new RedisBus(broker.url, { nodeId: `pub-down-${Date.now()}` });
    await bus.start(() => {});
    try {
      await broker.kill();
      // The kill closes the socket; wait until the client has noticed.
      while (bus.ready()) await new Promise((r) => setTimeout(r, 10));
      const began = Date.now();
      await assert.rejects(bus.publish('ch.room:x', 'lost'), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'SB_ERR_BACKEND_UNAVAILABLE');
        assert.ok(err.cause, 'the driver error is the cause');
        return true;
      });
      assert.ok(Date.now() - began < 1_000, 'publish hung while the backend was down');
    } finally {
      await bus.close();
      await broker.restart();
    }
  });
});
