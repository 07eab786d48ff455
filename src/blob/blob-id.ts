/** Blob ids: 128 random bits, base64url (22 characters), chosen by the backend that stores it. */
import { randomBytes } from 'node:crypto';
import { SwitchboardError } from '../errors.js';

export const BLOB_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const newBlobId = (): string => randomBytes(16).toString('base64url');

/** Counts a source's bytes, rejecting SB_ERR_UPLOAD_TOO_LARGE at the first byte past `max`. */
export async function* limited(
  source: AsyncIterable<Uint8Array>,
  max: number,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max)
      throw new SwitchboardError('SB_ERR_UPLOAD_TOO_LARGE', `larger than ${max} bytes`);
    yield chunk;
  }
}

export function storeUnavailable(cause: unknown, what: string): SwitchboardError {
  if (cause instanceof SwitchboardError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', `${what}: ${detail}`, { cause });
}
