/**
 * `switchboard cluster --nodes N`: a local cluster in one command. Starts N `serve` processes on
 * consecutive ports from --port, sharing one store (by default the embedded SQLite file, safe
 * across processes) and one bus (by default a mesh between them with a fresh random secret).
 * Put deploy/nginx.conf in front to balance them. A node that dies is restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';

const int = (v: string): number => Number(v);

export function registerCluster(program: Command): void {
  program
    .command('cluster')
    .description('Run a local cluster of N nodes on consecutive ports, sharing a store and a bus')
    .addOption(new Option('-n, --nodes <n>', 'number of nodes').default(3).argParser(int))
    .addOption(
      new Option('-p, --port <port>', 'port of the first node')
        .default(8080)
        .argParser(int)
        .env('PORT'),
    )
    .addOption(new Option('--host <host>', 'interface to bind').default('127.0.0.1'))
    .addOption(
      new Option(
        '--bus <url>',
        'bus: mesh (default), redis://, nats://, amqp://, postgres://',
      ).default('mesh'),
    )
    .addOption(
      new Option('--store <url>', 'store shared by all nodes (default: <data-dir>/switchboard.db)'),
    )
    .addOption(
      new Option('-d, --data-dir <dir>', 'data directory of the embedded store').default('./data'),
    )
    .addOption(new Option('--log-level <level>', 'log level of the nodes').default('info'))
    .allowUnknownOption(false)
    .action((o: ClusterOptions) => runCluster(o));
}

interface ClusterOptions {
  nodes: number;
  port: number;
  host: string;
  bus: string;
  store?: string;
  dataDir: string;
  logLevel: string;
}

function runCluster(o: ClusterOptions): void {
  const secret = process.env.SWITCHBOARD_MESH_SECRET ?? randomBytes(24).toString('base64url');
  const meshPort = (i: number) => o.port + 1000 + i;
  const peers = Array.from({ length: o.nodes }, (_, i) => `${o.host}:${meshPort(i)}`).join(',');
  const children = new Map<number, ChildProcess>();
  const listening = new Set<number>();
  let stopping = false;

  const start = (i: number): void => {
    const args = [
      ...process.execArgv,
      process.argv[1]!,
      'serve',
      '--host',
      o.host,
      '--port',
      String(o.port + i),
      '--node-id',
      `node-${i + 1}`,
      '--data-dir',
      o.dataDir,
      '--bus',
      o.bus,
      '--log-level',
      o.logLevel,
      ...(o.store ? ['--store', o.store] : []),
      ...(o.bus === 'mesh'
        ? ['--mesh-listen', `${o.host}:${meshPort(i)}`, '--mesh-peers', peers]
        : []),
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, PORT: '', SWITCHBOARD_MESH_SECRET: secret },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.set(i, child);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      if (line.includes('"listening"') && !listening.has(i)) {
        listening.add(i);
        if (listening.size === o.nodes) {
          const urls = Array.from({ length: o.nodes }, (_, k) => `http://${o.host}:${o.port + k}`);
          process.stdout.write(
            `${JSON.stringify({ level: 30, time: Date.now(), msg: 'cluster listening', nodes: urls, bus: o.bus })}\n`,
          );
        }
      }
    });
    child.once('exit', (code, signal) => {
      children.delete(i);
      listening.delete(i);
      if (stopping) {
        if (children.size === 0) process.exit(0);
        return;
      }
      process.stderr.write(`node-${i + 1} exited (${signal ?? code}); restarting in 1 s\n`);
      setTimeout(() => start(i), 1000).unref();
    });
  };
  for (let i = 0; i < o.nodes; i++) start(i);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const c of children.values()) c.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    if (children.size === 0) process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
