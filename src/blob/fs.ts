import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobPutOptions, BlobStore, BlobUsage } from './blob-store.js';
import { BLOB_ID_RE, limited, newBlobId, storeUnavailable } from './blob-id.js';

/**
 * The default blob store: one file per blob in a directory (`<data-dir>/blobs`). A blob is
 * written to `<id>.part` and renamed into place once complete and flushed, so a reader never
 * sees half a file and a crash leaves only `.part` files, which `usage` ignores and the next
 * start removes. Shareable by the processes of one host (ids never collide); a cluster without
 * shared disk uses PostgresBlobStore.
 */
export class FsBlobStore implements BlobStore {
  #ready: Promise<void> | null = null;

  constructor(readonly dir: string) {}

  #open(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      // Leftovers of a crash mid-upload: older than any upload still running.
      const cutoff = Date.now() - 24 * 3600_000;
      for (const name of await readdir(this.dir)) {
        if (!name.endsWith('.part')) continue;
        const path = join(this.dir, name);
        if ((await stat(path)).mtimeMs < cutoff) await rm(path, { force: true });
      }
    })().catch((err: unknown) => {
      this.#ready = null;
      throw storeUnavailable(err, `cannot open blob directory ${this.dir}`);
    });
    return this.#ready;
  }

  async put(source: AsyncIterable<Uint8Array>, options: BlobPutOptions): Promise<BlobInfo> {
    await this.#open();
    const id = newBlobId();
    const part = join(this.dir, `${id}.part`);
    let size = 0;
    const counted = async function* () {
      for await (const chunk of limited(source, options.maxBytes)) {
        size += chunk.length;
        yield chunk;
      }
    };
    try {
      // Opened before the pipeline runs: a source that fails at once must not leave the file to
      // be created after the clean-up below (createWriteStream opens asynchronously).
      const out = createWriteStream(part, { flags: 'wx', flush: true });
      await once(out, 'open');
      await pipeline(counted, out);
      await rename(part, join(this.dir, id));
    } catch (err) {
      await rm(part, { force: true });
      throw storeUnavailable(err, 'blob write failed');
    }
    return { id, size };
  }

  async get(id: string): Promise<AsyncIterable<Uint8Array> | null> {
    if (!BLOB_ID_RE.test(id)) return null;
    await this.#open();
    const path = join(this.dir, id);
    const stream = createReadStream(path);
    // Opening is asynchronous: wait for it so that a missing file is null, not a stream error.
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream));
      stream.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') resolve(null);
        else reject(storeUnavailable(err, 'blob read failed'));
      });
    });
  }

  async delete(id: string): Promise<boolean> {
    if (!BLOB_ID_RE.test(id)) return false;
    await this.#open();
    try {
      await rm(join(this.dir, id));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storeUnavailable(err, 'blob delete failed');
    }
  }

  async usage(): Promise<BlobUsage> {
    await this.#open();
    let blobs = 0;
    let bytes = 0;
    for (const name of await readdir(this.dir)) {
      if (!BLOB_ID_RE.test(name)) continue;
      const s = await stat(join(this.dir, name)).catch(() => null);
      if (!s) continue;
      blobs++;
      bytes += s.size;
    }
    return { blobs, bytes };
  }

  async close(): Promise<void> {}
}
