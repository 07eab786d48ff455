/**
 * Cluster scenarios: several server processes behind one bus, clients spread evenly over them,
 * Switchboard nodes (dist/cli/main.js serve --bus ...) side by side with Socket.IO 4 processes
 * sharing `@socket.io/redis-adapter`. Brokers are private instances started with the test
 * helpers (test/helpers/brokers); load comes from the same worker pool as the single-node
 * scenarios. See bench/README.md, "Cluster scenarios".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Broker } from '../test/helpers/brokers/common.js';
import { natsBinary, startNats } from '../test/helpers/brokers/nats.js';
import { postgresBinary, startPostgres } from '../test/helpers/brokers/postgres.js';
import { rabbitBinary, startRabbit } from '../test/helpers/brokers/rabbitmq.js';
import { redisBinary, startRedis } from '../test/helpers/brokers/redis.js';
import type { WorkerPool } from './lib/pool.js';
import { envSettings } from './lib/env-args.js';
import { cpuMs, descendantsCpuMs, rssBytes } from './lib/proc.js';
import { fmtCount, note, status } from './lib/progress.js';
import { f, table, x } from './lib/report.js';
import { freePort, startPeer, startSwitchboard, type RunningServer } from './lib/servers.js';
import {
  commitDelta,
  httpUrlOf,
  parseCommitTally,
  scrapeMetrics,
  SLOW_COMMIT_MS,
  sumTallies,
  type CommitTally,
} from './lib/sqlite-commits.js';
import {
  parseSendPath,
  SEND_PATH_BOUNDS_MS,
  sendPathDelta,
  sumSendPaths,
  type SendPathTally,
} from './lib/send-path.js';
import { connectAll } from './scenarios.js';

export type ClusterScenarioName = 'cluster-busy' | 'cluster-dm' | 'cluster-buses';
export type BusName = 'redis' | 'nats' | 'amqp' | 'postgres' | 'mesh';
export type ClusterServer = 'switchboard' | 'socketio';
/** The store the Switchboard nodes share: one SQLite file, or a private PostgreSQL (fsync on). */
export type ClusterStore = 'sqlite' | 'postgres';
/** Every ClusterStore, in the order rows and flags list them. */
export const CLUSTER_STORES: readonly ClusterStore[] = ['sqlite', 'postgres'];

export interface ClusterScenario {
  name: ClusterScenarioName;
  nodes: number;
  /** Clients per node. */
  clientsPerNode: number;
  /** Messages (room messages or DMs) per second, all senders together. */
  rate: number;
  durationS: number;
  dm: boolean;
  /** Buses the Switchboard side runs on; Socket.IO (always Redis) only when `socketio`. */
  buses: BusName[];
  socketio: boolean;
}

/**
 * Rates: see bench/README.md ("How the cluster rates were picked"). cluster-buses reuses the
 * cluster-busy rate on half the clients.
 */
export const CLUSTER_BUSY_RATE = 500;
export const CLUSTER_DM_RATE = 800;

export const CLUSTER_SCENARIOS: readonly ClusterScenario[] = [
  {
    name: 'cluster-busy',
    nodes: 3,
    clientsPerNode: 300,
    rate: CLUSTER_BUSY_RATE,
    durationS: 10,
    dm: false,
    buses: ['redis'],
    socketio: true,
  },
  {
    name: 'cluster-dm',
    nodes: 4,
    clientsPerNode: 250,
    rate: CLUSTER_DM_RATE,
    durationS: 10,
    dm: true,
    buses: ['redis'],
    socketio: true,
  },
  {
    name: 'cluster-buses',
    nodes: 3,
    clientsPerNode: 150,
    rate: CLUSTER_BUSY_RATE,
    durationS: 10,
    dm: false,
    buses: ['redis', 'nats', 'amqp', 'postgres', 'mesh'],
    socketio: false,
  },
];

/**
 * `sc` on `nodes` nodes (--cluster-nodes), the same clients spread over them (at least two per
 * node); unchanged without it.
 */
export function onNodes(sc: ClusterScenario, nodes: number | undefined): ClusterScenario {
  if (nodes === undefined || nodes === sc.nodes) return sc;
  const clientsPerNode = Math.max(2, Math.round((sc.nodes * sc.clientsPerNode) / nodes));
  return { ...sc, nodes, clientsPerNode };
}

