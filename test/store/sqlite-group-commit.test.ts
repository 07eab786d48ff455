/**
 * GroupCommit's WAL sync off the event loop (src/store/sqlite-group-commit.ts, `syncWal`): a
 * batch commits without an fsync of its own, and its callers settle only after the sync that
 * follows its commit; a failed sync fails its callers and every later one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../src/store/sqlite-group-commit.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A WAL file with table t, a second connection to look at it, and a sync the test ends. */
function setup() {
  const path = join(dir, `db-${++files}.db`);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (x INTEGER)');
  const other = new Database(path);
  const syncs: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const commits = new GroupCommit(db, (err) => new Error('wrapped', { cause: err }), 1000, {
    syncWal: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
  });
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const write = (x: number) =>
    commits.run(() => {
      insert.run(x);
      return db.pragma('synchronous', { simple: true }) as number;
    });
  const stored = () => other.prepare('SELECT x FROM t ORDER BY x').pluck().all() as number[];
  const close = () => {
    other.close();
    db.close();
  };
  return { db, commits, syncs, write, stored, close };
}

/** Records when `p` settles. */
function watch<T>(p: Promise<T>) {
  const w = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  p.then(
    (v) => Object.assign(w, { settled: true, value: v }),
    (e: unknown) => Object.assign(w, { settled: true, error: e }),
  );
  return w;
}

describe('GroupCommit with syncWal', () => {
  it('settles a batch only after the sync that follows its commit; batches committed meanwhile wait for the next sync', async () => {
    const s = setup();
    try {
      const first = watch(s.write(1));
      await turn();
      assert.deepEqual(s.stored(), [1], 'committed at once');
      assert.equal(s.syncs.length, 1);
      assert.equal(first.settled, false, 'not settled before its sync');
      const second = watch(s.write(2));
      await turn();
      assert.deepEqual(s.stored(), [1, 2], 'the next batch commits while the sync runs');
      assert.equal(s.syncs.length, 1, 'one sync at a time');
      s.syncs[0]!.resolve();
      await turn();
      assert.equal(first.value, 1, 'the batch ran at synchronous=NORMAL (1)');
      assert.equal(second.settled, false, 'committed after the sync began: waits for the next');
      assert.equal(s.syncs.length, 2);
      s.syncs[1]!.resolve();
      await turn();
      assert.equal(second.value, 1);
      assert.equal(s.db.pragma('synchronous', { simple: true }), 2, 'FULL again between batches');
      await s.commits.synced();
    } finally {
      s.close();
    }
  });

  it('rejects the callers of a failed sync and every later caller with the wrapped error', async () => {
    const s = setup();
    try {
      const first = watch(s.write(1));
      await turn();
      s.syncs[0]!.reject(new Error('EIO'));
      await turn();
      assert.equal((first.error as Error).message, 'wrapped');
      assert.equal(((first.error as Error).cause as Error).message, 'EIO');
      await assert.rejects(s.write(2), { message: 'wrapped' });
      assert.equal(s.syncs.length, 1, 'no sync after a failed one');
    } finally {
      s.close();
    }
  });
});
