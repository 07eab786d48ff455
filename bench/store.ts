/**
 * Store write throughput, opt-in (`--scenario store`): appends per second through the Store seam
 * (no server, no WebSocket: the store is what is measured), from writer processes
 * (bench/load/store-writer.ts) each keeping many appends outstanding like a busy node:
 * - SQLite, one process, `--sqlite-synchronous full` (the default) and `normal`, same run;
 * - PostgreSQL shared by 4 writer processes (the test harness's private server, started here
 *   with fsync=on so commits really reach the disk; skipped when the binaries are missing).
 * After each row every room is read back: its seqs must be exactly 1..N with N the appends sent
 * to it (gapless and unique under concurrency), else the row is marked "GAPS".
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/index.js';
import type { SqliteSynchronous, Store } from '../src/store/store.js';
import { postgresBinary, startPostgres } from '../test/helpers/brokers/postgres.js';
import type { WriterJob, WriterReport } from './load/store-writer.js';
import { descendantsCpuMs } from './lib/proc.js';
import { fmtCount, note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';

export type StoreScenarioName = 'store';
export const STORE_SCENARIOS: readonly StoreScenarioName[] = ['store'];

export interface StoreBenchResult {
  store: 'sqlite' | 'postgres';
  /** SQLite: its `synchronous` mode; PostgreSQL: `synchronous_commit=on, fsync=on`. */
  durability: string;
  writers: number;
  rooms: number;
  appends: number;
  /** From "go" to the last writer done. */
  wallMs: number;
  appendsPerSec: number;
  /** CPU of the writer processes (the PostgreSQL server's is not counted). */
  writerCpuMs: number;
  /** PostgreSQL: CPU of the server's processes over the same window (null for SQLite). */
  serverCpuMs: number | null;
  /** Every room's seqs were exactly 1..N. */
  gapless: boolean;
  problem: string | null;
}

export interface StoreRunOptions {
  scale: number;
  /** The rows to run (`--store`); default both. */
  stores?: readonly ('sqlite' | 'postgres')[];
}

const WRITER = fileURLToPath(new URL('./load/store-writer.ts', import.meta.url));
const ROOMS = 100;
/** Appends each writer keeps outstanding. */
const INFLIGHT = 500;

