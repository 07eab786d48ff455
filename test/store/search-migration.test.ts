/**
 * Upgrading to the search schema (the last migration of both SQL stores): a database written by the
 * schema before it gets its messages indexed, deleted ones left out; and PostgreSQL without the
 * right to create pg_trgm still searches, without the index.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres.js';
import { SEARCH_VERSION as PG_SEARCH_VERSION } from '../../src/store/postgres-schema.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { SCHEMA_VERSION, SEARCH_FIRST } from '../../src/store/sqlite-schema.js';
import type { Store } from '../../src/store/store.js';
import { describeWithPostgres } from './backends.js';

const ROOM = 'room:dev';

/**
 * Undoes the migrations that came after the search ones (a test going back to before search
 * must take them out too, or they would run again on a table that exists). One line per
 * migration added after them.
 */
const AFTER_SEARCH_SQLITE = 'DROP TABLE presented_roles; ALTER TABLE messages DROP COLUMN doc;';
const AFTER_SEARCH_PG = 'DROP TABLE presented_roles';
const channels = [{ channel: ROOM, floorSeq: 0 }];

/** Three messages, the second deleted: what a store from before search may hold. */
async function fill(store: Store): Promise<void> {
  await store.createChannel(ROOM, 'room', 'ann', 1);
  await store.append({ channel: ROOM, cid: 'a', from: 'ann', text: 'keep this Café', ts: 1 });
  await store.append({ channel: ROOM, cid: 'b', from: 'bob', text: 'drop this', ts: 2 });
  await store.append({ channel: ROOM, cid: 'c', from: 'ann', text: 'and this', ts: 3 });
  await store.append({ channel: ROOM, cid: 'd', from: 'bob', text: '', ts: 4, deletes: 2 });
}

async function assertBackfilled(store: Store): Promise<void> {
  const hits = (await store.search.search({ query: 'this', channels, limit: 10 })).hits;
  assert.deepEqual(
    hits.map((h) => [h.seq, h.text]),
    [
      [3, 'and this'],
      [1, 'keep this Café'],
    ],
  );
  assert.equal((await store.search.search({ query: 'cafe', channels, limit: 10 })).hits.length, 1);
  await store.append({ channel: ROOM, cid: 'e', from: 'ann', text: 'this is new', ts: 5 });
  const newest = (await store.search.search({ query: 'this', channels, limit: 1 })).hits[0];
  assert.equal(newest?.seq, 5, 'new messages are indexed after the backfilled ones');
}

/** A SQLite file at `path` holding `fill`'s messages, its index fed every `feedDocs` documents. */
async function filledFile(path: string, feedDocs: number): Promise<void> {
  const made = new SqliteStore(path, { sqliteSearchFeedDocs: feedDocs });
  await fill(made);
  await made.close();
}

/** Checks the file's FTS5 index and its schema version; the index table's SQL. */
function assertIndexSound(path: string): string {
  const check = new Database(path);
  try {
    check.exec(`INSERT INTO search_fts (search_fts) VALUES ('integrity-check')`);
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    return check
      .prepare(`SELECT sql FROM sqlite_master WHERE name = 'search_fts'`)
      .pluck()
      .get() as string;
  } finally {
    check.close();
  }
}

