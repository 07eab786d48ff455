import { memoryFactory } from './backends.js';
import { storeConformance } from './conformance.js';
import { searchConformance } from './search-conformance.js';

// Everything lives in this process's memory: nothing outlives the object, closing it releases
// nothing, and no other process can share it.
storeConformance('MemoryStore', memoryFactory, {
  gaps: [
    'reopen',
    'closed-rejects',
    'processes-seq',
    'processes-same-cid',
    'release-data',
    'release-moderation',
    'push-reopen',
  ],
});

// No release fixture: nothing outlives a MemoryStore.
searchConformance('MemoryStore', memoryFactory, { gaps: ['search-release'] });
