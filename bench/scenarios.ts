/**
 * The four scenarios. Each runs against a fresh server process; load comes from the worker
 * pool (separate processes). CPU and RSS of the server are read from /proc for every kind.
 */
import { performance } from 'node:perf_hooks';
import type { ServerKind } from './load/ipc.js';
import { type ConnectOptions, WorkerPool } from './lib/pool.js';
import { cpuMs, rssBytes } from './lib/proc.js';
import { fmtCount, note, status } from './lib/progress.js';
import { startServer, type RunningServer } from './lib/servers.js';

export type ScenarioName = 'quiet' | 'busy' | 'idle' | 'storm';

export interface Scenario {
  name: ScenarioName;
  kind: 'traffic' | 'idle' | 'storm';
  clients: number;
  /** Messages per second, all senders together (traffic only). */
  rate: number;
  durationS: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'quiet', kind: 'traffic', clients: 1000, rate: 100, durationS: 10 },
  { name: 'busy', kind: 'traffic', clients: 2000, rate: 500, durationS: 10 },
  { name: 'idle', kind: 'idle', clients: 15000, rate: 0, durationS: 0 },
  { name: 'storm', kind: 'storm', clients: 15000, rate: 0, durationS: 0 },
];

export interface RunOptions {
  scale: number;
  /** Overrides each traffic scenario's duration. */
  durationS: number | undefined;
  /** After the last send, how long to wait for outstanding deliveries. */
  drainTimeoutS: number;
}

