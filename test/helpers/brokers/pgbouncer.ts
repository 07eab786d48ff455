/**
 * A private PgBouncer in transaction mode in front of a test PostgreSQL (./postgres.ts): on an
 * ephemeral port with its config in a temp dir, every database name passed through to that
 * server as user `postgres` (auth_type any). PgBouncer refuses to run as root; as root it runs
 * as `postgres`, like the server.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import {
  Proc,
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  waitForPort,
  type Broker,
} from './common.js';

export const pgbouncerBinary = () => requireBinary('pgbouncer', ['/usr/sbin']);

/** Starts PgBouncer for the PostgreSQL listening on 127.0.0.1:`postgresPort`. */
export async function startPgbouncer(postgresPort: number): Promise<Broker> {
  const bin = pgbouncerBinary();
  const port = await freePort();
  const dir = tempDir('pgbouncer');
  const ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    ids.uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    ids.gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, ids.uid, ids.gid);
  }
  const config = `${dir}/pgbouncer.ini`;
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${postgresPort} user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      'max_client_conn = 500',
      'default_pool_size = 40',
      'server_reset_query =',
      `pidfile = ${dir}/pgbouncer.pid`,
      '',
    ].join('\n'),
  );
  const proc = new Proc(bin.path, [config], {}, ids);
  const up = async () => {
    proc.start();
    await waitForPort(port);
  };
  await up();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/switchboard`,
    port,
    kill: () => proc.stop('SIGKILL'),
    restart: async () => (await proc.stop('SIGKILL'), await up()),
    dispose: async () => (await proc.stop('SIGKILL'), removeDir(dir)),
  };
}
