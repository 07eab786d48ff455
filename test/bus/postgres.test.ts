import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PostgresBus } from '../../src/bus/postgres.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { busConformance } from './conformance.js';

const bin = postgresBinary();

describe('PostgresBus against a private PostgreSQL', { skip: bin.skip }, () => {
  let broker: Broker | undefined;

  before(
    async () => {
      broker = await startPostgres();
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await broker?.dispose();
  });

  busConformance('PostgresBus', {
    async create(nodeId) {
      return new PostgresBus(broker!.url, { nodeId });
    },
    restartBackend: () => broker!.restart(),
  });

  test('publish while the broker is down rejects SB_ERR_BACKEND_UNAVAILABLE at once, with the driver error as cause', async () => {
    const bus = new PostgresBus(broker!.url, { nodeId: `down-${process.pid}` });
    await bus.start(() => {});
    try {
      await broker!.kill();
      const until = Date.now() + 5_000;
      while (bus.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(bus.ready(), false, 'still ready after the broker died');
      const began = Date.now();
      const err = await bus.publish('ch.room:down', 'lost').then(
        () => assert.fail('publish resolved while the broker was down'),
        (e: unknown) => e as { code?: string; cause?: unknown },
      );
      assert.equal(err.code, 'SB_ERR_BACKEND_UNAVAILABLE');
      assert.ok(err.cause instanceof Error, 'no driver error as cause');
      assert.ok(Date.now() - began < 1_000, 'publish took too long to reject');
    } finally {
      await broker!.restart();
      await bus.close();
    }
  });
});

test('PostgresBus start against a closed port rejects SB_ERR_BACKEND_UNAVAILABLE within a few seconds', async () => {
  const port = await freePort();
  const bus = new PostgresBus(`postgres://postgres@127.0.0.1:${port}/switchboard`, {
    nodeId: 'lonely',
  });
  const began = Date.now();
  await assert.rejects(
    bus.start(() => {}),
    { code: 'SB_ERR_BACKEND_UNAVAILABLE' },
  );
  assert.ok(Date.now() - began < 5_000, 'start took too long to fail');
  assert.equal(bus.ready(), false);
});
