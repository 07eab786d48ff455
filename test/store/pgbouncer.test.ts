import { after, before, describe } from 'node:test';
import { PostgresStore } from '../../src/store/postgres.js';
import type { Broker } from '../helpers/brokers/common.js';
import { pgbouncerBinary, startPgbouncer } from '../helpers/brokers/pgbouncer.js';
import { describeWithPostgres, migratedCopies } from './backends.js';
import { storeConformance } from './conformance.js';
import { releaseTokens, restoreReleaseDump } from './fixtures/release.js';

/** The same database, reached through PgBouncer in transaction mode. */
function throughBouncer(url: string, bouncer: Broker): string {
  const u = new URL(url);
  u.port = String(bouncer.port);
  u.searchParams.set('pgbouncer', 'true');
  return u.toString();
}

// Every statement of the store through PgBouncer with pool_mode = transaction: a server
// connection serves one transaction, then other clients (docs/scaling.md#pgbouncer).
describe('PostgresStore through PgBouncer', { skip: pgbouncerBinary().skip }, () => {
  describeWithPostgres('transaction mode', (server) => {
    let bouncer: Broker | undefined;
    before(async () => {
      bouncer = await startPgbouncer(server().broker.port);
    });
    after(async () => {
      await bouncer?.dispose();
    });
    const via = (url: string) => {
      if (!bouncer) throw new Error('PgBouncer is not running');
      return throughBouncer(url, bouncer);
    };
    // Each case's store starts as a copy of one migrated database (much cheaper than migrating
    // per case); migrating through PgBouncer is still run, by the release-data case.
    const copies = migratedCopies(server);
    storeConformance('PostgresStore via PgBouncer (transaction mode)', {
      fresh: async () => via(await copies()),
      open: (url, options) => PostgresStore.open(url, options),
      release: async () => {
        const url = await server().freshUrl();
        await restoreReleaseDump(url);
        return { url: via(url), tokens: releaseTokens('postgres') };
      },
    });
  });
});
