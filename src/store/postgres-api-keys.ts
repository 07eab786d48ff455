/** The ApiKeyStore of a PostgresStore, on its pool and schema (tables api_keys, api_calls). */
import type { ApiCall, ApiKey, ApiKeyStore, NewApiCall } from './api-key-store.js';
import type { Query } from './postgres-moderation.js';
import { toCall, toKey, type CallRow, type KeyRow } from './sqlite-api-keys.js';

const SQL = {
  apiKeyCreate: `INSERT INTO api_keys (id, name, scopes, key_hash, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
  apiKeyByHash: 'SELECT * FROM api_keys WHERE key_hash = $1',
  apiKeyAll: 'SELECT * FROM api_keys ORDER BY created_at, id',
  apiKeyRevoke: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  apiCallAppend: `INSERT INTO api_calls (key_id, method, path, status, ts)
    VALUES ($1, $2, $3, $4, $5)`,
  apiCalls: `SELECT * FROM api_calls WHERE id < $1 AND ($2::text IS NULL OR key_id = $2)
    ORDER BY id DESC LIMIT $3`,
};

export class PostgresApiKeys implements ApiKeyStore {
  constructor(private readonly query: Query) {}

  async createKey(k: ApiKey): Promise<boolean> {
    const r = await this.query('apiKeyCreate', SQL.apiKeyCreate, [
      k.id,
      k.name,
      k.scopes.join(' '),
      k.keyHash,
      k.createdBy,
      k.createdAt,
    ]);
    return r.rowCount === 1;
  }

  async keyByHash(keyHash: string): Promise<ApiKey | null> {
    const r = await this.query<KeyRow>('apiKeyByHash', SQL.apiKeyByHash, [keyHash]);
    return r.rows[0] ? toKey(r.rows[0]) : null;
  }

  async keys(): Promise<ApiKey[]> {
    return (await this.query<KeyRow>('apiKeyAll', SQL.apiKeyAll, [])).rows.map(toKey);
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    return (await this.query('apiKeyRevoke', SQL.apiKeyRevoke, [at, id])).rowCount === 1;
  }

  async appendCall(c: NewApiCall): Promise<void> {
    await this.query('apiCallAppend', SQL.apiCallAppend, [
      c.keyId,
      c.method,
      c.path,
      c.status,
      c.ts,
    ]);
  }

  async calls(q: { before?: number; limit: number; keyId?: string }): Promise<ApiCall[]> {
    const r = await this.query<CallRow>('apiCalls', SQL.apiCalls, [
      q.before ?? Number.MAX_SAFE_INTEGER,
      q.keyId ?? null,
      q.limit,
    ]);
    return r.rows.map(toCall);
  }
}
