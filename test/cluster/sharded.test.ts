import pg from 'pg';
import type { Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { clusterSuite } from './suite.js';

// Every node on a store sharded over three databases of one PostgreSQL server (the bus is its
// LISTEN/NOTIFY on a fourth), so rooms, DMs and the sessions live in different databases.
let broker: Broker | null = null;
clusterSuite(
  'postgres, store sharded over 3 databases',
  async () => {
    broker = await startPostgres();
    const admin = new pg.Client({ connectionString: broker.url });
    await admin.connect();
    const urls: string[] = [];
    try {
      for (const name of ['shard_a', 'shard_b', 'shard_c']) {
        await admin.query(`CREATE DATABASE ${name}`);
        const url = new URL(broker.url);
        url.pathname = `/${name}`;
        urls.push(url.toString());
      }
    } finally {
      await admin.end();
    }
    return { bus: broker.url, store: urls.join(','), storeOnBroker: true, broker, nodes: 3 };
  },
  async () => broker?.dispose(),
  postgresBinary().skip,
);
