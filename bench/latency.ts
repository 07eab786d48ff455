/**
 * Latency against load (`--scenario latency,latency-cluster`): the servers (and their broker)
 * pinned to CPU 0, the runner and the load workers to CPU 1 (./lib/pin.ts). Each server's
 * saturation rate is found by ramping the message rate into one room until delivery falls
 * behind; then publish→deliver p50/p99/max is measured at 25 %, 50 % and 75 % of it. Switchboard
 * is also measured at Socket.IO's three rates, so the two compare at the same offered load.
 * See bench/README.md, "Latency against load".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ServerKind } from './load/ipc.js';
import {
  type Cluster,
  startBroker,
  startSocketioCluster,
  startSwitchboardCluster,
} from './cluster.js';
import { pin, pinUnavailable, prioritized, unpin } from './lib/pin.js';
import { lineChartSvg } from './lib/svg-chart.js';
import type { WorkerPool } from './lib/pool.js';
import { cpuMs, cpuTimes, descendants, stealPct } from './lib/proc.js';
import { note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { startServer } from './lib/servers.js';
import {
  commitDelta,
  commitTally,
  httpUrlOf,
  SLOW_COMMIT_MS,
  type CommitTally,
} from './lib/sqlite-commits.js';
import { connectAll } from './scenarios.js';

export const LATENCY_SCENARIOS = ['latency', 'latency-cluster'] as const;
export type LatencyScenarioName = (typeof LATENCY_SCENARIOS)[number];

/** The issue's targets for p99 at 50 % of saturation. */
const TARGET_P99_MS: Record<LatencyScenarioName, number> = { latency: 10, 'latency-cluster': 25 };
const NODES: Record<LatencyScenarioName, number> = { latency: 1, 'latency-cluster': 3 };
const CLIENTS = 1000;
const RAMP_FROM = 20;
const RAMP_STEP = 1.5;
const RAMP_STEPS = 16;
const RAMP_PHASE_S = 3;
/** Each level's window unless `--duration` says otherwise. */
const LEVEL_PHASE_S = 6;
/** A phase keeps up when the last delivery lands within this long after the last send. */
const KEEP_UP_LAG_MS = 500;
/**
 * ... and both pinned cores are below this share: past it on the server core the server is
 * saturated; past it on the load core the clients' own queue is what gets timed (a server that
 * coalesces kept "up" by lag to 1,749 msg/s with the load core at 98 % and a p99 of 388 ms).
 */
const KEEP_UP_CPU_PCT = 90;

export interface LatencyPoint {
  /** `ramp`, `25%`/`50%`/`75%` of the server's own saturation, or `at socketio 50%` etc. */
  level: string;
  rate: number;
  sent: number;
  deliveredPct: number;
  /** From the last send to the last delivery. */
  lagMs: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU of everything pinned to the server core (nodes and broker), % of that core. */
  serverCpuPct: number;
  loadCpuPct: number;
  cpuUsPerDelivery: number;
  /**
   * CPU steal over the window, % of each pinned core's time: [server core, load core] (the
   * hypervisor running other guests; a window with steal is slower for reasons outside the
   * machine).
   */
  stealPct: [number, number];
  /**
   * Switchboard's SQLite group commits in the window, all nodes, and how many took over
   * SLOW_COMMIT_MS (./lib/sqlite-commits.ts); null for the peers, or when a node did not answer.
   */
  sqliteCommits: CommitTally | null;
}

/** The server processes of one run: their pids (CPU), and their commits (Switchboard only). */
interface Measured {
  pids: number[];
  commits: () => Promise<CommitTally | null>;
}

