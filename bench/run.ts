/**
 * `npm run bench [-- options]`: Switchboard against Socket.IO 4 and a bare `ws` broadcast floor,
 * same scenarios, same run, same machine. See bench/README.md.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { ServerKind } from './load/ipc.js';
import { runBigroom } from './bigroom.js';
import { WorkerPool } from './lib/pool.js';
import { cpuTimes, stealPct } from './lib/proc.js';
import { note } from './lib/progress.js';
import { ratios, render } from './lib/report.js';
import { SWITCHBOARD_MAIN } from './lib/servers.js';
import { type Result, runScenario, SCENARIOS, type ScenarioName } from './scenarios.js';
import {
  UPLOADS_SCENARIOS,
  renderUploads,
  runUploadsScenario,
  type UploadsResult,
  type UploadsScenarioName,
} from './uploads.js';
import {
  CLUSTER_SCENARIOS,
  type ClusterResult,
  type ClusterScenarioName,
  type ClusterServer,
  type ClusterStore,
  CLUSTER_STORES,
  clusterRatios,
  onNodes,
  renderCluster,
  runClusterScenario,
} from './cluster.js';
import {
  AUTH_SCENARIOS,
  type AuthResult,
  type AuthScenarioName,
  renderAuth,
  runAuthScenario,
} from './auth.js';
import {
  EVENTS_SCENARIOS,
  type EventsResult,
  type EventsScenarioName,
  renderEvents,
  runEventsScenario,
} from './events.js';
import {
  API_SCENARIOS,
  renderApi,
  runApiScenario,
  type ApiResult,
  type ApiScenarioName,
} from './api.js';
import {
  SEARCH_SCENARIOS,
  type SearchResult,
  type SearchScenarioName,
  renderSearch,
  runSearchScenario,
} from './search.js';
import {
  STORE_SCENARIOS,
  renderStore,
  runStoreScenario,
  type StoreBenchResult,
  type StoreScenarioName,
} from './store.js';
import {
  WEBHOOKS_SCENARIOS,
  type WebhooksResult,
  type WebhooksScenarioName,
  renderWebhooks,
  runWebhooksScenario,
} from './webhooks.js';
import {
  LATENCY_SCENARIOS,
  type LatencyResult,
  type LatencyScenarioName,
  renderLatency,
  runLatencyScenario,
  writeLatencyPlots,
} from './latency.js';
import {
  CAPACITY_SCENARIOS,
  type CapacityResult,
  type CapacityScenarioName,
  renderCapacity,
  runCapacityScenario,
} from './capacity.js';

const ALL_SERVERS: ServerKind[] = ['switchboard', 'socketio', 'ws-floor'];
const USAGE = `usage: npm run bench -- [--scale 0.1] [--scenario quiet,busy,idle,storm]
  [--server switchboard,socketio,ws-floor] [--duration <s>] [--drain-timeout <s>]
  [--workers 4] [--no-build] [--cluster-rate <msg/s>] [--dm-rate <DM/s>] [--dm-contacts <k>]
  [--cluster-nodes <n>] (the cluster scenarios on n nodes, the same clients spread over them)
  [--store sqlite,postgres] (the Switchboard cluster's shared store(s), default sqlite; the
  store scenario's rows, default both)
  [--peer-store sqlite,postgres] (also run the Socket.IO cluster storing every message there,
  one INSERT each, beside the run that stores nothing)
  Without --scenario every family below runs, one after another, then bigroom; with it, only
  the ones named:
  cluster scenarios: --scenario cluster-busy,cluster-dm,cluster-buses (or: cluster)
  identity scenarios: --scenario auth-login,auth-storm (or: auth)
  search latency: --scenario search [--search-messages <N>] [--search-queries <runs>]
  store appends/s, SQLite full vs normal and PostgreSQL × 4 writers: --scenario store
  edit and reaction fan-out: --scenario events
  upload throughput and memory: --scenario uploads
  HTTP API posts against socket sends: --scenario api
  webhook deliveries and chat p99 with a hanging receiver: --scenario webhooks
  latency against load, pinned: --scenario latency,latency-cluster [--latency-rates 50,100]
    [--duration <s>] (each level's window, default 6)
    [--latency-workers 1] (load processes on the load core; more only time-slice it)
    [--latency-priority] (nice -20 for every pinned process: for a machine busy with other work)
  capacity model calibration and check on 1-4 nodes: --scenario capacity
  big room, 100,000 members, --workers 2 and 2 nodes + Redis (runs alone when named):
    --scenario bigroom`;

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    scenario: { type: 'string' },
    server: { type: 'string' },
    duration: { type: 'string' },
    'drain-timeout': { type: 'string', default: '30' },
    workers: { type: 'string', default: '4' },
    'cluster-rate': { type: 'string' },
    'dm-rate': { type: 'string' },
    'dm-contacts': { type: 'string' },
    'cluster-nodes': { type: 'string' },
    store: { type: 'string' },
    'peer-store': { type: 'string' },
    'search-messages': { type: 'string' },
    'search-queries': { type: 'string' },
    'latency-rates': { type: 'string' },
    'latency-workers': { type: 'string', default: '1' },
    'latency-priority': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
// bigroom (bench/bigroom.ts) runs alone: its own server, clients and results file.
if (values.scenario === 'bigroom') {
  await runBigroom(Number(values.scale));
  process.exit(0);
}

/** `arg` split at commas, each one of `all`; not given: all of them. Anything else exits 2. */
function list<T extends string>(arg: string | undefined, all: readonly T[], what: string): T[] {
  if (arg === undefined) return [...all];
  if (arg.trim() === '') {
    // `--store ""` once meant every store, silently.
    console.error(`--${what} takes one or more of ${all.join(', ')}, comma-separated`);
    process.exit(2);
  }
  const picked = arg.split(',').map((s) => s.trim()) as T[];
  const bad = picked.filter((p) => !all.includes(p));
  if (bad.length) {
    console.error(`unknown ${what}: ${bad.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return picked;
}

type AnyScenario =
  | ScenarioName
  | ClusterScenarioName
  | AuthScenarioName
  | SearchScenarioName
  | StoreScenarioName
  | EventsScenarioName
  | UploadsScenarioName
  | ApiScenarioName
  | WebhooksScenarioName
  | LatencyScenarioName
  | CapacityScenarioName;
const clusterNames = CLUSTER_SCENARIOS.map((s) => s.name);
const picked = list<AnyScenario>(
  values.scenario
    ?.replace(/(?<![\w-])cluster(?![\w-])/g, clusterNames.join(','))
    .replace(/(?<![\w-])auth(?![\w-])/g, AUTH_SCENARIOS.join(',')),
  [
    ...SCENARIOS.map((s) => s.name),
    ...clusterNames,
    ...AUTH_SCENARIOS,
    ...SEARCH_SCENARIOS,
    ...STORE_SCENARIOS,
    ...EVENTS_SCENARIOS,
    ...UPLOADS_SCENARIOS,
    ...API_SCENARIOS,
    ...WEBHOOKS_SCENARIOS,
    ...LATENCY_SCENARIOS,
    ...CAPACITY_SCENARIOS,
  ],
  'scenario',
).filter((s, i, all) => all.indexOf(s) === i);
// Without --scenario every scenario runs: the single-node ones, then the cluster ones.
const scenarios = (values.scenario ? picked : SCENARIOS.map((s) => s.name)).filter(
  (s): s is ScenarioName =>
    !clusterNames.includes(s as ClusterScenarioName) &&
    !AUTH_SCENARIOS.includes(s as AuthScenarioName) &&
    !SEARCH_SCENARIOS.includes(s as SearchScenarioName) &&
    !STORE_SCENARIOS.includes(s as StoreScenarioName) &&
    !EVENTS_SCENARIOS.includes(s as EventsScenarioName) &&
    !UPLOADS_SCENARIOS.includes(s as UploadsScenarioName) &&
    !API_SCENARIOS.includes(s as ApiScenarioName) &&
    !WEBHOOKS_SCENARIOS.includes(s as WebhooksScenarioName) &&
    !LATENCY_SCENARIOS.includes(s as LatencyScenarioName) &&
    !CAPACITY_SCENARIOS.includes(s as CapacityScenarioName),
);
const capacityScenarios = picked.filter((s): s is CapacityScenarioName =>
  CAPACITY_SCENARIOS.includes(s as CapacityScenarioName),
);
const latencyScenarios = picked.filter((s): s is LatencyScenarioName =>
  LATENCY_SCENARIOS.includes(s as LatencyScenarioName),
);
const webhooksScenarios = picked.filter((s): s is WebhooksScenarioName =>
  WEBHOOKS_SCENARIOS.includes(s as WebhooksScenarioName),
);
const uploadsScenarios = picked.filter((s): s is UploadsScenarioName =>
  UPLOADS_SCENARIOS.includes(s as UploadsScenarioName),
);
const eventsScenarios = picked.filter((s): s is EventsScenarioName =>
  EVENTS_SCENARIOS.includes(s as EventsScenarioName),
);
const apiScenarios = picked.filter((s): s is ApiScenarioName =>
  API_SCENARIOS.includes(s as ApiScenarioName),
);
const searchScenarios = picked.filter((s): s is SearchScenarioName =>
  SEARCH_SCENARIOS.includes(s as SearchScenarioName),
);
const storeScenarios = picked.filter((s): s is StoreScenarioName =>
  STORE_SCENARIOS.includes(s as StoreScenarioName),
);
const authScenarios = picked.filter((s): s is AuthScenarioName =>
  AUTH_SCENARIOS.includes(s as AuthScenarioName),
);
const clusterScenarios = picked.filter((s): s is ClusterScenarioName =>
  clusterNames.includes(s as ClusterScenarioName),
);
const servers = list<ServerKind>(values.server, ALL_SERVERS, 'server');
/** A flag's number, or undefined when the flag is not given. */
const optionalNumber = (v: string | undefined): number | undefined =>
  v === undefined ? undefined : Number(v);
const options = {
  scale: Number(values.scale),
  latencyRates: values['latency-rates']?.split(',').map(Number),
  latencyWorkers: Number(values['latency-workers']),
  latencyPriority: values['latency-priority'],
  durationS: optionalNumber(values.duration),
  drainTimeoutS: Number(values['drain-timeout']),
  workers: Number(values.workers),
  clusterRate: optionalNumber(values['cluster-rate']),
  dmRate: optionalNumber(values['dm-rate']),
  dmContacts: optionalNumber(values['dm-contacts']),
  clusterNodes: optionalNumber(values['cluster-nodes']),
  stores: list<ClusterStore>(values.store ?? 'sqlite', CLUSTER_STORES, 'store'),
  storeRows: list<ClusterStore>(values.store, CLUSTER_STORES, 'store'),
  peerStores:
    values['peer-store'] === undefined
      ? []
      : list<ClusterStore>(values['peer-store'], CLUSTER_STORES, 'peer-store'),
  searchMessages: optionalNumber(values['search-messages']),
  searchQueries: optionalNumber(values['search-queries']),
};

// Numeric flags the runner would otherwise turn into NaN windows or pools: refused with exit 2.
const wholeAtLeast1 = (n: number): boolean => Number.isInteger(n) && n >= 1;
const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
const NUMERIC_FLAGS = [
  ['latency-workers', wholeAtLeast1, 'a whole number ≥ 1'],
  ['dm-contacts', wholeAtLeast1, 'a whole number ≥ 1'],
  ['cluster-nodes', wholeAtLeast1, 'a whole number ≥ 1'],
  ['cluster-rate', positive, 'a number > 0'],
  ['dm-rate', positive, 'a number > 0'],
  ['search-messages', wholeAtLeast1, 'a whole number ≥ 1'],
  ['search-queries', wholeAtLeast1, 'a whole number ≥ 1'],
  ['duration', positive, 'a number of seconds > 0'],
  ['drain-timeout', positive, 'a number of seconds > 0'],
] as const;
for (const [flag, ok, what] of NUMERIC_FLAGS) {
  const v = values[flag];
  if (v !== undefined && !ok(Number(v))) {
    console.error(`--${flag} takes ${what}, not ${v}`);
    process.exit(2);
  }
}
let build = 'skipped';
// The search and store scenarios measure the stores directly: no server, no build. The latency
// scenarios bring their own load workers (below).
const needsPool =
  scenarios.length +
    clusterScenarios.length +
    authScenarios.length +
    eventsScenarios.length +
    uploadsScenarios.length +
    apiScenarios.length +
    webhooksScenarios.length +
    capacityScenarios.length >
  0;
const needsServer = needsPool || latencyScenarios.length > 0;
if (needsServer && servers.includes('switchboard')) {
  if (!values['no-build']) {
    note('building Switchboard (npm run build) ...');
    try {
      execSync('npm run build', { stdio: ['ignore', 'ignore', 'inherit'] });
      build = 'ok';
    } catch {
      build = 'failed; used the existing dist/';
      note(
        `WARNING: npm run build failed; ${existsSync(SWITCHBOARD_MAIN) ? 'using the existing dist/' : 'no dist/'}`,
      );
    }
  }
  if (!existsSync(SWITCHBOARD_MAIN))
    throw new Error(`${SWITCHBOARD_MAIN} missing: run npm run build`);
}

const startedAt = new Date();
const timesAtStart = cpuTimes();
// The load workers serve the scenarios with a server only.
const pool = new WorkerPool(needsPool ? options.workers : 0);
const results: Result[] = [];
const clusterResults: ClusterResult[] = [];
const authResults: AuthResult[] = [];
const searchResults: SearchResult[] = [];
const storeResults: StoreBenchResult[] = [];
const eventsResults: EventsResult[] = [];
const uploadsResults: UploadsResult[] = [];
const apiResults: ApiResult[] = [];
const webhooksResults: WebhooksResult[] = [];
const latencyResults: LatencyResult[] = [];
const capacityResults: CapacityResult[] = [];
const failures: { scenario: string; server: string; error: string }[] = [];
try {
  for (const name of scenarios) {
    const sc = SCENARIOS.find((s) => s.name === name)!;
    for (const server of servers) {
      try {
        results.push(await runScenario(sc, server, pool, options));
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        failures.push({ scenario: name, server, error });
        note(`${name}/${server}: FAILED: ${error}`);
        if (pool.crashed) throw e;
      }
    }
  }
  const clusterServers = servers.filter((s): s is ClusterServer => s !== 'ws-floor');
  for (const name of clusterScenarios) {
    const sc = onNodes(
      CLUSTER_SCENARIOS.find((s) => s.name === name)!,
      options.clusterNodes,
    );
    try {
      clusterResults.push(
        ...(await runClusterScenario(sc, clusterServers, pool, {
          ...options,
          rate: options.clusterRate,
          dmRate: options.dmRate,
          dmContacts: options.dmContacts,
        })),
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: clusterServers.join('+'), error });
      note(`${name}: FAILED: ${error}`);
      if (pool.crashed) throw e;
    }
  }
  for (const name of authScenarios) {
    try {
      authResults.push(await runAuthScenario(name, pool, options));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
      if (pool.crashed) throw e;
    }
  }
  for (const name of eventsScenarios) {
    try {
      eventsResults.push(await runEventsScenario({ scale: options.scale }));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
  for (const name of uploadsScenarios) {
    try {
      uploadsResults.push(await runUploadsScenario({ scale: options.scale }));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
  for (const name of apiScenarios) {
    try {
      apiResults.push(await runApiScenario({ scale: options.scale }));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
  for (const name of webhooksScenarios) {
    try {
      webhooksResults.push(await runWebhooksScenario({ scale: options.scale }));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
  // The latency scenarios put all their load on one core: one process there reads every socket as
  // it becomes readable, where several would wait for each other's time slices. Started here, so
  // that no other scenario runs beside idle latency workers.
  const latencyPool =
    latencyScenarios.length > 0 && options.latencyWorkers !== pool.size
      ? new WorkerPool(options.latencyWorkers)
      : pool;
  try {
    for (const name of latencyScenarios) {
      try {
        const idle = latencyPool === pool ? [] : pool.pids();
        latencyResults.push(
          ...(await runLatencyScenario(name, servers, latencyPool, { ...options, idle })),
        );
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        failures.push({ scenario: name, server: servers.join('+'), error });
        note(`${name}: FAILED: ${error}`);
        if (latencyPool.crashed) throw e;
      }
    }
  } finally {
    if (latencyPool !== pool) latencyPool.exit();
  }
  for (const name of capacityScenarios) {
    try {
      capacityResults.push(
        await runCapacityScenario(pool, { ...options, rate: undefined, dmRate: undefined }),
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
      if (pool.crashed) throw e;
    }
  }
  for (const name of searchScenarios) {
    try {
      searchResults.push(
        ...(await runSearchScenario({
          scale: options.scale,
          messages: options.searchMessages,
          queries: options.searchQueries,
        })),
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
  for (const name of storeScenarios) {
    try {
      storeResults.push(
        ...(await runStoreScenario({ scale: options.scale, stores: options.storeRows })),
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failures.push({ scenario: name, server: 'switchboard', error });
      note(`${name}: FAILED: ${error}`);
    }
  }
} finally {
  pool.exit();
}

const text = [
  results.length ? render(results) : '',
  renderCluster(clusterResults),
  renderAuth(authResults),
  renderSearch(searchResults),
  renderStore(storeResults),
  renderEvents(eventsResults),
  renderUploads(uploadsResults),
  renderApi(apiResults),
  renderWebhooks(webhooksResults),
  renderLatency(latencyResults),
  renderCapacity(capacityResults),
]
  .filter(Boolean)
  .join('\n\n');
console.log(`\n${text}`);
for (const fl of failures) console.log(`FAILED ${fl.scenario}/${fl.server}: ${fl.error}`);
// A virtual machine's host running other guests slows every figure here (bench/README.md).
const steal = stealPct(timesAtStart, cpuTimes());
console.log(`CPU steal over the run: ${steal.toFixed(1)} % of the machine's CPU time`);

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? '',
  memGb: totalmem() / 2 ** 30,
  node: process.version,
  loadavgAtEnd: loadavg(),
  stealPct: steal,
};
const json = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine,
  options: {
    ...options,
    scenarios: [
      ...scenarios,
      ...clusterScenarios,
      ...authScenarios,
      ...searchScenarios,
      ...storeScenarios,
      ...eventsScenarios,
      ...uploadsScenarios,
      ...apiScenarios,
      ...webhooksScenarios,
      ...latencyScenarios,
      ...capacityScenarios,
    ],
    servers,
    build,
  },
  ratios: ratios(results),
  results,
  clusterRatios: clusterRatios(clusterResults),
  cluster: clusterResults,
  auth: authResults,
  search: searchResults,
  store: storeResults,
  events: eventsResults,
  uploads: uploadsResults,
  api: apiResults,
  webhooks: webhooksResults,
  latency: latencyResults,
  capacity: capacityResults,
  failures,
  table: text,
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
writeFileSync('bench/results/latest.json', `${JSON.stringify(json, null, 2)}\n`);
console.log(`\nwrote ${file} and bench/results/latest.json`);
const plots = writeLatencyPlots(latencyResults, startedAt.toISOString().replace(/[:.]/g, '-'));
if (plots.length) console.log(`plotted ${plots.join(', ')}`);
// A plain `npm run bench` ends with the big room, which brings its own server, clients and file.
if (!values.scenario) {
  try {
    await runBigroom(options.scale);
  } catch (e) {
    console.log(`FAILED bigroom: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
process.exit(failures.length ? 1 : 0);
