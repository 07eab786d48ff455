/**
 * `switchboard cluster --nodes N`: a local cluster in one command. Starts N `serve` processes on
 * consecutive ports from --port, sharing one store (by default the embedded SQLite file, safe
 * across processes) and one bus (by default a mesh between them with a fresh random secret).
 * Put deploy/nginx.conf in front to balance them. A node that dies is restarted.
 *
 * Its settings are rows of serve's table with the cluster's own defaults; every other setting
 * reaches the nodes through the environment or the `--config` file, which is passed on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import { createLogger, isPretty, prettyLine } from '../server/pino-logger.js';
import { invalid } from '../settings/resolve.js';
import { setting, type SettingsOf } from '../settings/setting.js';
import { SETTINGS } from '../settings/table.js';
import { isProcessLocalStore } from '../store/open-store.js';
import { VERSION } from '../version.js';
import { addSettingOptions, settingsFrom } from './setting-options.js';

/** The settings of `switchboard cluster`: its own `nodes`, and serve's rows with cluster defaults. */
export const CLUSTER_SETTINGS = {
  nodes: setting({
    schema: z.number().int().min(1).max(64).default(3),
    flag: '-n, --nodes <n>',
    env: 'SWITCHBOARD_NODES',
    group: 'Cluster',
    help: 'number of nodes, on consecutive ports from --port (mesh ports from --port + 1000)',
  }),
  port: { ...SETTINGS.port, help: 'TCP port of the first node' },
  host: { ...SETTINGS.host, schema: z.string().default('127.0.0.1') },
  bus: {
    ...SETTINGS.bus,
    schema: z.string().default('mesh'),
    defaultText: undefined,
    help: 'bus between the nodes: mesh (no broker), redis://, redis-cluster://, nats://, amqp:// or postgres://',
  },
  meshSecret: { ...SETTINGS.meshSecret, defaultText: 'random, new each run' },
  store: SETTINGS.store,
  dataDir: SETTINGS.dataDir,
  logLevel: SETTINGS.logLevel,
  logFormat: SETTINGS.logFormat,
};

type ClusterSettings = SettingsOf<typeof CLUSTER_SETTINGS>;

export function registerCluster(program: Command): void {
  const command = program
    .command('cluster')
    .description('Run a local cluster of N nodes on consecutive ports, sharing a store and a bus');
  addSettingOptions(command, CLUSTER_SETTINGS).action((_options: unknown, cmd: Command) =>
    runCluster(settingsFrom(cmd, CLUSTER_SETTINGS), cmd.getOptionValue('config') as string),
  );
}

/** The `serve` arguments of node `i`. */
function nodeArgs(o: ClusterSettings, i: number, config: string | undefined): string[] {
  const meshPort = (k: number) => o.port + 1000 + k;
  const peers = Array.from({ length: o.nodes }, (_, k) => `${o.host}:${meshPort(k)}`).join(',');
  return [
    'serve',
    ...(config ? ['--config', config] : []),
    ...['--host', o.host, '--port', String(o.port + i), '--node-id', `node-${i + 1}`],
    ...['--data-dir', o.dataDir, '--bus', o.bus, '--log-level', o.logLevel],
    // The nodes write JSON, which this process reads and shows in its own format.
    ...['--log-format', 'json'],
    ...(o.store ? ['--store', o.store] : []),
    ...(o.bus === 'mesh'
      ? ['--mesh-listen', `${o.host}:${meshPort(i)}`, '--mesh-peers', peers]
      : []),
  ];
}

function runCluster(o: ClusterSettings, config: string | undefined): void {
  // Every node is a process of its own: a memory store would give each its own rooms.
  if (isProcessLocalStore(o.store) && o.nodes > 1)
    throw invalid(
      `--store ${o.store} cannot be shared by the nodes of a cluster (each would keep its own rooms, accounts and messages); leave --store out for the shared SQLite file, or use postgres://`,
    );
  const logger = createLogger(o.logLevel, o.logFormat);
  const show = isPretty(o.logFormat) ? prettyLine : (line: string) => `${line}\n`;
  // Passed in the environment, not argv, where other users of the machine could read it.
  const secret = o.meshSecret || randomBytes(24).toString('base64url');
  const children = new Map<number, ChildProcess>();
  const listening = new Set<number>();
  let stopping = false;

  const start = (i: number): void => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1]!, ...nodeArgs(o, i, config)],
      {
        env: { ...process.env, PORT: '', SWITCHBOARD_MESH_SECRET: secret },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.set(i, child);
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(show(line));
      if (line.includes('"listening"') && !listening.has(i)) {
        listening.add(i);
        if (listening.size === o.nodes) {
          const nodes = Array.from({ length: o.nodes }, (_, k) => `http://${o.host}:${o.port + k}`);
          const ws = `ws://${o.host}:${o.port}/ws`;
          logger.info(
            { version: VERSION, url: nodes[0], ws, nodes, bus: o.bus },
            'cluster listening',
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
      logger.error({ node: `node-${i + 1}`, code, signal }, 'node exited; restarting in 1 s');
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
