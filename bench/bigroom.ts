/**
 * `npm run bench -- --scenario bigroom` (issue #10 §4, big rooms): `general` seeded with 100,000
 * members straight into the SQLite file before start, 15,000 × scale watchers connected, and
 * churners asked for 1,000 × scale joins and leaves per second on an absolute schedule. Runs on
 * two topologies, each a fresh store: `serve --workers 2` (two nodes over the primary's IPC bus,
 * the OS spreads connections) and two `serve` processes sharing the store over a private Redis
 * (client `n` on node `n % 2`). Measures the joins and leaves done per second against the rate
 * asked, the room-presence frames each watcher gets per second (must be <= 1), the servers' CPU
 * per join/leave (over an idle window of the same length, same run), and whether every
 * watcher's last counts equal the truth at the end, per node where the node is known.
 *
 * Clients run in their own processes (bench/load/bigroom-clients.ts): the watchers in two, the
 * churners in a third, so the churn keeps its schedule however busy the watchers are.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.js';
import { startBroker, startSwitchboardCluster } from './cluster.js';
import type {
  BigroomAnswer,
  BigroomCommand,
  ChurnReport,
  StatsReport,
} from './load/bigroom-ipc.js';
import { cpuMs, descendantsCpuMs } from './lib/proc.js';
import { note } from './lib/progress.js';
import { SWITCHBOARD_MAIN, startSwitchboard } from './lib/servers.js';

export const BIGROOM_SCENARIOS = ['bigroom'] as const;
export type BigroomScenarioName = (typeof BIGROOM_SCENARIOS)[number];
export const BIGROOM_TOPOLOGIES = ['workers', 'redis'] as const;
export type BigroomTopology = (typeof BIGROOM_TOPOLOGIES)[number];

export interface BigroomResult {
  scenario: 'bigroom';
  topology: BigroomTopology;
  seeded: number;
  watchers: number;
  churners: number;
  /** Joins and leaves asked for (rate × 10 s) and done, the window and the rates. */
  asked: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecAsked: number;
  opsPerSec: number;
  /** How late the churners sent after their slot (ms), and a join's or leave's round trip. */
  lagMeanMs: number;
  lagMaxMs: number;
  rttMeanMs: number;
  rttMaxMs: number;
  /** room-presence frames per watcher per second in the churn window. */
  framesPerSecMax: number;
  framesPerSecMean: number;
  /** The shortest time between two room-presence frames of one watcher in the window (ms). */
  minGapMs: number;
  /** Watchers with two frames less than 500 ms apart in the window (as the client saw them). */
  shortGaps: number;
  /** The machine's 1-minute load average at the end of the churn (2 cores, shared). */
  loadavg1: number;
  /** Server CPU (every node process) per join/leave, over the idle window's. */
  cpuUsPerOp: number;
  cpuMsChurn: number;
  cpuMsIdle: number;
  /** redis-server's CPU in the churn window (redis topology only). */
  brokerCpuMsChurn: number | null;
  /** CPU of the churners' process and of the watchers' processes in the churn window. */
  churnerCpuMs: number;
  watcherCpuMs: number;
  /** The same churn in a room of a few members with no watchers (same run). */
  smallRoomCpuUsPerOp: number;
  smallRoomOpsPerSec: number;
  truth: { members: number; online: number };
  /** Watchers whose last frame matched the truth, of all watchers. */
  exact: number;
  /** The same per node (redis: node `n0`, `n1`); one entry `any` when the OS picked the node. */
  exactByNode: { node: string; exact: number; watchers: number }[];
  seedMs: number;
}

/** A topology that did not run (e.g. no redis-server), and why. */
export interface BigroomSkipped {
  scenario: 'bigroom';
  topology: BigroomTopology;
  skipped: string;
}

const SEED = 100_000;
const SECONDS = 10;
const WATCHER_PROCESSES = 2;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Straight into the database, one transaction: the store API would take a write per member. */
async function seed(dataDir: string, n: number): Promise<void> {
  const store = await openStore('', { dataDir });
  await store.close();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dataDir, 'switchboard.db'));
  const insert = db.prepare(
    `INSERT INTO members (channel, user, read_seq, joined_at, floor_seq)
     VALUES ('room:general', ?, 0, 0, 0)`,
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`seed${String(i).padStart(6, '0')}`);
  })();
  db.close();
}

