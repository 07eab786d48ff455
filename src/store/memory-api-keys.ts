/** The ApiKeyStore of a MemoryStore: two arrays in this process. */
import type { ApiCall, ApiKey, ApiKeyStore, NewApiCall } from './api-key-store.js';

export class MemoryApiKeys implements ApiKeyStore {
  readonly #keys: ApiKey[] = [];
  readonly #calls: ApiCall[] = [];

  async createKey(key: ApiKey): Promise<boolean> {
    if (this.#keys.some((k) => k.id === key.id || k.keyHash === key.keyHash)) return false;
    this.#keys.push({ ...key, scopes: [...key.scopes] });
    return true;
  }

  async keyByHash(keyHash: string): Promise<ApiKey | null> {
    const key = this.#keys.find((k) => k.keyHash === keyHash);
    return key ? { ...key, scopes: [...key.scopes] } : null;
  }

  async keys(): Promise<ApiKey[]> {
    return this.#keys.map((k) => ({ ...k, scopes: [...k.scopes] }));
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    const key = this.#keys.find((k) => k.id === id);
    if (!key || key.revokedAt !== null) return false;
    key.revokedAt = at;
    return true;
  }

  async appendCall(call: NewApiCall): Promise<void> {
    this.#calls.push({ ...call, id: this.#calls.length + 1 });
  }

  async calls(query: { before?: number; limit: number; keyId?: string }): Promise<ApiCall[]> {
    const out: ApiCall[] = [];
    for (let i = this.#calls.length - 1; i >= 0 && out.length < query.limit; i--) {
      const c = this.#calls[i]!;
      if (query.before !== undefined && c.id >= query.before) continue;
      if (query.keyId !== undefined && c.keyId !== query.keyId) continue;
      out.push({ ...c });
    }
    return out;
  }
}