export interface ClusterOptions {
  scale: number;
  durationS: number | undefined;
  drainTimeoutS: number;
  /** Overrides the rate of cluster-busy and cluster-buses. */
  rate: number | undefined;
  /** Overrides the DM rate of cluster-dm. */
  dmRate: number | undefined;
  /** The Switchboard nodes' shared store: one run per store. Default ['sqlite']. */
  stores?: ClusterStore[];
  /**
   * cluster-dm: each user writes only to this many contacts, and every such conversation gets
   * one DM before the window opens (a steady state: no first DMs measured). Default: random
   * pairs, nearly every DM a first one.
   */
  dmContacts?: number;
  /**
   * Also runs the Socket.IO side once per store here, storing every message first
   * (bench/peers/message-log.ts), beside the run that stores nothing. Default none.
   */
  peerStores?: ClusterStore[];
}

export interface ClusterResult {
  scenario: ClusterScenarioName;
  server: ClusterServer;
  bus: BusName;
  /**
   * The nodes' shared store: Switchboard's, or the storing Socket.IO peer's (--peer-store);
   * absent for the Socket.IO peer that stores nothing.
   */
  store?: ClusterStore;
  /** cluster-dm with --dm-contacts: each user's contacts (conversations opened before). */
  dmContacts?: number;
  nodes: number;
  clients: number;
  /** Set when the run did not happen (e.g. broker binary missing). */
  skipped?: string;
  /** The run broke before it could measure (why): a row with no figures, not an abort. */
  incomplete?: string;
  ready: number;
  failed: number;
  dropped: number;
  errors: number;
  otherFrames: number;
  firstError: string | null;
  rate: number;
  sent: number;
  expected: number;
  delivered: number;
  complete: boolean;
  wallMs: number;
  deliveriesPerSec: number;
  /** CPU of all node processes together, first send → end of wait. */
  serverCpuMs: number;
  perNodeCpuMs: number[];
  /** Broker process tree (null for the mesh: no broker). */
  brokerCpuMs: number | null;
  loadCpuMs: number;
  cpuUsPerDelivery: number;
  /** Server CPU ÷ messages sent (room messages or DMs). */
  cpuUsPerMessage: number;
  brokerCpuUsPerDelivery: number | null;
  latencyMs: { p50: number; p99: number; max: number };
  rssPeakMb: number[];
  /** A node did not report its bus counts in time (busTraffic is then NaN): the row is partial. */
  busStatsMissing?: boolean;
  /**
   * Switchboard's SQLite group commits in the window, all nodes, and how many took over
   * SLOW_COMMIT_MS (./lib/sqlite-commits.ts); null for Socket.IO or when a node did not answer,
   * zero commits on the PostgreSQL store (which has none of these).
   */
  sqliteCommits?: CommitTally | null;
  /**
   * Switchboard's sends in the window as its nodes timed them, frame in to reply out, and how
   * many took over each of SEND_PATH_BOUNDS_MS (./lib/send-path.ts); null for Socket.IO or when
   * a node did not answer.
   */
  sendPath?: SendPathTally | null;
  /** The clients' deliveries in the window over each of SEND_PATH_BOUNDS_MS. */
  deliveriesOver?: number[];
  busTraffic: {
    /** Per node: bus payloads from other nodes in the window. */
    receivedPerNode: number[];
    /** Σ receivedPerNode ÷ nodes ÷ messages sent. */
    perNodePerMessage: number;
    /** Socket.IO only: including the node's own publishes echoed back by Redis. */
    rawPerNodePerMessage: number | null;
  };
}

/**
 * Whether a run's store goes unnamed in labels: none (the Socket.IO peer that stores nothing),
 * or Switchboard's default SQLite file.
 */
const plainStore = (server: ClusterServer, store: ClusterStore | undefined): boolean =>
  store === undefined || (server === 'switchboard' && store === 'sqlite');
/** The bus column: the bus, and the store unless plainStore. */
const busLabel = (r: ClusterResult): string =>
  plainStore(r.server, r.store)
    ? r.bus
    : `${r.bus}, ${r.store === 'postgres' ? 'pg' : 'sqlite'} store`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long a node may take to report its bus counts before they count as unknown. */
