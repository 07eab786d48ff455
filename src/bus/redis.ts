/**
 * Redis Pub/Sub bus (ioredis). One connection publishes, one stays in subscriber mode.
 *
 * - Topic `t` is the Redis channel `sb:t`, subscribed with SUBSCRIBE (exact names, never
 *   PSUBSCRIBE), so Redis itself does the interest routing.
 * - Wire format: `<nodeId>\n<payload>`. A node id never contains '\n' and the payload is
 *   everything after the FIRST '\n', so payloads may contain newlines. A node drops messages
 *   that start with its own prefix (no echo).
 * - Redis Pub/Sub is at most once: messages published while a subscriber is disconnected are
 *   lost, which the Bus contract allows. One connection's PUBLISHes reach subscribers in order.
 * - Reconnect: ioredis retries with the shared backoff (src/backoff.ts). Commands are never
 *   queued while down (`enableOfflineQueue: false`) and in-flight ones are failed when the
 *   connection drops (`maxRetriesPerRequest: 0`), so `publish` rejects promptly instead of
 *   hanging. The bus, not ioredis (`autoResubscribe: false`), restores subscriptions: ioredis
 *   emits 'ready' before its resubscribe is confirmed, and we call `onReconnect` only once
 *   SUBSCRIBE has replied.
 * - Liveness: a partition can leave a TCP connection open with nothing arriving and no reset,
 *   for as long as the kernel's keepalive (hours). Each connection is PINGed every
 *   `pingIntervalMs`; one unanswered for `pingTimeoutMs` is destroyed, which is a lost connection
 *   like any other (`ready()` false, reconnect with backoff, subscriptions restored, then
 *   `onReconnect`). PING is allowed in subscriber mode.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelay } from '../backoff.js';
import { redactUrl } from '../backend-errors.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

const CHANNEL_PREFIX = 'sb:';
/** Bounds `start` and each TCP connect attempt. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A command (PUBLISH/SUBSCRIBE) unanswered this long rejects, e.g. during a partition. */
const COMMAND_TIMEOUT_MS = 5_000;
const PING_INTERVAL_MS = 2_000;
/** Below COMMAND_TIMEOUT_MS, so that the PING's own timer decides. */
const PING_TIMEOUT_MS = 3_000;
/**
 * Reconnect delay: 50 ms doubling per attempt, capped at 2 s, retried forever, without jitter
 * (as before the shared formula). ioredis counts attempts from 1.
 */
const retryStrategy = (attempt: number): number =>
  backoffDelay(attempt - 1, { minMs: 50, maxMs: 2_000, jitter: 0 });

export interface RedisBusOptions {
  /** Unique in the cluster; must not contain '\n' (it delimits the envelope). */
  nodeId: string;
  /** How often each connection is PINGed. Default 2000 ms. */
  pingIntervalMs?: number;
  /** A PING unanswered this long drops the connection (bus lost). Default 3000 ms. */
  pingTimeoutMs?: number;
}

