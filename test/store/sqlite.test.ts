import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { StoreOptions } from '../../src/store/store.js';
import { sessionStoreConformance } from '../auth/session-store-conformance.js';
import { storeConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `db-${++files}`, 'store.db');

const factory = {
  fresh: async () => `sqlite:${freshPath()}`,
  open: async (url: string, options?: StoreOptions) =>
    new SqliteStore(url.slice('sqlite:'.length), options),
};

storeConformance('SqliteStore', factory);
sessionStoreConformance('SqliteStore', factory);

describe('SqliteStore', () => {
  it('keeps channels, messages, members and sessions across close and reopen', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    await first.createChannel('room:dev', 'room', 'ann', 1);
    await first.addMember('room:dev', 'ann');
    await first.append({ channel: 'room:dev', cid: 'c1', from: 'ann', text: 'hi', ts: 5 });
    await first.claimSession({ handle: 'ann', tokenHash: 'ab', createdAt: 1, expiresAt: 9 }, 1);
    await first.close();

    const again = new SqliteStore(path);
    try {
      assert.deepEqual(await again.head('room:dev'), { lastSeq: 1, firstSeq: 1 });
      assert.deepEqual(await again.read('room:dev', { limit: 5 }), [
        { channel: 'room:dev', seq: 1, cid: 'c1', from: 'ann', text: 'hi', ts: 5 },
      ]);
      assert.equal(await again.isMember('room:dev', 'ann'), true);
      assert.equal((await again.sessionByTokenHash('ab'))?.handle, 'ann');
      const dup = await again.append({
        channel: 'room:dev',
        cid: 'c1',
        from: 'ann',
        text: 'x',
        ts: 6,
      });
      assert.equal(dup.duplicate, true);
    } finally {
      await again.close();
    }
  });

  it('migrates a version 1 file to version 2: existing members get floorSeq 0', async () => {
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
    assert.equal(check.pragma('user_version', { simple: true }), 2);
    check.close();
  });

  it('rejects calls after close with SB_ERR_STORE_UNAVAILABLE carrying the driver error as cause', async () => {
    const store = new SqliteStore(freshPath());
    await store.close();
    await store.close();
    const err = await store.head('room:general').then(
      () => assert.fail('head resolved after close'),
      (e: unknown) => e,
    );
    assert.equal((err as { code?: string }).code, 'SB_ERR_STORE_UNAVAILABLE');
    assert.ok((err as Error).cause instanceof Error);
  });

  it('throws SB_ERR_STORE_UNAVAILABLE when the file cannot be opened', () => {
    assert.throws(() => new SqliteStore(join(dir, 'missing\0dir', 'x.db')), {
      code: 'SB_ERR_STORE_UNAVAILABLE',
    });
  });

  it('assigns seqs 1..800 exactly once to 4 processes appending 200 messages each to one file', async () => {
    const path = freshPath();
    const setup = new SqliteStore(path);
    await setup.createChannel('room:race', 'room', 'system', 0);
    await setup.close();

    const script = fileURLToPath(new URL('./fixtures/concurrent-writer.ts', import.meta.url));
    const children: ChildProcess[] = [1, 2, 3, 4].map((w) =>
      spawn(process.execPath, ['--import', 'tsx', script, path, 'room:race', String(w), '200'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const exits = children.map((c) => once(c, 'exit') as Promise<[number | null]>);
    // Start every writer at once, after all have opened the file, so their appends interleave.
    await Promise.all(children.map((c) => once(c.stdout!, 'data')));
    for (const c of children) c.stdin!.write('go\n');
    assert.deepEqual(
      (await Promise.all(exits)).map(([code]) => code),
      [0, 0, 0, 0],
    );

    const store = new SqliteStore(path);
    try {
      const all = await store.read('room:race', { after: 0, limit: 10_000 });
      assert.deepEqual(
        all.map((m) => m.seq),
        Array.from({ length: 800 }, (_, i) => i + 1),
      );
      assert.equal(new Set(all.map((m) => m.cid)).size, 800);
      for (const w of [1, 2, 3, 4]) {
        const mine = all.filter((m) => m.from === `w${w}`).map((m) => Number(m.text));
        assert.deepEqual(
          mine,
          Array.from({ length: 200 }, (_, i) => i + 1),
          `writer ${w} order`,
        );
      }
      assert.deepEqual(await store.head('room:race'), { lastSeq: 800, firstSeq: 1 });
      const switches = all.filter((m, i) => i > 0 && m.from !== all[i - 1]!.from).length;
      assert.ok(
        switches >= 10,
        `writers barely overlapped (${switches} switches); test proves little`,
      );
    } finally {
      await store.close();
    }
  });
});

describe('openStore', () => {
  it("opens SQLite at <dataDir>/switchboard.db for '' and creates room:general", async () => {
    const dataDir = join(dir, 'data-default', 'nested');
    const store = await openStore('', { dataDir });
    try {
      assert.ok(existsSync(join(dataDir, 'switchboard.db')));
      assert.ok(store instanceof SqliteStore);
      assert.deepEqual(await store.listRooms(), [{ room: 'general', members: 0, lastSeq: 0 }]);
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
