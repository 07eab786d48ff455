import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { describeWithPostgres, memoryFactory, sqliteFactory } from '../store/backends.js';
import { accountStoreConformance } from './account-store-conformance.js';

// MemoryStore lives in this process's memory: nothing outlives the object, closing it releases
// nothing, and it has no release fixture.
accountStoreConformance('MemoryStore', memoryFactory, {
  gaps: ['reopen', 'closed-rejects', 'release-upgrade'],
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
accountStoreConformance(
  'SqliteStore',
  sqliteFactory(() => join(dir, `db-${++files}`, 'store.db')),
);

describeWithPostgres('PostgresStore accounts', (_server, factory) => {
  accountStoreConformance('PostgresStore', factory);
});
