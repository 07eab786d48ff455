/** The multi-node suite over a Redis Cluster (3 masters, 3 replicas). */
import {
  redisClusterBinaries,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/brokers/redis-cluster.js';
import { clusterSuite } from './suite.js';

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