const BUS_STATS_WAIT_MS = 15_000;
const now = (): number => performance.timeOrigin + performance.now();
const mb = (bytes: number): number => bytes / 1048576;
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A private broker, or why there is none. */
export async function startBroker(bus: BusName): Promise<{ broker: Broker | null; skip?: string }> {
  if (bus === 'mesh') return { broker: null };
  const [binary, start] = {
    redis: [redisBinary, startRedis],
    nats: [natsBinary, startNats],
    amqp: [rabbitBinary, startRabbit],
    postgres: [postgresBinary, startPostgres],
  }[bus] as [() => { skip: string | false }, () => Promise<Broker>];
  let skip: string | false;
  try {
    skip = binary().skip;
  } catch (e) {
    skip = errText(e);
  }
  if (skip) return { broker: null, skip };
  try {
    return { broker: await start() };
  } catch (e) {
    return { broker: null, skip: `${bus} did not start: ${errText(e).split('\n')[0] ?? ''}` };
  }
}

export interface Cluster {
  nodes: RunningServer[];
  /**
   * Bus payloads received from other nodes, per node (and incl. own echoes for Socket.IO), and
   * Switchboard's SQLite commits so far, all nodes (null: Socket.IO, or a node did not answer).
   */
  counts(): Promise<{
    fromOthers: number[];
    raw: number[] | null;
    commits: CommitTally | null;
    sends: SendPathTally | null;
  }>;
  stop(): Promise<void>;
}

/** A node's bus counter in its /metrics text; NaN without the text (a node saturated). */
function busCounterOf(text: string | null): number {
  const m = text === null ? null : /^switchboard_bus_messages_received_total (\d+)/m.exec(text);
  return Number(m?.[1] ?? NaN);
}

async function waitReady(httpUrl: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${httpUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${httpUrl}/readyz not ready in ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function startSwitchboardCluster(
  bus: BusName,
  broker: Broker | null,
  count: number,
  label: string,
  store: ClusterStore = 'sqlite',
  /** Fills the shared data directory before the nodes start (bench/bigroom.ts seeds a room). */
  prepare?: (dataDir: string) => Promise<void>,
): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-cluster-'));
  const meshPorts: number[] = [];
  for (let i = 0; i < count; i++) meshPorts.push(await freePort());
  const nodes: RunningServer[] = [];
  let storeDb: Broker | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await storeDb?.dispose().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (store === 'postgres') storeDb = await startStorePostgres(label);
    await prepare?.(dataDir);
    for (let i = 0; i < count; i++) {
      status(`${label}: starting node ${i + 1}/${count}`);
      const args = ['--bus', bus === 'mesh' ? 'mesh' : broker!.url, '--node-id', `n${i}`];
      if (bus === 'mesh') {
        args.push('--mesh-listen', `127.0.0.1:${meshPorts[i]}`);
        args.push('--mesh-peers', meshPorts.map((p) => `127.0.0.1:${p}`).join(','));
        args.push('--mesh-secret', 'bench-mesh-secret-0123456789');
      }
      if (storeDb) args.push('--store', storeDb.url);
      nodes.push(await startSwitchboard({ dataDir, args, tag: `switchboard n${i}` }));
    }
    await Promise.all(nodes.map((n) => waitReady(httpUrlOf(n.url), 30_000)));
  } catch (e) {
    await stop();
    throw e;
  }
  const http = nodes.map((n) => httpUrlOf(n.url));
  return {
    nodes,
    // One scrape per node for both (BUS_STATS_WAIT_MS: a saturated node answers late or never).
    counts: async () => {
      const texts = await Promise.all(http.map((u) => scrapeMetrics(u, BUS_STATS_WAIT_MS)));
      return {
        fromOthers: texts.map(busCounterOf),
        raw: null,
        commits: sumTallies(texts.map(parseCommitTally)),
        sends: sumSendPaths(texts.map(parseSendPath)),
      };
    },
    stop,
  };
}

/**
 * The private PostgreSQL a cluster's nodes (or the storing Socket.IO peer's) share as their
 * store, fsync on; BENCH_STORE_PG_SETTINGS adds server settings, e.g. to log slow statements.
 */
function startStorePostgres(label: string): Promise<Broker> {
  status(`${label}: starting the store's PostgreSQL`);
  // fsync on: the store is as durable as SQLite's synchronous=FULL it is compared with.
  return startPostgres({
    settings: { fsync: 'on', ...envSettings('BENCH_STORE_PG_SETTINGS') },
  });
}

/**
 * `count` Socket.IO peers on `broker`'s Redis; with `store`, each stores every message first
 * (bench/peers/message-log.ts): in one SQLite file they share, or in a private PostgreSQL with
 * fsync on, as Switchboard's cluster does.
 */
