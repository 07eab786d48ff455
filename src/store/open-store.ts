import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountStore } from '../auth/account-store.js';
import type { SessionStore } from '../auth/session-store.js';
import { loadDriver, redactUrl } from '../backend-errors.js';
import { SwitchboardError } from '../errors.js';
import type { Store, StoreOptions } from './store.js';

/**
 * A storage backend as openStore opens it: the core's Store, HandleAuthenticator's SessionStore
 * and AccountService's AccountStore (`accounts`, which holds account handles among the guest
 * sessions) in one database, closed together by `close`.
 */
export type StoreBackend = Store & SessionStore & { readonly accounts: AccountStore };

const SCHEMES_HINT =
  "supported: '' (sqlite file <dataDir>/switchboard.db), 'sqlite:<path>', 'memory:', 'postgres://user:password@host:port/database'";

/**
 * Opens the store selected by `url` and makes sure `room:general` exists.
 * - `''` → SQLite at `<dataDir>/switchboard.db` (the default; dataDir is created if missing);
 * - `sqlite:<path>` → SQLite at that file;
 * - `memory:` → MemoryStore (lost on exit; one process only);
 * - `postgres://…` or `postgresql://…` → PostgresStore (shared by every node of a cluster);
 *   `?pgbouncer=true` for PgBouncer in transaction mode (./postgres-pgbouncer.ts);
 * - several postgres urls joined by commas → ShardedStore (./sharded.ts): channels spread over
 *   the databases, the first one the home of everything else. Each database records its place
 *   on first open; a reordered or resized list rejects SB_ERR_STORE_SHARD_MISMATCH.
 * Anything else rejects SB_ERR_CONFIG_INVALID. A driver is loaded only when selected; a missing
 * driver or an unreachable PostgreSQL server rejects SB_ERR_BACKEND_UNAVAILABLE.
 */
export async function openStore(
  url: string,
  options: StoreOptions & { dataDir: string },
): Promise<StoreBackend> {
  const { dataDir, ...storeOptions } = options;
  let store: StoreBackend;
  if (url === 'memory:') {
    const { MemoryStore } = await import('./memory.js');
    store = new MemoryStore(storeOptions);
  } else if (url === '' || url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (url === '') {
      mkdirSync(dataDir, { recursive: true });
      path = join(dataDir, 'switchboard.db');
    }
    if (path === '')
      throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `store url has no path: '${url}'`);
    const { SqliteStore } = await loadDriver(
      () => import('./sqlite.js'),
      'better-sqlite3',
      'sqlite store',
    );
    store = new SqliteStore(path, storeOptions);
  } else if (isPostgres(url)) {
    store = await openPostgres(url.split(','), storeOptions);
  } else {
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      `unknown store url '${url}'; ${SCHEMES_HINT}`,
    );
  }
  await store.createChannel('room:general', 'room', 'system', Date.now());
  return store;
}

/**
 * Whether the store at `url` lives in one process's memory (`memory:`, or SQLite's `:memory:`):
 * no other process (a `--workers` sibling, another node) can share it.
 */
export const isProcessLocalStore = (url: string): boolean =>
  url === 'memory:' || url === 'sqlite::memory:';

const isPostgres = (url: string): boolean =>
  url.startsWith('postgres://') || url.startsWith('postgresql://');

/** One PostgresStore, or a ShardedStore over several (each recording its layout). */
async function openPostgres(urls: string[], options: StoreOptions): Promise<StoreBackend> {
  const bad = urls.find((u) => !isPostgres(u));
  if (bad !== undefined)
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      `a sharded store lists postgres urls only, not '${redactUrl(bad)}'`,
    );
  const { PostgresStore } = await loadDriver(() => import('./postgres.js'), 'pg', 'postgres store');
  const open = (url: string) =>
    PostgresStore.open(url, options).catch((err: unknown) => {
      throw new SwitchboardError(
        'SB_ERR_BACKEND_UNAVAILABLE',
        `cannot reach the postgres store at ${redactUrl(url)}: ${(err as Error).message}; ` +
          'check that PostgreSQL is running and the url, user and database are right',
        { cause: err },
      );
    });
  if (urls.length === 1) {
    const store = await open(urls[0]!);
    try {
      await store.recordLayout({ index: 0, count: 1 }, `store ${redactUrl(urls[0]!)}`);
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    return store;
  }
  const { ShardedStore } = await import('./sharded.js');
  return ShardedStore.open(urls, open, redactUrl);
}
