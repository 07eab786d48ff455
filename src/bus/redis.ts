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
 * - Reconnect: ioredis retries with capped exponential backoff. Commands are never queued while
 *   down (`enableOfflineQueue: false`) and in-flight ones are failed when the connection drops
 *   (`maxRetriesPerRequest: 0`), so `publish` rejects promptly instead of hanging. The bus, not
 *   ioredis (`autoResubscribe: false`), restores subscriptions: ioredis emits 'ready' before
 *   its resubscribe is confirmed, and we call `onReconnect` only once SUBSCRIBE has replied.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { SwitchboardError } from '../errors.js';
import type { Bus, BusHandler, ReconnectHandler } from './bus.js';
import { backendUnavailable, redactUrl } from '../backend-errors.js';

const CHANNEL_PREFIX = 'sb:';
/** Bounds `start` and each TCP connect attempt. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A command (PUBLISH/SUBSCRIBE) unanswered this long rejects, e.g. during a partition. */
const COMMAND_TIMEOUT_MS = 5_000;
/** Reconnect backoff: 50 ms doubling per attempt, capped at 2 s, retried forever. */
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** (attempt - 1), 2_000);

export interface RedisBusOptions {
  /** Unique in the cluster; must not contain '\n' (it delimits the envelope). */
  nodeId: string;
}

export class RedisBus implements Bus {
  readonly nodeId: string;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #url: string;
  /** `<nodeId>\n`, computed once; every outgoing message starts with it. */
  readonly #prefix: string;
  /** Wanted topics: applied at once when connected, restored after every reconnect. */
  readonly #topics = new Set<string>();
  #handler: BusHandler | null = null;
  #onReconnect: ReconnectHandler | undefined;
  #closed = false;
  /** True while the subscriber connection is up AND every wanted topic is subscribed on it. */
  #subRestored = false;
  /** True between losing either connection and calling onReconnect. */
  #outage = false;
  #lastError: unknown = null;

  constructor(url: string, options: RedisBusOptions) {
    if (options.nodeId.includes('\n')) throw new Error('RedisBus nodeId must not contain "\\n"');
    this.nodeId = options.nodeId;
    this.#prefix = `${options.nodeId}\n`;
    this.#url = url;
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      retryStrategy,
    };
    this.#pub = new Redis(url, { ...redisOptions, connectionName: `sb-pub-${options.nodeId}` });
    this.#sub = new Redis(url, { ...redisOptions, connectionName: `sb-sub-${options.nodeId}` });
    for (const conn of [this.#pub, this.#sub]) {
      // Without an 'error' listener ioredis logs every failed reconnect attempt.
      conn.on('error', (err: unknown) => (this.#lastError = err));
      conn.on('close', () => this.#lost(conn));
    }
    this.#sub.on('message', this.#receive);
  }

  async start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void> {
    if (this.#handler || this.#closed) throw new Error('RedisBus can be started only once');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
        CONNECT_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([Promise.all([this.#pub.connect(), this.#sub.connect()]), timeout]);
    } catch (err) {
      // connect() rejects with a generic "Connection is closed."; the 'error' event has the cause.
      const cause = this.#lastError ?? err;
      this.#closed = true;
      this.#pub.disconnect();
      this.#sub.disconnect();
      throw new SwitchboardError(
        'SB_ERR_BACKEND_UNAVAILABLE',
        `cannot reach Redis at ${redactUrl(this.#url)}: ${String((cause as Error)?.message ?? cause)}; ` +
          'is redis-server running and the bus url right?',
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
    this.#handler = handler;
    this.#onReconnect = onReconnect;
    this.#subRestored = true;
    this.#pub.on('ready', () => this.#maybeReconnected());
    this.#sub.on('ready', () => void this.#restoreSubscriptions());
  }

  async subscribe(topic: string): Promise<void> {
    this.#assertOpen();
    this.#topics.add(topic);
    // While down the topic is only remembered; #restoreSubscriptions applies it on reconnect.
    if (this.#sub.status !== 'ready') return;
    try {
      await this.#sub.subscribe(CHANNEL_PREFIX + topic);
    } catch (err) {
      if (this.#sub.status !== 'ready') return; // lost meanwhile: restored on reconnect
      throw backendUnavailable('redis', 'subscribe', err);
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    if (!this.#topics.delete(topic) || this.#closed) return;
    // While down there is nothing to undo: a new connection starts with no subscriptions.
    if (this.#sub.status !== 'ready') return;
    // Any failure means the connection is going away, which drops the subscription too; and
    // #receive filters by #topics, so nothing of this topic is delivered from now on.
    await this.#sub.unsubscribe(CHANNEL_PREFIX + topic).catch(() => {});
  }

  async publish(topic: string, payload: string): Promise<void> {
    this.#assertOpen();
    try {
      await this.#pub.publish(CHANNEL_PREFIX + topic, this.#prefix + payload);
    } catch (err) {
      throw backendUnavailable('redis', 'publish', err);
    }
  }

  ready(): boolean {
    return (
      this.#handler !== null &&
      !this.#closed &&
      this.#pub.status === 'ready' &&
      this.#sub.status === 'ready' &&
      this.#subRestored
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = null;
    this.#topics.clear();
    // disconnect(), not quit(): no reply to wait for, and it stops the reconnect loop at once.
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  /** Hot path: one indexOf and one slice per message, no parsing beyond that. */
  readonly #receive = (channel: string, message: string): void => {
    const handler = this.#handler;
    if (handler === null || message.startsWith(this.#prefix)) return;
    const topic = channel.slice(CHANNEL_PREFIX.length);
    if (!this.#topics.has(topic)) return; // unsubscribed while the message was in flight
    const cut = message.indexOf('\n');
    if (cut < 0) return; // not ours: someone else publishes on our channel namespace
    handler(topic, message.slice(cut + 1));
  };

  #lost(conn: Redis): void {
    if (this.#handler === null || this.#closed) return;
    this.#outage = true;
    if (conn === this.#sub) this.#subRestored = false;
  }

  /** On the subscriber's 'ready' after a reconnect: SUBSCRIBE every wanted topic, then report. */
  async #restoreSubscriptions(): Promise<void> {
    const channels = [...this.#topics].map((t) => CHANNEL_PREFIX + t);
    try {
      if (channels.length > 0) await this.#sub.subscribe(...channels);
    } catch {
      // Lost again: the next 'ready' retries. Still up (e.g. a timeout): force a new connection.
      if (this.#sub.status === 'ready' && !this.#closed) this.#sub.disconnect(true);
      return;
    }
    if (this.#sub.status !== 'ready') return;
    this.#subRestored = true;
    this.#maybeReconnected();
  }

  /** Calls onReconnect once per outage, when both connections are back and restored. */
  #maybeReconnected(): void {
    if (!this.#outage || this.#closed || !this.ready()) return;
    this.#outage = false;
    this.#onReconnect?.();
  }

  #assertOpen(): void {
    if (this.#handler === null || this.#closed) {
      const state = this.#closed ? 'closed' : 'not started';
      throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', `redis bus is ${state}`);
    }
  }
}