export class RedisBus extends BusBase implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  /** `<nodeId>\n`, computed once; every outgoing message starts with it. */
  readonly #prefix: string;
  /** True while the subscriber connection is up AND every wanted topic is subscribed on it. */
  #subRestored = false;
  readonly #pingIntervalMs: number;
  readonly #pingTimeoutMs: number;
  #pinger: NodeJS.Timeout | null = null;
  /** Connections with a PING in flight: never two at once on one connection. */
  readonly #pinging = new Set<Redis>();

  constructor(url: string, options: RedisBusOptions) {
    if (options.nodeId.includes('\n')) throw new Error('RedisBus nodeId must not contain "\\n"');
    super(options.nodeId, {
      name: 'Redis',
      address: redactUrl(url),
      hint: 'is redis-server running and the bus url right?',
    });
    this.#prefix = `${options.nodeId}\n`;
    this.#pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      retryStrategy,
    };
    // Auto-pipelining: the publishes of one event-loop turn (a group commit releases many
    // messages at once, and a DM publishes to both people) go out in one socket write.
    this.#pub = new Redis(url, {
      ...redisOptions,
      enableAutoPipelining: true,
      connectionName: `sb-pub-${options.nodeId}`,
    });
    this.#sub = new Redis(url, { ...redisOptions, connectionName: `sb-sub-${options.nodeId}` });
    for (const conn of [this.#pub, this.#sub]) {
      // Without an 'error' listener ioredis logs every failed reconnect attempt.
      conn.on('error', (err: unknown) => (this.lastError = err));
      conn.on('close', () => {
        if (conn === this.#sub) this.#subRestored = false;
        this.lost();
      });
    }
    this.#sub.on('message', this.#receive);
  }

  protected async connect(): Promise<void> {
    await this.connectWithin(
      Promise.all([this.#pub.connect(), this.#sub.connect()]),
      CONNECT_TIMEOUT_MS,
    );
    this.#subRestored = true;
    this.#pub.on('ready', () => this.restored());
    this.#sub.on('ready', () => void this.#restoreSubscriptions());
    this.#pinger = setInterval(() => {
      void this.#ping(this.#pub);
      void this.#ping(this.#sub);
    }, this.#pingIntervalMs);
    this.#pinger.unref();
  }

  protected async disconnect(): Promise<void> {
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = null;
    // disconnect(), not quit(): no reply to wait for, and it stops the reconnect loop at once.
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  protected connected(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready' && this.#subRestored;
  }

  /** Always try: ioredis rejects at once while the publisher is down (no offline queue). */
  protected override canPublish(): boolean {
    return true;
  }

  protected async listen(topic: string): Promise<void> {
    // While down the topic is only remembered; #restoreSubscriptions applies it on reconnect.
    if (this.#sub.status === 'ready') await this.#sub.subscribe(CHANNEL_PREFIX + topic);
  }

  protected async unlisten(topic: string): Promise<void> {
    // While down there is nothing to undo: a new connection starts with no subscriptions.
    if (this.#sub.status === 'ready') await this.#sub.unsubscribe(CHANNEL_PREFIX + topic);
  }

  protected async send(topic: string, payload: string): Promise<void> {
    await this.#pub.publish(CHANNEL_PREFIX + topic, this.#prefix + payload);
  }

  /** Hot path: one indexOf and one slice per message, no parsing beyond that. */
  readonly #receive = (channel: string, message: string): void => {
    if (message.startsWith(this.#prefix)) return;
    const cut = message.indexOf('\n');
    if (cut < 0) return; // not ours: someone else publishes on our channel namespace
    this.deliver(channel.slice(CHANNEL_PREFIX.length), message.slice(cut + 1));
  };

  /** PINGs a ready connection; no answer within the timeout (or a failure) drops it. */
  async #ping(conn: Redis): Promise<void> {
    if (conn.status !== 'ready' || this.#pinging.has(conn)) return;
    this.#pinging.add(conn);
    const timer = setTimeout(() => this.#hung(conn), this.#pingTimeoutMs);
    try {
      await conn.ping();
    } catch {
      this.#hung(conn);
    } finally {
      clearTimeout(timer);
      this.#pinging.delete(conn);
    }
  }

  /**
   * Destroys the socket at once: `disconnect(true)` would first wait for a FIN the partitioned
   * peer never acknowledges. ioredis then sees 'close' and reconnects with its backoff.
   */
  #hung(conn: Redis): void {
    if (conn.status !== 'ready' || this.closed) return;
    this.lastError = new Error(`Redis did not answer PING within ${this.#pingTimeoutMs} ms`);
    conn.stream.destroy();
  }

  /** On the subscriber's 'ready' after a reconnect: SUBSCRIBE every wanted topic, then report. */
  async #restoreSubscriptions(): Promise<void> {
    const channels = [...this.topics].map((t) => CHANNEL_PREFIX + t);
    try {
      if (channels.length > 0) await this.#sub.subscribe(...channels);
    } catch {
      // Lost again: the next 'ready' retries. Still up (e.g. a timeout): force a new connection.
      if (this.#sub.status === 'ready' && !this.closed) this.#sub.disconnect(true);
      return;
    }
    if (this.#sub.status !== 'ready') return;
    this.#subRestored = true;
    this.restored();
  }
}
