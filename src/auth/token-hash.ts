/** How a bearer token is stored: only its SHA-256 (hex), never the token itself. */
import { createHash, timingSafeEqual } from 'node:crypto';

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/** Constant-time comparison of two secrets of any lengths (both hashed to one length first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
