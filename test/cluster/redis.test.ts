import type { Broker } from '../helpers/brokers/common.js';
import { redisBinary, startRedis } from '../helpers/brokers/redis.js';
import { clusterSuite } from './suite.js';

let broker: Broker | null = null;
clusterSuite(
  'redis',
  async () => {
    broker = await startRedis();
    return { bus: broker.url, broker };
  },
  async () => broker?.dispose(),
  redisBinary().skip,
);