export async function startSocketioCluster(
  broker: Broker,
  count: number,
  label: string,
  store?: ClusterStore,
): Promise<Cluster> {
  const nodes: RunningServer[] = [];
  const dataDir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'sio-bench-cluster-')) : null;
  let storeDb: Broker | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await storeDb?.dispose().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const env: Record<string, string> = { REDIS_URL: broker.url };
    if (dataDir) env['PEER_STORE'] = `sqlite:${join(dataDir, 'messages.db')}`;
    if (store === 'postgres') {
      storeDb = await startStorePostgres(label);
      env['PEER_STORE'] = storeDb.url;
    }
    for (let i = 0; i < count; i++) {
      status(`${label}: starting node ${i + 1}/${count}`);
      nodes.push(await startPeer('socketio', 'socketio-redis', env));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  // A peer saturated by the run may answer late or not at all: its bus counts are then unknown
  // (NaN) and the row is kept, marked, rather than the scenario aborted.
  const ask = (n: RunningServer): Promise<{ received: number; fromOthers: number }> =>
    new Promise((resolve) => {
      const child = n.child!;
      const timer = setTimeout(() => {
        child.off('message', on);
        resolve({ received: NaN, fromOthers: NaN });
      }, BUS_STATS_WAIT_MS);
      const on = (m: { t?: string; received?: number; fromOthers?: number }): void => {
        if (m.t !== 'bus') return;
        child.off('message', on);
        clearTimeout(timer);
        resolve({ received: m.received ?? NaN, fromOthers: m.fromOthers ?? NaN });
      };
      child.on('message', on);
      child.send({ t: 'bus' });
    });
  return {
    nodes,
    counts: async () => {
      const all = await Promise.all(nodes.map(ask));
      const fromOthers = all.map((a) => a.fromOthers);
      return { fromOthers, raw: all.map((a) => a.received), commits: null, sends: null };
    },
    stop,
  };
}

function emptyResult(
  sc: ClusterScenario,
  server: ClusterServer,
  bus: BusName,
  clients: number,
  rate: number,
  skipped: string,
): ClusterResult {
  return {
    scenario: sc.name,
    server,
    bus,
    nodes: sc.nodes,
    clients,
    skipped,
    ready: 0,
    failed: 0,
    dropped: 0,
    errors: 0,
    otherFrames: 0,
    firstError: null,
    rate,
    sent: 0,
    expected: 0,
    delivered: 0,
    complete: false,
    wallMs: 0,
    deliveriesPerSec: NaN,
    serverCpuMs: NaN,
    perNodeCpuMs: [],
    brokerCpuMs: null,
    loadCpuMs: NaN,
    cpuUsPerDelivery: NaN,
    cpuUsPerMessage: NaN,
    brokerCpuUsPerDelivery: null,
    latencyMs: { p50: NaN, p99: NaN, max: NaN },
    rssPeakMb: [],
    busTraffic: { receivedPerNode: [], perNodePerMessage: NaN, rawPerNodePerMessage: null },
  };
}

/** Every run of a cluster scenario for the selected servers: one result per (server, bus). */
export async function runClusterScenario(
  sc: ClusterScenario,
  servers: ClusterServer[],
  pool: WorkerPool,
  o: ClusterOptions,
): Promise<ClusterResult[]> {
  // store: Switchboard's shared store; for Socket.IO, undefined (it stores nothing) or the store
  // of a --peer-store run.
  const runs: [ClusterServer, BusName, ClusterStore | undefined][] = [];
  const stores = o.stores ?? ['sqlite'];
  if (servers.includes('switchboard'))
    for (const b of sc.buses) for (const st of stores) runs.push(['switchboard', b, st]);
  if (sc.socketio && servers.includes('socketio')) {
    runs.push(['socketio', 'redis', undefined]);
    for (const st of o.peerStores ?? []) runs.push(['socketio', 'redis', st]);
  }
  const out: ClusterResult[] = [];
  for (const [server, bus, store] of runs) {
    try {
      out.push(await runOne(sc, server, bus, store, pool, o));
    } catch (e) {
      // One run that breaks (a saturated peer, a node that did not start) is a marked row; the
      // scenario's other runs still happen. Crashed load workers end the whole bench.
      if (pool.crashed) throw e;
      const { clients, rate } = runSize(sc, o);
      note(`${runLabel(sc, server, bus, store)}: INCOMPLETE: ${errText(e)}`);
      out.push({
        ...emptyResult(sc, server, bus, clients, rate, ''),
        ...(store === undefined ? {} : { store }),
        skipped: undefined,
        incomplete: errText(e),
      });
    }
  }
  return out;
}

