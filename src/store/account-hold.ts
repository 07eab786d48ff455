/**
 * How an account holds its handle in the guest sessions table: a row whose token hash is no
 * SHA-256 (so no token finds it) and which never expires (so no guest claim wins it). Register
 * and guest claims then race on one key, the sessions table's handle, which every backend
 * already makes atomic.
 */
export const HOLD_EXPIRES_AT = Number.MAX_SAFE_INTEGER;

export const holdTokenHash = (handle: string): string => `account:${handle}`;
