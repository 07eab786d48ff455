import { describe } from 'node:test';
import { MemoryBlobStore } from '../../src/blob/memory.js';
import { blobConformance } from './conformance.js';

describe('MemoryBlobStore', () => {
  blobConformance('memory', async () => new MemoryBlobStore());
});