/** A run's name in progress lines: the store unless plainStore. */
function runLabel(
  sc: ClusterScenario,
  server: ClusterServer,
  bus: BusName,
  store: ClusterStore | undefined,
): string {
  return `${sc.name}/${server}/${bus}${plainStore(server, store) ? '' : `/${store}`}`;
}

/** A run's clients (scaled, at least two per node) and messages per second. */
function runSize(sc: ClusterScenario, o: ClusterOptions): { clients: number; rate: number } {
  return {
    clients: Math.max(sc.nodes * 2, Math.round(sc.nodes * sc.clientsPerNode * o.scale)),
    rate: (sc.dm ? o.dmRate : o.rate) ?? sc.rate,
  };
}

async function runOne(
  sc: ClusterScenario,
  server: ClusterServer,
  bus: BusName,
  store: ClusterStore | undefined,
  pool: WorkerPool,
  o: ClusterOptions,
): Promise<ClusterResult> {
  const label = runLabel(sc, server, bus, store);
  const { clients, rate } = runSize(sc, o);
  status(`${label}: starting ${bus === 'mesh' ? 'mesh' : `${bus} broker`}`);
  const { broker, skip } = await startBroker(bus);
  if (skip) {
    note(`${label}: skipped: ${skip}`);
    return emptyResult(sc, server, bus, clients, rate, skip);
  }
  let cluster: Cluster | undefined;
  try {
    cluster =
      server === 'switchboard'
        ? await startSwitchboardCluster(bus, broker, sc.nodes, label, store)
        : await startSocketioCluster(broker!, sc.nodes, label, store);
    const r = await measure(sc, server, bus, cluster, pool, clients, rate, o, label);
    return store === undefined ? r : { ...r, store };
  } finally {
    status(`${label}: closing clients`);
    await pool.closeClients().catch(() => undefined);
    await cluster?.stop();
    await broker?.dispose().catch(() => undefined);
    await sleep(500);
  }
}

/**
 * One DM from every user to each of its contacts, at the scenario's rate, then waits (bounded)
 * until both copies of each arrived: the window after it sees no conversation opened.
 */
async function warmConversations(
  pool: WorkerPool,
  users: number,
  contacts: number,
  rate: number,
  label: string,
): Promise<void> {
  status(`${label}: opening ${users * contacts} conversations before the window`);
  await pool.reset();
  await pool.send(rate, 0, users, { contacts, warm: true });
  const t0 = now();
  for (;;) {
    const t = pool.totals();
    if (t.delivered >= t.sent * 2 || now() - t0 > 30_000) {
      note(`${label}: warm-up ${t.sent} DMs, ${t.delivered}/${t.sent * 2} delivered`);
      return;
    }
    await sleep(100);
  }
}

