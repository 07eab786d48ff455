/**
 * Where the idle RSS per connection goes (`npx tsx bench/rss-probe.ts [--clients 15000]`).
 * Starts `switchboard serve` as the bench does, with the inspector on a loopback port, connects
 * N clients as the `idle` scenario does and prints, before and at several points after, the
 * process's RSS next to V8's committed heap (`process.memoryUsage()` read over the inspector),
 * then forces a full GC and prints them again: RSS that falls after the GC was garbage or free
 * heap pages, RSS that stays is live heap or native memory (malloc, socket buffers).
 * Extra Node flags for the server: BENCH_SWITCHBOARD_NODE_ARGS, as for `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { WorkerPool } from './lib/pool.js';
import { f, table } from './lib/report.js';
import { freePort, startSwitchboard } from './lib/servers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Chrome DevTools Protocol over the inspector's WebSocket: one call at a time. */
class Inspector {
  private id = 0;
  private constructor(private readonly ws: WebSocket) {}

  static async open(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
    await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
    return new Inspector(ws);
  }

  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = ++this.id;
    return new Promise((resolve) => {
      const on = (d: Buffer): void => {
        const m = JSON.parse(d.toString()) as { id?: number; result: Record<string, unknown> };
        if (m.id !== id) return;
        this.ws.off('message', on);
        resolve(m.result);
      };
      this.ws.on('message', on);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async eval(expression: string): Promise<unknown> {
    const r = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value: unknown };
    };
    return r.result.value;
  }

  close(): void {
    this.ws.close();
  }
}

interface Sample {
  label: string;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  anon: number;
}

function smaps(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'),
  );
  return Number(m?.[1] ?? 0) * 1024;
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '15000' },
    workers: { type: 'string', default: '4' },
  },
});
const n = Number(values.clients);
const port = await freePort();
process.env['BENCH_SWITCHBOARD_NODE_ARGS'] =
  `${process.env['BENCH_SWITCHBOARD_NODE_ARGS'] ?? ''} --inspect=127.0.0.1:${port}`;
const pool = new WorkerPool(Number(values.workers));
const server = await startSwitchboard();
const insp = await Inspector.open(port);
const samples: Sample[] = [];
const sample = async (label: string): Promise<void> => {
  const m = (await insp.eval('process.memoryUsage()')) as NodeJS.MemoryUsage;
  const anon = smaps(server.pid, 'Anonymous');
  samples.push({ label, ...m, anon });
};
try {
  await sleep(2000);
  await sample('before');
  const t0 = Date.now();
  await pool.connect('switchboard', server.url, n, {
    concurrency: 100,
    resumeAfter: null,
    reconnect: false,
    timeoutMs: 300_000,
  });
  const ready = pool.totals().ready;
  console.error(
    `${ready} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${new Date().toISOString().slice(11, 19)}`,
  );
  await sleep(3000);
  await sample('+3 s (bench)');
  await sleep(7000);
  await sample('+10 s');
  await sleep(10000);
  await sample('+20 s');
  await sleep(10000);
  await sample('+30 s');
  await insp.call('HeapProfiler.collectGarbage');
  await sleep(1000);
  await sample('after full GC');
  await sleep(5000);
  await sample('+5 s after GC');
  const b = samples[0]!;
  const kb = (x: number): string => f(x / 1024 / ready, 2);
  console.log(
    table(
      ['point', 'RSS MB', 'KB/conn RSS', 'heapTotal', 'heapUsed', 'external', 'anon', 'rss-heapT'],
      samples.map((s) => [
        s.label,
        f(s.rss / 2 ** 20, 1),
        kb(s.rss - b.rss),
        kb(s.heapTotal - b.heapTotal),
        kb(s.heapUsed - b.heapUsed),
        kb(s.external - b.external),
        kb(s.anon - b.anon),
        kb(s.rss - s.heapTotal - (b.rss - b.heapTotal)),
      ]),
    ),
  );
  console.log(`KB/conn columns: growth since "before" ÷ ${ready} connections`);
} finally {
  insp.close();
  await pool.closeClients().catch(() => {});
  pool.exit();
  await server.stop();
}
