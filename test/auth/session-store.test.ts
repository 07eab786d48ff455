import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { describeWithPostgres, memoryFactory, sqliteFactory } from '../store/backends.js';
import { sessionStoreConformance } from './session-store-conformance.js';

// MemoryStore lives in this process's memory: nothing outlives the object, closing it releases
// nothing, and no other process can share it.
sessionStoreConformance('MemoryStore', memoryFactory, {
  gaps: ['reopen', 'closed-rejects', 'processes-claim', 'release-sessions'],
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sessions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
sessionStoreConformance(
  'SqliteStore',
  sqliteFactory(() => join(dir, `db-${++files}`, 'store.db')),
);

describeWithPostgres('PostgresStore sessions', (_server, factory) => {
  sessionStoreConformance('PostgresStore', factory);
});
