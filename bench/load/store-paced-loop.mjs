// A DM's store write as the cluster-dm scenario paces it, without the rest of the server: P
// processes (env P, default 4) on one SQLite file each append N messages (env N, default 1,500)
// one at a time, one transaction each, RATE per second (env RATE, default 75, a cluster-dm
// node's share of 300 DM/s; 0: back to back), with SYNC=full|normal (default full) and, with
// READS=1, a DM's two reads (membership, block) before each append. STORE=none paces the same
// loop with no store at all: what waking a process RATE times a second costs by itself. DELEGATE=1
// gives the file one writer: the P processes send their appends over IPC to the parent, which
// appends them (its group commit batching what arrives together) and answers: what one writer per
// host would save. Prints CPU µs per append (user and system) averaged over the processes, and
// with DELEGATE=1 the writer's CPU per append and the sum (bench/README.md, "Two more levers
// measured", "One writer per host").
//   npm run build && node bench/load/store-paced-loop.mjs [path/to/dist]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOMS = 25;
const env = process.env;
const count = Number(env.N ?? 1500);
const rate = Number(env.RATE ?? 75);
const sync = env.SYNC ?? 'full';
const noStore = env.STORE === 'none';
const reads = env.READS === '1';
const delegate = env.DELEGATE === '1';
if (delegate && (noStore || reads)) throw new Error('DELEGATE=1 goes without STORE=none, READS=1');

/** Appends through the parent process (DELEGATE=1): one IPC message each way per append. */
function viaParent() {
  const waiting = new Map();
  let next = 0;
  process.on('message', (m) => {
    waiting.get(m.id)?.();
    waiting.delete(m.id);
  });
  return {
    append: (message) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        process.send({ id, message });
      }),
  };
}

/** One process's loop; resolves its CPU µs per append. */
async function loop(store, proc) {
  const rooms = Array.from({ length: ROOMS }, (_, i) => `room:paced-${proc}-${i}`);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    if (store) {
      const channel = rooms[i % ROOMS];
      if (reads) {
        await store.membership(channel, 'u1');
        await store.moderation.isBlocked('u1', 'u2');
      }
      const text = `a direct message of some length, number ${i}`;
      await store.append({ channel, cid: `${proc}-${i}`, from: 'u1', text, ts: Date.now() });
    }
    const wait = start + ((i + 1) * 1000) / rate - performance.now();
    if (rate > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const cpu = process.cpuUsage(cpu0);
  return { user: cpu.user / count, system: cpu.system / count };
}

const [role, distArg, url, dir, proc] = process.argv.slice(2);
if (role === 'child') {
  const { openStore } = await import(pathToFileURL(join(distArg, 'store/index.js')).href);
  const store = noStore
    ? null
    : delegate
      ? viaParent()
      : await openStore(url, { dataDir: dir, sqliteSynchronous: sync });
  process.send({ result: await loop(store, proc) });
  if (!delegate) await store?.close();
  process.disconnect();
} else {
  const distDir = resolve(role ?? 'dist');
  const procs = Number(env.P ?? 4);
  const tmp = mkdtempSync(join(tmpdir(), 'switchboard-paced-loop-'));
  const dbUrl = `sqlite:${join(tmp, 'bench.db')}`;
  const { openStore } = await import(pathToFileURL(join(distDir, 'store/index.js')).href);
  const setup = await openStore(dbUrl, { dataDir: tmp });
  for (let p = 0; p < procs; p++)
    for (let i = 0; i < ROOMS; i++)
      await setup.createChannel(`room:paced-${p}-${i}`, 'room', 'u1', 1, ['u1']);
  await setup.close();
  const writer = delegate
    ? await openStore(dbUrl, { dataDir: tmp, sqliteSynchronous: sync })
    : null;
  const self = fileURLToPath(import.meta.url);
  const cpu0 = process.cpuUsage();
  const runs = await Promise.all(
    Array.from({ length: procs }, (_, p) => {
      const child = fork(self, ['child', distDir, dbUrl, tmp, String(p)]);
      let result;
      child.on('message', (m) => {
        if (m.result) result = m.result;
        else void writer.append(m.message).then(() => child.send({ id: m.id }));
      });
      return new Promise((res, rej) =>
        child.on('exit', (code) =>
          code === 0 && result ? res(result) : rej(new Error(`child ${p} exited ${code}`)),
        ),
      );
    }),
  );
  const writerCpu = process.cpuUsage(cpu0);
  await writer?.close();
  const mean = (k) => runs.reduce((a, r) => a + r[k], 0) / runs.length;
  const writerUs = writer && (writerCpu.user + writerCpu.system) / (procs * count);
  console.log(
    JSON.stringify({
      procs,
      rate,
      store: noStore ? 'none' : `sqlite ${sync}`,
      reads,
      delegate,
      cpuUsPerAppend: Math.round(mean('user') + mean('system')),
      userUs: Math.round(mean('user')),
      systemUs: Math.round(mean('system')),
      ...(writer && {
        writerUsPerAppend: Math.round(writerUs),
        totalUsPerAppend: Math.round(mean('user') + mean('system') + writerUs),
      }),
    }),
  );
  rmSync(tmp, { recursive: true, force: true });
}
