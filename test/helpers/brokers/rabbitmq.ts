/**
 * A private RabbitMQ node for tests: its own node name, AMQP port, distribution port, mnesia,
 * log and config dirs in a temp dir, so it never touches the system node on 5672. Only the
 * shared epmd (port 4369) is common, which is harmless: each node registers its own name.
 *
 * We run `/usr/lib/rabbitmq/bin/rabbitmq-server`, the script Debian's `/usr/sbin/rabbitmq-server`
 * wraps: the wrapper `su`s to the `rabbitmq` user as root (dropping HOME and our temp dir's
 * ownership) and refuses any other user. The script forks `erl` (beam.smp) and waits, so a
 * SIGKILL must reach the whole process group: we spawn detached and kill `-pid`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { reapOnExit } from '../reaper.js';
import { freePort, removeDir, requireBinary, tempDir, waitForPort, type Broker } from './common.js';

export const rabbitBinary = () =>
  requireBinary('rabbitmq-server', ['/usr/lib/rabbitmq/bin', '/usr/sbin']);

/** How long one boot (fresh or after a crash) may take before the helper gives up. */
const BOOT_TIMEOUT_MS = 90_000;

/** Like `Proc` in common.ts, but owns a process group so a kill takes the Erlang VM with it. */
class GroupProc {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    private readonly cmd: string,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
  ) {}

  start(): void {
    const child = spawn(this.cmd, [], {
      env: { ...process.env, ...this.env },
      cwd: this.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    child.once(
      'exit',
      reapOnExit(() => killGroup(child)),
    );
  }

  /** SIGKILL the whole group (script, beam.smp, port programs) and wait for the script. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    killGroup(child);
    await exited;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export async function startRabbit(): Promise<Broker> {
  const bin = rabbitBinary();
  const port = await freePort();
  const distPort = await freePort();
  const dir = tempDir('rabbit');
  const conf = join(dir, 'rabbitmq.conf');
  // A tmp dir may sit on a nearly full disk; the default 50 MB free-disk alarm would block
  // publishers, so the limit is lowered to 1 MB.
  writeFileSync(
    conf,
    [
      'loopback_users = none',
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'disk_free_limit.absolute = 1MB',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), ''); // no management plugin: faster boot
  writeFileSync(join(dir, 'rabbitmq-env.conf'), ''); // ignore /etc/rabbitmq/rabbitmq-env.conf
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  mkdirSync(join(dir, 'mnesia'));
  mkdirSync(join(dir, 'log'));
  const proc = new GroupProc(
    bin.path,
    {
      HOME: dir,
      RABBITMQ_NODENAME: `sb${randomBytes(4).toString('hex')}@localhost`,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: conf,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    },
    dir,
  );
  const url = `amqp://guest:guest@127.0.0.1:${port}`;

  const up = async (): Promise<void> => {
    proc.start();
    const until = Date.now() + BOOT_TIMEOUT_MS;
    try {
      await waitForPort(port, BOOT_TIMEOUT_MS);
      // The listener opens late in boot, but wait for a full AMQP handshake to be sure.
      for (;;) {
        if (!proc.running) throw new Error('rabbitmq-server exited during boot');
        try {
          const conn = await amqp.connect(url, { timeout: 2_000 });
          await conn.close();
          return;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } catch (err) {
      await proc.stop();
      throw new Error(`RabbitMQ did not start: ${String(err)}\n${proc.output}`, { cause: err });
    }
  };

  await up().catch((err: unknown) => {
    removeDir(dir);
    throw err;
  });
  return {
    url,
    port,
    kill: () => proc.stop(),
    restart: async () => (await proc.stop(), await up()),
    dispose: async () => (await proc.stop(), removeDir(dir)),
  };
}
