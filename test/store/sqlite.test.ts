import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { sqliteFactory } from './backends.js';
import { storeConformance } from './conformance.js';
import { searchConformance } from './search-conformance.js';
import { copyReleaseSqlite } from './fixtures/release.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `db-${++files}`, 'store.db');

storeConformance('SqliteStore', sqliteFactory(freshPath));
searchConformance('SqliteStore', sqliteFactory(freshPath));

describe('SqliteStore', () => {
  it('migrates a version 1 file to the latest: existing members get floorSeq 0', async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE channels (channel TEXT PRIMARY KEY, kind TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0, first_seq INTEGER NOT NULL DEFAULT 1);
      CREATE TABLE messages (channel TEXT NOT NULL, seq INTEGER NOT NULL, cid TEXT NOT NULL,
        sender TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL,
        PRIMARY KEY (channel, seq), UNIQUE (channel, sender, cid)) WITHOUT ROWID;
      CREATE TABLE members (channel TEXT NOT NULL, user TEXT NOT NULL,
        read_seq INTEGER NOT NULL, joined_at INTEGER NOT NULL,
        PRIMARY KEY (channel, user)) WITHOUT ROWID;
      CREATE INDEX members_by_user ON members (user);
      CREATE TABLE sessions (handle TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      INSERT INTO channels VALUES ('dm:ann:bob', 'dm', 'ann', 1, 2, 1);
      INSERT INTO members VALUES ('dm:ann:bob', 'ann', 2, 1);
      PRAGMA user_version = 1;`);
    v1.close();
    const store = new SqliteStore(path);
    try {
      assert.deepEqual(await store.membership('dm:ann:bob', 'ann'), { readSeq: 2, floorSeq: 0 });
      assert.equal(await store.addMember('dm:ann:bob', 'bob'), true);
      assert.deepEqual(await store.membership('dm:ann:bob', 'bob'), { readSeq: 2, floorSeq: 2 });
    } finally {
      await store.close();
    }
    const check = new Database(path);
    assert.equal(
      check.pragma('user_version', { simple: true }),
      SCHEMA_VERSION,
      'and on to the latest',
    );
    check.close();
  });

  it('makes the recorded creator of a room its owner when upgrading to version 3', async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    copyReleaseSqlite(path);
    const v2 = new Database(path);
    v2.exec(`INSERT INTO channels VALUES ('room:ann', 'room', 'ann', 1, 0, 1);
      INSERT INTO members VALUES ('room:ann', 'ann', 0, 1, 0);
      INSERT INTO members VALUES ('room:ann', 'bob', 0, 1, 0);`);
    v2.close();
    const store = new SqliteStore(path);
    try {
      const role = async (room: string, user: string) =>
        (await store.moderation.access(room, user, 0))?.role;
      assert.equal(await role('room:ann', 'ann'), 'owner');
      assert.equal(await role('room:ann', 'bob'), 'member');
      assert.equal(await role('room:general', 'ann'), 'member', "general's creator is 'system'");
      assert.equal((await store.moderation.access('room:ann', 'bob', 0))?.kind, 'public');
    } finally {
      await store.close();
    }
  });

  it('throws SB_ERR_STORE_UNAVAILABLE when the file cannot be opened', () => {
    assert.throws(() => new SqliteStore(join(dir, 'missing\0dir', 'x.db')), {
      code: 'SB_ERR_STORE_UNAVAILABLE',
    });
  });
});

describe('openStore', () => {
  it("opens SQLite at <dataDir>/switchboard.db for '' and creates room:general", async () => {
    const dataDir = join(dir, 'data-default', 'nested');
    const store = await openStore('', { dataDir });
    try {
      assert.ok(existsSync(join(dataDir, 'switchboard.db')));
      assert.ok(store instanceof SqliteStore);
      assert.deepEqual(await store.listRooms(), [
        { room: 'general', members: 0, lastSeq: 0, topic: '', archived: false },
      ]);
    } finally {
      await store.close();
    }
  });

  it('opens SQLite at the given path for sqlite:<path>, keeping room:general on reopen', async () => {
    const path = freshPath();
    const first = await openStore(`sqlite:${path}`, { dataDir: dir, retainPerChannel: 2 });
    for (const cid of ['a', 'b', 'c'])
      await first.append({ channel: 'room:general', cid, from: 'ann', text: cid, ts: 1 });
    assert.deepEqual(await first.head('room:general'), { lastSeq: 3, firstSeq: 2 });
    await first.close();
    const again = await openStore(`sqlite:${path}`, { dataDir: dir });
    assert.deepEqual(await again.head('room:general'), { lastSeq: 3, firstSeq: 2 });
    await again.close();
  });

  it('opens a MemoryStore with room:general for memory:', async () => {
    const store = await openStore('memory:', { dataDir: join(dir, 'unused') });
    assert.ok(store instanceof MemoryStore);
    assert.deepEqual(await store.head('room:general'), { lastSeq: 0, firstSeq: 1 });
    assert.equal(existsSync(join(dir, 'unused')), false);
    await store.close();
  });

  it('rejects an unknown scheme or an empty sqlite path with SB_ERR_CONFIG_INVALID', async () => {
    for (const url of ['redis:', 'sqlite:', 'memory']) {
      await assert.rejects(
        openStore(url, { dataDir: dir }),
        { code: 'SB_ERR_CONFIG_INVALID' },
        url,
      );
    }
  });
});