/** One bench/load/bigroom-clients.ts process, asked one command at a time per id. */
class ClientProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (a: BigroomAnswer) => void>();
  private nextId = 1;
  private died: Error | undefined;

  constructor(readonly name: string) {
    this.child = fork('bench/load/bigroom-clients.ts', [], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
    this.child.on('message', (a: BigroomAnswer) => {
      this.waiting.get(a.id)?.(a);
      this.waiting.delete(a.id);
    });
    this.child.on('exit', (code, signal) => {
      this.died = new Error(`bigroom ${name} process exited (${code ?? signal})`);
      for (const w of this.waiting.values()) w({ t: 'failed', id: 0, error: this.died.message });
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  cpuMs(): number {
    return this.died ? 0 : cpuMs(this.pid);
  }

  async ask<T extends BigroomAnswer['t']>(
    cmd: DistributiveOmit<Exclude<BigroomCommand, { t: 'exit' }>, 'id'>,
    t: T,
  ): Promise<Extract<BigroomAnswer, { t: T }>> {
    if (this.died) throw this.died;
    const id = this.nextId++;
    const a = await new Promise<BigroomAnswer>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...cmd, id });
    });
    if (a.t === 'failed') throw new Error(`bigroom ${this.name}: ${a.error}`);
    if (a.t !== t) throw new Error(`bigroom ${this.name}: ${a.t} instead of ${t}`);
    return a as Extract<BigroomAnswer, { t: T }>;
  }

  exit(): void {
    if (!this.died && this.child.connected) this.child.send({ t: 'exit' } satisfies BigroomCommand);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The servers of one topology: where clients connect and what CPU the nodes and broker used. */
interface Servers {
  urls: string[];
  /** Node names in the order of `urls`; `['any']` when one URL spreads over workers. */
  names: string[];
  pids: number[];
  brokerCpuMs(exclude: number[]): number | null;
  seedMs: number;
  stop(): Promise<void>;
}

async function startServers(topology: BigroomTopology): Promise<Servers | string> {
  let seedMs = 0;
  const prepare = async (dataDir: string): Promise<void> => {
    const t0 = Date.now();
    await seed(dataDir, SEED);
    seedMs = Date.now() - t0;
    note(`bigroom ${topology}: seeded ${SEED} members in ${seedMs} ms`);
  };
  if (topology === 'workers') {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-bigroom-'));
    await prepare(dataDir);
    const server = await startSwitchboard({ dataDir, args: ['--workers', '2'] });
    return {
      urls: [server.url],
      names: ['any'],
      pids: [server.pid],
      brokerCpuMs: () => null,
      seedMs,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const { broker, skip } = await startBroker('redis');
  if (!broker) return skip ?? 'no redis-server';
  try {
    const cluster = await startSwitchboardCluster('redis', broker, 2, 'bigroom', 'sqlite', prepare);
    return {
      urls: cluster.nodes.map((n) => n.url),
      names: cluster.nodes.map((_, i) => `n${i}`),
      pids: cluster.nodes.map((n) => n.pid),
      brokerCpuMs: (exclude) => descendantsCpuMs(process.pid, exclude),
      seedMs,
      stop: async () => {
        await cluster.stop();
        await broker.dispose().catch(() => undefined);
      },
    };
  } catch (e) {
    await broker.dispose().catch(() => undefined);
    throw e;
  }
}

/** CPU of the node processes and everything under them (a `--workers` primary's workers). */
const nodesCpuMs = (pids: number[]): number =>
  pids.reduce((s, pid) => s + cpuMs(pid) + descendantsCpuMs(pid, []), 0);

interface Load {
  watchers: ClientProcess[];
  churner: ClientProcess;
  watcherCount: number;
  churnerCount: number;
}

async function connectLoad(urls: string[], scale: number): Promise<Load> {
  const watcherCount = Math.round(15_000 * scale);
  const churnerCount = Math.max(2, Math.round(100 * scale));
  const watchers = Array.from({ length: WATCHER_PROCESSES }, (_, i) => new ClientProcess(`w${i}`));
  const churner = new ClientProcess('churners');
  const per = Math.ceil(watcherCount / WATCHER_PROCESSES);
  await Promise.all(
    watchers.map((w, i) => {
      const from = Math.min(watcherCount, i * per);
      const to = Math.min(watcherCount, from + per);
      return w.ask({ t: 'connect', urls, prefix: 'w', from, to }, 'connected');
    }),
  );
  await churner.ask({ t: 'connect', urls, prefix: 'c', from: 0, to: churnerCount }, 'connected');
  return { watchers, churner, watcherCount, churnerCount };
}

/** Churn of `room` at `rate` with CPU of the nodes, the broker and the load processes around it. */
async function timedChurn(
  servers: Servers,
  load: Load,
  room: string,
  rate: number,
  o: { inRoom: boolean; skip: number },
): Promise<ChurnReport & { cpuMs: number; brokerMs: number | null; cw: number; cc: number }> {
  const exclude = [...servers.pids, load.churner.pid, ...load.watchers.map((w) => w.pid)];
  const watcherCpu = (): number => load.watchers.reduce((s, w) => s + w.cpuMs(), 0);
  const [n0, b0, w0, c0] = [
    nodesCpuMs(servers.pids),
    servers.brokerCpuMs(exclude),
    watcherCpu(),
    load.churner.cpuMs(),
  ];
  const startAt = Date.now() + 200;
  const r = await load.churner.ask(
    { t: 'churn', room, rate, startAt, seconds: SECONDS, ...o },
    'churned',
  );
  const b1 = servers.brokerCpuMs(exclude);
  return {
    ...r,
    cpuMs: nodesCpuMs(servers.pids) - n0,
    brokerMs: b0 === null || b1 === null ? null : b1 - b0,
    cw: watcherCpu() - w0,
    cc: load.churner.cpuMs() - c0,
  };
}

function exactness(
  servers: Servers,
  stats: StatsReport[],
  truth: BigroomResult['truth'],
): BigroomResult['exactByNode'] {
  return servers.names.map((node, i) => {
    const rows = stats.flatMap((s) => s.last).filter(([n]) => n === i);
    return {
      node,
      watchers: rows.reduce((s, r) => s + r[3], 0),
      exact: rows
        .filter(([, m, o]) => m === truth.members && o === truth.online)
        .reduce((s, r) => s + r[3], 0),
    };
  });
}

async function runTopology(
  topology: BigroomTopology,
  scale: number,
): Promise<BigroomResult | BigroomSkipped> {
  const servers = await startServers(topology);
  if (typeof servers === 'string') return { scenario: 'bigroom', topology, skipped: servers };
  let load: Load | undefined;
  try {
    load = await connectLoad(servers.urls, scale);
    const { watcherCount, churnerCount } = load;
    note(`bigroom ${topology}: ${watcherCount} watchers and ${churnerCount} churners in general`);
    await sleep(3000);
    const idle0 = nodesCpuMs(servers.pids);
    await sleep(SECONDS * 1000);
    const cpuMsIdle = nodesCpuMs(servers.pids) - idle0;
    const rate = 1000 * scale;
    const big = await timedChurn(servers, load, 'general', rate, { inRoom: true, skip: 0 });
    const loadavg1 = loadavg()[0] ?? NaN;
    await sleep(2500);
    const seconds = (big.end - big.start) / 1000;
    const stats = await Promise.all(
      load.watchers.map((w) => w.ask({ t: 'stats', from: big.start, to: big.end + 1000 }, 'stats')),
    );
    const truth = {
      members: SEED + watcherCount + big.inRoom,
      online: watcherCount + big.inRoom,
    };
    const exactByNode = exactness(servers, stats, truth);
    // The same churn in a room of a few members, same run: the per-operation cost to compare.
    await load.churner.ask({ t: 'call', frame: { type: 'create', room: 'small' } }, 'called');
    const small = await timedChurn(servers, load, 'small', rate, { inRoom: false, skip: 1 });
    const idlePerSec = cpuMsIdle / SECONDS;
    const framesSum = stats.reduce((s, x) => s + x.framesSum, 0);
    return {
      scenario: 'bigroom',
      topology,
      seeded: SEED,
      watchers: watcherCount,
      churners: churnerCount,
      asked: big.asked,
      ops: big.ops,
      errors: big.errors,
      seconds,
      opsPerSecAsked: rate,
      opsPerSec: big.ops / seconds,
      lagMeanMs: big.lagMeanMs,
      lagMaxMs: big.lagMaxMs,
      rttMeanMs: big.rttMeanMs,
      rttMaxMs: big.rttMaxMs,
      framesPerSecMax: Math.max(...stats.map((s) => s.framesMax)) / (seconds + 1),
      framesPerSecMean: framesSum / watcherCount / (seconds + 1),
      minGapMs: Math.min(...stats.map((s) => s.minGapMs)),
      shortGaps: stats.reduce((s, x) => s + x.shortGaps, 0),
      loadavg1,
      cpuUsPerOp: ((big.cpuMs - idlePerSec * seconds) * 1000) / Math.max(1, big.ops),
      cpuMsChurn: big.cpuMs,
      cpuMsIdle,
      brokerCpuMsChurn: big.brokerMs,
      churnerCpuMs: big.cc,
      watcherCpuMs: big.cw,
      smallRoomCpuUsPerOp:
        ((small.cpuMs - (idlePerSec * (small.end - small.start)) / 1000) * 1000) /
        Math.max(1, small.ops),
      smallRoomOpsPerSec: small.ops / ((small.end - small.start) / 1000),
      truth,
      exact: exactByNode.reduce((s, n) => s + n.exact, 0),
      exactByNode,
      seedMs: servers.seedMs,
    };
  } finally {
    for (const p of load ? [...load.watchers, load.churner] : []) p.exit();
    await servers.stop();
  }
}

/** Runs both topologies, prints the table and writes bench/results/bigroom-<time>.json. */
export async function runBigroom(scale: number): Promise<void> {
  if (!existsSync(SWITCHBOARD_MAIN)) throw new Error(`${SWITCHBOARD_MAIN} missing: npm run build`);
  const startedAt = new Date();
  const results: (BigroomResult | BigroomSkipped)[] = [];
  for (const topology of BIGROOM_TOPOLOGIES) {
    const r = await runTopology(topology, scale);
    if ('skipped' in r) note(`bigroom ${topology}: skipped, ${r.skipped}`);
    results.push(r);
  }
  console.log(renderBigroom(results));
  const json = { startedAt: startedAt.toISOString(), scale, loadavg: loadavg(), results };
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/bigroom-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

const TOPOLOGY_LABEL: Record<BigroomTopology, string> = {
  workers: '--workers 2 (IPC bus)',
  redis: '2 nodes + Redis',
};

export function renderBigroom(results: (BigroomResult | BigroomSkipped)[]): string {
  const f0 = (n: number): string => n.toFixed(0);
  const rows: [string, (r: BigroomResult) => string][] = [
    ['members seeded (ms)', (r) => `${r.seeded} (${r.seedMs})`],
    ['watchers / churners', (r) => `${r.watchers} / ${r.churners}`],
    ['joins+leaves done / asked', (r) => `${r.ops} / ${r.asked} (${r.errors} errors)`],
    ['… per second done / asked', (r) => `${f0(r.opsPerSec)} / ${f0(r.opsPerSecAsked)}`],
    ['window (s)', (r) => r.seconds.toFixed(2)],
    ['send lag after slot mean / max (ms)', (r) => `${r.lagMeanMs.toFixed(1)} / ${f0(r.lagMaxMs)}`],
    ['join/leave round trip mean / max (ms)', (r) => `${r.rttMeanMs.toFixed(1)} / ${r.rttMaxMs}`],
    [
      'room-presence frames/s per watcher',
      (r) => `max ${r.framesPerSecMax.toFixed(2)}, mean ${r.framesPerSecMean.toFixed(2)}`,
    ],
    ['shortest gap between frames (ms)', (r) => String(r.minGapMs)],
    ['watchers with a gap < 500 ms', (r) => String(r.shortGaps)],
    ['load average (1 min) after churn', (r) => r.loadavg1.toFixed(1)],
    ['server CPU ms churn / idle', (r) => `${f0(r.cpuMsChurn)} / ${f0(r.cpuMsIdle)}`],
    [
      'redis-server CPU ms in churn',
      (r) => (r.brokerCpuMsChurn === null ? '-' : f0(r.brokerCpuMsChurn)),
    ],
    ['load CPU ms churners / watchers', (r) => `${f0(r.churnerCpuMs)} / ${f0(r.watcherCpuMs)}`],
    ['server CPU µs per join/leave', (r) => f0(r.cpuUsPerOp)],
    [
      '… in a room of few members, no watchers',
      (r) => `${f0(r.smallRoomCpuUsPerOp)} (${f0(r.smallRoomOpsPerSec)}/s)`,
    ],
    ['truth members / online', (r) => `${r.truth.members} / ${r.truth.online}`],
    ['watchers with exact counts', (r) => `${r.exact} of ${r.watchers}`],
    [
      '… per node',
      (r) => r.exactByNode.map((n) => `${n.node} ${n.exact}/${n.watchers}`).join(', '),
    ],
  ];
  const cells = [
    ['', ...results.map((r) => TOPOLOGY_LABEL[r.topology])],
    ...rows.map(([k, get]) => [
      k,
      ...results.map((r) => ('skipped' in r ? `skipped: ${r.skipped}` : get(r))),
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const lines = cells.map((row) =>
    `  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd(),
  );
  return ['bigroom', ...lines].join('\n');
}
