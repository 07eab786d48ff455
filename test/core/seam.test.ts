/**
 * The replay/live seam on one node, flooded: writers send without pause while newcomers join
 * (and read history) and returning users resume. Every frame each newcomer receives is checked
 * against the protocol's ordering promises (test/helpers/wire-check.ts): no duplicate, no
 * reordering, nothing at or below a reply's position, `synced` splitting replay from live, and
 * every seq from the start position to the head.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';
import { removeDir, tempDir, type Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { flood } from '../helpers/flood.js';
import { wireViolations } from '../helpers/wire-check.js';
import { startNode, TestClient, tick, type Node } from './harness.js';

const nodes: Node[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
  for (const c of cleanups) await c();
});

const WRITERS = 2;
const PER_WRITER = 400;
const NEWCOMERS = 50;

async function headOf(n: Node, channel: string): Promise<number> {
  return (await n.store.head(channel))?.lastSeq ?? 0;
}

const pg = postgresBinary();
const STORES: { name: string; skip: string | false; open: () => Promise<Store> }[] = [
  { name: 'the memory store', skip: false, open: () => openStore('memory:', { dataDir: '' }) },
  {
    name: 'the SQLite store',
    skip: false,
    open: () => {
      const dir = tempDir('seam');
      cleanups.push(() => removeDir(dir));
      return openStore(`sqlite:${join(dir, 'seam.db')}`, { dataDir: dir });
    },
  },
  {
    name: 'the PostgreSQL store',
    skip: pg.skip,
    open: async () => {
      const broker: Broker = await startPostgres();
      cleanups.push(() => broker.dispose());
      return openStore(broker.url, { dataDir: '' });
    },
  },
];

describe('the replay/live seam on one node', () => {
  for (const backend of STORES) {
    it(
      `gives joining and resuming clients every message once, in order, split by their reply and synced (${backend.name})`,
      { skip: backend.skip },
      async () => {
        const store = await backend.open();
        cleanups.unshift(() => store.close());
        await seam(
          await startNode(
            { rateLimit: 100_000, rateBurst: 100_000, floodLimit: 1_000_000 },
            { store },
          ),
        );
      },
    );
  }
});

async function seam(n: Node): Promise<void> {
  nodes.push(n);
  const writers: TestClient[] = [];
  for (let w = 0; w < WRITERS; w++) {
    const c = TestClient.connect(n);
    await c.hello({ handle: `writer${w}` });
    if (w === 0) await c.call({ type: 'create', room: 'busy' });
    else await c.call({ type: 'join', room: 'busy' });
    writers.push(c);
  }
  // Returning users: members of busy who saw some messages and went away.
  const returning: { token: string; after: number }[] = [];
  for (let i = 0; i < NEWCOMERS / 2; i++) {
    const c = TestClient.connect(n);
    await c.hello({ handle: `back${i}` });
    await c.call({ type: 'join', room: 'busy' });
    await writers[0]!.call({ type: 'send', room: 'busy', text: `before ${i}`, cid: `b${i}` });
    returning.push({ token: c.token, after: await headOf(n, 'room:busy') });
    c.raw.drop();
  }

  // Arrivals queue behind the flood's writes (PostgreSQL's pool is shared): on a loaded machine
  // a hello can take seconds; this test is about what arrives, not how fast.
  const ARRIVAL_TIMEOUT = 20_000;
  const newcomers: TestClient[] = [];
  const arrivals: Promise<void>[] = [];
  const arrive = (i: number): Promise<void> => {
    const c = TestClient.connect(n);
    newcomers.push(c);
    if (i % 2 === 0) {
      return (async () => {
        await c.hello({ handle: `new${i}` }, ARRIVAL_TIMEOUT);
        await c.call({ type: 'join', room: 'busy' }, ARRIVAL_TIMEOUT);
        await c.call({ type: 'history', channel: 'room:busy', limit: 20 }, ARRIVAL_TIMEOUT);
      })();
    }
    const r = returning[i >> 1]!;
    return c
      .hello(
        { token: r.token, resume: [{ channel: 'room:busy', after: r.after }] },
        ARRIVAL_TIMEOUT,
      )
      .then(() => {});
  };

  // Newcomers arrive one by one all through the flood, while the writers' sends are in flight.
  const floods = writers.map((w) => flood(w, 'busy', PER_WRITER, 32, 2));
  try {
    for (let i = 0; i < NEWCOMERS; i++) {
      arrivals.push(arrive(i));
      await tick(Math.floor(i / 10));
    }
    await Promise.all(arrivals);
  } finally {
    for (const f of floods) f.stop();
  }
  const sent = await Promise.all(floods.map((f) => f.done));
  assert.ok(
    sent.every((k) => k >= 40),
    `the writers kept sending while newcomers arrived (${sent.join(', ')})`,
  );
  const head = await headOf(n, 'room:busy');
  const violations = await wireViolations(
    newcomers.map((c, i) => ({ name: `newcomer ${i}`, c })),
    'room:busy',
    head,
  );
  assert.deepEqual(violations, []);
}