export interface LatencyResult {
  scenario: LatencyScenarioName;
  server: ServerKind;
  nodes: number;
  clients: number;
  /** Load processes, all on the load core (`--latency-workers`). */
  loadWorkers: number;
  /** Why the run was not pinned (then its figures are not comparable), or null. */
  unpinned: string | null;
  /** Whether nice -20 was asked for (`--latency-priority`). */
  priorityAsked: boolean;
  /** Whether the pinned processes got nice -20 (./lib/pin.ts); false without root or not asked. */
  prioritized: boolean;
  /** The highest ramp rate (msg/s into the room) that kept up. */
  saturationRate: number;
  /**
   * What stopped the ramp: the server core, the load core, or delivery lag with neither full;
   * `fixed`: no ramp, the levels are the rates given with `--latency-rates`.
   */
  limitedBy: 'server' | 'load' | 'lag' | 'ramp end' | 'fixed';
  ramp: LatencyPoint[];
  /** Seconds of each level's window (`--duration`, default 6). */
  levelSeconds: number;
  levels: LatencyPoint[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();
const sumCpu = (pids: number[]): number =>
  pids.reduce((s, p) => {
    try {
      return s + cpuMs(p);
    } catch {
      return s; // exited
    }
  }, 0);

/** One window at `rate` msg/s into the room: waits for every delivery (bounded). */
async function phase(
  pool: WorkerPool,
  servers: Measured,
  room: number,
  rate: number,
  seconds: number,
  level: string,
): Promise<LatencyPoint> {
  await pool.reset();
  const count = Math.max(1, Math.round(rate * seconds));
  const commits0 = await servers.commits();
  const cpu0 = sumCpu(servers.pids);
  const load0 = pool.cpuMs();
  const times0 = cpuTimes();
  const t0 = now();
  let sendEnd = 0;
  const sending = pool.send(rate, count).then(() => (sendEnd = now()));
  for (;;) {
    await sleep(50);
    if (pool.crashed) throw pool.crashed;
    const t = pool.totals();
    if (sendEnd && t.delivered >= t.sent * room) break;
    if (now() - t0 > (seconds + 10) * 1000) break;
  }
  await sending.catch(() => undefined);
  const t = pool.totals();
  const wallMs = Math.max(1, (t.lastDeliveryAt || now()) - t0);
  const serverMs = sumCpu(servers.pids) - cpu0;
  const hist = await pool.latency();
  const times1 = cpuTimes();
  // Read after the CPU: a scrape is the node's work, not the window's.
  const sqliteCommits = commitDelta(commits0, await servers.commits());
  return {
    level,
    rate,
    sent: t.sent,
    deliveredPct: (100 * t.delivered) / Math.max(1, t.sent * room),
    lagMs: Math.max(0, (t.lastDeliveryAt || now()) - (sendEnd || now())),
    p50: hist.quantile(0.5),
    p99: hist.quantile(0.99),
    max: hist.maxMs,
    serverCpuPct: (100 * serverMs) / wallMs,
    // every worker is on the load core, so their sum is that core's share
    loadCpuPct: (100 * (pool.cpuMs() - load0)) / wallMs,
    cpuUsPerDelivery: (serverMs * 1000) / Math.max(1, t.delivered),
    stealPct: [stealPct(times0, times1, 0), stealPct(times0, times1, 1)],
    sqliteCommits,
  };
}

const keptUp = (p: LatencyPoint): boolean =>
  p.deliveredPct >= 100 &&
  p.lagMs <= KEEP_UP_LAG_MS &&
  p.serverCpuPct <= KEEP_UP_CPU_PCT &&
  p.loadCpuPct <= KEEP_UP_CPU_PCT;

async function ramp(
  pool: WorkerPool,
  servers: Measured,
  room: number,
  label: string,
): Promise<{ points: LatencyPoint[]; rate: number; by: LatencyResult['limitedBy'] }> {
  const points: LatencyPoint[] = [];
  let rate = RAMP_FROM;
  let best = 0;
  for (let i = 0; i < RAMP_STEPS; i++, rate = Math.round(rate * RAMP_STEP)) {
    status(`${label}: ramp ${rate} msg/s`);
    const p = await phase(pool, servers, room, rate, RAMP_PHASE_S, 'ramp');
    points.push(p);
    note(
      `${label}: ramp ${rate} msg/s: p99 ${f(p.p99, 2)} ms, lag ${f(p.lagMs, 0)} ms, server ${f(p.serverCpuPct, 0)} %, load ${f(p.loadCpuPct, 0)} %, delivered ${f(p.deliveredPct, 1)} %, steal ${f(p.stealPct[0], 1)} / ${f(p.stealPct[1], 1)} %`,
    );
    if (!keptUp(p)) {
      const by =
        p.serverCpuPct > KEEP_UP_CPU_PCT
          ? 'server'
          : p.loadCpuPct > KEEP_UP_CPU_PCT
            ? 'load'
            : 'lag';
      return { points, rate: best || RAMP_FROM, by };
    }
    best = rate;
    await sleep(500);
  }
  return { points, rate: best, by: 'ramp end' };
}

/** Starts the server(s) for one kind; resolves with the ws URLs, the pids to pin, and a stop. */
async function start(
  name: LatencyScenarioName,
  kind: ServerKind,
  label: string,
): Promise<{ urls: string[]; stop: () => Promise<void> }> {
  if (name === 'latency') {
    const s = await startServer(kind);
    return { urls: [s.url], stop: () => s.stop() };
  }
  const { broker, skip } = await startBroker('redis');
  if (!broker) throw new Error(`no redis-server: ${skip ?? '?'}`);
  let cluster: Cluster;
  try {
    cluster =
      kind === 'switchboard'
        ? await startSwitchboardCluster('redis', broker, NODES[name], label)
        : await startSocketioCluster(broker, NODES[name], label);
  } catch (e) {
    await broker.dispose();
    throw e;
  }
  return {
    urls: cluster.nodes.map((n) => n.url),
    stop: async () => {
      await cluster.stop();
      await broker.dispose().catch(() => undefined);
    },
  };
}

interface LatencyOptions {
  scale: number;
  /** Rates to measure instead of ramping (`--latency-rates`). */
  latencyRates?: number[] | undefined;
  /** Load workers of other scenarios, idle here: on the load core, not counted as servers. */
  idle?: number[];
  /** nice -20 for every pinned process (`--latency-priority`), for a shared machine. */
  latencyPriority?: boolean;
  /** Seconds of each level's window (`--duration`); default LEVEL_PHASE_S. */
  durationS?: number | undefined;
}

async function runOne(
  name: LatencyScenarioName,
  kind: ServerKind,
  pool: WorkerPool,
  peerRates: number[],
  o: LatencyOptions,
): Promise<LatencyResult> {
  const { scale, latencyRates: fixedRates, idle = [], latencyPriority: priority = false } = o;
  const levelS = o.durationS ?? LEVEL_PHASE_S;
  const label = `${name}/${kind}`;
  const clients = Math.max(2, Math.round(CLIENTS * scale));
  const unpinned = pinUnavailable();
  if (!unpinned) pin([process.pid, ...pool.pids(), ...idle], 1, priority);
  const server = await start(name, kind, label);
  try {
    // everything the runner started that is not a load worker (busy or idle): nodes, peers, the
    // broker
    const pids = descendants(process.pid, [...pool.pids(), ...idle]);
    if (!unpinned) pin(pids, 0, priority);
    await connectAll(
      kind,
      server.urls,
      pool,
      clients,
      { concurrency: 100, resumeAfter: null, reconnect: false, timeoutMs: 60_000 },
      label,
    );
    await sleep(2000);
    const room = pool.totals().ready;
    const servers: Measured = {
      pids,
      commits: () =>
        kind === 'switchboard' ? commitTally(server.urls.map(httpUrlOf)) : Promise.resolve(null),
    };
    await phase(pool, servers, room, RAMP_FROM, 2, 'warm-up');
    const r = fixedRates
      ? { points: [], rate: 0, by: 'fixed' as const }
      : await ramp(pool, servers, room, label);
    note(`${label}: saturation ${r.rate} msg/s (${r.by})`);
    const levels: LatencyPoint[] = [];
    const plan: [string, number][] = fixedRates
      ? fixedRates.map((rate) => [`${rate} msg/s`, rate])
      : [0.25, 0.5, 0.75].map((q) => [`${q * 100}%`, Math.max(1, Math.round(r.rate * q))]);
    if (!fixedRates)
      peerRates.forEach((rate, i) => plan.push([`at socketio ${[25, 50, 75][i]}%`, rate]));
    for (const [level, rate] of plan) {
      status(`${label}: ${level} = ${rate} msg/s`);
      const p = await phase(pool, servers, room, rate, levelS, level);
      levels.push(p);
      note(
        `${label}: ${level} (${rate} msg/s): p50 ${f(p.p50, 2)} / p99 ${f(p.p99, 2)} / max ${f(p.max, 1)} ms, server ${f(p.serverCpuPct, 0)} %, steal ${f(p.stealPct[0], 1)} / ${f(p.stealPct[1], 1)} %${p.sqliteCommits ? `, commits over ${SLOW_COMMIT_MS} ms ${p.sqliteCommits.slow} of ${p.sqliteCommits.commits}` : ''}`,
      );
    }
    return {
      scenario: name,
      server: kind,
      nodes: NODES[name],
      clients: room,
      loadWorkers: pool.size,
      unpinned,
      priorityAsked: priority,
      prioritized: prioritized() ?? false,
      saturationRate: r.rate,
      limitedBy: r.by,
      ramp: r.points,
      levelSeconds: levelS,
      levels,
    };
  } finally {
    status(`${label}: closing clients`);
    await pool.closeClients().catch(() => undefined);
    await server.stop();
    // Every CPU again for what outlives this run (the runner, the workers): whatever they start
    // next inherits it.
    if (!unpinned) unpin([process.pid, ...pool.pids(), ...idle]);
    await sleep(500);
  }
}

/** Socket.IO first, so that Switchboard can also be measured at Socket.IO's rates. */
export async function runLatencyScenario(
  name: LatencyScenarioName,
  servers: ServerKind[],
  pool: WorkerPool,
  o: LatencyOptions,
): Promise<LatencyResult[]> {
  const kinds = servers.filter((k) => name === 'latency' || k !== 'ws-floor');
  kinds.sort((a, b) => (a === 'socketio' ? -1 : b === 'socketio' ? 1 : 0));
  const out: LatencyResult[] = [];
  for (const kind of kinds) {
    const sio = out.find((r) => r.server === 'socketio');
    const peerRates =
      kind === 'switchboard' && sio ? sio.levels.slice(0, 3).map((p) => p.rate) : [];
    out.push(await runOne(name, kind, pool, peerRates, o));
  }
  return out;
}

/** The SVG of one scenario's results: p99 (solid) and p50 (dashed) against offered msg/s. */
export function latencySvg(results: LatencyResult[], name: LatencyScenarioName): string {
  const mine = results.filter((r) => r.scenario === name);
  const nodes = NODES[name];
  return lineChartSvg(
    mine.map((r) => {
      const pts = [...r.ramp, ...r.levels].filter((p) => p.deliveredPct >= 100);
      return {
        name: r.server,
        solid: pts.map((p) => [p.rate, p.p99] as [number, number]),
        dashed: pts.map((p) => [p.rate, p.p50] as [number, number]),
      };
    }),
    {
      title: `publish→deliver latency, ${mine[0]?.clients ?? CLIENTS} clients in one room, ${nodes} node${nodes > 1 ? 's + Redis' : ''}`,
      x: 'offered load (messages/s into the room)',
      y: 'latency (ms)',
      target: { y: TARGET_P99_MS[name], label: `target p99 ${TARGET_P99_MS[name]} ms` },
    },
  );
}

/** How the pinned processes were prioritized, for the table's footnote. */
function priorityText(results: LatencyResult[]): string {
  if (results.every((r) => r.prioritized)) return 'at nice -20';
  if (results.some((r) => r.priorityAsked)) return 'not prioritized (nice -20 needs root)';
  return 'at normal priority';
}

/** "1 load process" or "4 load processes". */
function loadProcesses(results: LatencyResult[]): string {
  const n = [...new Set(results.map((r) => r.loadWorkers))].join('/');
  return `${n} load process${n === '1' ? '' : 'es'}`;
}

/** Writes one SVG per scenario beside the JSON results; returns the paths. */
export function writeLatencyPlots(results: LatencyResult[], stamp: string): string[] {
  mkdirSync('bench/results', { recursive: true });
  const files: string[] = [];
  for (const name of LATENCY_SCENARIOS) {
    if (!results.some((r) => r.scenario === name)) continue;
    const svg = latencySvg(results, name);
    for (const file of [`bench/results/${stamp}-${name}.svg`, `bench/results/${name}-latest.svg`]) {
      writeFileSync(file, svg);
      files.push(file);
    }
  }
  return files;
}

export function renderLatency(results: LatencyResult[]): string {
  if (results.length === 0) return '';
  const rows = results.flatMap((r) =>
    r.levels.map((p) => [
      r.scenario,
      r.server,
      String(r.clients),
      `${r.saturationRate} (${r.limitedBy})`,
      p.level,
      String(p.rate),
      f(p.p50, 2),
      f(p.p99, 2),
      f(p.max, 1),
      f(p.serverCpuPct, 0),
      f(p.cpuUsPerDelivery, 2),
      `${f(p.deliveredPct, 1)}%`,
      `${f(p.stealPct[0], 1)} / ${f(p.stealPct[1], 1)}`,
      p.sqliteCommits ? `${p.sqliteCommits.slow} / ${p.sqliteCommits.commits}` : '-',
    ]),
  );
  const pinned = results.every((r) => !r.unpinned)
    ? `servers pinned to CPU 0, load to CPU 1 (${loadProcesses(results)}), ${priorityText(results)}`
    : `NOT pinned: ${results.find((r) => r.unpinned)?.unpinned ?? ''}`;
  const head = [
    'latency',
    'server',
    'clients',
    'saturation msg/s',
    'level',
    'msg/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'server core %',
    'CPU µs/deliv',
    'delivered',
    'steal % srv / load',
    `commits >${SLOW_COMMIT_MS} ms / all`,
  ];
  const windows = [...new Set(results.map((r) => r.levelSeconds))].join('/');
  return `${table(head, rows)}\n(${pinned}; ${windows} s per level)`;
}
