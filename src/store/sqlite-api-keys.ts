/** The ApiKeyStore of a SqliteStore, on its connection and schema (tables api_keys, api_calls). */
import type Database from 'better-sqlite3';
import type { ApiCall, ApiKey, ApiKeyStore, NewApiCall } from './api-key-store.js';
import type { Run } from './sqlite-moderation.js';

interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  key_hash: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

interface CallRow {
  id: number;
  key_id: string;
  method: string;
  path: string;
  status: number;
  ts: number;
}

export const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes === '' ? [] : r.scopes.split(' '),
  keyHash: r.key_hash,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export const toCall = (r: CallRow): ApiCall => ({
  id: Number(r.id),
  keyId: r.key_id,
  method: r.method,
  path: r.path,
  status: r.status,
  ts: Number(r.ts),
});

export type { KeyRow, CallRow };

function prepare(db: Database.Database) {
  return {
    create: db.prepare(
      `INSERT OR IGNORE INTO api_keys (id, name, scopes, key_hash, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    byHash: db.prepare('SELECT * FROM api_keys WHERE key_hash = ?'),
    all: db.prepare('SELECT * FROM api_keys ORDER BY created_at, id'),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    append: db.prepare(
      'INSERT INTO api_calls (key_id, method, path, status, ts) VALUES (?, ?, ?, ?, ?)',
    ),
    calls: db.prepare(
      `SELECT * FROM api_calls WHERE id < @before AND (@key IS NULL OR key_id = @key)
       ORDER BY id DESC LIMIT @limit`,
    ),
  };
}

export class SqliteApiKeys implements ApiKeyStore {
  readonly #sql: ReturnType<typeof prepare>;

  constructor(
    db: Database.Database,
    private readonly run: Run,
  ) {
    this.#sql = prepare(db);
  }

  createKey(k: ApiKey): Promise<boolean> {
    return this.run(
      () =>
        this.#sql.create.run(k.id, k.name, k.scopes.join(' '), k.keyHash, k.createdBy, k.createdAt)
          .changes === 1,
    );
  }

  keyByHash(keyHash: string): Promise<ApiKey | null> {
    return this.run(() => {
      const row = this.#sql.byHash.get(keyHash) as KeyRow | undefined;
      return row ? toKey(row) : null;
    });
  }

  keys(): Promise<ApiKey[]> {
    return this.run(() => (this.#sql.all.all() as KeyRow[]).map(toKey));
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.run(() => this.#sql.revoke.run(at, id).changes === 1);
  }

  appendCall(c: NewApiCall): Promise<void> {
    return this.run(() => {
      this.#sql.append.run(c.keyId, c.method, c.path, c.status, c.ts);
    });
  }

  calls(query: { before?: number; limit: number; keyId?: string }): Promise<ApiCall[]> {
    return this.run(() =>
      (
        this.#sql.calls.all({
          before: query.before ?? Number.MAX_SAFE_INTEGER,
          key: query.keyId ?? null,
          limit: query.limit,
        }) as CallRow[]
      ).map(toCall),
    );
  }
}
