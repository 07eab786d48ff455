/**
 * Password hashing with node:crypto scrypt, a memory-hard KDF with no native dependency.
 * Cost: N = 2^15, r = 8, p = 1 (32 MiB per hash; ~235 ms measured on the 2-core CI box, see
 * docs/auth.md). Stored as `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later
 * and old hashes still verify. The length is checked before hashing: a 1 MB password costs no
 * more than an 8-byte one.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { SwitchboardError } from '../errors.js';

export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 1024;

export interface KdfCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: KdfCost = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

/** KDF runs started by this process: what the tests count instead of timing them. */
export const kdfStats = { runs: 0 };

function derive(password: string, salt: Buffer, cost: KdfCost): Promise<Buffer> {
  kdfStats.runs++;
  // 128 * N * r bytes of memory, plus headroom; the default maxmem (32 MiB) is just too small.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Rejects SB_ERR_PASSWORD_INVALID unless `password` is 8-1024 bytes of UTF-8. */
export function checkPassword(password: string): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES) {
    throw new SwitchboardError(
      'SB_ERR_PASSWORD_INVALID',
      `password must be ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes, got ${bytes}`,
    );
  }
}

export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  checkPassword(password);
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return [
    'scrypt',
    cost.N,
    cost.r,
    cost.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether `password` matches `stored`; constant time in the comparison. False for a bad hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return false;
  const key = await derive(password, salt, { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of each cost to verify against when there is no account (made once per cost). */
const dummies = new Map<string, Promise<string>>();

/**
 * Spends one KDF run for an unknown handle, at the cost the accounts' hashes have, so that the
 * answer takes as long as for a wrong password and timing does not tell which handles have
 * accounts.
 */
export async function dummyVerify(password: string, cost = DEFAULT_COST): Promise<false> {
  const key = `${cost.N}:${cost.r}:${cost.p}`;
  let dummy = dummies.get(key);
  if (!dummy) dummies.set(key, (dummy = hashPassword('dummy-password-never-matches', cost)));
  await verifyPassword(password, await dummy);
  return false;
}
