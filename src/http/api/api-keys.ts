/**
 * API keys (issue 9): issued by server admins, shown once (only the SHA-256 is stored, as for
 * session tokens), found by hash at each call, rate limited per key on each node, and every call
 * made with one logged. A key is `sbk_` and 43 base64url characters, so it is told apart from a
 * session token at a glance.
 */
import { randomBytes } from 'node:crypto';
import { hashToken } from '../../auth/token-hash.js';
import { SwitchboardError } from '../../errors.js';
import type { ApiCall, ApiKey, ApiKeyStore, NewApiCall } from '../../store/store.js';
import { TokenBucket } from '../../token-bucket.js';
import { API_SCOPES, type ApiScope } from './scopes.js';

export const API_KEY_PREFIX = 'sbk_';

/** A key as listings show it: everything but the hash. */
export type ApiKeyView = Omit<ApiKey, 'keyHash'>;

export interface ApiKeysOptions {
  store: ApiKeyStore;
  /** Calls per second per key on this node. */
  rate: number;
  burst: number;
  now?: () => number;
}

export const viewOf = ({ keyHash: _hash, ...view }: ApiKey): ApiKeyView => view;

export class ApiKeys {
  readonly #o: ApiKeysOptions;
  readonly #now: () => number;
  /** One budget per key id seen on this node (keys are few: an operator's backends). */
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(options: ApiKeysOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Issues a key; the only time the key itself is seen. */
  async create(
    name: string,
    scopes: readonly ApiScope[],
    createdBy: string,
  ): Promise<ApiKeyView & { key: string }> {
    for (const s of scopes)
      if (!API_SCOPES.includes(s))
        throw new SwitchboardError('SB_ERR_HTTP_BAD_REQUEST', `unknown scope: ${String(s)}`);
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const record: ApiKey = {
      id: randomBytes(9).toString('base64url'),
      name,
      scopes: [...new Set(scopes)],
      keyHash: hashToken(key),
      createdBy,
      createdAt: this.#now(),
      revokedAt: null,
    };
    if (!(await this.#o.store.createKey(record)))
      throw new SwitchboardError('SB_ERR_INTERNAL', 'API key id collision');
    return { key, ...viewOf(record) };
  }

  /** The live key of a bearer token; SB_ERR_API_KEY_INVALID when unknown or revoked. */
  async authenticate(token: string | null): Promise<ApiKey> {
    const found =
      token !== null && token.startsWith(API_KEY_PREFIX)
        ? await this.#o.store.keyByHash(hashToken(token))
        : null;
    if (!found || found.revokedAt !== null)
      throw new SwitchboardError('SB_ERR_API_KEY_INVALID', 'send Authorization: Bearer <API key>');
    return found;
  }

  /** Takes one call from the key's budget; SB_ERR_RATE_LIMITED (with retryAfter) when spent. */
  admit(keyId: string): void {
    let bucket = this.#buckets.get(keyId);
    if (!bucket) {
      bucket = new TokenBucket(this.#o.rate, this.#o.burst, this.#now);
      this.#buckets.set(keyId, bucket);
    }
    const wait = bucket.take();
    if (wait > 0)
      throw new SwitchboardError('SB_ERR_RATE_LIMITED', 'API key rate limit', {
        retryAfter: wait,
      });
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.#o.store.keys()).map(viewOf);
  }

  async revoke(id: string): Promise<boolean> {
    this.#buckets.delete(id);
    return this.#o.store.revokeKey(id, this.#now());
  }

  record(call: Omit<NewApiCall, 'ts'>): Promise<void> {
    return this.#o.store.appendCall({ ...call, ts: this.#now() });
  }

  calls(query: { before?: number; limit: number; keyId?: string }): Promise<ApiCall[]> {
    return this.#o.store.calls(query);
  }
}
