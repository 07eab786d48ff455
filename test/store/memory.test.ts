import { MemoryStore } from '../../src/store/memory.js';
import type { StoreOptions } from '../../src/store/store.js';
import { sessionStoreConformance } from '../auth/session-store-conformance.js';
import { storeConformance } from './conformance.js';

// Everything lives in this process's memory: nothing outlives the object, closing it releases
// nothing, and no other process can share it.
const factory = {
  fresh: async () => 'memory:',
  open: async (_url: string, options?: StoreOptions) => new MemoryStore(options),
};

storeConformance('MemoryStore', factory, {
  gaps: ['reopen', 'closed-rejects', 'processes-seq', 'processes-same-cid', 'release-data'],
});
sessionStoreConformance('MemoryStore', factory, {
  gaps: ['reopen', 'closed-rejects', 'processes-claim', 'release-sessions'],
});
