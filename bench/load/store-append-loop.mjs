// One in-process SQLite writer run by plain `node` against the built store (dist/), as
// `switchboard serve` runs it: the store scenario's writer (store-writer.ts) runs under tsx, whose
// loader thread leaves the process's heap laid out differently (bench/README.md, "What RETURNING
// cost"). Appends N messages (env N, default 100,000) round-robin over 100 rooms keeping 500
// outstanding, with SYNC=full|normal (default full) and CIDS=serial|random|v7 (the client ids:
// `0-<i>`, the default; random UUIDs; the SDK's time-ordered newCid); prints appends/s, CPU µs
// and bytes written per append.
//   npm run build && node bench/load/store-append-loop.mjs [path/to/dist]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** Bytes this process handed to write calls so far (Linux), the WAL and checkpoints mostly. */
function written() {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
}
const distDir = resolve(process.argv[2] ?? 'dist');
const { openStore } = await import(pathToFileURL(join(distDir, 'store/index.js')).href);
const { newCid } = await import(pathToFileURL(join(distDir, 'protocol/cid.js')).href);
const cids = process.env.CIDS ?? 'serial';
const cidOf = { serial: (i) => `0-${i}`, random: () => randomUUID(), v7: () => newCid() }[cids];
if (!cidOf) throw new Error(`CIDS: serial, random or v7, not ${cids}`);
const count = Number(process.env.N ?? 100_000);
const sqliteSynchronous = process.env.SYNC ?? 'full';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-append-loop-'));
const url = `sqlite:${join(dir, 'bench.db')}`;
const rooms = Array.from({ length: 100 }, (_, i) => `room:store-${i}`);
const setup = await openStore(url, { dataDir: dir });
for (const room of rooms) await setup.createChannel(room, 'room', 'bench', 1);
await setup.close();
const store = await openStore(url, { dataDir: dir, sqliteSynchronous });

// Made before the clock starts: in a deployment the clients make them, not the server.
const ids = Array.from({ length: count }, (_, i) => cidOf(i));
let next = 0;
const written0 = written();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
async function lane() {
  while (next < count) {
    const i = next++;
    const text = `message ${i} from writer 0`;
    await store.append({
      channel: rooms[i % 100],
      cid: ids[i],
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
    cids,
    appendsPerS: Math.round((count / ms) * 1000),
    cpuUsPerAppend: Number(((cpu.user + cpu.system) / count).toFixed(1)),
    writtenBytesPerAppend: Math.round((written() - written0) / count),
  }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });
