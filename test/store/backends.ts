/**
 * The storage backends as the conformance suites see them: one factory per backend, given to
 * the store suite by test/store/<backend>.test.ts and to the session suite by
 * test/auth/session-store.test.ts. Each backend class implements both seams, so one factory
 * serves both.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { MemoryStore } from '../../src/store/memory.js';
import type { StoreBackend } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { ShardedStore } from '../../src/store/sharded.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { copyReleaseSqlite, releaseTokens, restoreReleaseDump } from './fixtures/release.js';
import type { StorageFactory } from './storage-suite.js';

export type BackendFactory = StorageFactory<StoreBackend>;

/** MemoryStore: every url is a new, empty store in this process. */
export const memoryFactory: BackendFactory = {
  fresh: async () => 'memory:',
  open: async (_url, options) => new MemoryStore(options),
};

/** SqliteStore on new files at the paths `freshPath` makes (under a directory the caller removes). */
export function sqliteFactory(freshPath: () => string): BackendFactory {
  return {
    fresh: async () => `sqlite:${freshPath()}`,
    open: async (url, options) => new SqliteStore(url.slice('sqlite:'.length), options),
    release: async () => {
      const path = freshPath();
      mkdirSync(dirname(path), { recursive: true });
      copyReleaseSqlite(path);
      return { url: `sqlite:${path}`, tokens: releaseTokens('sqlite') };
    },
  };
}

/** A private PostgreSQL server (test/helpers/brokers/postgres.ts) and what the tests need of it. */
export interface PostgresServer {
  broker: Broker;
  /** Connection to the cluster's `postgres` database, for CREATE DATABASE and CHECKPOINT. */
  admin: pg.Pool;
  /** The url of a new empty database, so every store starts from an unmigrated schema. */
  freshUrl(): Promise<string>;
}

/**
 * A describe block with its own PostgreSQL server, skipped visibly without the binaries. `body`
 * registers the tests; they reach the server through `server()` (started before them, disposed
 * after) and open PostgresStores, each on a new database, through `factory`.
 */
export function describeWithPostgres(
  title: string,
  body: (server: () => PostgresServer, factory: BackendFactory) => void,
): void {
  describe(title, { skip: postgresBinary().skip }, () => {
    let current: PostgresServer | undefined;
    before(async () => {
      current = await startServer();
    });
    after(async () => {
      await current?.admin.end();
      await current?.broker.dispose();
    });
    const server = (): PostgresServer => {
      if (!current) throw new Error('the PostgreSQL server is not running');
      return current;
    };
    body(server, {
      fresh: () => server().freshUrl(),
      open: (url, options) => PostgresStore.open(url, options),
      release: async () => {
        const url = await server().freshUrl();
        await restoreReleaseDump(url);
        return { url, tokens: releaseTokens('postgres') };
      },
    });
  });
}

async function startServer(): Promise<PostgresServer> {
  // In memory: a suite makes up to a hundred databases or so, and each case writes them.
  const broker = await startPostgres({ inMemory: true });
  const adminUrl = new URL(broker.url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Pool({ connectionString: adminUrl.toString(), max: 2 });
  admin.on('error', () => {});
  let databases = 0;
  return {
    broker,
    admin,
    async freshUrl() {
      const name = `sb_${++databases}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(broker.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

/**
 * New databases that are copies of one migrated database (CREATE DATABASE … TEMPLATE), much
 * faster than migrating each: what the sharded store's suites open several of per case.
 */
export function migratedCopies(server: () => PostgresServer): () => Promise<string> {
  let template: Promise<string> | undefined;
  let copies = 0;
  return async () => {
    template ??= (async () => {
      const url = await server().freshUrl();
      await (await PostgresStore.open(url)).close();
      return url;
    })();
    const from = new URL(await template);
    const name = `sb_copy_${++copies}`;
    // FILE_COPY: the copy is written once as files; the default (WAL_LOG) also writes each
    // copy into the WAL, doubling what the disk and the server's removal at the end see.
    await server().admin.query(
      `CREATE DATABASE ${name} TEMPLATE ${from.pathname.slice(1)} STRATEGY FILE_COPY`,
    );
    from.pathname = `/${name}`;
    return from.toString();
  };
}

/** A store written by an earlier release is one database: sharding it would be resharding. */
export const RELEASE_GAPS = ['release-data', 'release-moderation'];

/** ShardedStores over `count` new databases each, given as one comma-separated url. */
export function shardedFactory(newDatabase: () => Promise<string>, count: number): BackendFactory {
  return {
    fresh: async () =>
      (await Promise.all(Array.from({ length: count }, () => newDatabase()))).join(','),
    open: (url, options) =>
      ShardedStore.open(url.split(','), (u) => PostgresStore.open(u, options)),
  };
}
