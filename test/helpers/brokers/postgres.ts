/**
 * A private PostgreSQL cluster: initdb into a temp dir, postgres on an ephemeral port with its
 * socket in the same dir, trust auth, database `switchboard`. Runs as the current user, or as
 * `postgres` when the tests run as root (PostgreSQL refuses to run as root): the tools through
 * runuser, the server spawned directly with its uid/gid so kill() reaches it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import {
  Proc,
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  waitForPort,
  type Broker,
} from './common.js';

const PG_DIRS = readdirSafe('/usr/lib/postgresql')
  .sort()
  .reverse()
  .map((v) => `/usr/lib/postgresql/${v}/bin`);

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const postgresBinary = () => requireBinary('postgres', PG_DIRS);

/**
 * `settings` are extra `-c name=value` server settings, applied after the defaults below (so
 * `{ fsync: 'on' }` turns durability back on, for a benchmark). `inMemory`: the cluster's
 * directory on tmpfs (/dev/shm, where there is one), for suites that make a hundred databases or
 * more: removing such a directory from a disk other processes keep busy took up to a minute of
 * the suite's time.
 */
/** An initialised, stopped cluster: its directory, data dir and how to run its tools. */
export interface PostgresCluster {
  dir: string;
  data: string;
  binDir: string;
  /** The postgres user's uid/gid when the tests run as root, else empty. */
  ids: { uid?: number; gid?: number };
  /** argv for one of its tools (`binDir/<tool>`), through runuser when the tests run as root. */
  tool: (name: string, args: string[]) => [string, string[]];
}

/**
 * initdb into a fresh temp dir (owned by `postgres` when the tests run as root), trust auth,
 * superuser `postgres`. `startPostgres` runs it on this host; the network-namespace test runs it
 * in a namespace of its own.
 */
export function initPostgresCluster(options: { inMemory?: boolean } = {}): PostgresCluster {
  const bin = postgresBinary();
  const binDir = bin.path.slice(0, bin.path.lastIndexOf('/'));
  const dir = tempDir('pg', options.inMemory && existsSync('/dev/shm') ? '/dev/shm' : undefined);
  const ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    ids.uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    ids.gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, ids.uid, ids.gid);
  }
  chmodSync(dir, 0o700);
  const tool = (name: string, args: string[]): [string, string[]] =>
    ids.uid === undefined
      ? [`${binDir}/${name}`, args]
      : ['runuser', ['-u', 'postgres', '--', `${binDir}/${name}`, ...args]];
  const data = `${dir}/data`;
  const [icmd, iargs] = tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const init = spawnSync(icmd, iargs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  return { dir, data, binDir, ids, tool };
}

/**
 * `settings` are extra `-c name=value` server settings, applied after the defaults below (so
 * `{ fsync: 'on' }` turns durability back on, for a benchmark). `inMemory`: the cluster's
 * directory on tmpfs (/dev/shm, where there is one), for suites that make a hundred databases or
 * more: removing such a directory from a disk other processes keep busy took up to a minute of
 * the suite's time.
 */
export async function startPostgres(
  options: { inMemory?: boolean; settings?: Record<string, string> } = {},
): Promise<Broker> {
  const settings = options.settings ?? {};
  const bin = postgresBinary();
  const port = await freePort();
  const { dir, data, ids, tool } = initPostgresCluster(options);
  // fsync=off is safe for tests (a killed process loses nothing the OS already has);
  // synchronous_commit stays on, or a SIGKILL would lose acknowledged commits.
  // The server itself is spawned with uid/gid (not through runuser), so SIGKILL reaches it.
  const pargs = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-h',
    '127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  const proc = new Proc(bin.path, pargs, { HOME: dir }, ids);
  const up = async () => {
    proc.start();
    await waitForPort(port);
    // The port opens before the server accepts queries; wait until createdb works.
    const until = Date.now() + 30_000;
    for (;;) {
      const [ccmd, cargs] = tool('psql', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-tAc',
        'SELECT 1',
      ]);
      if (spawnSync(ccmd, cargs).status === 0) break;
      if (Date.now() > until) throw new Error(`postgres did not accept queries:\n${proc.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await up();
  const [ccmd, cargs] = tool('createdb', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    'switchboard',
  ]);
  const created = spawnSync(ccmd, cargs, { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
  // A crash: the postmaster and its backends die together. Killing only the postmaster leaves
  // backends attached to the shared memory, and a new postmaster then refuses to start.
  const crash = async () => {
    const pid = proc.child?.pid;
    const children = pid ? childrenOf(pid) : [];
    await proc.stop('SIGKILL');
    for (const c of children) {
      try {
        process.kill(c, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const until = Date.now() + 10_000;
    while (children.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/switchboard`,
    port,
    kill: crash,
    restart: async () => (await crash(), await up()),
    dispose: async () => (await crash(), removeDir(dir)),
  };
}

function statOf(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSafe('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => statOf(p)?.[1] === String(pid));
}

function alive(pid: number): boolean {
  const st = statOf(pid);
  return existsSync(`/proc/${pid}`) && st !== null && st[0] !== 'Z';
}
