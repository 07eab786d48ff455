import { after, before, describe } from 'node:test';
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
    killBackend: () => broker.kill(),
    unreachable: async (nodeId) =>
      new RedisBus(`redis://127.0.0.1:${await freePort()}`, { nodeId }),
  });
});