export interface Result {
  scenario: ScenarioName;
  server: ServerKind;
  clients: number;
  ready: number;
  failed: number;
  dropped: number;
  errors: number;
  /** Frames received that were neither chat messages nor needed replies (e.g. member events). */
  otherFrames: number;
  firstError: string | null;
  serverCpuMs: number;
  loadCpuMs: number;
  rssMb: number;
  traffic?: {
    sent: number;
    expected: number;
    delivered: number;
    complete: boolean;
    /** From the first send to the last delivery. */
    wallMs: number;
    deliveriesPerSec: number;
    cpuUsPerDelivery: number;
    latencyMs: { p50: number; p99: number; max: number };
    rssPeakMb: number;
  };
  idle?: { rssBeforeMb: number; rssAfterMb: number; rssPerConnKb: number };
  storm?: { readyMs: number; cpuUsPerConn: number; firstConnectMs: number; firstFailed: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();
const mb = (bytes: number): number => bytes / 1048576;

export async function runScenario(
  sc: Scenario,
  kind: ServerKind,
  pool: WorkerPool,
  o: RunOptions,
): Promise<Result> {
  const label = `${sc.name}/${kind}`;
  const clients = Math.max(2, Math.round(sc.clients * o.scale));
  const server = await startServer(kind);
  try {
    const base = { scenario: sc.name, server: kind, clients };
    if (sc.kind === 'traffic')
      return { ...base, ...(await traffic(sc, server, pool, clients, o, label)) };
    if (sc.kind === 'idle') return { ...base, ...(await idle(server, pool, clients, label)) };
    return { ...base, ...(await storm(server, pool, clients, label)) };
  } finally {
    status(`${label}: closing clients`);
    await pool.closeClients().catch(() => undefined);
    await server.stop();
    await sleep(500);
  }
}

type Measured = Omit<Result, 'scenario' | 'server' | 'clients'>;

/**
 * Connects `n` clients (spread over `urls` when several nodes serve) while printing how many
 * are ready; resolves with the time it took.
 */
export async function connectAll(
  kind: ServerKind,
  urls: string | string[],
  pool: WorkerPool,
  n: number,
  o: ConnectOptions,
  label: string,
  where = '',
): Promise<number> {
  const t0 = now();
  const timer = setInterval(() => {
    const t = pool.totals();
    status(
      `${label}: connecting ${fmtCount(t.ready)}/${fmtCount(n)} ready, ${t.failed} failed, ${((now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 250);
  try {
    await pool.connect(kind, urls, n, o);
  } finally {
    clearInterval(timer);
  }
  const t = pool.totals();
  const failures = t.failed > 0 ? ` (${t.failed} failed: ${t.firstError ?? '?'})` : '';
  note(
    `${label}: ${t.ready}/${n} ready${where} in ${((now() - t0) / 1000).toFixed(1)} s${failures}`,
  );
  return now() - t0;
}

function common(server: RunningServer, pool: WorkerPool, cpu: number, load: number): Measured {
  const t = pool.totals();
  return {
    ready: t.ready,
    failed: t.failed,
    dropped: t.dropped,
    errors: t.errors,
    otherFrames: t.otherFrames,
    firstError: t.firstError,
    serverCpuMs: cpuMs(server.pid) - cpu,
    loadCpuMs: pool.cpuMs() - load,
    rssMb: mb(rssBytes(server.pid)),
  };
}

async function traffic(
  sc: Scenario,
  server: RunningServer,
  pool: WorkerPool,
  n: number,
  o: RunOptions,
  label: string,
): Promise<Measured> {
  await connectAll(
    server.kind,
    server.url,
    pool,
    n,
    { concurrency: 100, resumeAfter: null, reconnect: false, timeoutMs: 30_000 },
    label,
  );
  await sleep(1000);
  await pool.reset();
  const room = pool.totals().ready;
  const durationS = o.durationS ?? sc.durationS;
  const count = Math.round(sc.rate * durationS);
  const cpu0 = cpuMs(server.pid);
  const load0 = pool.cpuMs();
  const t0 = now();
  let sendDone = false;
  const sending = pool.send(sc.rate, count).then(() => (sendDone = true));
  let rssPeak = 0;
  let lastCount = -1;
  let lastChange = t0;
  let lastCpu = cpu0;
  let lastT = t0;
  let complete = false;
  for (;;) {
    await sleep(100);
    if (pool.crashed) throw pool.crashed;
    const t = pool.totals();
    const tNow = now();
    rssPeak = Math.max(rssPeak, rssBytes(server.pid));
    if (t.delivered !== lastCount) [lastCount, lastChange] = [t.delivered, tNow];
    complete = sendDone && t.delivered >= t.sent * room;
    if (complete) break;
    const stalled = sendDone && tNow - lastChange > 5000;
    if (stalled || tNow - t0 > (durationS + o.drainTimeoutS) * 1000) break;
    if (tNow - lastT >= 1000) {
      const cpu = cpuMs(server.pid);
      const pct = ((cpu - lastCpu) / (tNow - lastT)) * 100;
      [lastCpu, lastT] = [cpu, tNow];
      const phase = sendDone ? 'draining' : 'sending';
      status(
        `${label}: ${phase} ${((tNow - t0) / 1000).toFixed(0)} s, sent ${t.sent}/${count}, delivered ${fmtCount(t.delivered)}/${fmtCount(t.sent * room)}, server CPU ${pct.toFixed(0)} %`,
      );
    }
  }
  const m = common(server, pool, cpu0, load0);
  await sending.catch(() => undefined);
  const t = pool.totals();
  const hist = await pool.latency();
  const wallMs = Math.max(1, (t.lastDeliveryAt || now()) - t0);
  note(
    `${label}: ${complete ? 'all' : 'INCOMPLETE:'} ${fmtCount(t.delivered)}/${fmtCount(t.sent * room)} delivered, server ${m.serverCpuMs.toFixed(0)} ms CPU`,
  );
  return {
    ...m,
    traffic: {
      sent: t.sent,
      expected: t.sent * room,
      delivered: t.delivered,
      complete,
      wallMs,
      deliveriesPerSec: t.delivered / (wallMs / 1000),
      cpuUsPerDelivery: (m.serverCpuMs * 1000) / Math.max(1, t.delivered),
      latencyMs: { p50: hist.quantile(0.5), p99: hist.quantile(0.99), max: hist.maxMs },
      rssPeakMb: mb(rssPeak),
    },
  };
}

async function idle(
  server: RunningServer,
  pool: WorkerPool,
  n: number,
  label: string,
): Promise<Measured> {
  status(`${label}: settling`);
  await pool.reset();
  await sleep(2000);
  const rss0 = rssBytes(server.pid);
  const cpu0 = cpuMs(server.pid);
  const load0 = pool.cpuMs();
  await connectAll(
    server.kind,
    server.url,
    pool,
    n,
    { concurrency: 100, resumeAfter: null, reconnect: false, timeoutMs: 120_000 },
    label,
  );
  status(`${label}: settling`);
  await sleep(3000);
  const rss1 = rssBytes(server.pid);
  const m = common(server, pool, cpu0, load0);
  const rssPerConnKb = (rss1 - rss0) / 1024 / Math.max(1, m.ready);
  return { ...m, idle: { rssBeforeMb: mb(rss0), rssAfterMb: mb(rss1), rssPerConnKb } };
}

/**
 * A reconnect storm, as after a deploy: first every client connects once as a new user (timed
 * as `firstConnectMs`, not the headline), all disconnect, then all come back at once: Switchboard
 * clients with their session token and `resume` of room:general; the peers just reconnect.
 */
async function storm(
  server: RunningServer,
  pool: WorkerPool,
  n: number,
  label: string,
): Promise<Measured> {
  await sleep(1000);
  const first = { concurrency: 250, resumeAfter: null, reconnect: false, timeoutMs: 120_000 };
  const firstConnectMs = await connectAll(
    server.kind,
    server.url,
    pool,
    n,
    first,
    `${label} (first connect)`,
  );
  const firstFailed = pool.totals().failed;
  await pool.closeClients();
  await pool.reset();
  await sleep(2000);
  const cpu0 = cpuMs(server.pid);
  const load0 = pool.cpuMs();
  // The room is empty, so resume exercises the catch-up registration and `synced` without replay.
  const resumeAfter = server.kind === 'switchboard' ? 0 : null;
  const again = { concurrency: 250, resumeAfter, reconnect: true, timeoutMs: 60_000 };
  const readyMs = await connectAll(server.kind, server.url, pool, n, again, label);
  const m = common(server, pool, cpu0, load0);
  const cpuUsPerConn = (m.serverCpuMs * 1000) / Math.max(1, m.ready);
  return { ...m, storm: { readyMs, cpuUsPerConn, firstConnectMs, firstFailed } };
}
