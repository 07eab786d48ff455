import type pg from 'pg';
import type { Query } from './postgres-moderation.js';
import { toUpload, uploadValues, type UploadRow } from './upload-rows.js';
import type { UploadRecord, UploadStore } from './upload-store.js';

const SQL = {
  uploadAdd: `INSERT INTO uploads (id, owner, channel, name, type, size, width, height, thumb,
      thumb_size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  uploadGet: 'SELECT * FROM uploads WHERE id = $1',
  // One statement: claims every id or none (the CTE's count decides), atomic between nodes.
  uploadClaim: `WITH want AS (SELECT id FROM uploads WHERE id = ANY($1::text[]) AND owner = $2
        AND channel = $3 AND (message_cid IS NULL OR message_cid = $4) FOR UPDATE)
    UPDATE uploads SET message_cid = $4 WHERE id IN (SELECT id FROM want)
      AND (SELECT count(*) FROM want) = $5 RETURNING *`,
  uploadRelease:
    'UPDATE uploads SET message_cid = NULL WHERE id = ANY($1::text[]) AND message_cid = $2',
  uploadRemove: 'DELETE FROM uploads WHERE id = $1',
  uploadUsage: `SELECT coalesce(sum(size + thumb_size), 0)::text AS bytes FROM uploads
    WHERE owner = $1`,
  uploadUnclaimed: `SELECT * FROM uploads WHERE message_cid IS NULL AND created_at < $1
    ORDER BY created_at LIMIT $2`,
};

/** The uploads of PostgresStore. */
export class PostgresUploads implements UploadStore {
  constructor(private readonly query: Query) {}

  #q<R extends pg.QueryResultRow>(name: keyof typeof SQL, values: unknown[]) {
    return this.query<R>(name, SQL[name], values);
  }

  async addUpload(u: UploadRecord): Promise<void> {
    await this.#q('uploadAdd', uploadValues(u));
  }

  async upload(id: string): Promise<UploadRecord | null> {
    const row = (await this.#q<UploadRow>('uploadGet', [id])).rows[0];
    return row ? toUpload(row) : null;
  }

  async claimUploads(
    ids: string[],
    owner: string,
    channel: string,
    cid: string,
  ): Promise<UploadRecord[] | null> {
    const unique = [...new Set(ids)];
    if (unique.length !== ids.length) return null;
    const rows = (await this.#q<UploadRow>('uploadClaim', [ids, owner, channel, cid, ids.length]))
      .rows;
    if (rows.length !== ids.length) return null;
    const byId = new Map(rows.map((r) => [r.id, toUpload(r)]));
    return ids.map((id) => byId.get(id)!);
  }

  async releaseUploads(ids: string[], cid: string): Promise<void> {
    await this.#q('uploadRelease', [ids, cid]);
  }

  async removeUpload(id: string): Promise<void> {
    await this.#q('uploadRemove', [id]);
  }

  async uploadUsage(owner: string): Promise<number> {
    return Number((await this.#q<{ bytes: string }>('uploadUsage', [owner])).rows[0]!.bytes);
  }

  async unclaimedUploads(before: number, limit: number): Promise<UploadRecord[]> {
    return (await this.#q<UploadRow>('uploadUnclaimed', [before, limit])).rows.map(toUpload);
  }
}
