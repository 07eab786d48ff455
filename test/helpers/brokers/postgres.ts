/**
 * A private PostgreSQL cluster: initdb into a temp dir, postgres on an ephemeral port with its
 * socket in the same dir, trust auth, database `switchboard`. Runs as the current user, or as
 * `postgres` via runuser when the tests run as root (PostgreSQL refuses to run as root).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync } from 'node:fs';
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

export async function startPostgres(): Promise<Broker> {
  const bin = postgresBinary();
  const binDir = bin.path.slice(0, bin.path.lastIndexOf('/'));
  const port = await freePort();
  const dir = tempDir('pg');
  const asRoot = process.getuid?.() === 0;
  let uid = 0;
  let gid = 0;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gidOut = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    uid = Number(id.stdout.trim());
    gid = Number(gidOut.stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const data = `${dir}/data`;
  const [icmd, iargs] = wrap(`${binDir}/initdb`, [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
  ]);
  const init = spawnSync(icmd, iargs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const [pcmd, pargs] = wrap(bin.path, [
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
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const proc = new Proc(pcmd, pargs);
  const up = async () => {
    proc.start();
    await waitForPort(port);
    // The port opens before the server accepts queries; wait until createdb works.
    const until = Date.now() + 30_000;
    for (;;) {
      const [ccmd, cargs] = wrap(`${binDir}/psql`, [
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
  const [ccmd, cargs] = wrap(`${binDir}/createdb`, [
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
  return {
    url: `postgres://postgres@127.0.0.1:${port}/switchboard`,
    port,
    kill: () => proc.stop('SIGKILL'),
    restart: async () => (await proc.stop('SIGKILL'), await up()),
    dispose: async () => (await proc.stop('SIGKILL'), removeDir(dir)),
  };
}
