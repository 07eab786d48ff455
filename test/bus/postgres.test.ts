import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresBus } from '../../src/bus/postgres.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { busConformance } from './conformance.js';

const bin = postgresBinary();

describe('PostgresBus against a private PostgreSQL', { skip: bin.skip }, () => {
  let broker: Broker | undefined;

  before(
    async () => {
      broker = await startPostgres();
    },
    { timeout: 60_000 },
  );

  after(async () => {
    if (broker) await crashPostgres(broker.url).catch(() => {});
    await broker?.dispose();
  });

  busConformance('PostgresBus', {
    async create(nodeId) {
      return new PostgresBus(broker!.url, { nodeId });
    },
    restartBackend: async () => {
      await crashPostgres(broker!.url);
      await broker!.restart();
    },
  });

  test('publish while the broker is down rejects SB_ERR_BACKEND_UNAVAILABLE at once, with the driver error as cause', async () => {
    const bus = new PostgresBus(broker!.url, { nodeId: `down-${process.pid}` });
    await bus.start(() => {});
    try {
      await crashPostgres(broker!.url);
      const until = Date.now() + 5_000;
      while (bus.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(bus.ready(), false, 'still ready after the broker died');
      const began = Date.now();
      const err = await bus.publish('ch.room:down', 'lost').then(
        () => assert.fail('publish resolved while the broker was down'),
        (e: unknown) => e as { code?: string; cause?: unknown },
      );
      assert.equal(err.code, 'SB_ERR_BACKEND_UNAVAILABLE');
      assert.ok(err.cause instanceof Error, 'no driver error as cause');
      assert.ok(Date.now() - began < 1_000, 'publish took too long to reject');
    } finally {
      await broker!.restart();
      await bus.close();
    }
  });
});

test('PostgresBus start against a closed port rejects SB_ERR_BACKEND_UNAVAILABLE within a few seconds', async () => {
  const port = await freePort();
  const bus = new PostgresBus(`postgres://postgres@127.0.0.1:${port}/switchboard`, {
    nodeId: 'lonely',
  });
  const began = Date.now();
  await assert.rejects(
    bus.start(() => {}),
    { code: 'SB_ERR_BACKEND_UNAVAILABLE' },
  );
  assert.ok(Date.now() - began < 5_000, 'start took too long to fail');
  assert.equal(bus.ready(), false);
});

/**
 * SIGKILLs the postmaster and all its children, like a crash. Needed because, when the tests
 * run as root, the helper's process is `runuser`, which forks postgres: killing it alone would
 * leave the server running (and the restart would "succeed" against the old server).
 */
async function crashPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const postmaster = parentOf(rows[0]!.pid); // read while the backend still exists
  await client.end();
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // a backend that exited meanwhile
    }
  }
  // The new postmaster refuses to start while old children still hold the shared memory.
  const until = Date.now() + 10_000;
  while (pids.some((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid))) {
    if (Date.now() > until) throw new Error('old postgres processes did not exit');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fields of /proc/<pid>/stat after the parenthesised command name: state, ppid, ... */
function statOf(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const parentOf = (pid: number): number => Number(statOf(pid)[1]);

function isZombie(pid: number): boolean {
  try {
    return statOf(pid)[0] === 'Z';
  } catch {
    return true;
  }
}

function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return parentOf(pid) === parent;
      } catch {
        return false; // exited meanwhile
      }
    });
}
