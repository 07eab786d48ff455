/**
 * The OIDC sign-in transaction (state, nonce, PKCE verifier, return path) between
 * `/api/v1/auth/oidc/start` and the callback, kept in the browser as one cookie rather than in
 * the server's memory: the callback may land on another node of a cluster, and no store round
 * trip or sticky session is needed. The cookie is sealed with AES-256-GCM (encrypted, so the
 * verifier and nonce are not readable; authenticated, so no field can be altered) under a key
 * derived with HKDF-SHA256 from the client secret, which every node shares. It is good for 10
 * minutes. A sealed transaction can be replayed within them, but it is worth nothing without a
 * fresh authorization code for it, and a code is single-use at the provider (RFC 6749 §4.1.2).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface OidcTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where the page goes after the callback: a path on this server, `/` by default. */
  returnTo: string;
  /** ms since the epoch; past it the cookie is refused. */
  expiresAt: number;
}

export const OIDC_COOKIE = 'sb_oidc';
export const OIDC_COOKIE_PATH = '/api/v1/auth/oidc';
export const OIDC_TRANSACTION_MS = 10 * 60_000;

/** HKDF salt and info: a key of its own, never the secret itself (RFC 5869 §3.1). */
const SALT = 'switchboard oidc transaction';
const INFO = 'sb_oidc cookie v1';
const VERSION = 'v1';

export function transactionKey(clientSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, SALT, INFO, 32));
}

export function sealTransaction(key: Buffer, tx: OidcTransaction): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(VERSION));
  const body = Buffer.concat([cipher.update(JSON.stringify(tx), 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  return `${VERSION}.${sealed}`;
}

/** The transaction, or null when the text is not one this key sealed or it has expired. */
export function openTransaction(key: Buffer, text: string, now: number): OidcTransaction | null {
  const [version, sealed] = text.split('.');
  if (version !== VERSION || !sealed) return null;
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 12 + 16 + 1) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      .setAAD(Buffer.from(VERSION))
      .setAuthTag(raw.subarray(12, 28));
    const json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    const tx = JSON.parse(json.toString('utf8')) as OidcTransaction;
    return typeof tx.expiresAt === 'number' && tx.expiresAt > now ? tx : null;
  } catch {
    return null; // altered, truncated, or sealed with another key
  }
}

/** A return path is a path on this server: `/…`, never `//host` or `/\host` (open redirect). */
export function safeReturnPath(path: string | null): string {
  return path && /^\/(?![/\\])[^\s#]*$/.test(path) ? path : '/';
}
