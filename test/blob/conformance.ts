/**
 * The one BlobStore conformance suite (guarantees in src/blob/blob-store.ts). Each backend's test
 * file calls `blobConformance` with a factory; every case opens a fresh store and closes it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { BlobStore } from '../../src/blob/blob-store.js';
import { SwitchboardError } from '../../src/errors.js';

export type BlobFactory = () => Promise<BlobStore>;

async function bytesOf(source: AsyncIterable<Uint8Array> | null): Promise<Buffer> {
  assert.ok(source, 'expected a blob');
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** `count` chunks of `size` bytes, each filled with its index; counts how many were pulled. */
function chunks(count: number, size: number): AsyncIterable<Uint8Array> & { pulled: number } {
  const source = {
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < count; i++) {
        source.pulled++;
        yield Buffer.alloc(size, i % 256);
      }
    },
  };
  return source;
}

const codeOf = (err: unknown): string | undefined => (err as SwitchboardError).code;

export function blobConformance(name: string, factory: BlobFactory): void {
  const withStore = (title: string, body: (store: BlobStore) => Promise<void>): void => {
    void it(`${name}: ${title}`, async () => {
      const store = await factory();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
  };

  withStore('gives back exactly the bytes put, under a fresh URL-safe id', async (store) => {
    const a = await store.put(chunks(3, 100_000), { maxBytes: 1_000_000 });
    const b = await store.put(chunks(1, 10), { maxBytes: 1_000_000 });
    assert.equal(a.size, 300_000);
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^[A-Za-z0-9_-]{1,64}$/);
    const back = await bytesOf(await store.get(a.id));
    assert.equal(back.length, 300_000);
    assert.equal(back[0], 0);
    assert.equal(back[150_000], 1);
    assert.equal(back[299_999], 2);
  });

  withStore('keeps an empty blob', async (store) => {
    const a = await store.put(chunks(0, 1), { maxBytes: 10 });
    assert.equal(a.size, 0);
    assert.equal((await bytesOf(await store.get(a.id))).length, 0);
  });

  withStore('accepts a blob of exactly maxBytes', async (store) => {
    const a = await store.put(chunks(2, 50), { maxBytes: 100 });
    assert.equal(a.size, 100);
  });

  withStore(
    'refuses a source past maxBytes with SB_ERR_UPLOAD_TOO_LARGE, stops reading it and keeps nothing',
    async (store) => {
      const source = chunks(100, 1000);
      await assert.rejects(store.put(source, { maxBytes: 2500 }), (err) => {
        assert.equal(codeOf(err), 'SB_ERR_UPLOAD_TOO_LARGE');
        return true;
      });
      assert.equal(source.pulled, 3);
      assert.deepEqual(await store.usage(), { blobs: 0, bytes: 0 });
    },
  );

  withStore('keeps nothing when the source fails midway', async (store) => {
    const failing = (async function* () {
      yield Buffer.alloc(10);
      throw new Error('client went away');
    })();
    await assert.rejects(store.put(failing, { maxBytes: 100 }));
    assert.deepEqual(await store.usage(), { blobs: 0, bytes: 0 });
  });

  withStore('answers null for an unknown or malformed id', async (store) => {
    assert.equal(await store.get('AAAAAAAAAAAAAAAAAAAAAA'), null);
    assert.equal(await store.get('../../etc/passwd'), null);
    assert.equal(await store.get(''), null);
  });

  withStore('erases a deleted blob: get is null and usage no longer counts it', async (store) => {
    const a = await store.put(chunks(1, 1000), { maxBytes: 10_000 });
    const b = await store.put(chunks(1, 10), { maxBytes: 10_000 });
    assert.deepEqual(await store.usage(), { blobs: 2, bytes: 1010 });
    assert.equal(await store.delete(a.id), true);
    assert.equal(await store.get(a.id), null);
    assert.equal(await store.delete(a.id), false);
    assert.equal(await store.delete('../x'), false);
    assert.deepEqual(await store.usage(), { blobs: 1, bytes: 10 });
    assert.equal((await bytesOf(await store.get(b.id))).length, 10);
  });

  withStore('stores concurrent puts independently', async (store) => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => store.put(chunks(n, 70_000), { maxBytes: 1_000_000 })),
    );
    for (const [i, r] of results.entries()) {
      assert.equal((await bytesOf(await store.get(r.id))).length, (i + 1) * 70_000);
    }
  });
}
