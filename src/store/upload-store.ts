/**
 * The uploads seam: what each uploaded file is (owner, channel, name, sniffed type, size, image
 * dimensions, thumbnail blob) and which message claimed it. The bytes live in the blob store
 * (src/blob); this lives with the messages so that a claim is as shared as the log is.
 *
 * Guarantees (checked by test/store/cases/uploads.ts on every backend):
 * - `claim` is all or nothing and atomic between nodes: every id must be an upload of `owner` to
 *   `channel`, unclaimed or claimed by the same `cid` (a retried send), or nothing changes and it
 *   resolves null. Two messages never claim one upload.
 * - `usage` counts the bytes of the owner's uploads and their thumbnails until `remove`.
 */
export interface UploadRecord {
  /** Also the blob id of the file's bytes. */
  id: string;
  owner: string;
  channel: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  /** Blob id of the thumbnail (images), and its bytes. */
  thumb?: string;
  thumbSize?: number;
  createdAt: number;
  /** The cid of the owner's message in `channel` that claimed it; absent while unclaimed. */
  claimedBy?: string;
}

export interface UploadStore {
  addUpload(u: UploadRecord): Promise<void>;
  upload(id: string): Promise<UploadRecord | null>;
  /** Claims uploads `ids` for the message `cid` (see the guarantees), in the order of `ids`. */
  claimUploads(
    ids: string[],
    owner: string,
    channel: string,
    cid: string,
  ): Promise<UploadRecord[] | null>;
  /** Undoes a claim whose message was not appended. */
  releaseUploads(ids: string[], cid: string): Promise<void>;
  removeUpload(id: string): Promise<void>;
  /** Bytes of the owner's uploads and thumbnails. */
  uploadUsage(owner: string): Promise<number>;
  /** Up to `limit` uploads never claimed, created before `before` (to collect). */
  unclaimedUploads(before: number, limit: number): Promise<UploadRecord[]>;
}
