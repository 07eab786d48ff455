import { withoutUndefined } from './message-store.js';
import type { UploadRecord, UploadStore } from './upload-store.js';

/** The uploads of MemoryStore. */
export class MemoryUploads implements UploadStore {
  readonly #uploads = new Map<string, UploadRecord>();

  async addUpload(u: UploadRecord): Promise<void> {
    this.#uploads.set(u.id, withoutUndefined({ ...u }));
  }

  async upload(id: string): Promise<UploadRecord | null> {
    const u = this.#uploads.get(id);
    return u ? { ...u } : null;
  }

  async claimUploads(
    ids: string[],
    owner: string,
    channel: string,
    cid: string,
  ): Promise<UploadRecord[] | null> {
    const found = [...new Set(ids)].map((id) => this.#uploads.get(id));
    const ok =
      found.length === ids.length &&
      found.every(
        (u) =>
          u &&
          u.owner === owner &&
          u.channel === channel &&
          (u.claimedBy === undefined || u.claimedBy === cid),
      );
    if (!ok) return null;
    for (const u of found) u!.claimedBy = cid;
    return found.map((u) => ({ ...u! }));
  }

  async releaseUploads(ids: string[], cid: string): Promise<void> {
    for (const id of ids) {
      const u = this.#uploads.get(id);
      if (u?.claimedBy === cid) delete u.claimedBy;
    }
  }

  async removeUpload(id: string): Promise<void> {
    this.#uploads.delete(id);
  }

  async uploadUsage(owner: string): Promise<number> {
    let bytes = 0;
    for (const u of this.#uploads.values())
      if (u.owner === owner) bytes += u.size + (u.thumbSize ?? 0);
    return bytes;
  }

  async unclaimedUploads(before: number, limit: number): Promise<UploadRecord[]> {
    return [...this.#uploads.values()]
      .filter((u) => u.claimedBy === undefined && u.createdAt < before)
      .slice(0, limit)
      .map((u) => ({ ...u }));
  }
}
