import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

  busConformance(
    'PostgresBus',
    {
      async create(nodeId) {
        return new PostgresBus(broker!.url, { nodeId });
      },
      restartBackend: () => broker!.restart(),
      killBackend: () => broker!.kill(),
      unreachable: async (nodeId) =>
        new PostgresBus(`postgres://postgres@127.0.0.1:${await freePort()}/switchboard`, {
          nodeId,
        }),
    },
    { unreachableWithinMs: 5_000 },
  );

  it('delivers a burst published in one turn in order, equal payloads twice, a large one in place', async () => {
    const a = new PostgresBus(broker!.url, { nodeId: 'a' });
    const b = new PostgresBus(broker!.url, { nodeId: 'b' });
    try {
      const got: string[] = [];
      const sent: string[] = [];
      let done: () => void = () => {};
      const all = new Promise<void>((resolve) => (done = resolve));
      await a.start(() => {});
      await b.start((topic, payload) => {
        got.push(`${topic}:${payload}`);
        if (got.length === sent.length) done();
      });
      await Promise.all([b.subscribe('t1'), b.subscribe('t2')]);
      const big = 'x'.repeat(9_000);
      // 1,200 publishes in one synchronous burst: several batches (at most 500 each), the same
      // payload repeated (PostgreSQL merges equal notifications of one transaction), and a
      // payload over NOTIFY's limit in the middle.
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < 1_200; i++) {
        const topic = i % 2 ? 't1' : 't2';
        const payload = i === 600 ? big : i % 10 === 3 ? 'same' : `m${i}`;
        sent.push(`${topic}:${payload}`);
        publishes.push(a.publish(topic, payload));
      }
      await Promise.all(publishes);
      await Promise.race([
        all,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`got ${got.length}`)), 20_000),
        ),
      ]);
      assert.deepEqual(got, sent);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
