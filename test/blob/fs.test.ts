import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blob/fs.js';
import { blobConformance } from './conformance.js';

describe('FsBlobStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-blobs-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  blobConformance('fs', async () => new FsBlobStore(join(root, `store-${n++}`)));

  it('leaves no partial file behind after a refused upload', async () => {
    const dir = join(root, 'partial');
    const store = new FsBlobStore(dir);
    const big = (async function* () {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(1000);
    })();
    await assert.rejects(store.put(big, { maxBytes: 1500 }));
    assert.deepEqual(readdirSync(dir), []);
  });
});
