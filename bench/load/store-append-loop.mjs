// One in-process SQLite writer run by plain `node` against the built store (dist/), as
// `switchboard serve` runs it: the store scenario's writer (store-writer.ts) runs under tsx, whose
// loader thread leaves the process's heap laid out differently (bench/README.md, "What RETURNING
// cost"). Appends N messages (env N, default 100,000) round-robin over 100 rooms keeping 500
// outstanding, with SYNC=full|normal (default full); prints appends/s and CPU µs per append.
//   npm run build && node bench/load/store-append-loop.mjs [path/to/dist]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const distDir = resolve(process.argv[2] ?? 'dist');
const { openStore } = await import(pathToFileURL(join(distDir, 'store/index.js')).href);
const count = Number(process.env.N ?? 100_000);
const sqliteSynchronous = process.env.SYNC ?? 'full';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-append-loop-'));
const url = `sqlite:${join(dir, 'bench.db')}`;
const rooms = Array.from({ length: 100 }, (_, i) => `room:store-${i}`);
const setup = await openStore(url, { dataDir: dir });
for (const room of rooms) await setup.createChannel(room, 'room', 'bench', 1);
await setup.close();
const store = await openStore(url, { dataDir: dir, sqliteSynchronous });

let next = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
async function lane() {
  while (next < count) {
    const i = next++;
    const text = `message ${i} from writer 0`;
    await store.append({
      channel: rooms[i % 100],
      cid: `0-${i}`,
      from: 'w0',
      text,
      ts: Date.now(),
    });
  }
}
await Promise.all(Array.from({ length: 500 }, lane));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    dist: distDir,
    sync: sqliteSynchronous,
    appendsPerS: Math.round((count / ms) * 1000),
    cpuUsPerAppend: Number(((cpu.user + cpu.system) / count).toFixed(1)),
  }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });
