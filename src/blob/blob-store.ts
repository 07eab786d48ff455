/**
 * The blob seam: opaque byte objects (uploaded files and their thumbnails), written once as a
 * stream and read back as a stream. The upload route and the message store keep what a blob is
 * (name, type, owner, channel); a backend keeps only bytes under an id it chooses.
 *
 * Guarantees (checked by test/blob/conformance.ts against every backend):
 * - `put` reads its source as a stream and never holds it whole in memory (at most a chunk or a
 *   backend's write buffer). It resolves once the bytes are durable, with a fresh id no other
 *   blob had, and their count.
 * - A source longer than `maxBytes` rejects SB_ERR_UPLOAD_TOO_LARGE as soon as the byte past the
 *   limit arrives: the source is read no further and nothing is kept. A source that fails rejects
 *   with its own error, and nothing is kept either.
 * - `get` of a kept blob streams exactly the bytes put; of an unknown, deleted or malformed id it
 *   resolves null (never throws for a client-made id).
 * - `delete` erases the bytes (really gone: a later `get` is null, `usage` no longer counts them);
 *   deleting an unknown id resolves false. Idempotent.
 * - Backend failures reject SB_ERR_STORE_UNAVAILABLE with the driver error as `cause`.
 */

export interface BlobPutOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
}

export interface BlobInfo {
  /** URL-safe, 1-64 characters of [A-Za-z0-9_-]. */
  id: string;
  size: number;
}

export interface BlobUsage {
  blobs: number;
  bytes: number;
}

export interface BlobStore {
  put(source: AsyncIterable<Uint8Array>, options: BlobPutOptions): Promise<BlobInfo>;
  get(id: string): Promise<AsyncIterable<Uint8Array> | null>;
  delete(id: string): Promise<boolean>;
  /** How many blobs are kept and their bytes (for metrics and the operator). */
  usage(): Promise<BlobUsage>;
  /** Releases connections; later calls reject SB_ERR_STORE_UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
}
