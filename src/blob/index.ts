import { join } from 'node:path';
import { SwitchboardError } from '../errors.js';
import { loadDriver } from '../backend-errors.js';
import type { BlobStore } from './blob-store.js';

export type { BlobInfo, BlobPutOptions, BlobStore, BlobUsage } from './blob-store.js';

/**
 * Whether `--blobs url` (with `--store store`) keeps the bytes in this process's memory: `memory:`,
 * or the default with a `memory:` message store. No other process can read them.
 */
export const isMemoryBlobs = (url: string, store: string): boolean =>
  url === 'memory:' || (url === '' && store === 'memory:');

/**
 * The blob store of `--blobs`:
 * - `''` → FsBlobStore at `<dataDir>/blobs` (MemoryBlobStore when the message store is `memory:`);
 * - `memory:` → MemoryBlobStore (lost on exit); `fs:<dir>` → FsBlobStore at `<dir>`;
 * - `postgres://…` → PostgresBlobStore (for clusters without shared disk).
 */
export async function openBlobStore(
  url: string,
  options: { dataDir: string; store: string },
): Promise<BlobStore> {
  if (isMemoryBlobs(url, options.store)) {
    const { MemoryBlobStore } = await import('./memory.js');
    return new MemoryBlobStore();
  }
  if (url === '' || url.startsWith('fs:')) {
    const dir = url === '' ? join(options.dataDir, 'blobs') : url.slice('fs:'.length);
    if (dir === '') throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'blobs url has no path');
    const { FsBlobStore } = await import('./fs.js');
    return new FsBlobStore(dir);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { PostgresBlobStore } = await loadDriver(
      () => import('./postgres.js'),
      'pg',
      'postgres blob store',
    );
    return PostgresBlobStore.open(url).catch((err: unknown) => {
      throw new SwitchboardError(
        'SB_ERR_BACKEND_UNAVAILABLE',
        'cannot reach the postgres blob store; check that PostgreSQL is running and the url',
        { cause: err },
      );
    });
  }
  throw new SwitchboardError(
    'SB_ERR_CONFIG_INVALID',
    `unknown blobs url '${url}'; supported: '' (<dataDir>/blobs), 'fs:<dir>', 'memory:', 'postgres://…'`,
  );
}
