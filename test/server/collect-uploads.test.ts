import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { MemoryBlobStore } from '../../src/blob/memory.js';
import { UNCLAIMED_TTL_MS, collectUploads } from '../../src/server/collect-uploads.js';
import { MemoryStore } from '../../src/store/memory.js';

test('erases uploads never sent once UNCLAIMED_TTL_MS has passed, and keeps sent ones', async () => {
  const store = new MemoryStore();
  const blobs = new MemoryBlobStore();
  const put = () => blobs.put(Readable.from([Buffer.from('bytes')]), { maxBytes: 100 });
  const record = async (createdAt: number) => {
    const b = await put();
    const t = await put();
    await store.uploads.addUpload({
      id: b.id,
      owner: 'ann',
      channel: 'room:general',
      name: 'a',
      type: 'text/plain',
      size: b.size,
      thumb: t.id,
      thumbSize: t.size,
      createdAt,
    });
    return b.id;
  };
  const old = await record(0);
  const sent = await record(0);
  const fresh = await record(UNCLAIMED_TTL_MS);
  await store.uploads.claimUploads([sent], 'ann', 'room:general', 'c1');
  assert.equal(await collectUploads(store.uploads, blobs, UNCLAIMED_TTL_MS + 1), 1);
  assert.equal(await store.uploads.upload(old), null);
  assert.equal(await blobs.get(old), null);
  assert.ok(await store.uploads.upload(sent));
  assert.ok(await store.uploads.upload(fresh));
  assert.deepEqual((await blobs.usage()).blobs, 4);
});
