/** How a bearer token is stored: only its SHA-256 (hex), never the token itself. */
import { createHash } from 'node:crypto';

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');
