/**
 * One endpoint of the HTTP API as data: method, path, scope, zod schemas of its query and body,
 * its success status and what it runs. The router (../router.ts) and the OpenAPI document
 * (./openapi.ts) are both made from the same list, so the document cannot drift from the routes.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import type { CloseCodeValue } from '../../protocol/close-codes.js';
import type { ClientFrame } from '../../protocol/frames.js';
import type { PerNodePresence, Presence } from '../../presence/presence.js';
import type { ApiKey, Store } from '../../store/store.js';
import type { Reply } from '../router.js';
import type { ApiKeys } from './api-keys.js';
import type { ApiScope } from './scopes.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who a command runs as (ChatCore's HeadlessActor): a handle and its server roles. */
export interface HeadlessActor {
  user: string;
  roles?: readonly string[];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A command frame without its id, as ChatCore.runAs takes it. */
export type HeadlessCommand = DistributiveOmit<
  Exclude<ClientFrame, { type: 'hello' | 'refresh' | 'resume' | 'typing' | 'ping' | 'pong' }>,
  'id'
>;

/** A room's member count and how many of its members are online, cluster-wide. */
export interface RoomCounts {
  members: number;
  online: number;
}

/**
 * The core as the API uses it (ChatCore): commands as a user, closing a user's sockets, and a
 * room's counts from its RoomTally.
 */
export interface CommandRunner {
  runAs(actor: HeadlessActor, frame: HeadlessCommand): Promise<unknown>;
  disconnectUser(user: string, code: CloseCodeValue): void;
  roomCounts(id: string): Promise<RoomCounts>;
}

/** What endpoints may use: the core's headless commands and the seams they read. */
export interface ApiContext {
  keys: ApiKeys;
  core: CommandRunner;
  /** The server role of a server admin (`admin`). */
  adminRole: string;
  store: Store;
  /** `byNode` when the backend splits presence by node (cluster presence). */
  presence: Pick<Presence, 'count' | 'list'> & Partial<PerNodePresence>;
  accounts: AccountService;
  /** This node's id and its own open connections per user, health and metrics history. */
  node: {
    id: string;
    users(): ReadonlyMap<string, number>;
    health(): Promise<NodeHealth>;
    /** The node's own metrics over the last hour, oldest first (src/server/metrics-history.ts). */
    metrics(): MetricPoint[];
  };
  now(): number;
}

/** What /readyz checks, in detail: the bus connected, the store answering, not draining. */
export interface NodeHealth {
  bus: boolean;
  store: boolean;
  draining: boolean;
}

/** One point of a node's metrics history: a gauge and per-second rates since the one before. */
export interface MetricPoint {
  ts: number;
  connections: number;
  /** Messages stored per second (room and DM). */
  messagesPerSec: number;
  /** Valid client frames received per second. */
  framesPerSec: number;
  /** Payloads received from the bus (other nodes) per second. */
  busPerSec: number;
  /** Messages written to live connections here per second (one per message per connection). */
  deliveriesPerSec: number;
  /**
   * Median and 99th percentile of this interval's socket sends' latency, ms, estimated from
   * the histogram's buckets like Prometheus' histogram_quantile(); 0 without sends.
   */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /**
   * 99th percentile of how long this interval's SQLite group commits held the event loop, ms
   * (`switchboard_sqlite_commit_seconds`); 0 without commits, and always on another store.
   */
  commitP99Ms: number;
}

/** Who makes a call: an API key, or a server admin's session. */
export interface Caller {
  key: ApiKey | null;
  /** The handle the call acts as when it names no user: the key's creator, or the admin. */
  user: string;
  /** What the audit log records: the key's id, or `session:<handle>`. */
  label: string;
}

export interface EndpointCall<B, Q> {
  ctx: ApiContext;
  req: IncomingMessage;
  params: Record<string, string>;
  body: B;
  query: Q;
  caller: Caller;
  /**
   * The actor a command runs as: the user named (with their account's server roles), or else
   * the caller's user with their current server roles (a key's creator who is still a server
   * admin acts as one).
   */
  actor: (as?: string) => Promise<HeadlessActor>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface EndpointSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: Method;
  /** OpenAPI form: `/rooms/{room}/messages`, below /api/v1. */
  path: string;
  scope: ApiScope;
  tag: string;
  summary: string;
  body?: B;
  /** An object schema of the query string (values arrive as strings: coerce numbers). */
  query?: Q;
  /** The documented success status. */
  status: number;
  /**
   * The schema of the success body, documented in openapi.json (a strict object names every
   * field). test/http/openapi.test.ts validates the real answers of its walk against it, and
   * fails on an endpoint answering JSON without one. Absent only with status 204.
   */
  response?: z.ZodType;
  /** Resolves the body of the answer, or a full reply (another status, headers). */
  run(call: EndpointCall<Out<B>, Out<Q>>): Promise<unknown>;
}

export type Endpoint = EndpointSpec<z.ZodType | undefined, z.ZodType | undefined>;

/** Keeps the inference of an endpoint's body and query types. */
export function endpoint<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(spec: EndpointSpec<B, Q>): Endpoint {
  return spec;
}

const REPLY = Symbol('reply');

/** A reply with another status than the endpoint's documented one, or with headers. */
export function reply(r: Reply): Reply & { [REPLY]: true } {
  return { ...r, [REPLY]: true };
}

export function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && REPLY in value;
}
