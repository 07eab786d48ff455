import type Database from 'better-sqlite3';
import { toUpload, uploadValues, type UploadRow } from './upload-rows.js';
import type { UploadRecord, UploadStore } from './upload-store.js';

type Run = <T>(fn: () => T) => Promise<T>;

/** The uploads of SqliteStore, on its connection; a claim is one write transaction. */
export class SqliteUploads implements UploadStore {
  readonly #sql;
  readonly #claim: (ids: string[], owner: string, channel: string, cid: string) => UploadRow[];

  constructor(
    db: Database.Database,
    private readonly run: Run,
  ) {
    const sql = (this.#sql = {
      add: db.prepare(
        `INSERT INTO uploads (id, owner, channel, name, type, size, width, height, thumb,
           thumb_size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      get: db.prepare('SELECT * FROM uploads WHERE id = ?'),
      claim: db.prepare(
        `UPDATE uploads SET message_cid = ? WHERE id = ? AND owner = ? AND channel = ?
           AND (message_cid IS NULL OR message_cid = ?) RETURNING *`,
      ),
      release: db.prepare('UPDATE uploads SET message_cid = NULL WHERE id = ? AND message_cid = ?'),
      remove: db.prepare('DELETE FROM uploads WHERE id = ?'),
      usage: db.prepare(
        'SELECT coalesce(sum(size + thumb_size), 0) AS bytes FROM uploads WHERE owner = ?',
      ),
      unclaimed: db.prepare(
        `SELECT * FROM uploads WHERE message_cid IS NULL AND created_at < ?
           ORDER BY created_at LIMIT ?`,
      ),
    });
    // A transaction's `.immediate` variant is a standalone function (it closes over the database).
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#claim = db.transaction((ids: string[], owner: string, channel: string, cid: string) => {
      const rows: UploadRow[] = [];
      for (const id of new Set(ids)) {
        const row = sql.claim.get(cid, id, owner, channel, cid) as UploadRow | undefined;
        if (!row) throw new NotClaimed();
        rows.push(row);
      }
      if (rows.length !== ids.length) throw new NotClaimed();
      return rows;
    }).immediate;
  }

  addUpload(u: UploadRecord): Promise<void> {
    return this.run(() => void this.#sql.add.run(...uploadValues(u)));
  }

  upload(id: string): Promise<UploadRecord | null> {
    return this.run(() => {
      const row = this.#sql.get.get(id) as UploadRow | undefined;
      return row ? toUpload(row) : null;
    });
  }

  claimUploads(
    ids: string[],
    owner: string,
    channel: string,
    cid: string,
  ): Promise<UploadRecord[] | null> {
    return this.run(() => {
      try {
        return this.#claim(ids, owner, channel, cid).map(toUpload);
      } catch (err) {
        // Thrown to roll the transaction back: some id did not match.
        if (err instanceof NotClaimed) return null;
        throw err;
      }
    });
  }

  releaseUploads(ids: string[], cid: string): Promise<void> {
    return this.run(() => {
      for (const id of ids) this.#sql.release.run(id, cid);
    });
  }

  removeUpload(id: string): Promise<void> {
    return this.run(() => void this.#sql.remove.run(id));
  }

  uploadUsage(owner: string): Promise<number> {
    return this.run(() => (this.#sql.usage.get(owner) as { bytes: number }).bytes);
  }

  unclaimedUploads(before: number, limit: number): Promise<UploadRecord[]> {
    return this.run(() => (this.#sql.unclaimed.all(before, limit) as UploadRow[]).map(toUpload));
  }
}

class NotClaimed extends Error {}
