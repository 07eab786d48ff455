import { accountStoreConformance } from '../auth/account-store-conformance.js';
import { sessionStoreConformance } from '../auth/session-store-conformance.js';
import { describeWithPostgres, migratedCopies, shardedFactory } from './backends.js';
import { searchConformance } from './search-conformance.js';

// The rest of ShardedStore's suites (./sharded.test.ts has the store suite and the layout), in
// a file of their own so each file stays well within the test timeout. Release fixtures are one
// database each: sharding one would be resharding, which is not supported.
describeWithPostgres('ShardedStore search, sessions and accounts', (server) => {
  const factory = shardedFactory(migratedCopies(server), 3);
  searchConformance('ShardedStore (3 databases)', factory, { gaps: ['search-release'] });
  sessionStoreConformance('ShardedStore (3 databases)', factory, { gaps: ['release-sessions'] });
  accountStoreConformance('ShardedStore (3 databases)', factory, { gaps: ['release-upgrade'] });
});
