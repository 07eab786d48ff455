/**
 * The capacity model's calibration and check (`--scenario capacity`; docs/capacity.md). Runs
 * Switchboard clusters of 1–4 nodes + a private Redis through the cluster scenarios' code
 * (./cluster.ts) and fits, per node:
 *
 *   room traffic:  cpu = M·(C/n)·a + (M/n)·c + M·((n−1)/n)·b
 *   DMs:           cpu = (D/n)·d + D·((n−1)/n²)·e
 *   memory:        rss = base + (C/n)·k
 *
 * M room messages (one room, C members spread evenly over n nodes), D DMs between random users;
 * a = per local delivery, c = per message at its origin (checks, store append, publish),
 * b = per message a node receives from the bus, d = per DM on one node, e = per DM that crosses
 * nodes (its origin and its recipient differ: (n−1)/n of them, half the cost on each side as an
 * average per node). a and c (least squares over three room runs), d, base and k come from
 * 1-node runs, b and e from 2-node runs; the
 * check runs use another workload (more clients, another rate) on 1, 2, 3 and 4 nodes and
 * report the prediction error.
 */
import {
  type ClusterResult,
  type ClusterScenario,
  runClusterScenario,
  type ClusterOptions,
} from './cluster.js';
import type { WorkerPool } from './lib/pool.js';
import { note } from './lib/progress.js';
import { f, table } from './lib/report.js';

export const CAPACITY_SCENARIOS = ['capacity'] as const;
export type CapacityScenarioName = (typeof CAPACITY_SCENARIOS)[number];

interface Run {
  role: 'fit' | 'check';
  nodes: number;
  clients: number;
  rate: number;
  dm: boolean;
}

/**
 * Calibration at 300 and 1,500 clients (room sizes far apart, so the cost per delivery stands
 * out from the cost per message), checks at 900: all × --scale.
 */
const RUNS: Run[] = [
  { role: 'fit', nodes: 1, clients: 300, rate: 100, dm: false },
  { role: 'fit', nodes: 1, clients: 1500, rate: 100, dm: false },
  { role: 'fit', nodes: 1, clients: 1500, rate: 50, dm: false },
  { role: 'fit', nodes: 2, clients: 600, rate: 100, dm: false },
  { role: 'fit', nodes: 1, clients: 600, rate: 300, dm: true },
  { role: 'fit', nodes: 2, clients: 600, rate: 300, dm: true },
  ...[1, 2, 3, 4].map((n) => ({
    role: 'check' as const,
    nodes: n,
    clients: 900,
    rate: 60,
    dm: false,
  })),
  ...[1, 2, 3, 4].map((n) => ({
    role: 'check' as const,
    nodes: n,
    clients: 900,
    rate: 500,
    dm: true,
  })),
];

export interface CapacityCoefficients {
  /** µs per local delivery. */
  a: number;
  /** µs per message a node receives from the bus. */
  b: number;
  /** µs per room message at its origin node. */
  c: number;
  /** µs per DM on one node. */
  d: number;
  /** µs per DM that crosses nodes, over both sides. */
  e: number;
  /** MB of a node with no clients, and KB per connection. */
  baseMb: number;
  kbPerConn: number;
  /** Redis CPU µs per message published (room message or DM). */
  brokerUsPerMessage: number;
}

export interface CapacityRow {
  role: 'fit' | 'check';
  nodes: number;
  clients: number;
  rate: number;
  dm: boolean;
  complete: boolean;
  /** Measured and predicted CPU ms per node (mean over nodes) in the window. */
  cpuMsPerNode: number;
  predictedCpuMsPerNode: number;
  rssMbPerNode: number;
  predictedRssMbPerNode: number;
  brokerCpuMs: number | null;
  windowMessages: number;
}

export interface CapacityResult {
  coefficients: CapacityCoefficients;
  rows: CapacityRow[];
  /** Mean absolute relative error of the check rows' CPU and RSS predictions. */
  cpuErrorPct: number;
  rssErrorPct: number;
}

const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);

/** Client counts are scaled by runClusterScenario (× --scale). */
function scenarioOf(r: Run): ClusterScenario {
  return {
    name: r.dm ? 'cluster-dm' : 'cluster-busy',
    nodes: r.nodes,
    clientsPerNode: r.clients / r.nodes,
    rate: r.rate,
    durationS: 8,
    dm: r.dm,
    buses: ['redis'],
    socketio: false,
  };
}

/** Least squares a, c of v ≈ x·a + y·c over the rows (x, y). */
function leastSquares2(rows: [number, number][], v: number[]): [number, number] {
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sxv = 0;
  let syv = 0;
  rows.forEach(([x, y], i) => {
    const t = v[i] ?? 0;
    [sxx, sxy, syy, sxv, syv] = [sxx + x * x, sxy + x * y, syy + y * y, sxv + x * t, syv + y * t];
  });
  const det = sxx * syy - sxy * sxy;
  return [(sxv * syy - syv * sxy) / det, (syv * sxx - sxv * sxy) / det];
}

