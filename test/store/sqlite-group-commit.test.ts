import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SwitchboardError } from '../../src/errors.js';
import { GroupCommit } from '../../src/store/sqlite-group-commit.js';
import { WalSync } from '../../src/store/sqlite-wal-sync.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A WAL file in FULL mode, and a WAL sync whose callbacks the test releases by hand. */
function setup() {
  const db = new Database(join(dir, `db-${++files}`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (n INTEGER)');
  const syncs: ((err: Error | null) => void)[] = [];
  let syncedNow = 0;
  const walSync = {
    sync: (done: (err: Error | null) => void) => syncs.push(done),
    syncNow: () => void syncedNow++,
  };
  const wrap = (err: unknown) =>
    new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'x', { cause: err });
  const commits = new GroupCommit(db, wrap, 1000, { walSync });
  const insert = (n: number) =>
    commits.run(() => {
      db.prepare('INSERT INTO t VALUES (?)').run(n);
      return { n, synchronous: db.pragma('synchronous', { simple: true }) };
    });
  return { db, commits, insert, syncs, syncedNow: () => syncedNow };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('GroupCommit with a WAL sync', () => {
  it('settles a batch only once the sync begun after its commit called back, batches in commit order', async () => {
    const { db, insert, syncs } = setup();
    const count = () => (db.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
    const settled: number[] = [];
    let syncsAtFirstSettle = 0;
    const first = [insert(1), insert(2)].map((p) =>
      p.then((r) => {
        syncsAtFirstSettle ||= syncs.length;
        settled.push(r.n);
      }),
    );
    await turn();
    assert.equal(syncs.length, 1, 'one sync for the first batch');
    assert.equal(count(), 2, 'committed before the sync');
    const second = insert(3).then((r) => settled.push(r.n));
    await turn();
    await turn();
    assert.equal(syncs.length, 1, 'one sync at a time');
    assert.equal(count(), 2, 'a write queued during the sync waits for it');
    assert.deepEqual(settled, [], 'nothing settles before its sync');
    syncs[0]!(null);
    await Promise.all(first);
    assert.deepEqual(settled, [1, 2]);
    assert.equal(count(), 3, 'the queued write is committed when the sync returns');
    assert.equal(
      syncsAtFirstSettle,
      2,
      "and its sync started before the first batch's callers ran",
    );
    await turn();
    assert.deepEqual(settled, [1, 2], 'the second batch waits for its own sync');
    syncs[1]!(null);
    await second;
    assert.deepEqual(settled, [1, 2, 3]);
    db.close();
  });

  it('commits with synchronous NORMAL and leaves the connection in FULL', async () => {
    const { db, insert, syncs } = setup();
    const done = insert(1);
    await turn();
    syncs[0]!(null);
    assert.equal((await done).synchronous, 1, 'NORMAL inside the batch: no sync in COMMIT');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL for every other write');
    db.close();
  });

  it('rejects the writes of a batch whose sync failed with wrap(err), a write refused on its own keeping its error', async () => {
    const { db, commits, insert, syncs } = setup();
    const ok = insert(1);
    const refused = commits.run(() => {
      throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
    });
    await turn();
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    syncs[0]!(eio);
    await assert.rejects(ok, (err: Error) => {
      assert.equal((err as SwitchboardError).code, 'SB_ERR_STORE_UNAVAILABLE');
      assert.equal(err.cause, eio);
      return true;
    });
    await assert.rejects(refused, { code: 'SB_ERR_MESSAGE_NOT_FOUND' });
    db.close();
  });

  it('drain syncs on the spot and settles every batch still waiting, then commits the queue', async () => {
    const { db, commits, insert, syncs, syncedNow } = setup();
    const waiting = insert(1);
    await turn();
    const queued = insert(2);
    commits.drain();
    assert.equal(syncedNow(), 1);
    assert.deepEqual(
      (await Promise.all([waiting, queued])).map((r) => r.n),
      [1, 2],
    );
    syncs[0]!(null); // the sync in flight returns late: nothing is settled twice
    db.close();
  });
});

describe('WalSync', () => {
  it('syncs the WAL file, and reopens it once it was replaced', async () => {
    const path = join(dir, `wal-${++files}`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
    const sync = new WalSync(`${path}-wal`);
    await new Promise<void>((res, rej) => sync.sync((err) => (err ? rej(err) : res())));
    db.close(); // the last connection's close checkpoints and deletes the WAL
    const again = new Database(path);
    again.pragma('journal_mode = WAL');
    again.exec('INSERT INTO t VALUES (1)');
    sync.syncNow();
    await new Promise<void>((res, rej) => sync.sync((err) => (err ? rej(err) : res())));
    sync.close();
    again.close();
    await assert.rejects(
      new Promise<void>((res, rej) => sync.sync((err) => (err ? rej(err) : res()))),
      { code: 'ENOENT' },
      'no WAL file: the sync fails loudly instead of confirming nothing',
    );
  });
});
