import type { Broker } from '../helpers/brokers/common.js';
import { rabbitBinary, startRabbit } from '../helpers/brokers/rabbitmq.js';
import { clusterSuite } from './suite.js';

let broker: Broker | null = null;
clusterSuite(
  'rabbitmq',
  async () => {
    broker = await startRabbit();
    return { bus: broker.url, broker };
  },
  async () => broker?.dispose(),
  rabbitBinary().skip,
);
