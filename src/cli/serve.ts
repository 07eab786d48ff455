/**
 * `switchboard serve`: run one node, or `--workers N` of them behind one port. Its flags, env
 * vars, config file keys and `--help` all come from the settings table (src/settings/table.ts).
 */
import cluster from 'node:cluster';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Settings } from '../config.js';
import { isMemoryBlobs } from '../blob/index.js';
import { createLogger } from '../server/pino-logger.js';
import { startSwitchboard } from '../server/start-switchboard.js';
import { invalid } from '../settings/resolve.js';
import { isProcessLocalStore } from '../store/open-store.js';
import { SETTINGS } from '../settings/table.js';
import { VERSION } from '../version.js';
import { addSettingOptions, settingsFrom } from './setting-options.js';
import { runPrimary } from './workers.js';

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description(
      'Run a Switchboard server: chat page at /, WebSocket at /ws.\n' +
        'Precedence: flag > environment variable > --config file > default.',
    );
  addSettingOptions(command, SETTINGS).action((_options: unknown, cmd: Command) =>
    serve(settingsFrom(cmd, SETTINGS)),
  );
}

export async function serve(settings: Settings): Promise<void> {
  const { workers, ...config } = settings;
  const logger = createLogger(config.logLevel, config.logFormat);
  if (workers > 1 && cluster.isPrimary) {
    if (config.bus === 'mesh') throw invalid('--workers cannot be combined with --bus mesh');
    // Each worker is its own process: what one keeps in memory the others never see.
    if (isProcessLocalStore(config.store))
      throw invalid(
        `--workers cannot be combined with --store ${config.store} (each worker would keep its own rooms, accounts and messages); use the default SQLite store or postgres://`,
      );
    if (isMemoryBlobs(config.blobs, config.store))
      throw invalid(
        '--workers cannot be combined with --blobs memory: (a file uploaded to one worker could not be downloaded from another)',
      );
    return runPrimary(workers, logger, config);
  }
  const worker = cluster.isWorker ? process.env.SWITCHBOARD_WORKER_INDEX : undefined;
  if (worker !== undefined) {
    config.bus ||= 'ipc';
    config.nodeId ??= `${hostname()}-w${worker}-${process.pid}`;
  }
  const server = await startSwitchboard(config, { logger });
  const where = {
    version: VERSION,
    port: server.port,
    url: server.url,
    ws: server.wsUrl,
    node: server.nodeId,
  };
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, 'draining');
    server.stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Before the announcement: whoever reads it may send SIGTERM at once.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Workers report to the primary, which announces "listening" once for all of them.
  logger.info(where, worker === undefined ? 'listening' : 'worker listening');
}
