import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsBlobStore } from '../../src/blob/fs.js';
import { openBlobStore } from '../../src/blob/index.js';
import { MemoryBlobStore } from '../../src/blob/memory.js';

test('--blobs defaults to <data-dir>/blobs, or memory with a memory store', async () => {
  const fs = await openBlobStore('', { dataDir: '/tmp/sb-x', store: '' });
  assert.ok(fs instanceof FsBlobStore);
  assert.equal(fs.dir, join('/tmp/sb-x', 'blobs'));
  assert.ok(
    (await openBlobStore('', { dataDir: '/x', store: 'memory:' })) instanceof MemoryBlobStore,
  );
  const dir = await openBlobStore('fs:/tmp/sb-y', { dataDir: '/x', store: '' });
  assert.equal((dir as FsBlobStore).dir, '/tmp/sb-y');
});

test('an unknown --blobs url is SB_ERR_CONFIG_INVALID', async () => {
  for (const url of ['s3://bucket', 'fs:'])
    await assert.rejects(openBlobStore(url, { dataDir: '/x', store: '' }), {
      code: 'SB_ERR_CONFIG_INVALID',
    });
});
