/**
 * RabbitMQ (AMQP 0-9-1) bus with interest routing: one non-durable `direct` exchange shared by
 * the cluster and one exclusive, auto-delete, server-named queue per node. `subscribe(topic)`
 * binds the node's queue with routing key = topic, so the broker sends a node only the topics
 * it wants (a direct exchange matches keys exactly and case-sensitively).
 *
 * - No echo: each payload carries the publisher's node id as `appId`; a node drops its own.
 * - At most once: no publisher confirms and `noAck` consumption. `publish` resolves once the
 *   frame is written to the socket buffer; when amqplib reports a full buffer (`publish`
 *   returns false) it resolves on the channel's `drain` instead, which is our back-pressure.
 * - Order: one channel per node, so payloads from one publisher on one topic stay in order.
 * - Reconnect: amqplib 2's opt-in `recovery` reconnects with capped exponential backoff and
 *   jitter and runs `#setup` on every connection: new channel, exchange, new queue, a binding
 *   per current topic, consumer. Only then is the bus ready again and `onReconnect` called.
 *
 * The exchange is not durable: every node re-declares it after a broker restart.
 */
import amqp, { type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { SwitchboardError } from '../errors.js';
import type { Bus, BusHandler, ReconnectHandler } from './bus.js';
import { backendUnavailable, errorText, noop, redactUrl } from '../backend-errors.js';

export interface AmqpBusOptions {
  /** Stable id of this node, unique in the cluster; at most 255 UTF-8 bytes (AMQP shortstr). */
  nodeId: string;
  /** Exchange shared by every node of the cluster. Default `switchboard.bus`. */
  exchange?: string;
  /** Longest wait for the TCP connection, at start and on each reconnect. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff. Default 5000 ms. */
  maxReconnectDelayMs?: number;
}

/** AMQP routing keys and the `appId` property are shortstr: at most 255 bytes. */
const MAX_SHORTSTR_BYTES = 255;

export class AmqpBus implements Bus {
  readonly nodeId: string;
  readonly #url: string;
  readonly #exchange: string;
  readonly #connectTimeoutMs: number;
  readonly #maxDelayMs: number;
  readonly #topics = new Set<string>();
  #conn: RecoveringChannelModel | null = null;
  /** The channel of the current connection once `#setup` finished; null while down. */
  #channel: Channel | null = null;
  #drained: Promise<void> | null = null;
  #handler: BusHandler | null = null;
  #onReconnect: ReconnectHandler | undefined;
  #lastError: unknown = null;
  #connectedOnce = false;
  #closed = false;

  constructor(url: string, options: AmqpBusOptions) {
    assertShortstr('nodeId', options.nodeId);
    this.#url = url;
    this.nodeId = options.nodeId;
    this.#exchange = options.exchange ?? 'switchboard.bus';
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
  }

  async start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void> {
    if (this.#handler || this.#closed) throw new Error('AmqpBus can be started only once');
    this.#handler = handler;
    this.#onReconnect = onReconnect;
    try {
      const conn = await amqp.connect(this.#url, {
        timeout: this.#connectTimeoutMs,
        recovery: {
          initialDelay: 100,
          maxDelay: this.#maxDelayMs,
          jitter: 0.3,
          // Fail start at once when unreachable; once connected, retry forever.
          initialMaxRetries: 0,
          maxRetries: Infinity,
          setup: (model: ChannelModel) => this.#setup(model),
        },
      });
      // Without an 'error' listener an EventEmitter error would crash the process.
      conn.on('error', (err) => (this.#lastError = err));
      conn.on('disconnect', (err) => this.#down(err));
      conn.on('connect-failed', (err) => (this.#lastError = err));
      conn.on('connect', () => this.#up());
      this.#conn = conn;
      this.#up(); // the 'connect' event of the first connection fired before we listened
    } catch (err) {
      this.#closed = true;
      throw new SwitchboardError(
        'SB_ERR_BACKEND_UNAVAILABLE',
        `cannot reach RabbitMQ at ${redactUrl(this.#url)}: ${errorText(err)}; is the broker running ` +
          'and are the URL, user and vhost right?',
        { cause: err },
      );
    }
  }

  async subscribe(topic: string): Promise<void> {
    assertShortstr('topic', topic);
    this.#assertOpen();
    this.#topics.add(topic);
    const ch = this.#channel;
    if (!ch) return; // restored by #setup on reconnect
    try {
      await ch.bindQueue(queueOf(ch), this.#exchange, topic);
    } catch (err) {
      // Lost the connection meanwhile: the reconnect binds it. Otherwise it really failed.
      if (this.#channel !== ch && !this.#closed) return;
      this.#topics.delete(topic);
      throw backendUnavailable('AMQP', 'subscribe', err);
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    if (!this.#topics.delete(topic)) return;
    const ch = this.#channel;
    // A failed unbind means the connection (and with it the queue) is gone: nothing to undo.
    if (ch && !this.#closed) await ch.unbindQueue(queueOf(ch), this.#exchange, topic).catch(noop);
  }

  async publish(topic: string, payload: string): Promise<void> {
    assertShortstr('topic', topic);
    this.#assertOpen();
    const ch = this.#channel;
    if (!ch) throw backendUnavailable('AMQP', 'publish', this.#lastError);
    let written: boolean;
    try {
      written = ch.publish(this.#exchange, topic, Buffer.from(payload, 'utf8'), {
        appId: this.nodeId,
      });
    } catch (err) {
      throw backendUnavailable('AMQP', 'publish', err); // the channel closed under us
    }
    if (!written) await this.#drain(ch);
  }

  ready(): boolean {
    return this.#channel !== null && !this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ch = this.#channel;
    this.#channel = null;
    this.#topics.clear();
    // Closing the channel first flushes what was published on it (amqplib queues frames in its
    // mux; a connection close overtakes them), so a last payload such as presence's bye arrives.
    await ch?.close().catch(noop);
    await this.#conn?.close().catch(noop);
  }

  /** Runs on every (re)connection before it counts as up; a throw makes recovery retry. */
  async #setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    ch.on('error', (err) => (this.#lastError = err));
    // A channel-level error (e.g. a refused bind) closes only the channel; close the connection
    // too so recovery builds everything again instead of leaving the bus deaf.
    ch.on('close', () => {
      if (this.#channel === ch && !this.#closed) model.close().catch(noop);
    });
    await ch.assertExchange(this.#exchange, 'direct', { durable: false, autoDelete: false });
    const { queue } = await ch.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
    });
    queues.set(ch, queue);
    await ch.consume(
      queue,
      (msg) => {
        if (!msg || msg.properties.appId === this.nodeId) return;
        this.#deliver(msg.fields.routingKey, msg.content.toString('utf8'));
      },
      { noAck: true },
    );
    // Bind what is wanted now; a subscribe racing with this loop binds again (idempotent).
    for (const topic of this.#topics) await ch.bindQueue(queue, this.#exchange, topic);
    if (this.#closed) return;
    this.#channel = ch;
  }

  #up(): void {
    if (this.#closed || !this.#channel) return;
    if (!this.#connectedOnce) {
      this.#connectedOnce = true;
      return;
    }
    this.#onReconnect?.();
  }

  #down(err: unknown): void {
    this.#lastError = err;
    this.#channel = null;
    this.#drained = null;
  }

  /** Re-checks interest: an unsubscribe or close before the payload arrives wins. */
  #deliver(topic: string, payload: string): void {
    if (this.#closed || !this.#handler || !this.#topics.has(topic)) return;
    try {
      this.#handler(topic, payload);
    } catch (err) {
      // A throwing handler is the caller's bug; surface it without breaking amqplib's parser.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** Resolves when amqplib's write buffer drains; rejects if the channel closes first. */
  #drain(ch: Channel): Promise<void> {
    if (this.#drained) return this.#drained;
    const drained = new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => {
        ch.off('drain', onDrain);
        ch.off('close', onClose);
        if (this.#drained === drained) this.#drained = null;
        if (err) reject(backendUnavailable('AMQP', 'publish', err));
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.#lastError ?? new Error('channel closed'));
      ch.once('drain', onDrain);
      ch.once('close', onClose);
    });
    this.#drained = drained;
    return drained;
  }

  #assertOpen(): void {
    if (this.#closed || !this.#handler) {
      const state = this.#closed ? 'closed' : 'not started';
      throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', `AMQP bus is ${state}`);
    }
  }
}

/** The server-named queue of each channel (a new one per connection). */
const queues = new WeakMap<Channel, string>();
const queueOf = (ch: Channel): string => queues.get(ch)!;

function assertShortstr(what: string, value: string): void {
  if (Buffer.byteLength(value) > MAX_SHORTSTR_BYTES) {
    throw new RangeError(`${what} is longer than ${MAX_SHORTSTR_BYTES} bytes`);
  }
}