function fit(done: { run: Run; res: ClusterResult }[]): CapacityCoefficients {
  const find = (p: (r: Run) => boolean): ClusterResult => {
    const hit = done.find((d) => d.run.role === 'fit' && p(d.run));
    if (!hit) throw new Error('a calibration run is missing');
    return hit.res;
  };
  const us = (r: ClusterResult): number => mean(r.perNodeCpuMs) * 1000;
  // 1 node, room traffic: cpu = deliveries·a + M·c, least squares over three runs
  const s = find((r) => r.nodes === 1 && !r.dm && r.clients === 300);
  const l = find((r) => r.nodes === 1 && !r.dm && r.clients === 1500 && r.rate === 100);
  const h = find((r) => r.nodes === 1 && !r.dm && r.rate === 50);
  const [a, c] = leastSquares2(
    [s, l, h].map((r) => [r.delivered, r.sent]),
    [s, l, h].map(us),
  );
  // 2 nodes: per node = (deliveries/n)·a + (M/n)·c + M·(n−1)/n·b
  const two = find((r) => r.nodes === 2 && !r.dm);
  const b = (us(two) - (two.delivered / 2) * a - (two.sent / 2) * c) / Math.max(1, two.sent / 2);
  const d1 = find((r) => r.nodes === 1 && r.dm);
  const d = us(d1) / Math.max(1, d1.sent);
  const d2 = find((r) => r.nodes === 2 && r.dm);
  const e = (us(d2) - (d2.sent / 2) * d) / Math.max(1, d2.sent / 4);
  const rss = (r: ClusterResult): number => mean(r.rssPeakMb);
  const kbPerConn = ((rss(l) - rss(s)) * 1024) / Math.max(1, l.ready - s.ready);
  const baseMb = rss(l) - (kbPerConn * l.ready) / 1024;
  const brokerRuns = done.filter((x) => x.res.brokerCpuMs !== null && x.run.nodes > 1);
  const brokerUsPerMessage = mean(
    brokerRuns.map((x) => ((x.res.brokerCpuMs ?? 0) * 1000) / Math.max(1, x.res.sent)),
  );
  return { a, b, c, d, e, baseMb, kbPerConn, brokerUsPerMessage };
}

function predict(k: CapacityCoefficients, run: Run, res: ClusterResult): [number, number] {
  const n = run.nodes;
  const cpuUs = run.dm
    ? (res.sent / n) * k.d + ((res.sent * (n - 1)) / (n * n)) * k.e
    : (res.delivered / n) * k.a + (res.sent / n) * k.c + ((res.sent * (n - 1)) / n) * k.b;
  return [cpuUs / 1000, k.baseMb + (k.kbPerConn * res.ready) / n / 1024];
}

export async function runCapacityScenario(
  pool: WorkerPool,
  o: ClusterOptions,
): Promise<CapacityResult> {
  const done: { run: Run; res: ClusterResult }[] = [];
  for (const run of RUNS) {
    const sc = scenarioOf(run);
    note(
      `capacity: ${run.role} ${run.nodes} node(s), ${run.clients} clients, ${run.rate} ${run.dm ? 'DM' : 'msg'}/s`,
    );
    const [res] = await runClusterScenario(sc, ['switchboard'], pool, {
      ...o,
      rate: undefined,
      dmRate: undefined,
    });
    if (!res || res.skipped) throw new Error(`capacity run skipped: ${res?.skipped ?? '?'}`);
    done.push({ run, res });
  }
  const k = fit(done);
  const rows = done.map(({ run, res }): CapacityRow => {
    const [cpu, rss] = predict(k, run, res);
    return {
      ...run,
      clients: res.ready,
      complete: res.complete,
      cpuMsPerNode: mean(res.perNodeCpuMs),
      predictedCpuMsPerNode: cpu,
      rssMbPerNode: mean(res.rssPeakMb),
      predictedRssMbPerNode: rss,
      brokerCpuMs: res.brokerCpuMs,
      windowMessages: res.sent,
    };
  });
  const err = (m: number, p: number): number => (100 * Math.abs(p - m)) / Math.max(1e-9, m);
  const checks = rows.filter((r) => r.role === 'check');
  return {
    coefficients: k,
    rows,
    cpuErrorPct: mean(checks.map((r) => err(r.cpuMsPerNode, r.predictedCpuMsPerNode))),
    rssErrorPct: mean(checks.map((r) => err(r.rssMbPerNode, r.predictedRssMbPerNode))),
  };
}

