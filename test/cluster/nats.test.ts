import type { Broker } from '../helpers/brokers/common.js';
import { natsBinary, startNats } from '../helpers/brokers/nats.js';
import { clusterSuite } from './suite.js';

let broker: Broker | null = null;
clusterSuite(
  'nats',
  async () => {
    broker = await startNats();
    return { bus: broker.url, broker };
  },
  async () => broker?.dispose(),
  natsBinary().skip,
);