/** One writer process, started and waiting for "go" once `ready` resolves. */
function startWriter(job: WriterJob) {
  const proc = spawn(process.execPath, ['--import', 'tsx', WRITER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const exited = once(proc, 'exit').then(([code]) => {
    throw new Error(`store writer ${job.id} exited with ${String(code)}`);
  });
  exited.catch(() => {});
  const line = async (): Promise<string> => {
    const next = await Promise.race([lines.next(), exited]);
    return next.done ? exited : next.value;
  };
  proc.stdin.write(`${JSON.stringify(job)}\n`);
  return {
    ready: line(),
    go: async (): Promise<WriterReport> => {
      proc.stdin.write('go\n');
      return JSON.parse(await line()) as WriterReport;
    },
    kill: () => proc.kill('SIGKILL'),
    pid: proc.pid!,
  };
}

/**
 * CPU ms the runner's other descendants (the PostgreSQL server and its backends) spend from now
 * to `stop()`: a backend that exits in between is counted in the postmaster that reaps it, one
 * that starts later from 0 (descendantsCpuMs).
 */
function serverCpuFrom(exclude: number[]): { stop: () => number } {
  const first = descendantsCpuMs(process.pid, exclude);
  return { stop: () => descendantsCpuMs(process.pid, exclude) - first };
}

/** Problems with the rooms' seqs: each room must hold exactly 1..expected[room]. */
async function checkGapless(store: Store, expected: Map<string, number>): Promise<string | null> {
  for (const [room, n] of expected) {
    const seqs: number[] = [];
    for (let after = 0; ;) {
      const page = await store.read(room, { after, limit: 10_000 });
      if (page.length === 0) break;
      seqs.push(...page.map((m) => m.seq));
      after = page[page.length - 1]!.seq;
    }
    const bad = seqs.findIndex((s, i) => s !== i + 1);
    if (seqs.length !== n || bad >= 0)
      return `${room}: ${seqs.length} messages for ${n} appends, first wrong seq at index ${bad}`;
  }
  return null;
}

async function measure(
  label: string,
  url: string,
  writers: number,
  perWriter: number,
  sqliteSynchronous?: SqliteSynchronous,
): Promise<Omit<StoreBenchResult, 'store' | 'durability'>> {
  const rooms = Array.from({ length: ROOMS }, (_, i) => `room:store-${i}`);
  const setup = await openStore(url, { dataDir: tmpdir() });
  for (const room of rooms) await setup.createChannel(room, 'room', 'bench', 1);
  await setup.close();
  const procs = Array.from({ length: writers }, (_, id) =>
    startWriter({ url, id, count: perWriter, rooms, inflight: INFLIGHT, sqliteSynchronous }),
  );
  try {
    await Promise.all(procs.map((p) => p.ready));
    status(`${label}: ${writers} writer(s) ready, appending ${fmtCount(writers * perWriter)}`);
    const server = sqliteSynchronous ? null : serverCpuFrom(procs.map((p) => p.pid));
    const t0 = performance.now();
    const reports = await Promise.all(procs.map((p) => p.go()));
    const wallMs = performance.now() - t0;
    const serverCpuMs = server ? server.stop() : null;
    const writerCpuMs = reports.reduce((a, r) => a + r.cpuMs, 0);
    const appends = reports.reduce((a, r) => a + r.appended - r.duplicates, 0);
    // Writer w sends its i-th append to room i % ROOMS: count what each room should hold.
    const expected = new Map<string, number>();
    for (let r = 0; r < ROOMS; r++)
      expected.set(rooms[r]!, writers * Math.ceil(Math.max(0, perWriter - r) / ROOMS));
    const check = await openStore(url, { dataDir: tmpdir() });
    const problem = await checkGapless(check, expected).finally(() => check.close());
    const appendsPerSec = appends / (wallMs / 1000);
    note(
      `${label}: ${fmtCount(appends)} appends in ${f(wallMs / 1000, 2)} s = ${fmtCount(appendsPerSec)}/s` +
        (problem ? `, GAPS: ${problem}` : ', seqs gapless'),
    );
    return {
      writers,
      rooms: ROOMS,
      appends,
      wallMs,
      appendsPerSec,
      writerCpuMs,
      serverCpuMs,
      gapless: problem === null,
      problem,
    };
  } finally {
    for (const p of procs) p.kill();
  }
}

/** `measure`, or a row marked failed (with why) that keeps the other rows. */
async function attempt(
  label: string,
  url: string,
  writers: number,
  perWriter: number,
  sqliteSynchronous?: SqliteSynchronous,
): Promise<Omit<StoreBenchResult, 'store' | 'durability'>> {
  try {
    return await measure(label, url, writers, perWriter, sqliteSynchronous);
  } catch (e) {
    const problem = `failed: ${e instanceof Error ? e.message : String(e)}`;
    note(`${label}: ${problem}`);
    return {
      writers,
      rooms: ROOMS,
      appends: 0,
      wallMs: NaN,
      appendsPerSec: NaN,
      writerCpuMs: NaN,
      serverCpuMs: null,
      gapless: false,
      problem,
    };
  }
}

export async function runStoreScenario(o: StoreRunOptions): Promise<StoreBenchResult[]> {
  const results: StoreBenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-bench-'));
  const perSqlite = Math.max(ROOMS, Math.round(100_000 * o.scale));
  const stores = o.stores ?? ['sqlite', 'postgres'];
  try {
    for (const mode of stores.includes('sqlite') ? (['full', 'normal'] as const) : []) {
      const url = `sqlite:${join(dir, `${mode}.db`)}`;
      const r = await attempt(`store/sqlite ${mode}`, url, 1, perSqlite, mode);
      results.push({ store: 'sqlite', durability: `synchronous=${mode}`, ...r });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!stores.includes('postgres')) return results;
  if (postgresBinary().skip) {
    note(`store/postgres: skipped (${String(postgresBinary().skip)})`);
    return results;
  }
  const broker = await startPostgres({ settings: { fsync: 'on', full_page_writes: 'on' } });
  try {
    const perWriter = Math.max(ROOMS, Math.round(25_000 * o.scale));
    const r = await attempt('store/postgres 4 writers', broker.url, 4, perWriter);
    results.push({ store: 'postgres', durability: 'synchronous_commit=on, fsync=on', ...r });
  } finally {
    await broker.dispose();
  }
  return results;
}

export function renderStore(results: StoreBenchResult[]): string {
  if (results.length === 0) return '';
  const head = [
    'store',
    'durability',
    'writers',
    'appends',
    'wall s',
    'appends/s',
    'CPU µs/append',
    'server µs/append',
    'seqs',
  ];
  const rows = results.map((r) => [
    r.store,
    r.durability,
    String(r.writers),
    fmtCount(r.appends),
    f(r.wallMs / 1000, 2),
    fmtCount(r.appendsPerSec),
    f((r.writerCpuMs * 1000) / Math.max(1, r.appends)),
    r.serverCpuMs === null ? '-' : f((r.serverCpuMs * 1000) / Math.max(1, r.appends)),
    r.gapless ? 'gapless' : r.appends === 0 ? 'FAILED' : 'GAPS',
  ]);
  const full = results.find((r) => r.durability === 'synchronous=full');
  const normal = results.find((r) => r.durability === 'synchronous=normal');
  const cost =
    full && normal
      ? `; full ÷ normal throughput ${f(full.appendsPerSec / normal.appendsPerSec, 2)}`
      : '';
  return `${table(head, rows)}\n(${ROOMS} rooms, ${INFLIGHT} appends outstanding per writer; targets: SQLite ≥ 50k/s, PostgreSQL ≥ 20k/s${cost})`;
}