async function measure(
  sc: ClusterScenario,
  server: ClusterServer,
  bus: BusName,
  cluster: Cluster,
  pool: WorkerPool,
  n: number,
  rate: number,
  o: ClusterOptions,
  label: string,
): Promise<ClusterResult> {
  const pids = cluster.nodes.map((s) => s.pid);
  await connectAll(
    server,
    cluster.nodes.map((s) => s.url),
    pool,
    n,
    { concurrency: 50, resumeAfter: null, reconnect: false, timeoutMs: 60_000 },
    label,
    ` on ${sc.nodes} nodes`,
  );
  // let member events and subscriptions settle on every node before the window opens
  await sleep(2000);
  const contacts = sc.dm ? o.dmContacts : undefined;
  if (contacts !== undefined) await warmConversations(pool, n, contacts, rate, label);
  await pool.reset();
  const room = pool.totals().ready;
  const perMessage = sc.dm ? 2 : room; // a DM: the recipient's copy + the sender's own
  const durationS = o.durationS ?? sc.durationS;
  const count = Math.round(rate * durationS);
  const exclude = [...pids, ...pool.pids()];
  const bus0 = await cluster.counts();
  const cpu0 = pids.map(cpuMs);
  const broker0 = bus === 'mesh' ? null : descendantsCpuMs(process.pid, exclude);
  const load0 = pool.cpuMs();
  const t0 = now();
  let sendDone = false;
  const dmUsers = sc.dm ? n : undefined;
  const sending = pool.send(rate, count, dmUsers, { contacts }).then(() => (sendDone = true));
  const rssPeak = pids.map(() => 0);
  let lastCount = -1;
  let lastChange = t0;
  let lastCpu = cpu0.reduce((a, b) => a + b, 0);
  let lastT = t0;
  let complete = false;
  for (;;) {
    await sleep(100);
    if (pool.crashed) throw pool.crashed;
    const t = pool.totals();
    const tNow = now();
    pids.forEach((p, i) => (rssPeak[i] = Math.max(rssPeak[i] ?? 0, rssBytes(p))));
    if (t.delivered !== lastCount) [lastCount, lastChange] = [t.delivered, tNow];
    complete = sendDone && t.delivered >= t.sent * perMessage;
    if (complete) break;
    const stalled = sendDone && tNow - lastChange > 5000;
    if (stalled || tNow - t0 > (durationS + o.drainTimeoutS) * 1000) break;
    if (tNow - lastT >= 1000) {
      const cpu = pids.map(cpuMs).reduce((a, b) => a + b, 0);
      const pct = ((cpu - lastCpu) / (tNow - lastT)) * 100;
      [lastCpu, lastT] = [cpu, tNow];
      status(
        `${label}: ${sendDone ? 'draining' : 'sending'} ${((tNow - t0) / 1000).toFixed(0)} s, sent ${t.sent}/${count}, delivered ${fmtCount(t.delivered)}/${fmtCount(t.sent * perMessage)}, nodes CPU ${pct.toFixed(0)} %`,
      );
    }
  }
  const perNodeCpuMs = pids.map((p, i) => cpuMs(p) - (cpu0[i] ?? 0));
  const brokerCpuMs = broker0 === null ? null : descendantsCpuMs(process.pid, exclude) - broker0;
  const loadCpuMs = pool.cpuMs() - load0;
  const bus1 = await cluster.counts();
  const sqliteCommits = commitDelta(bus0.commits, bus1.commits);
  const sendPath = sendPathDelta(bus0.sends, bus1.sends);
  await sending.catch(() => undefined);
  const t = pool.totals();
  const hist = await pool.latency();
  const wallMs = Math.max(1, (t.lastDeliveryAt || now()) - t0);
  const serverCpuMs = perNodeCpuMs.reduce((a, b) => a + b, 0);
  const receivedPerNode = bus1.fromOthers.map((v, i) => v - (bus0.fromOthers[i] ?? 0));
  const perNode = (xs: number[]): number =>
    xs.reduce((a, b) => a + b, 0) / xs.length / Math.max(1, t.sent);
  const raw = bus1.raw && bus0.raw ? bus1.raw.map((v, i) => v - (bus0.raw?.[i] ?? 0)) : null;
  const busStatsMissing = [...bus0.fromOthers, ...bus1.fromOthers].some(Number.isNaN);
  if (busStatsMissing) note(`${label}: a node did not report its bus counts (saturated?)`);
  note(
    `${label}: ${complete ? 'all' : 'INCOMPLETE:'} ${fmtCount(t.delivered)}/${fmtCount(t.sent * perMessage)} delivered, nodes ${serverCpuMs.toFixed(0)} ms CPU, bus/node/msg ${perNode(receivedPerNode).toFixed(2)}`,
  );
  return {
    scenario: sc.name,
    server,
    bus,
    ...(contacts === undefined ? {} : { dmContacts: contacts }),
    nodes: sc.nodes,
    clients: n,
    ready: t.ready,
    failed: t.failed,
    dropped: t.dropped,
    errors: t.errors,
    otherFrames: t.otherFrames,
    firstError: t.firstError,
    rate,
    sent: t.sent,
    expected: t.sent * perMessage,
    delivered: t.delivered,
    complete,
    wallMs,
    deliveriesPerSec: t.delivered / (wallMs / 1000),
    serverCpuMs,
    perNodeCpuMs,
    brokerCpuMs,
    loadCpuMs,
    cpuUsPerDelivery: (serverCpuMs * 1000) / Math.max(1, t.delivered),
    cpuUsPerMessage: (serverCpuMs * 1000) / Math.max(1, t.sent),
    brokerCpuUsPerDelivery:
      brokerCpuMs === null ? null : (brokerCpuMs * 1000) / Math.max(1, t.delivered),
    latencyMs: { p50: hist.quantile(0.5), p99: hist.quantile(0.99), max: hist.maxMs },
    rssPeakMb: rssPeak.map(mb),
    busStatsMissing,
    sqliteCommits,
    sendPath,
    deliveriesOver: SEND_PATH_BOUNDS_MS.map((ms) => hist.countOver(ms)),
    busTraffic: {
      receivedPerNode,
      perNodePerMessage: perNode(receivedPerNode),
      rawPerNodePerMessage: raw ? perNode(raw) : null,
    },
  };
}