/** The SQLite tests' files, each under its own name. */
const dir = mkdtempSync(join(tmpdir(), 'switchboard-search-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore search migration', () => {
  it('indexes the messages of a file from before search, leaving deleted ones out', async () => {
    const path = join(dir, 'before-search.db');
    const made = new SqliteStore(path);
    await fill(made);
    await made.close();
    // Back to the version before search, with what came after it: the triggers go with their
    // table.
    const v4 = new Database(path);
    v4.exec(
      `DROP TABLE search_fts; DROP TABLE search_docs; DROP TABLE search_indexed;
       ${AFTER_SEARCH_SQLITE}
       PRAGMA user_version = ${SEARCH_FIRST - 1};`,
    );
    v4.close();
    const store = new SqliteStore(path);
    try {
      await assertBackfilled(store);
    } finally {
      await store.close();
    }
    const check = new Database(path);
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    check.close();
  });
});

describe('SqliteStore search index mark (migration 19)', () => {
  it('upgrades a file indexed row by row: its documents stay found, deletable and editable', async () => {
    const path = join(dir, 'v18.db');
    // Fed at every commit, as the per-row triggers of version 18 indexed every document.
    await filledFile(path, 1);
    // Back to version 18: the per-row triggers, no mark, nothing of what came after.
    const v18 = new Database(path);
    v18.exec(`${AFTER_SEARCH_SQLITE}
      DROP TABLE search_indexed;
      DROP TRIGGER search_docs_delete; DROP TRIGGER search_docs_update;
      CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
      END;
      CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
      END;
      CREATE TRIGGER search_docs_update AFTER UPDATE OF body ON search_docs BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
      END;
      PRAGMA user_version = ${SEARCH_FIRST};`);
    v18.close();
    const store = new SqliteStore(path);
    const find = async (query: string) =>
      (await store.search.search({ query, channels, limit: 10 })).hits.map((h) => h.seq);
    try {
      assert.deepEqual(await find('this'), [3, 1]);
      await store.append({ channel: ROOM, cid: 'e', from: 'ann', text: 'x', ts: 5, deletes: 3 });
      await store.append({
        channel: ROOM,
        cid: 'f',
        from: 'ann',
        text: 'keep that',
        ts: 6,
        edits: 1,
      });
      await store.append({ channel: ROOM, cid: 'g', from: 'bob', text: 'this is new', ts: 7 });
      assert.deepEqual(await find('this'), [7], 'the old documents left the index');
      assert.deepEqual(await find('that'), [1]);
    } finally {
      await store.close();
    }
    assertIndexSound(path);
  });
});

describe('SqliteStore search index without positions (migration 22)', () => {
  it('rebuilds an index with positions: fed documents stay found, waiting ones wait', async () => {
    const path = join(dir, 'v21.db');
    // Fed every two documents: `keep this Café` is fed (and `drop this`, deleted since), `and
    // this` waits above the mark.
    await filledFile(path, 2);
    // Back to version 21: the index as migration 18 made it (positions kept), holding what was
    // fed.
    const v21 = new Database(path);
    v21.exec(`DROP TABLE search_fts;
      CREATE VIRTUAL TABLE search_fts USING fts5(body, content = 'search_docs',
        content_rowid = 'id', tokenize = 'trigram remove_diacritics 1');
      INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);
      INSERT INTO search_fts (rowid, body)
        SELECT id, body FROM search_docs WHERE id <= (SELECT id FROM search_indexed);
      PRAGMA user_version = 21;`);
    assert.equal(v21.prepare('SELECT id FROM search_indexed').pluck().get(), 2);
    v21.close();
    const store = new SqliteStore(path);
    const find = async (query: string) =>
      (await store.search.search({ query, channels, limit: 10 })).hits.map((h) => h.seq);
    try {
      assert.deepEqual(await find('this'), [3, 1]);
      assert.deepEqual(await find('"keep this"'), [1], 'a fed document, by a phrase');
      assert.deepEqual(await find('and this'), [3], 'a waiting document');
      await store.append({
        channel: ROOM,
        cid: 'e',
        from: 'ann',
        text: 'keep that',
        ts: 5,
        edits: 1,
      });
      assert.deepEqual(await find('keep'), [1]);
      assert.deepEqual(await find('this'), [3], 'the edit left the index');
    } finally {
      await store.close();
    }
    assert.match(assertIndexSound(path), /detail = none/);
  });
});

describeWithPostgres('PostgresStore search migration', (server) => {
  it('indexes the messages of a database from before search, leaving deleted ones out', async () => {
    const url = await server().freshUrl();
    const made = await PostgresStore.open(url);
    assert.equal(made.search.trigramIndex, true, 'pg_trgm is available here');
    await fill(made);
    await made.close();
    const v4 = new pg.Client({ connectionString: url });
    await v4.connect();
    await v4.query('DROP TABLE message_search');
    await v4.query(AFTER_SEARCH_PG);
    await v4.query('DELETE FROM switchboard_schema WHERE version >= $1', [PG_SEARCH_VERSION]);
    await v4.end();
    const store = await PostgresStore.open(url);
    try {
      await assertBackfilled(store);
    } finally {
      await store.close();
    }
  });

  it('searches without the trigram index when the role may not create pg_trgm', async () => {
    const url = new URL(await server().freshUrl());
    const database = url.pathname.slice(1);
    await server()
      .admin.query('CREATE ROLE sb_limited LOGIN')
      .catch(() => {});
    // The role owns the schema it writes to, but may not CREATE in the database (no extension).
    const owner = new pg.Client({ connectionString: url.toString() });
    await owner.connect();
    await owner.query('CREATE SCHEMA sb_limited AUTHORIZATION sb_limited');
    await owner.end();
    await server().admin.query(`REVOKE CREATE ON DATABASE ${database} FROM PUBLIC`);
    url.username = 'sb_limited';
    const store = await PostgresStore.open(url.toString());
    try {
      assert.equal(store.search.trigramIndex, false);
      await fill(store);
      await assertBackfilled(store);
    } finally {
      await store.close();
    }
  });
});
