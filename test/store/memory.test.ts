import { MemoryStore } from '../../src/store/memory.js';
import { storeConformance } from './conformance.js';

storeConformance('MemoryStore', async (options) => new MemoryStore(options));