/**
 * Where a DM's tail is (issue #10 §3): the share of sends Switchboard's nodes took over 10, 25
 * and 50 ms to store and answer, beside the share of the clients' deliveries over the same.
 * A delivery waits for its send; when the shares match, the tail is the sender's node.
 */
function sendPathLine(r: ClusterResult): string | null {
  const { sendPath: s, deliveriesOver: d } = r;
  if (r.scenario !== 'cluster-dm' || !s || s.sends === 0 || !d) return null;
  const pct = (n: number, of: number): string => `${f((100 * n) / Math.max(1, of), 2)} %`;
  const bounds = SEND_PATH_BOUNDS_MS.map(
    (ms, i) =>
      `over ${ms} ms ${pct(s.over[i] ?? 0, s.sends)} of sends / ${pct(d[i] ?? 0, r.delivered)} of deliveries`,
  );
  return `cluster-dm, ${busLabel(r)}: the sender's node, frame in to reply out (switchboard_send_latency_seconds), beside the clients: ${bounds.join('; ')}`;
}

export interface ClusterRatio {
  scenario: ClusterScenarioName;
  /** Switchboard ÷ Socket.IO, server CPU µs per delivery (cluster-busy) or per DM (cluster-dm). */
  cpuVsSocketio: number | null;
  switchboardP99Ms: number | null;
  switchboardBusPerNodePerMessage: number | null;
  socketioBusPerNodePerMessage: number | null;
}

/**
 * The first measured row (not skipped, not incomplete) of `scenario` for `server`, of `store`
 * (undefined: the Socket.IO peer that stores nothing) or of any store.
 */
function measuredRow(
  results: ClusterResult[],
  scenario: ClusterScenarioName,
  server: ClusterServer,
  store: ClusterStore | undefined | 'any' = 'any',
): ClusterResult | undefined {
  return results.find(
    (r) =>
      r.scenario === scenario &&
      r.server === server &&
      (store === 'any' || r.store === store) &&
      !r.skipped &&
      !r.incomplete,
  );
}

export function clusterRatios(results: ClusterResult[]): ClusterRatio[] {
  const out: ClusterRatio[] = [];
  for (const name of ['cluster-busy', 'cluster-dm'] as const) {
    const sb = measuredRow(results, name, 'switchboard');
    // The targets are against the Socket.IO peer that stores nothing.
    const sio = measuredRow(results, name, 'socketio', undefined);
    if (!sb && !sio) continue;
    const key = (r: ClusterResult): number =>
      name === 'cluster-dm' ? r.cpuUsPerMessage : r.cpuUsPerDelivery;
    out.push({
      scenario: name,
      cpuVsSocketio: sb && sio ? key(sb) / key(sio) : null,
      switchboardP99Ms: sb ? sb.latencyMs.p99 : null,
      switchboardBusPerNodePerMessage: sb ? sb.busTraffic.perNodePerMessage : null,
      socketioBusPerNodePerMessage: sio ? sio.busTraffic.perNodePerMessage : null,
    });
  }
  return out;
}

