import { MemoryStore } from '../../src/store/memory.js';
import type { StoreOptions } from '../../src/store/store.js';
import { sessionStoreConformance } from '../auth/session-store-conformance.js';
import { storeConformance } from './conformance.js';

const factory = {
  fresh: async () => 'memory:',
  open: async (_url: string, options?: StoreOptions) => new MemoryStore(options),
};

storeConformance('MemoryStore', factory);
sessionStoreConformance('MemoryStore', factory);
