import { RELEASE_GAPS, describeWithPostgres, migratedCopies, shardedFactory } from './backends.js';
import { storeConformance } from './conformance.js';

// The second half of the store suite on ShardedStore (the first: ./sharded.test.ts).
describeWithPostgres('ShardedStore, part 2', (server) => {
  const factory = shardedFactory(migratedCopies(server), 3);
  storeConformance('ShardedStore (3 databases)', factory, { gaps: RELEASE_GAPS, part: [2, 2] });
});