export function renderCluster(results: ClusterResult[]): string {
  if (!results.length) return '';
  const head = [
    'scenario',
    'server',
    'bus',
    'clients',
    'rate/s',
    'msgs',
    'delivered',
    'deliv/s',
    'CPU µs/deliv',
    'CPU µs/msg',
    'node CPU s',
    'broker µs/deliv',
    'p50 ms',
    'p99 ms',
    'max ms',
    'bus/node/msg',
    'incl. echo',
    'load CPU s',
    `commits >${SLOW_COMMIT_MS} ms / all`,
  ];
  const rows = results.map((r) => {
    if (r.skipped || r.incomplete)
      return [
        r.scenario,
        r.server,
        busLabel(r),
        r.skipped ? `skipped: ${r.skipped}` : `INCOMPLETE: ${r.incomplete ?? ''}`,
        ...head.slice(4).map(() => ''),
      ];
    const pct = r.expected ? (100 * r.delivered) / r.expected : 0;
    const health =
      `${r.nodes}×${Math.round(r.clients / r.nodes)} ${r.ready}/${r.clients}` +
      (r.failed ? ` F${r.failed}` : '') +
      (r.dropped ? ` D${r.dropped}` : '') +
      (r.busStatsMissing ? ' (no bus stats)' : '');
    return [
      r.scenario,
      r.server,
      busLabel(r),
      health,
      String(r.rate),
      String(r.sent),
      `${f(pct, 1)}%`,
      f(r.deliveriesPerSec, 0),
      f(r.cpuUsPerDelivery, 2),
      f(r.cpuUsPerMessage, 0),
      r.perNodeCpuMs.map((c) => f(c / 1000, 1)).join('+'),
      r.brokerCpuUsPerDelivery === null ? '-' : f(r.brokerCpuUsPerDelivery, 2),
      f(r.latencyMs.p50, 2),
      f(r.latencyMs.p99, 1),
      f(r.latencyMs.max, 0),
      f(r.busTraffic.perNodePerMessage, 3),
      r.busTraffic.rawPerNodePerMessage === null ? '-' : f(r.busTraffic.rawPerNodePerMessage, 3),
      f(r.loadCpuMs / 1000, 1),
      r.sqliteCommits && r.sqliteCommits.commits > 0
        ? `${r.sqliteCommits.slow} / ${r.sqliteCommits.commits}`
        : '-',
    ];
  });
  const lines = [table(head, rows)];
  for (const q of clusterRatios(results)) {
    if (q.scenario === 'cluster-busy')
      lines.push(
        `cluster-busy: Switchboard ÷ Socket.IO CPU µs/deliv = ${x(q.cpuVsSocketio)} (target ≤ 0.33x); Switchboard p99 = ${f(q.switchboardP99Ms ?? NaN, 1)} ms (target ≤ 5 ms)`,
      );
    else
      lines.push(
        `cluster-dm: Switchboard ÷ Socket.IO CPU µs/DM = ${x(q.cpuVsSocketio)}; bus msgs/node/DM: Switchboard ${f(q.switchboardBusPerNodePerMessage ?? NaN, 3)} (target ≤ 0.5), Socket.IO ${f(q.socketioBusPerNodePerMessage ?? NaN, 3)}`,
      );
  }
  // Per store (issue #10 §3): CPU µs/DM ≤ 1x and p99 ≤ 2x Socket.IO's, from the same run, against
  // the peer that stores nothing; then, for the record, against the peer storing in that store.
  const sio = measuredRow(results, 'cluster-dm', 'socketio', undefined);
  for (const store of CLUSTER_STORES) {
    const sb = measuredRow(results, 'cluster-dm', 'switchboard', store);
    const stored = measuredRow(results, 'cluster-dm', 'socketio', store);
    if (sb && sio)
      lines.push(
        `cluster-dm, ${store} store: Switchboard ÷ Socket.IO CPU µs/DM = ${x(sb.cpuUsPerMessage / sio.cpuUsPerMessage)} (target ≤ 1x), p99 = ${x(sb.latencyMs.p99 / sio.latencyMs.p99)} (target ≤ 2x)`,
      );
    if (sb && stored)
      lines.push(
        `cluster-dm, ${store} store: Switchboard ÷ Socket.IO storing its DMs there (--peer-store) CPU µs/DM = ${x(sb.cpuUsPerMessage / stored.cpuUsPerMessage)}, p99 = ${x(sb.latencyMs.p99 / stored.latencyMs.p99)}`,
      );
  }
  for (const r of results) {
    const line = sendPathLine(r);
    if (line) lines.push(line);
  }
  lines.push(
    'clients: nodes×per node, ready/requested. CPU µs/deliv and node CPU s: all node processes together (node CPU s lists each). ' +
      'CPU µs/msg: per room message or DM sent. broker µs/deliv: the broker process tree, not in CPU µs/deliv. ' +
      'bus/node/msg: bus payloads a node received from other nodes ÷ nodes ÷ messages sent (Switchboard: switchboard_bus_messages_received_total deltas; Socket.IO: adapter subscriber messages). ' +
      'incl. echo: Socket.IO, counting its own publishes that Redis hands back to it. ' +
      `commits >${SLOW_COMMIT_MS} ms / all: Switchboard's SQLite group commits in the window, all nodes (switchboard_sqlite_commit_seconds), and how many held a node's event loop over ${SLOW_COMMIT_MS} ms.`,
  );
  return lines.join('\n\n');
}
