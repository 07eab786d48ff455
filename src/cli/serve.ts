/**
 * `switchboard serve`: run one node. Every flag has an environment variable; `PORT` is
 * honoured for the port as most platforms set it.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { runPrimary } from './workers.js';
import { pino } from 'pino';
import { parseConfig, type ConfigInput } from '../config.js';
import { SwitchboardServer } from '../server/switchboard-server.js';
import { SwitchboardError } from '../errors.js';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `not a number: ${v}`);
  return n;
};

function opt(
  flags: string,
  description: string,
  env: string,
  parse?: (v: string) => unknown,
): Option {
  const o = new Option(flags, description).env(env);
  return parse ? o.argParser(parse) : o;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run a Switchboard server: chat page at /, WebSocket at /ws')
    .addOption(opt('-p, --port <port>', 'TCP port (default 8080; 0 = any free port)', 'PORT', int))
    .addOption(opt('--host <host>', 'interface to bind (default 0.0.0.0)', 'SWITCHBOARD_HOST'))
    .addOption(
      opt(
        '-d, --data-dir <dir>',
        'directory of the embedded store (default ./data)',
        'SWITCHBOARD_DATA_DIR',
      ),
    )
    .addOption(
      opt(
        '--store <url>',
        'store: sqlite:<file> or memory: (default <data-dir>/switchboard.db)',
        'SWITCHBOARD_STORE',
      ),
    )
    .addOption(
      opt(
        '--max-message-bytes <n>',
        'largest message text in bytes (default 4096)',
        'SWITCHBOARD_MAX_MESSAGE_BYTES',
        int,
      ),
    )
    .addOption(
      opt(
        '--max-frame-bytes <n>',
        'largest inbound frame in bytes (default 65536)',
        'SWITCHBOARD_MAX_FRAME_BYTES',
        int,
      ),
    )
    .addOption(
      opt(
        '--ping-interval <ms>',
        'server ping period (default 25000)',
        'SWITCHBOARD_PING_INTERVAL',
        int,
      ),
    )
    .addOption(
      opt(
        '--ping-timeout <ms>',
        'close after interval + timeout of silence (default 20000)',
        'SWITCHBOARD_PING_TIMEOUT',
        int,
      ),
    )
    .addOption(
      opt(
        '--max-buffered-bytes <n>',
        'outbound buffer per connection before 4001 (default 1048576)',
        'SWITCHBOARD_MAX_BUFFERED_BYTES',
        int,
      ),
    )
    .addOption(
      opt(
        '--rate-limit <n>',
        'frames per second per connection (default 20)',
        'SWITCHBOARD_RATE_LIMIT',
        int,
      ),
    )
    .addOption(
      opt('--rate-burst <n>', 'burst above the rate (default 60)', 'SWITCHBOARD_RATE_BURST', int),
    )
    .addOption(
      opt(
        '--flood-limit <n>',
        'rate-limited frames in a row before 4003 (default 100)',
        'SWITCHBOARD_FLOOD_LIMIT',
        int,
      ),
    )
    .addOption(
      opt(
        '--retain <n>',
        'messages kept per channel, 0 = all (default 0)',
        'SWITCHBOARD_RETAIN',
        int,
      ),
    )
    .addOption(
      opt(
        '--session-ttl <ms>',
        'session lifetime since last use (default 30 days)',
        'SWITCHBOARD_SESSION_TTL',
        int,
      ),
    )
    .addOption(
      opt(
        '--presence-interval <ms>',
        'presence event coalescing (default 250)',
        'SWITCHBOARD_PRESENCE_INTERVAL',
        int,
      ),
    )
    .addOption(
      opt(
        '--shutdown-timeout <ms>',
        'drain time on SIGTERM (default 10000)',
        'SWITCHBOARD_SHUTDOWN_TIMEOUT',
        int,
      ),
    )
    .addOption(
      opt(
        '--log-level <level>',
        'fatal|error|warn|info|debug|trace|silent (default info)',
        'SWITCHBOARD_LOG_LEVEL',
      ),
    )
    .addOption(opt('--no-web', 'do not serve the chat page', 'SWITCHBOARD_NO_WEB'))
    .addOption(
      opt(
        '--member-events-limit <n>',
        'no join/leave events for rooms with more members (default 1000)',
        'SWITCHBOARD_MEMBER_EVENTS_LIMIT',
        int,
      ),
    )
    .addOption(
      opt(
        '--bus <url>',
        'bus between nodes: redis://, nats://[,…], amqp://, postgres:// or mesh (default: none)',
        'SWITCHBOARD_BUS',
      ),
    )
    .addOption(
      opt(
        '--node-id <id>',
        "this node's id in the cluster (default <hostname>-<pid>)",
        'SWITCHBOARD_NODE_ID',
      ),
    )
    .addOption(
      opt(
        '--mesh-listen <host:port>',
        'mesh: listen for peers here (default <host>:<port+1000>)',
        'SWITCHBOARD_MESH_LISTEN',
      ),
    )
    .addOption(
      opt(
        '--mesh-peers <list>',
        'mesh: peers as host:port,host:port or @file (one per line)',
        'SWITCHBOARD_MESH_PEERS',
        parsePeers,
      ),
    )
    .addOption(
      opt(
        '--mesh-secret <secret>',
        'mesh: shared secret the peers prove to each other',
        'SWITCHBOARD_MESH_SECRET',
      ),
    )
    .addOption(
      opt(
        '--presence-ttl <ms>',
        'users of a node silent this long go offline (default 15000)',
        'SWITCHBOARD_PRESENCE_TTL',
        int,
      ),
    )
    .addOption(
      opt(
        '--presence-heartbeat <ms>',
        'cluster presence heartbeat (default 5000)',
        'SWITCHBOARD_PRESENCE_HEARTBEAT',
        int,
      ),
    )
    .addOption(
      opt(
        '-w, --workers <n>',
        'worker processes sharing the port, e.g. one per core (default 1)',
        'SWITCHBOARD_WORKERS',
        int,
      ),
    )
    .action(async (o: Record<string, unknown>) => {
      const input: ConfigInput = {
        port: o.port as number | undefined,
        host: o.host as string | undefined,
        dataDir: o.dataDir as string | undefined,
        store: o.store as string | undefined,
        maxMessageBytes: o.maxMessageBytes as number | undefined,
        maxFrameBytes: o.maxFrameBytes as number | undefined,
        pingInterval: o.pingInterval as number | undefined,
        pingTimeout: o.pingTimeout as number | undefined,
        maxBufferedBytes: o.maxBufferedBytes as number | undefined,
        rateLimit: o.rateLimit as number | undefined,
        rateBurst: o.rateBurst as number | undefined,
        floodLimit: o.floodLimit as number | undefined,
        retainPerChannel: o.retain as number | undefined,
        sessionTtl: o.sessionTtl as number | undefined,
        presenceInterval: o.presenceInterval as number | undefined,
        shutdownTimeout: o.shutdownTimeout as number | undefined,
        logLevel: o.logLevel as ConfigInput['logLevel'],
        web: o.web as boolean | undefined,
        bus: o.bus as string | undefined,
        memberEventsLimit: o.memberEventsLimit as number | undefined,
        nodeId: o.nodeId as string | undefined,
        meshListen: o.meshListen as string | undefined,
        meshPeers: o.meshPeers as string[] | undefined,
        meshSecret: o.meshSecret as string | undefined,
        presenceTtl: o.presenceTtl as number | undefined,
        presenceHeartbeat: o.presenceHeartbeat as number | undefined,
      };
      for (const k of Object.keys(input) as (keyof ConfigInput)[])
        if (input[k] === undefined) delete input[k];
      await serve(input, (o.workers as number | undefined) ?? 1);
    });
}

function parsePeers(value: string): string[] {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  return text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'));
}

export async function serve(input: ConfigInput, workers = 1): Promise<void> {
  const config = parseConfig(input);
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } });
  if (workers > 1 && cluster.isPrimary) {
    if (config.bus === 'mesh') {
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        '--workers cannot be combined with --bus mesh',
      );
    }
    return runPrimary(workers, logger, config.shutdownTimeout);
  }
  const worker = cluster.isWorker ? process.env.SWITCHBOARD_WORKER_INDEX : undefined;
  if (worker !== undefined) {
    config.bus ||= 'ipc';
    config.nodeId ??= `${hostname()}-w${worker}-${process.pid}`;
  }
  const server = await SwitchboardServer.create(config, logger);
  const port = await server.start();
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const where = {
    port,
    url: `http://${shown}:${port}`,
    ws: `ws://${shown}:${port}/ws`,
    node: server.nodeId,
  };
  // Workers report to the primary, which announces "listening" once for all of them.
  logger.info(where, worker === undefined ? 'listening' : 'worker listening');
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, 'draining');
    server.stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
