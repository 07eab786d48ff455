// One writer process of the store scenario (bench/store.ts). Reads one JSON line (a WriterJob),
// opens the store the way a node does (openStore), prints "ready", waits for a "go" line, then
// appends `count` messages round-robin over the job's rooms keeping `inflight` appends
// outstanding (many clients of one node), and prints one JSON line (a WriterReport).
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/index.js';
import type { SqliteSynchronous } from '../../src/store/store.js';

export interface WriterJob {
  url: string;
  id: number;
  count: number;
  rooms: string[];
  inflight: number;
  sqliteSynchronous?: SqliteSynchronous;
}

export interface WriterReport {
  id: number;
  appended: number;
  duplicates: number;
  ms: number;
  /** This process's CPU (user + system) from "go" to the last append, in ms. */
  cpuMs: number;
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const first = await lines.next();
const job = JSON.parse(first.value as string) as WriterJob;
const store = await openStore(job.url, {
  dataDir: tmpdir(),
  sqliteSynchronous: job.sqliteSynchronous,
});
// Open a pool's connections now, so the first appends after "go" really run in parallel.
await Promise.all(Array.from({ length: 10 }, () => store.head(job.rooms[0]!)));
process.stdout.write('ready\n');
await lines.next();

let next = 0;
let duplicates = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
async function lane(): Promise<void> {
  while (next < job.count) {
    const i = next++;
    const channel = job.rooms[i % job.rooms.length]!;
    const r = await store.append({
      channel,
      cid: `${job.id}-${i}`,
      from: `w${job.id}`,
      text: `message ${i} from writer ${job.id}`,
      ts: Date.now(),
    });
    if (r.duplicate) duplicates++;
  }
}
await Promise.all(Array.from({ length: job.inflight }, lane));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const report: WriterReport = {
  id: job.id,
  appended: job.count,
  duplicates,
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
};
// Reported before the pool closes, so the runner reads the server's backends while they live.
process.stdout.write(`${JSON.stringify(report)}\n`);
await store.close();
process.exit(0);
