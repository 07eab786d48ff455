import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import {
  APPEND_BATCH_SQL,
  batchJson,
  type QueuedAppend,
} from '../../src/store/postgres-append-batch.js';
import { SCHEMA_VERSION } from '../../src/store/postgres-schema.js';
import type { NewMessage } from '../../src/store/store.js';
import { freePort } from '../helpers/brokers/common.js';
import { describeWithPostgres, type PostgresServer } from './backends.js';
import { storeConformance } from './conformance.js';
import { searchConformance } from './search-conformance.js';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const msg = (cid: string, channel = 'room:dev'): NewMessage => ({
  channel,
  cid,
  from: 'ann',
  text: cid,
  ts: 1,
});

/**
 * SIGKILLs the server like a crash. CHECKPOINT first: the harness runs with
 * synchronous_commit=off, which may lose the last commits in a crash.
 */
async function crash(server: PostgresServer): Promise<void> {
  await server.admin.query('CHECKPOINT');
  await server.broker.kill();
}

/** Waits until `count` sessions of `url`'s database are blocked on a lock. */
async function waitForLockWaiters(
  server: PostgresServer,
  url: string,
  count: number,
): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  for (;;) {
    // From another session: pg_stat_activity is a snapshot per transaction.
    const { rows } = await server.admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
      [database],
    );
    if (rows[0]!.n >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Two stores on one database (two nodes) and a third session holding `room:dev`'s channel row,
 * so appends issued now all wait at the lock; `release()` commits it once `waiters` wait.
 */
async function twoNodesBehindALock(
  server: PostgresServer,
  rooms: string[],
  body: (
    stores: [PostgresStore, PostgresStore],
    release: (waiters: number) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  const url = await server.freshUrl();
  const [store, other] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  try {
    for (const room of rooms) await store.createChannel(room, 'room', 'ann', 1);
    await locker.query('BEGIN');
    await locker.query("SELECT 1 FROM channels WHERE channel = 'room:dev' FOR UPDATE");
    await body([store, other], async (waiters) => {
      await waitForLockWaiters(server, url, waiters);
      await locker.query('COMMIT');
    });
  } finally {
    await locker.end();
    await Promise.all([store.close(), other.close()]);
  }
}

const DM = 'dm:ann:bob';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The tables a plan reads whole (EXPLAIN's JSON form). */
function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

describeWithPostgres('PostgresStore', (server, factory) => {
  storeConformance('PostgresStore', factory);
  searchConformance('PostgresStore', factory);

  it('migrates once when several nodes open the same empty database at once', async () => {
    const url = await server().freshUrl();
    const stores = await Promise.all(range(1, 5).map(() => PostgresStore.open(url)));
    await Promise.all(stores.map((s) => s.close()));
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT version FROM switchboard_schema ORDER BY version');
      assert.deepEqual(
        rows,
        range(1, SCHEMA_VERSION).map((version) => ({ version })),
      );
    } finally {
      await check.end();
    }
  });

  it("stores one of two nodes' appends of the same cid that both passed the duplicate check, consuming one seq", () =>
    // Both appends check for the duplicate while the row is held, before either inserts.
    twoNodesBehindALock(server(), ['room:dev'], async ([store, other], release) => {
      const racing = [store.append(msg('x')), other.append(msg('x'))];
      await release(2);
      const results = await Promise.all(racing);
      assert.deepEqual(results.map((r) => r.duplicate).sort(), [false, true]);
      assert.deepEqual(results[0]!.message, results[1]!.message);
      assert.equal((await store.append(msg('y'))).message.seq, 2);
    }));

  it("falls back to single appends when two nodes' batches race on one cid: stored once, seqs gapless", () =>
    twoNodesBehindALock(server(), ['room:dev', 'room:ops'], async ([store, other], release) => {
      // Each node's three appends go out as one batch statement (issued in one turn).
      const racing = [
        ...['x', 'a1', 'a2'].map((cid) => store.append(msg(cid))),
        ...['b1', 'x', 'b2'].map((cid) => other.append(msg(cid))),
        other.append(msg('o1', 'room:ops')),
      ];
      await release(2);
      const results = await Promise.all(racing);
      const xs = [results[0]!, results[4]!];
      assert.deepEqual(xs.map((r) => r.duplicate).sort(), [false, true]);
      assert.deepEqual(xs[0]!.message, xs[1]!.message);
      const dev = results.filter((r) => r.message.channel === 'room:dev' && !r.duplicate);
      assert.deepEqual(
        dev.map((r) => r.message.seq).sort((a, b) => a - b),
        range(1, 5),
      );
      const stored = await store.read('room:dev', { after: 0, limit: 10 });
      assert.deepEqual(
        stored.map((m) => m.seq),
        range(1, 5),
      );
      assert.deepEqual(await store.head('room:ops'), { lastSeq: 1, firstSeq: 1 });
    }));

  it('numbers the appends of one batch in the order they were issued, across channels', async () => {
    const store = await PostgresStore.open(await server().freshUrl());
    try {
      await store.createChannel('room:dev', 'room', 'ann', 1);
      await store.createChannel('room:ops', 'room', 'ann', 1);
      await store.addMember('room:dev', 'ann');
      const results = await Promise.all(
        range(1, 40).map((i) =>
          store.append(msg(`m${i}`, i % 2 ? 'room:dev' : 'room:ops'), { markRead: true }),
        ),
      );
      const dev = results.filter((r) => r.message.channel === 'room:dev');
      const ops = results.filter((r) => r.message.channel === 'room:ops');
      assert.deepEqual(
        dev.map((r) => r.message.seq),
        range(1, 20),
      );
      assert.deepEqual(
        ops.map((r) => r.message.seq),
        range(1, 20),
      );
      // A read position after each append, as appended one by one; ann is no member of ops.
      assert.deepEqual(
        dev.map((r) => r.readSeq),
        range(1, 20),
      );
      assert.ok(ops.every((r) => r.readSeq === undefined));
      assert.deepEqual(
        (await store.read('room:dev', { after: 0, limit: 50 })).map((m) => m.cid),
        range(1, 20).map((i) => `m${2 * i - 1}`),
      );
    } finally {
      await store.close();
    }
  });

  it("plans a batch's duplicate and DM checks as index probes, not as reads of whole tables", async () => {
    const url = await server().freshUrl();
    const store = await PostgresStore.open(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await store.createChannel(DM, 'dm', 'ann', 1, ['ann', 'bob']);
      // The DM bench's tables (4,000 conversations), and statistics that say so: at this size
      // the checks written as EXISTS were planned as hashed subplans reading members and blocks
      // whole for every batch.
      await client.query(`INSERT INTO channels (channel, kind, created_by, created_at)
        SELECT 'dm:x' || g || ':y' || g, 'dm', 'x' || g, 1 FROM generate_series(1, 4000) g`);
      await client.query(`INSERT INTO members (channel, "user", read_seq, joined_at)
        SELECT 'dm:x' || g || ':y' || g, u || g, 0, 1
        FROM generate_series(1, 4000) g, unnest(ARRAY['x', 'y']) u`);
      await client.query(`INSERT INTO messages (channel, seq, cid, sender, text, ts)
        SELECT 'dm:x' || g || ':y' || g, 1, 'c' || g, 'x' || g, 'hi', 1
        FROM generate_series(1, 4000) g`);
      await client.query(`INSERT INTO blocks ("user", other)
        SELECT 'y' || g, 'z' || g FROM generate_series(1, 5000) g`);
      await client.query('ANALYZE channels, members, messages, blocks');
      const toBob = { markRead: true, recipient: 'bob' };
      const dm = (cid: string): NewMessage => ({ channel: DM, cid, from: 'ann', text: cid, ts: 2 });
      const batch: QueuedAppend[] = ['a', 'b'].map((cid) => ({ m: dm(cid), ...toBob }));
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${APPEND_BATCH_SQL}`,
        [batchJson(batch), 0],
      );
      const scans = seqScans(rows[0]!['QUERY PLAN'][0].Plan);
      assert.deepEqual(scans, [], `whole tables read: ${scans.join(', ')}`);
      // And the statement still does its work: issued in one turn, the two go out as one batch,
      // bob's checks pass, and they are numbered in order.
      const results = await Promise.all(batch.map((q) => store.append(q.m, toBob)));
      assert.deepEqual(
        results.map((r) => r.message.seq),
        [1, 2],
      );
    } finally {
      await client.end();
      await store.close();
    }
  });

  describe('openStore', () => {
    it('opens a PostgresStore with room:general for postgres:// and postgresql://', async () => {
      const url = await server().freshUrl();
      for (const scheme of ['postgres:', 'postgresql:']) {
        const u = new URL(url);
        u.protocol = scheme;
        const store = await openStore(u.toString(), { dataDir: '/nonexistent' });
        try {
          assert.ok(store instanceof PostgresStore);
          assert.deepEqual(await store.listRooms(), [
            { room: 'general', members: 0, lastSeq: 0, topic: '', archived: false },
          ]);
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
    const store = await PostgresStore.open(await server().freshUrl());
    try {
      await store.createChannel('room:dev', 'room', 'ann', 1);
      assert.equal((await store.append(msg('m1'))).message.seq, 1);
      await crash(server());
      const started = Date.now();
      await assert.rejects(store.append(msg('m2')), { code: 'SB_ERR_STORE_UNAVAILABLE' });
      await assert.rejects(store.head('room:dev'), { code: 'SB_ERR_STORE_UNAVAILABLE' });
      assert.ok(Date.now() - started < 6_000, 'a down database rejects within the timeout');
      await server().broker.restart();
      assert.equal((await store.append(msg('m2'))).message.seq, 2);
      assert.deepEqual(await store.head('room:dev'), { lastSeq: 2, firstSeq: 1 });
    } finally {
      await store.close();
    }
  });
});
