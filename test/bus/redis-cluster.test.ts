import { after, before, describe } from 'node:test';
import { RedisClusterBus } from '../../src/bus/redis-cluster.js';
import { freePort } from '../helpers/brokers/common.js';
import {
  redisClusterBinaries,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/brokers/redis-cluster.js';
import { busConformance } from './conformance.js';

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
});
