import type pg from 'pg';
import { SwitchboardError } from '../errors.js';

/** Key of the transaction-scoped advisory lock that serialises the first layout record. */
const LAYOUT_LOCK = 0x5357_5348; // "SWSH"

/** Where a database sits in a sharded store: shard `index` of `count` (./sharded.ts). */
export interface ShardLayout {
  index: number;
  count: number;
}

/**
 * The layout recorded in the database, or null when none is (yet). Read before recording any,
 * so a list refused for one database leaves the others unrecorded.
 */
export async function readShardLayout(pool: pg.Pool): Promise<ShardLayout | null> {
  const present = await pool.query<{ t: string | null }>(
    "SELECT to_regclass('switchboard_shard')::text AS t",
  );
  if (present.rows[0]!.t === null) return null;
  const { rows } = await pool.query<{ shard_index: number; shard_count: number }>(
    'SELECT shard_index, shard_count FROM switchboard_shard',
  );
  return rows[0] ? { index: rows[0].shard_index, count: rows[0].shard_count } : null;
}

/** Rejects SB_ERR_STORE_SHARD_MISMATCH unless `held` (when recorded) is `want`. */
export function checkShardLayout(held: ShardLayout | null, want: ShardLayout, where: string) {
  if (held === null || (held.index === want.index && held.count === want.count)) return;
  throw new SwitchboardError(
    'SB_ERR_STORE_SHARD_MISMATCH',
    `${where}: this database is shard ${held.index + 1} of ${held.count}, not ${want.index + 1} ` +
      `of ${want.count}; list the store's databases in their first order (resharding is not ` +
      'supported: docs/scaling.md#store-shards)',
  );
}

/**
 * Records on first open that this database is shard `want.index` of `want.count` (table
 * `switchboard_shard`, one row; a single PostgresStore is shard 0 of 1) and rejects
 * SB_ERR_STORE_SHARD_MISMATCH when it already holds another layout: the list of databases was
 * reordered, or shards were added or removed, and channels would be looked for in the wrong
 * database. The table is outside the migrations: it describes the deployment, not the schema.
 * One transaction with an advisory lock, so nodes starting at once record it once.
 */
export async function recordShardLayout(
  pool: pg.Pool,
  want: ShardLayout,
  where: string,
): Promise<void> {
  const client = await pool.connect();
  let held: ShardLayout;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LAYOUT_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS switchboard_shard (
      only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
      shard_index INTEGER NOT NULL, shard_count INTEGER NOT NULL, recorded_at BIGINT NOT NULL)`);
    await client.query(
      `INSERT INTO switchboard_shard (shard_index, shard_count, recorded_at) VALUES ($1, $2, $3)
       ON CONFLICT (only_row) DO NOTHING`,
      [want.index, want.count, Date.now()],
    );
    const { rows } = await client.query<{ shard_index: number; shard_count: number }>(
      'SELECT shard_index, shard_count FROM switchboard_shard',
    );
    await client.query('COMMIT');
    client.release();
    held = { index: rows[0]!.shard_index, count: rows[0]!.shard_count };
  } catch (err) {
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  checkShardLayout(held, want, where);
}
