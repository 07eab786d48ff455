import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { BusyTimeout } from '../../src/store/sqlite-busy-timeout.js';
import { GroupCommit, MAX_BATCH } from '../../src/store/sqlite-group-commit.js';
import { SqliteStore, WAL_CHECKPOINT_PAGES } from '../../src/store/sqlite.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { trigramCover } from '../../src/store/sqlite-search.js';
import { sqliteFactory } from './backends.js';
import { storeConformance } from './conformance.js';
import { searchConformance } from './search-conformance.js';
import { copyReleaseSqlite } from './fixtures/release.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `db-${++files}`, 'store.db');
/** A fresh WAL file with one table `t (<column>)`, its connection waiting 250 ms for a lock. */
function walTable(column = 'x INTEGER'): { path: string; db: Database.Database } {
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 250 });
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE t (${column})`);
  return { path, db };
}
/** A message by ann in room:a. */
const msg = (cid: string, text: string) => ({ channel: 'room:a', cid, from: 'ann', text, ts: 1 });

storeConformance('SqliteStore', sqliteFactory(freshPath));
searchConformance('SqliteStore', sqliteFactory(freshPath));
// The same with the index fed every three messages: a page mixes fed and waiting ones.
searchConformance('SqliteStore (index fed every 3 messages)', {
  ...sqliteFactory(freshPath),
  open: async (url, options) =>
    new SqliteStore(url.slice('sqlite:'.length), { ...options, sqliteSearchFeedDocs: 3 }),
});

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

  it('gives 600 appends made in one turn gapless seqs per room, in call order', async () => {
    const store = new SqliteStore(freshPath());
    try {
      for (const room of ['room:a', 'room:b']) {
        await store.createChannel(room, 'room', 'ann', 1);
        await store.addMember(room, 'ann');
      }
      // One synchronous burst: every call below is queued before the first batch runs.
      const appends = range(600).map((i) =>
        store.append({
          channel: i % 3 ? 'room:a' : 'room:b',
          cid: `c${i}`,
          from: 'ann',
          text: `${i}`,
          ts: 1,
        }),
      );
      const moved = store.setReadSeq('room:a', 'ann', 10_000);
      const results = await Promise.all(appends);
      for (const room of ['room:a', 'room:b']) {
        const mine = results.filter((r) => r.message.channel === room);
        assert.deepEqual(
          mine.map((r) => r.message.seq),
          range(mine.length).map((i) => i + 1),
          `${room}: gapless, in call order`,
        );
      }
      assert.equal(await moved, 400, 'a read move queued after the appends sees all of them');
    } finally {
      await store.close();
    }
  });

  it('indexes a turn of messages at its commit, a delete or edit in the same turn included', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { sqliteSearchFeedDocs: 1 });
    const room = [{ channel: 'room:a', floorSeq: 0 }];
    const find = async (query: string) =>
      (await store.search.search({ query, channels: room, limit: 10 })).hits.map((h) => h.seq);
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      // One turn, so one batch: seqs 1 and 2, then events on both before the batch's index flush.
      await Promise.all([
        store.append(msg('a', 'alpha one')),
        store.append(msg('b', 'bravo two')),
        store.append({ ...msg('c', ''), deletes: 1 }),
        store.append({ ...msg('d', 'bravo edited'), edits: 2 }),
      ]);
      assert.deepEqual(await find('alpha'), [], 'deleted in the turn it was written');
      assert.deepEqual(await find('two'), [], 'its first wording is gone');
      assert.deepEqual(await find('edited'), [2]);
      // Deleting the newest document frees its rowid: the next one must still be indexed.
      await store.append(msg('e', 'charlie three'));
      await store.append({ ...msg('f', ''), deletes: 5 });
      await store.append(msg('g', 'delta four'));
      assert.deepEqual(await find('charlie'), []);
      assert.deepEqual(await find('delta'), [7]);
      await store.append({ ...msg('h', 'delta five'), edits: 7 });
      assert.deepEqual(await find('four'), [], 'an edit of an indexed message re-indexes it');
      assert.deepEqual(await find('five'), [7]);
    } finally {
      await store.close();
    }
    const check = new Database(path);
    check.exec(`INSERT INTO search_fts (search_fts) VALUES ('integrity-check')`);
    assert.deepEqual(
      check
        .prepare('SELECT (SELECT id FROM search_indexed) AS mark, max(id) AS top FROM search_docs')
        .get(),
      { mark: 4, top: 4 },
      'every document at or below the mark, and in the index',
    );
    check.close();
  });

  it('feeds the index once enough messages wait, and finds waiting and indexed ones alike', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { sqliteSearchFeedDocs: 3 });
    const other = new SqliteStore(path, { sqliteSearchFeedDocs: 3 });
    const room = [{ channel: 'room:a', floorSeq: 0 }];
    const check = new Database(path, { readonly: true });
    const mark = () => check.prepare('SELECT id FROM search_indexed').pluck().get();
    const find = async (query: string, limit = 10, cursor?: string) => {
      const page = await store.search.search({ query, channels: room, limit, cursor });
      return { seqs: page.hits.map((h) => h.seq), cursor: page.cursor };
    };
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      // One turn each: two wait, found by the scan of what waits.
      await store.append(msg('a', 'common one'));
      await store.append(msg('b', 'common two'));
      assert.equal(mark(), 0, 'two wait: not fed yet');
      assert.deepEqual((await find('common')).seqs, [2, 1]);
      // The third, by another process, makes its transaction feed all three.
      await other.append(msg('c', 'common three'));
      assert.equal(mark(), 3, 'three waited: fed at that commit');
      await store.append(msg('d', 'common four'));
      await store.append(msg('e', 'common five'));
      assert.equal(mark(), 3);
      // Newest first across the two: 5, 4 wait; 3, 2, 1 are indexed. Paged two at a time.
      assert.deepEqual((await find('common')).seqs, [5, 4, 3, 2, 1]);
      const pages: number[][] = [];
      let cursor: string | undefined;
      do {
        const page = await find('common', 2, cursor);
        pages.push(page.seqs);
        cursor = page.cursor ?? undefined;
      } while (cursor);
      assert.deepEqual(pages, [[5, 4], [3, 2], [1]], 'pages cross from waiting to indexed');
      // A delete and an edit of a waiting message, and of an indexed one.
      await store.append({ ...msg('f', ''), deletes: 5 });
      await store.append({ ...msg('g', 'common four, reworded'), edits: 4 });
      await store.append({ ...msg('h', ''), deletes: 1 });
      await store.append({ ...msg('i', 'common two, reworded'), edits: 2 });
      assert.deepEqual((await find('common')).seqs, [4, 3, 2]);
      assert.deepEqual((await find('reworded')).seqs, [4, 2]);
      assert.deepEqual((await find('five')).seqs, []);
      assert.deepEqual((await find('one')).seqs, []);
      // Two more reach three waiting, 4 and the new ones (5 was deleted before it was fed, so
      // the first of them takes its id): fed, with the edit's text.
      await store.append(msg('j', 'common six'));
      await store.append(msg('k', 'common seven'));
      assert.equal(mark(), 6);
      assert.deepEqual((await find('reworded')).seqs, [4, 2]);
      assert.deepEqual((await find('common')).seqs, [11, 10, 4, 3, 2]);
    } finally {
      check.close();
      await other.close();
      await store.close();
    }
    const db = new Database(path);
    db.exec(`INSERT INTO search_fts (search_fts) VALUES ('integrity-check')`);
    db.close();
  });

  it('unindexes what retention prunes, found through the rows, a reused document id left alone', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { sqliteSearchFeedDocs: 3, retainPerChannel: 3 });
    const room = [{ channel: 'room:a', floorSeq: 0 }];
    const find = async (query: string) =>
      (await store.search.search({ query, channels: room, limit: 10 })).hits.map((h) => h.seq);
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      await store.append(msg('a', 'alpha one'));
      await store.append(msg('b', 'bravo two'));
      // Seq 2's document is deleted while it waits, so seq 4's takes its id (2); seq 2's row
      // still names it.
      await store.append({ ...msg('c', ''), deletes: 2 });
      await store.append(msg('d', 'charlie three'));
      await store.append(msg('e', 'delta four'));
      assert.deepEqual(await find('charlie'), [4], 'pruning seq 2 left the reused id alone');
      assert.deepEqual(await find('alpha'), []);
    } finally {
      await store.close();
    }
    const check = new Database(path);
    assert.deepEqual(
      check.prepare('SELECT id, seq FROM search_docs ORDER BY id').all(),
      [
        { id: 2, seq: 4 },
        { id: 3, seq: 5 },
      ],
      'no document of a pruned message is left',
    );
    assert.deepEqual(check.prepare('SELECT seq, doc FROM messages ORDER BY seq').all(), [
      { seq: 3, doc: null },
      { seq: 4, doc: 2 },
      { seq: 5, doc: 3 },
    ]);
    check.exec(`INSERT INTO search_fts (search_fts) VALUES ('integrity-check')`);
    check.close();
  });

  it('numbers search documents afresh after a rolled-back batch, another writer having added some', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { sqliteSearchFeedDocs: 1 });
    const other = new SqliteStore(path, { sqliteSearchFeedDocs: 1 });
    const room = [{ channel: 'room:a', floorSeq: 0 }];
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      const ddl = new Database(path);
      ddl.exec(`CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.text = 'boom'
        BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`);
      ddl.close();
      // A document written, then the batch rolled back: the ids it counted were never stored.
      const failed = await Promise.allSettled([
        store.append(msg('a', 'lost words')),
        store.append(msg('b', 'boom')),
      ]);
      assert.deepEqual(
        failed.map((o) => o.status),
        ['rejected', 'rejected'],
      );
      // The other connection takes those ids.
      await other.append(msg('c', 'other one'));
      await other.append(msg('d', 'other two'));
      const after = await store.append(msg('e', 'mine again'));
      assert.equal(after.message.seq, 3);
      const hits = await store.search.search({ query: 'mine', channels: room, limit: 10 });
      assert.deepEqual(
        hits.hits.map((h) => h.seq),
        [3],
      );
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('rejects only its own caller for a coded error inside a batch', async () => {
    const store = new SqliteStore(freshPath());
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      const [ok, missing, event, next] = await Promise.allSettled([
        store.append({ channel: 'room:a', cid: 'c1', from: 'ann', text: 'one', ts: 1 }),
        store.append({ channel: 'room:nope', cid: 'c2', from: 'ann', text: 'two', ts: 1 }),
        store.append({ channel: 'room:a', cid: 'c3', from: 'ann', text: '', ts: 1, deletes: 9 }),
        store.append({ channel: 'room:a', cid: 'c4', from: 'ann', text: 'four', ts: 1 }),
      ]);
      assert.equal(ok.status === 'fulfilled' && ok.value.message.seq, 1);
      assert.equal(missing.status === 'rejected' && code(missing.reason), 'SB_ERR_CHANNEL_INVALID');
      assert.equal(event.status === 'rejected' && code(event.reason), 'SB_ERR_MESSAGE_NOT_FOUND');
      assert.equal(next.status === 'fulfilled' && next.value.message.seq, 2, 'no seq consumed');
    } finally {
      await store.close();
    }
  });

  it('rejects every caller of a batch with the driver error as cause when one write fails', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      await store.addMember('room:a', 'ann');
      await store.append({ channel: 'room:a', cid: 'c0', from: 'ann', text: 'first', ts: 1 });
      const ddl = new Database(path);
      ddl.exec(`CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.text = 'boom'
        BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`);
      ddl.close();
      // MAX_BATCH writes in the first batch (a read move, the failing append, the rest), then 8.
      const calls = [
        store.setReadSeq('room:a', 'ann', 1),
        store.append({ channel: 'room:a', cid: 'boom', from: 'ann', text: 'boom', ts: 1 }),
        ...range(MAX_BATCH - 2 + 8).map((i) =>
          store.append({ channel: 'room:a', cid: `c${i + 1}`, from: 'ann', text: 'fine', ts: 1 }),
        ),
      ];
      const outcomes = await Promise.allSettled(calls);
      const first = outcomes.slice(0, MAX_BATCH);
      for (const o of first) {
        assert.equal(o.status, 'rejected');
        const err = o.reason as Error;
        assert.equal(code(err), 'SB_ERR_STORE_UNAVAILABLE');
        assert.equal(code(err.cause), 'SQLITE_CONSTRAINT_TRIGGER');
      }
      assert.deepEqual(
        outcomes.slice(MAX_BATCH).map((o) => o.status === 'fulfilled' && o.value),
        [2, 3, 4, 5, 6, 7, 8, 9].map((seq, i) => ({
          message: {
            channel: 'room:a',
            cid: `c${MAX_BATCH - 1 + i}`,
            from: 'ann',
            text: 'fine',
            ts: 1,
            seq,
          },
          duplicate: false,
        })),
        'the next batch goes on from seq 2: the failed one left no trace',
      );
      assert.deepEqual(await store.membership('room:a', 'ann'), { readSeq: 0, floorSeq: 0 });
    } finally {
      await store.close();
    }
  });

  it('waits for a write lock another connection holds without blocking the event loop', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const other = new Database(path);
    try {
      await store.createChannel('room:a', 'room', 'ann', 1);
      other.exec('BEGIN IMMEDIATE');
      const first = store.append({ channel: 'room:a', cid: 'c1', from: 'ann', text: '1', ts: 1 });
      // Released by a timer of this same process: a batch that slept in SQLite's busy handler
      // would hold the event loop until its busy_timeout and fail.
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 50));
      const second = store.append({ channel: 'room:a', cid: 'c2', from: 'ann', text: '2', ts: 1 });
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(Date.now() - started < 1000, 'timers ran while the lock was held');
      other.exec('COMMIT');
      const results = await Promise.all([first, second]);
      assert.deepEqual(
        results.map((r) => r.message.seq),
        [1, 2],
        'queued in order, committed once the lock is free',
      );
      assert.deepEqual(await store.head('room:a'), { lastSeq: 2, firstSeq: 1 });
    } finally {
      other.close();
      await store.close();
    }
  });

  it('times each committed batch for onCommit, not a refused lock or a rolled-back batch', async () => {
    const { path, db } = walTable('x INTEGER CHECK (x < 100)');
    const other = new Database(path);
    const commits: [number, number][] = [];
    const group = new GroupCommit(db, (err) => err as Error, new BusyTimeout(db, 250), {
      onCommit: (seconds, writes) => commits.push([seconds, writes]),
    });
    const insert = (x: number) => () => db.prepare('INSERT INTO t VALUES (?)').run(x).changes;
    try {
      // One turn's three writes: one commit of three.
      await Promise.all([1, 2, 3].map((x) => group.run(insert(x))));
      assert.equal(commits.length, 1);
      assert.equal(commits[0]![1], 3);
      assert.ok(commits[0]![0] >= 0 && commits[0]![0] < 5, `seconds: ${commits[0]![0]}`);
      // Refused while another connection holds the lock: timed once, when it finally commits.
      other.exec('BEGIN IMMEDIATE');
      const late = group.run(insert(4));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(commits.length, 1, 'no commit timed while the lock was refused');
      other.exec('COMMIT');
      await late;
      assert.equal(commits.length, 2);
      assert.equal(commits[1]![1], 1);
      // A driver error rolls the batch back: nothing committed, nothing timed.
      await assert.rejects(group.run(insert(500)));
      assert.equal(commits.length, 2);
      assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 4);
    } finally {
      other.close();
      db.close();
    }
  });

  it('settles a batch even when its onCommit throws', async () => {
    const { db } = walTable();
    const group = new GroupCommit(db, (err) => err as Error, new BusyTimeout(db, 250), {
      onCommit: () => {
        throw new Error('a broken observer');
      },
    });
    try {
      const run = () => group.run(() => db.prepare('INSERT INTO t VALUES (1)').run().changes);
      assert.deepEqual(await Promise.all([run(), run()]), [1, 1]);
      assert.equal(await run(), 1, 'the queue goes on after it');
    } finally {
      db.close();
    }
  });

  it('asks for the lock without waiting, and leaves the connection so for the next batch', async () => {
    const { path, db } = walTable();
    const other = new Database(path);
    const timeout = () => db.pragma('busy_timeout', { simple: true }) as number;
    const busy = new BusyTimeout(db, 250);
    const commits = new GroupCommit(db, (err) => err as Error, busy);
    const insert = () => db.prepare('INSERT INTO t VALUES (1)').run().changes;
    try {
      assert.equal(timeout(), 250, 'waiting until a batch runs');
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const written = commits.run(insert);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(timeout(), 0, 'not waiting between refusals');
      other.exec('COMMIT');
      assert.equal(await written, 1);
      assert.ok(Date.now() - started < 250, 'no try waited in the busy handler');
      assert.equal(await commits.run(insert), 1);
      assert.equal(timeout(), 0, 'batches back to back leave it alone');
      busy.wait();
      assert.equal(timeout(), 250);
    } finally {
      other.close();
      db.close();
    }
  });

  it("waits for another process's lock in a write after a group commit, as before it", async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    await store.createChannel('room:a', 'room', 'ann', 1);
    await store.append(msg('c1', 'in a batch'));
    // A worker thread stands in for another process: it takes the write lock, says so, and
    // gives it back 500 ms later, while this thread is blocked in SQLite's busy handler. It
    // marks `given` just before its COMMIT: a write that did not wait for the lock finds the
    // lock held and fails, and one that waited goes through after the mark.
    const given = new Int32Array(new SharedArrayBuffer(4));
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      const Database = require('better-sqlite3');
      const db = new Database(workerData.path);
      db.exec('BEGIN IMMEDIATE');
      parentPort.postMessage('locked');
      Atomics.wait(workerData.given, 0, 0, 500);
      Atomics.store(workerData.given, 0, 1);
      db.exec('COMMIT');
      db.close();`,
      { eval: true, workerData: { path, given } },
    );
    const exited = once(holder, 'exit');
    try {
      await once(holder, 'message');
      assert.equal(await store.moderation.setBlock('ann', 'bob', true), true);
      assert.equal(Atomics.load(given, 0), 1, 'it went through once the lock was given back');
      assert.equal(await store.moderation.isBlocked('ann', 'bob'), true);
    } finally {
      await exited;
      await store.close();
    }
  });

  it('does not sleep in the busy handler in its very first batch either', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const created = store.createChannel('room:a', 'room', 'ann', 1);
      setTimeout(() => other.exec('COMMIT'), 50);
      assert.equal(await created, true);
      assert.ok(Date.now() - started < 1000, 'the timer that frees the lock ran');
    } finally {
      other.close();
      await store.close();
    }
  });

  it('commits what is queued when closed in the same turn', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    await store.createChannel('room:a', 'room', 'ann', 1);
    const appended = store.append({ channel: 'room:a', cid: 'c1', from: 'ann', text: 'hi', ts: 1 });
    await store.close();
    assert.equal((await appended).message.seq, 1);
    const again = new SqliteStore(path);
    assert.deepEqual(await again.head('room:a'), { lastSeq: 1, firstSeq: 1 });
    await again.close();
  });

  it('opens with synchronous FULL by default and NORMAL when asked', async () => {
    for (const [mode, want] of [
      [undefined, 'full'],
      ['normal', 'normal'],
      ['full', 'full'],
    ] as const) {
      const store = new SqliteStore(freshPath(), { sqliteSynchronous: mode });
      assert.equal(store.synchronous, want, String(mode));
      await store.close();
    }
    assert.throws(() => new SqliteStore(freshPath(), { sqliteSynchronous: 'off' as 'full' }), {
      code: 'SB_ERR_CONFIG_INVALID',
    });
  });

  it("checkpoints the WAL every WAL_CHECKPOINT_PAGES pages, not SQLite's 1,000", async () => {
    const store = new SqliteStore(freshPath());
    assert.equal(store.walCheckpointPages, WAL_CHECKPOINT_PAGES);
    assert.ok(WAL_CHECKPOINT_PAGES > 1000);
    await store.close();
  });

  it('throws SB_ERR_STORE_UNAVAILABLE when the file cannot be opened', () => {
    assert.throws(() => new SqliteStore(join(dir, 'missing\0dir', 'x.db')), {
      code: 'SB_ERR_STORE_UNAVAILABLE',
    });
  });
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const code = (err: unknown): unknown => (err as { code?: unknown }).code;

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

describe('trigramCover', () => {
  it('covers every character of a term with the fewest trigrams, by code point', () => {
    assert.deepEqual(trigramCover('abc'), ['abc']);
    assert.deepEqual(trigramCover('abcd'), ['abc', 'bcd']);
    assert.deepEqual(trigramCover('abcdef'), ['abc', 'def']);
    assert.deepEqual(trigramCover('keyboard'), ['key', 'boa', 'ard']);
    // 👍🏽 is two code points (and four UTF-16 units): a trigram never splits one.
    assert.deepEqual(trigramCover('👍🏽ab'), ['👍🏽a', '🏽ab']);
  });
});
