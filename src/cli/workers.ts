/**
 * `switchboard serve --workers N`: N worker processes behind one port (node:cluster shares the
 * listening socket), one CPU core each. Every worker is a full node; unless another bus is
 * configured they talk through the primary (IpcHub), and share the embedded SQLite store,
 * which is safe across processes. A worker that dies is replaced; SIGTERM drains them all.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { IpcHub } from '../bus/ipc.js';
import { addressOf } from '../server/address.js';
import { VERSION } from '../version.js';

export async function runPrimary(
  count: number,
  logger: Logger,
  { host, shutdownTimeout }: { host: string; shutdownTimeout: number },
): Promise<void> {
  const hub = new IpcHub();
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ SWITCHBOARD_WORKER_INDEX: String(index) });
    hub.attach(worker.process);
    worker.on('listening', (address) => {
      listening.add(worker.id);
      if (!announced && listening.size === count) {
        announced = true;
        const { url, wsUrl } = addressOf(host, address.port);
        logger.info(
          { version: VERSION, port: address.port, url, ws: wsUrl, workers: count },
          'listening',
        );
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker.id);
      if (stopping) return;
      logger.error({ worker: index, code, signal }, 'worker died; starting a new one');
      setTimeout(() => fork(index), 1000).unref();
    });
    return worker;
  };
  for (let i = 0; i < count; i++) fork(i);

  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'draining workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) {
          logger.info({}, 'stopped');
          process.exit(0);
        }
      });
      w.process.kill('SIGTERM');
    }
    setTimeout(() => process.exit(1), shutdownTimeout + 5000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
