import type { Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { clusterSuite } from './suite.js';

// PostgreSQL alone runs the cluster: LISTEN/NOTIFY bus (the store joins once --store postgres lands).
let broker: Broker | null = null;
clusterSuite(
  'postgres',
  async () => {
    broker = await startPostgres();
    return { bus: broker.url, broker };
  },
  async () => broker?.dispose(),
  postgresBinary().skip,
);