export function renderCapacity(results: CapacityResult[]): string {
  return results
    .map((r) => {
      const k = r.coefficients;
      const rows = r.rows.map((x) => [
        x.role,
        x.dm ? 'DMs' : 'room',
        String(x.nodes),
        String(x.clients),
        String(x.rate),
        x.complete ? 'yes' : 'NO',
        f(x.cpuMsPerNode, 0),
        f(x.predictedCpuMsPerNode, 0),
        `${f((100 * (x.predictedCpuMsPerNode - x.cpuMsPerNode)) / x.cpuMsPerNode, 0)}%`,
        f(x.rssMbPerNode, 0),
        f(x.predictedRssMbPerNode, 0),
      ]);
      const head = [
        'capacity',
        'load',
        'nodes',
        'clients',
        'rate/s',
        'complete',
        'CPU ms/node',
        'model',
        'error',
        'RSS MB/node',
        'model',
      ];
      const coef = `a ${f(k.a, 3)} µs/delivery, b ${f(k.b, 1)} µs/bus msg, c ${f(k.c, 1)} µs/origin msg, d ${f(k.d, 1)} µs/DM, e ${f(k.e, 1)} µs/cross-node DM, RSS ${f(k.baseMb, 0)} MB + ${f(k.kbPerConn, 2)} KB/conn, Redis ${f(k.brokerUsPerMessage, 1)} µs/msg`;
      const errors = `check rows: mean |error| CPU ${f(r.cpuErrorPct, 1)} %, RSS ${f(r.rssErrorPct, 1)} %`;
      return `${table(head, rows)}\n${coef}\n${errors}\n\n${renderPlans(k)}`;
    })
    .join('\n\n');
}

/** A workload to size a cluster for. */
export interface Workload {
  name: string;
  connections: number;
  /** Members (all connected) per room, and room messages per second cluster-wide. */
  roomSize: number;
  roomMessagesPerSec: number;
  dmsPerSec: number;
}

export const WORKLOADS: Workload[] = [
  // every user says something every 5 minutes in a room of 100, and sends a DM every 10 minutes
  {
    name: '1M',
    connections: 1e6,
    roomSize: 100,
    roomMessagesPerSec: 1e6 / 300,
    dmsPerSec: 1e6 / 600,
  },
  {
    name: '10M',
    connections: 1e7,
    roomSize: 100,
    roomMessagesPerSec: 1e7 / 300,
    dmsPerSec: 1e7 / 600,
  },
];

export interface Plan {
  workload: string;
  nodes: number;
  /** What set the node count: CPU, or connections per process. */
  boundBy: 'cpu' | 'connections';
  cpuPerNodePct: number;
  rssPerNodeMb: number;
  /** Nodes a room message reaches (members spread at random): bus deliveries per message. */
  nodesPerRoomMessage: number;
  busMessagesPerNodePerSec: number;
  /** Redis (or NATS) cores for the bus traffic, at the measured broker cost per message. */
  brokerCores: number;
  storeWritesPerSec: number;
}

/** Planning limits: a node is one process held to 70 % of a core and 50,000 connections. */
const CPU_BUDGET = 0.7;
const CONNS_PER_NODE = 50_000;

/** The smallest cluster the model says carries `w`. */
export function plan(k: CapacityCoefficients, w: Workload): Plan {
  const cpuAt = (n: number): number => {
    const touched = n * (1 - (1 - 1 / n) ** w.roomSize);
    const room = w.roomMessagesPerSec * (w.roomSize * k.a + k.c + Math.max(0, touched - 1) * k.b);
    const dm = w.dmsPerSec * (k.d + ((n - 1) / n) * (k.e / 2));
    return (room + dm) / n / 1e6; // cores per node
  };
  let n = Math.max(1, Math.ceil(w.connections / CONNS_PER_NODE));
  const byConns = n;
  while (cpuAt(n) > CPU_BUDGET && n < 100_000) n++;
  const touched = n * (1 - (1 - 1 / n) ** w.roomSize);
  const busPerNode = (w.roomMessagesPerSec * (touched - 1) + w.dmsPerSec * ((n - 1) / n)) / n;
  return {
    workload: w.name,
    nodes: n,
    boundBy: n > byConns ? 'cpu' : 'connections',
    cpuPerNodePct: cpuAt(n) * 100,
    rssPerNodeMb: k.baseMb + (k.kbPerConn * w.connections) / n / 1024,
    nodesPerRoomMessage: touched,
    busMessagesPerNodePerSec: busPerNode,
    brokerCores: ((w.roomMessagesPerSec + w.dmsPerSec) * k.brokerUsPerMessage) / 1e6,
    storeWritesPerSec: w.roomMessagesPerSec + w.dmsPerSec,
  };
}

export function renderPlans(k: CapacityCoefficients): string {
  const rows = WORKLOADS.map((w) => {
    const p = plan(k, w);
    return [
      w.name,
      `${f(w.roomMessagesPerSec, 0)} + ${f(w.dmsPerSec, 0)} DM`,
      String(p.nodes),
      p.boundBy,
      f(p.cpuPerNodePct, 0),
      f(p.rssPerNodeMb, 0),
      f(p.nodesPerRoomMessage, 1),
      f(p.busMessagesPerNodePerSec, 0),
      f(p.brokerCores, 2),
      f(p.storeWritesPerSec, 0),
    ];
  });
  const head = [
    'plan',
    'msg/s',
    'nodes',
    'bound by',
    'CPU %/node',
    'RSS MB/node',
    'nodes/room msg',
    'bus msg/s/node',
    'broker cores',
    'store writes/s',
  ];
  return table(head, rows);
}
