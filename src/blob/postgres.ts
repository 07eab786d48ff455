import pg from 'pg';
import type { BlobInfo, BlobPutOptions, BlobStore, BlobUsage } from './blob-store.js';
import { BLOB_ID_RE, limited, newBlobId, storeUnavailable } from './blob-id.js';

/** Bytes per row of `blob_chunks`: big enough for few rows, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;

// Idempotent, so every node may run it at start; separate from the message store's migrations
// because blobs may live in another database than the messages.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS blobs (
    id TEXT PRIMARY KEY,
    size BIGINT NOT NULL DEFAULT 0,
    complete BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS blob_chunks (
    id TEXT NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (id, n)
  );`;

/**
 * Blobs in PostgreSQL, for a cluster without shared disk: a blob is rows of `blob_chunks`
 * (CHUNK_BYTES each, bytea), written one chunk at a time as the upload arrives and read back
 * one row per query, so neither side holds a blob whole. A blob is visible once its `blobs` row
 * is marked complete; an upload cut off leaves an incomplete row that `open` removes after a day.
 */
export class PostgresBlobStore implements BlobStore {
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async open(url: string): Promise<PostgresBlobStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    try {
      // Two nodes creating the tables at once may race on the catalog: a lock serialises them.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtext('switchboard_blobs'))");
        await client.query(SCHEMA);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await pool.query('DELETE FROM blobs WHERE NOT complete AND created_at < $1', [
        Date.now() - 24 * 3600_000,
      ]);
    } catch (err) {
      await pool.end().catch(() => {});
      throw storeUnavailable(err, 'cannot open the postgres blob store');
    }
    return new PostgresBlobStore(pool);
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
    if (this.#closed) throw storeUnavailable(new Error('closed'), 'postgres blob store');
    try {
      return await this.#pool.query<R>(text, values);
    } catch (err) {
      throw storeUnavailable(err, 'postgres blob store');
    }
  }

  async put(source: AsyncIterable<Uint8Array>, options: BlobPutOptions): Promise<BlobInfo> {
    const id = newBlobId();
    await this.#query('INSERT INTO blobs (id, created_at) VALUES ($1, $2)', [id, Date.now()]);
    let size = 0;
    let n = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.#query('INSERT INTO blob_chunks (id, n, data) VALUES ($1, $2, $3)', [
        id,
        n++,
        data,
      ]);
    };
    try {
      for await (const chunk of limited(source, options.maxBytes)) {
        size += chunk.length;
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
      await this.#query('UPDATE blobs SET complete = true, size = $2 WHERE id = $1', [id, size]);
    } catch (err) {
      await this.#query('DELETE FROM blobs WHERE id = $1', [id]).catch(() => {});
      throw storeUnavailable(err, 'blob write failed');
    }
    return { id, size };
  }

  async get(id: string): Promise<AsyncIterable<Uint8Array> | null> {
    if (!BLOB_ID_RE.test(id)) return null;
    const row = await this.#query('SELECT 1 FROM blobs WHERE id = $1 AND complete', [id]);
    if (row.rowCount === 0) return null;
    const query = this.#query.bind(this);
    return (async function* () {
      for (let n = 0; ; n++) {
        const r = await query<{ data: Buffer }>(
          'SELECT data FROM blob_chunks WHERE id = $1 AND n = $2',
          [id, n],
        );
        const chunk = r.rows[0];
        if (!chunk) return;
        yield chunk.data;
      }
    })();
  }

  async delete(id: string): Promise<boolean> {
    if (!BLOB_ID_RE.test(id)) return false;
    const r = await this.#query('DELETE FROM blobs WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async usage(): Promise<BlobUsage> {
    const r = await this.#query<{ blobs: number; bytes: string }>(
      'SELECT count(*)::int AS blobs, coalesce(sum(size), 0)::text AS bytes FROM blobs WHERE complete',
      [],
    );
    return { blobs: r.rows[0]!.blobs, bytes: Number(r.rows[0]!.bytes) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end().catch(() => {});
  }
}
