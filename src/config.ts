/**
 * Server configuration: one zod schema with every default, filled from CLI flags and
 * environment variables by src/cli/serve.ts.
 */
import { z } from 'zod';
import { SwitchboardError } from './errors.js';

export const ConfigSchema = z.strictObject({
  /** TCP port; `PORT` env is honoured. Default 8080. 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Interface to bind. Default 0.0.0.0 (all IPv4 interfaces). */
  host: z.string().default('0.0.0.0'),
  /** Directory of the embedded SQLite store. Default ./data. */
  dataDir: z.string().default('./data'),
  /**
   * Store URL: `sqlite:<path>` or empty for `<dataDir>/switchboard.db`, `memory:` for a
   * throw-away in-memory store. Default empty.
   */
  store: z.string().default(''),
  /** Largest message text in UTF-8 bytes. Default 4096. */
  maxMessageBytes: z.number().int().min(1).max(1_048_576).default(4096),
  /** Largest inbound WebSocket frame in bytes; larger closes with 1009. Default 65536. */
  maxFrameBytes: z.number().int().min(256).max(16_777_216).default(65_536),
  /** Server ping period in ms. Default 25000. */
  pingInterval: z.number().int().min(100).default(25_000),
  /** A connection silent for pingInterval + pingTimeout ms is closed. Default 20000. */
  pingTimeout: z.number().int().min(100).default(20_000),
  /** Outbound bytes buffered per connection before it is closed as a slow consumer. Default 1 MiB. */
  maxBufferedBytes: z.number().int().min(1024).default(1_048_576),
  /** Sustained client frames per second per connection. Default 20. */
  rateLimit: z.number().min(0.1).default(20),
  /** Frames a connection may send in a burst above the rate. Default 60. */
  rateBurst: z.number().int().min(1).default(60),
  /** Frames rejected in a row before the connection is closed for flooding. Default 100. */
  floodLimit: z.number().int().min(1).default(100),
  /** Messages kept per channel; 0 keeps all. Default 0. */
  retainPerChannel: z.number().int().min(0).default(0),
  /** Session lifetime in ms since last use (sliding). Default 30 days. */
  sessionTtl: z
    .number()
    .int()
    .min(1000)
    .default(30 * 24 * 3600 * 1000),
  /** How often presence changes are sent to clients, coalesced, in ms. Default 250. */
  presenceInterval: z.number().int().min(10).default(250),
  /** Rooms with more members than this get no join/leave events (they are quadratic). Default 1000. */
  memberEventsLimit: z.number().int().min(0).default(1000),
  /** Grace period for in-flight work on SIGTERM in ms. Default 10000. */
  shutdownTimeout: z.number().int().min(0).default(10_000),
  /** Log level for pino. Default info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Serve the chat web page at /. Default true. */
  web: z.boolean().default(true),
  /**
   * Bus between nodes: '' (single node), redis://…, nats://…[,nats://…], amqp://…,
   * postgres://… or mesh. Default ''.
   */
  bus: z.string().default(''),
  /** This node's id in the cluster. Default <hostname>-<pid>. */
  nodeId: z.string().min(1).max(100).optional(),
  /** Mesh: where this node listens for peers, host:port. Default <host>:<port + 1000>. */
  meshListen: z.string().optional(),
  /** Mesh: the peers' mesh addresses, host:port, comma-separated (own address ignored). */
  meshPeers: z.array(z.string()).default([]),
  /** Mesh: shared secret peers prove to each other. Required for mesh. */
  meshSecret: z.string().default(''),
  /** Cluster presence heartbeat period in ms. Default 5000. */
  presenceHeartbeat: z.number().int().min(50).default(5000),
  /** A node silent this long has its users removed from presence, in ms. Default 15000. */
  presenceTtl: z.number().int().min(100).max(300_000).default(15_000),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function parseConfig(input: ConfigInput): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `invalid configuration: ${detail}`);
  }
  return result.data;
}
