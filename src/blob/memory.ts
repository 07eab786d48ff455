import type { BlobInfo, BlobPutOptions, BlobStore, BlobUsage } from './blob-store.js';
import { BLOB_ID_RE, limited, newBlobId } from './blob-id.js';

/**
 * Blobs in this process's memory, lost on exit: the default with `--store memory:` and for
 * tests. It keeps the chunks as they came (no copy into one buffer).
 */
export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array[]>();

  async put(source: AsyncIterable<Uint8Array>, options: BlobPutOptions): Promise<BlobInfo> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of limited(source, options.maxBytes)) {
      chunks.push(chunk);
      size += chunk.length;
    }
    const id = newBlobId();
    this.#blobs.set(id, chunks);
    return { id, size };
  }

  async get(id: string): Promise<AsyncIterable<Uint8Array> | null> {
    const chunks = BLOB_ID_RE.test(id) ? this.#blobs.get(id) : undefined;
    if (!chunks) return null;
    return (async function* () {
      yield* chunks;
    })();
  }

  async delete(id: string): Promise<boolean> {
    return this.#blobs.delete(id);
  }

  async usage(): Promise<BlobUsage> {
    let bytes = 0;
    for (const chunks of this.#blobs.values()) for (const c of chunks) bytes += c.length;
    return { blobs: this.#blobs.size, bytes };
  }

  async close(): Promise<void> {}
}
