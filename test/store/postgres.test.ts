import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import type { NewMessage, StoreOptions } from '../../src/store/store.js';
import { sessionStoreConformance } from '../auth/session-store-conformance.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { storeConformance } from './conformance.js';

const bin = postgresBinary();
const WRITER = fileURLToPath(new URL('./fixtures/pg-concurrent-writer.ts', import.meta.url));
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const msg = (cid: string, channel = 'room:dev'): NewMessage => ({
  channel,
  cid,
  from: 'ann',
  text: cid,
  ts: 1,
});

let broker: Broker;
/** Connection to the cluster's `postgres` database, for CREATE DATABASE and CHECKPOINT. */
let admin: pg.Pool;
let databases = 0;

/** The url of a new empty database, so every case starts from an unmigrated schema. */
async function freshUrl(): Promise<string> {
  const name = `sb_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(broker.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * SIGKILLs the server like a crash. CHECKPOINT first: the harness runs with
 * synchronous_commit=off, which may lose the last commits in a crash.
 */
async function crash(): Promise<void> {
  await admin.query('CHECKPOINT');
  await broker.kill();
}

/** Waits until `count` sessions of `url`'s database are blocked on a lock. */
async function waitForLockWaiters(url: string, count: number): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  for (;;) {
    // From another session: pg_stat_activity is a snapshot per transaction.
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
      [database],
    );
    if (rows[0]!.n >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface WriterReport {
  fresh: number[];
  duplicates: number;
}

/** Runs one writer process per argument list, all started together; resolves their reports. */
async function runWriters(url: string, argLists: string[][]): Promise<WriterReport[]> {
  const children = argLists.map((args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, url, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', () => out.includes('ready\n') && resolve()),
    );
    const exit = once(child, 'exit') as Promise<[number | null]>;
    return { child, ready, exit, out: () => out };
  });
  // Start every writer at once, after all have connected and migrated, so their appends overlap.
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  const codes = await Promise.all(children.map(async (c) => (await c.exit)[0]));
  assert.deepEqual(
    codes,
    argLists.map(() => 0),
    'writer exit codes',
  );
  return children.map((c) => JSON.parse(c.out().trim().split('\n').at(-1)!) as WriterReport);
}

describe('PostgresStore', { skip: bin.skip }, () => {
  before(async () => {
    broker = await startPostgres();
    const url = new URL(broker.url);
    url.pathname = '/postgres';
    admin = new pg.Pool({ connectionString: url.toString(), max: 2 });
    admin.on('error', () => {});
  });

  after(async () => {
    if (!broker) return;
    await admin.end();
    await broker.dispose();
  });

  const factory = {
    fresh: freshUrl,
    open: (url: string, options?: StoreOptions) => PostgresStore.open(url, options),
  };

  storeConformance('PostgresStore', factory);
  sessionStoreConformance('PostgresStore', factory);

  it('keeps channels, messages, members and sessions across close and reopen', async () => {
    const url = await freshUrl();
    const first = await PostgresStore.open(url);
    await first.createChannel('room:dev', 'room', 'ann', 1);
    await first.addMember('room:dev', 'ann');
    await first.append({ channel: 'room:dev', cid: 'c1', from: 'ann', text: 'hi', ts: 5 });
    await first.claimSession({ handle: 'ann', tokenHash: 'ab', createdAt: 1, expiresAt: 9 }, 1);
    await first.close();

    const again = await PostgresStore.open(url);
    try {
      assert.deepEqual(await again.head('room:dev'), { lastSeq: 1, firstSeq: 1 });
      assert.deepEqual(await again.read('room:dev', { limit: 5 }), [
        { channel: 'room:dev', seq: 1, cid: 'c1', from: 'ann', text: 'hi', ts: 5 },
      ]);
      assert.equal(await again.isMember('room:dev', 'ann'), true);
      assert.equal((await again.sessionByTokenHash('ab'))?.handle, 'ann');
      assert.equal((await again.append({ ...msg('c1'), text: 'x' })).duplicate, true);
    } finally {
      await again.close();
    }
  });

  it('migrates once when several nodes open the same empty database at once', async () => {
    const url = await freshUrl();
    const stores = await Promise.all(range(1, 5).map(() => PostgresStore.open(url)));
    await Promise.all(stores.map((s) => s.close()));
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT version FROM switchboard_schema ORDER BY version');
      assert.deepEqual(rows, [{ version: 1 }, { version: 2 }]);
    } finally {
      await check.end();
    }
  });

  it('rejects calls after close with SB_ERR_STORE_UNAVAILABLE carrying the driver error as cause', async () => {
    const store = await PostgresStore.open(await freshUrl());
    await store.close();
    await store.close();
    const err = await store.head('room:general').then(
      () => assert.fail('head resolved after close'),
      (e: unknown) => e,
    );
    assert.equal((err as { code?: string }).code, 'SB_ERR_STORE_UNAVAILABLE');
    assert.ok((err as Error).cause instanceof Error);
  });

  it('assigns seqs 1..800 exactly once to 4 processes appending 200 messages each', async () => {
    const url = await freshUrl();
    const store = await PostgresStore.open(url);
    try {
      await store.createChannel('room:race', 'room', 'system', 0);
      const reports = await runWriters(
        url,
        [1, 2, 3, 4].map((w) => [String(w), '200']),
      );
      const all = await store.read('room:race', { after: 0, limit: 10_000 });
      assert.deepEqual(
        all.map((m) => m.seq),
        range(1, 800),
      );
      assert.deepEqual(
        reports.flatMap((r) => r.fresh).sort((a, b) => a - b),
        range(1, 800),
      );
      assert.equal(new Set(all.map((m) => m.cid)).size, 800);
      for (const w of [1, 2, 3, 4]) {
        const mine = all.filter((m) => m.from === `w${w}`).map((m) => Number(m.text));
        assert.deepEqual(mine, range(1, 200), `writer ${w} order`);
      }
      assert.deepEqual(await store.head('room:race'), { lastSeq: 800, firstSeq: 1 });
      const switches = all.filter((m, i) => i > 0 && m.from !== all[i - 1]!.from).length;
      assert.ok(switches >= 10, `writers barely overlapped (${switches} switches)`);
    } finally {
      await store.close();
    }
  });

  it('stores one message for 4 processes × 50 concurrent appends of the same (sender, cid)', async () => {
    const url = await freshUrl();
    const store = await PostgresStore.open(url);
    try {
      await store.createChannel('room:same', 'room', 'system', 0);
      const reports = await runWriters(
        url,
        [1, 2, 3, 4].map((w) => [String(w), '50', 'same-cid']),
      );
      assert.deepEqual(
        reports.flatMap((r) => r.fresh),
        [1],
      );
      assert.equal(
        reports.reduce((n, r) => n + r.duplicates, 0),
        199,
      );
      assert.equal((await store.read('room:same', { after: 0, limit: 100 })).length, 1);
      // The duplicates consumed no seq: the next message gets 2.
      assert.equal((await store.append(msg('next', 'room:same'))).message.seq, 2);
    } finally {
      await store.close();
    }
  });

  it('stores one of two appends of the same cid that both passed the duplicate check, consuming one seq', async () => {
    const url = await freshUrl();
    const store = await PostgresStore.open(url);
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await store.createChannel('room:dev', 'room', 'ann', 1);
      // Hold the channel row so both appends check for the duplicate before either inserts.
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM channels WHERE channel = 'room:dev' FOR UPDATE");
      const racing = [store.append(msg('x')), store.append(msg('x'))];
      await waitForLockWaiters(url, 2);
      await locker.query('COMMIT');
      const results = await Promise.all(racing);
      assert.deepEqual(results.map((r) => r.duplicate).sort(), [false, true]);
      assert.deepEqual(results[0]!.message, results[1]!.message);
      assert.equal((await store.append(msg('y'))).message.seq, 2);
    } finally {
      await locker.end();
      await store.close();
    }
  });

  describe('openStore', () => {
    it('opens a PostgresStore with room:general for postgres:// and postgresql://', async () => {
      const url = await freshUrl();
      for (const scheme of ['postgres:', 'postgresql:']) {
        const u = new URL(url);
        u.protocol = scheme;
        const store = await openStore(u.toString(), { dataDir: '/nonexistent' });
        try {
          assert.ok(store instanceof PostgresStore);
          assert.deepEqual(await store.listRooms(), [{ room: 'general', members: 0, lastSeq: 0 }]);
        } finally {
          await store.close();
        }
      }
    });

    it('rejects an unreachable server at start with SB_ERR_BACKEND_UNAVAILABLE', async () => {
      const url = `postgres://sb:secret@127.0.0.1:${await freePort()}/sb`;
      const err = await openStore(url, { dataDir: '/nonexistent' }).then(
        () => assert.fail('openStore resolved'),
        (e: unknown) => e as Error & { code?: string },
      );
      assert.equal(err.code, 'SB_ERR_BACKEND_UNAVAILABLE');
      assert.ok(!err.message.includes('secret'), 'the password stays out of the message');
    });
  });

  // Last: it kills the shared server.
  it('rejects promptly while the server is down and recovers by itself when it is back', async () => {
    const store = await PostgresStore.open(await freshUrl());
    try {
      await store.createChannel('room:dev', 'room', 'ann', 1);
      assert.equal((await store.append(msg('m1'))).message.seq, 1);
      await crash();
      const started = Date.now();
      await assert.rejects(store.append(msg('m2')), { code: 'SB_ERR_STORE_UNAVAILABLE' });
      await assert.rejects(store.head('room:dev'), { code: 'SB_ERR_STORE_UNAVAILABLE' });
      assert.ok(Date.now() - started < 6_000, 'a down database rejects within the timeout');
      await broker.restart();
      assert.equal((await store.append(msg('m2'))).message.seq, 2);
      assert.deepEqual(await store.head('room:dev'), { lastSeq: 2, firstSeq: 1 });
    } finally {
      await store.close();
    }
  });
});
