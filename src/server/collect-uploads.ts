/**
 * Uploads never sent (no message claimed them) are erased UNCLAIMED_TTL_MS after their upload,
 * checked every COLLECT_EVERY_MS: their bytes no longer count towards the owner's quota.
 */
import type { BlobStore } from '../blob/blob-store.js';
import type { UploadStore } from '../store/upload-store.js';

export const UNCLAIMED_TTL_MS = 24 * 3600_000;
export const COLLECT_EVERY_MS = 3600_000;

/** Erases up to `batch` uploads unclaimed since before `now - UNCLAIMED_TTL_MS`; how many. */
export async function collectUploads(
  uploads: UploadStore,
  blobs: BlobStore,
  now: number,
  batch = 500,
): Promise<number> {
  const stale = await uploads.unclaimedUploads(now - UNCLAIMED_TTL_MS, batch);
  for (const u of stale) {
    await blobs.delete(u.id);
    if (u.thumb !== undefined) await blobs.delete(u.thumb);
    await uploads.removeUpload(u.id);
  }
  return stale.length;
}
