/**
 * The API key seam (issue 9): the keys server admins issue for the HTTP API (only the key's
 * SHA-256 is kept, never the key) and the log of every API call made with one.
 *
 * Guarantees every implementation gives (checked by test/store/cases/api-keys.ts):
 * - A key is found by its hash until revoked; a revoked key is still listed, with `revokedAt`.
 * - Key ids are unique: `createKey` of an id or hash already there resolves false, changing nothing.
 * - Calls come back newest first with increasing ids, paged by `before` (ids below it).
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export interface ApiKey {
  /** Random public id: what listings show and revoke takes; not a secret. */
  id: string;
  name: string;
  scopes: string[];
  /** SHA-256 of the key, hex (src/auth/token-hash.ts). */
  keyHash: string;
  /** The server admin (or `cli`) who created it. */
  createdBy: string;
  createdAt: number;
  /** Null while the key works. */
  revokedAt: number | null;
}

export interface NewApiCall {
  /** The key's id. */
  keyId: string;
  method: string;
  /** The path without its query string. */
  path: string;
  status: number;
  ts: number;
}

export interface ApiCall extends NewApiCall {
  id: number;
}

export interface ApiKeyStore {
  createKey(key: ApiKey): Promise<boolean>;
  keyByHash(keyHash: string): Promise<ApiKey | null>;
  /** Every key, revoked ones too, oldest first. */
  keys(): Promise<ApiKey[]>;
  /** Marks the key revoked at `at`; false when there is no such key or it was revoked already. */
  revokeKey(id: string, at: number): Promise<boolean>;
  appendCall(call: NewApiCall): Promise<void>;
  /** Calls with id < before (all when absent), newest first, at most `limit`, of one key if given. */
  calls(query: { before?: number; limit: number; keyId?: string }): Promise<ApiCall[]>;
}
