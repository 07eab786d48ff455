import type { Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { clusterSuite } from './suite.js';

// PostgreSQL alone runs the cluster: the store and the LISTEN/NOTIFY bus, four node processes.
let broker: Broker | null = null;
clusterSuite(
  'postgres',
  async () => {
    broker = await startPostgres();
    return { bus: broker.url, store: broker.url, broker, nodes: 4 };
  },
  async () => broker?.dispose(),
  postgresBinary().skip,
);
