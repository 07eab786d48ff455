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
 * - Reconnect: amqplib 2's opt-in `recovery` reconnects, waiting the shared backoff
 *   (src/backoff.ts, through its `calculateDelay` hook) between attempts, and runs `#setup` on
 *   every connection: new channel, exchange, new queue, a binding per current topic, consumer.
 *   Only then is the bus ready again and `onReconnect` called.
 *
 * The exchange is not durable: every node re-declares it after a broker restart.
 */
import amqp, { type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { backoffDelay } from '../backoff.js';
import { noop, redactUrl } from '../backend-errors.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

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

export class AmqpBus extends BusBase implements Bus {
  readonly #url: string;
  readonly #exchange: string;
  readonly #connectTimeoutMs: number;
  readonly #maxDelayMs: number;
  #conn: RecoveringChannelModel | null = null;
  /** The channel of the current connection once `#setup` finished; null while down. */
  #channel: Channel | null = null;
  #drained: Promise<void> | null = null;

  constructor(url: string, options: AmqpBusOptions) {
    assertShortstr('nodeId', options.nodeId);
    super(options.nodeId, {
      name: 'RabbitMQ',
      address: redactUrl(url),
      hint: 'is the broker running and are the URL, user and vhost right?',
    });
    this.#url = url;
    this.#exchange = options.exchange ?? 'switchboard.bus';
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
  }

  override async subscribe(topic: string): Promise<void> {
    assertShortstr('topic', topic);
    return super.subscribe(topic);
  }

  override async publish(topic: string, payload: string): Promise<void> {
    assertShortstr('topic', topic);
    return super.publish(topic, payload);
  }

  protected async connect(): Promise<void> {
    const maxMs = this.#maxDelayMs;
    try {
      const conn = await amqp.connect(this.#url, {
        timeout: this.#connectTimeoutMs,
        recovery: {
          // amqplib counts attempts from 1.
          calculateDelay: (attempt: number) =>
            backoffDelay(attempt - 1, { minMs: 100, maxMs, jitter: 0.3 }),
          // Fail start at once when unreachable; once connected, retry forever.
          initialMaxRetries: 0,
          maxRetries: Infinity,
          setup: (model: ChannelModel) => this.#setup(model),
        },
      });
      // Without an 'error' listener an EventEmitter error would crash the process.
      conn.on('error', (err) => (this.lastError = err));
      conn.on('disconnect', (err) => this.#down(err));
      conn.on('connect-failed', (err) => (this.lastError = err));
      conn.on('connect', () => this.restored());
      this.#conn = conn;
    } catch (err) {
      throw this.unreachable(err);
    }
  }

  /**
   * Closing the channel first flushes what was published on it (amqplib queues frames in its
   * mux; a connection close overtakes them), so a last payload such as presence's bye arrives.
   */
  protected async disconnect(): Promise<void> {
    const ch = this.#channel;
    this.#channel = null;
    await ch?.close().catch(noop);
    await this.#conn?.close().catch(noop);
  }

  protected connected(): boolean {
    return this.#channel !== null;
  }

  protected async listen(topic: string): Promise<void> {
    const ch = this.#channel;
    if (ch) await ch.bindQueue(queueOf(ch), this.#exchange, topic); // else bound by #setup
  }

  protected async unlisten(topic: string): Promise<void> {
    // Without a channel there is nothing to undo: the queue went with the connection.
    const ch = this.#channel;
    if (ch) await ch.unbindQueue(queueOf(ch), this.#exchange, topic);
  }

  protected async send(topic: string, payload: string): Promise<void> {
    const ch = this.#channel!;
    const written = ch.publish(this.#exchange, topic, Buffer.from(payload, 'utf8'), {
      appId: this.nodeId,
    });
    if (!written) await this.#drain(ch);
  }

  /** Runs on every (re)connection before it counts as up; a throw makes recovery retry. */
  async #setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    ch.on('error', (err) => (this.lastError = err));
    // A channel-level error (e.g. a refused bind) closes only the channel; close the connection
    // too so recovery builds everything again instead of leaving the bus deaf.
    ch.on('close', () => {
      if (this.#channel === ch && !this.closed) model.close().catch(noop);
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
        this.deliver(msg.fields.routingKey, msg.content.toString('utf8'));
      },
      { noAck: true },
    );
    // Bind what is wanted now; a subscribe racing with this loop binds again (idempotent).
    for (const topic of this.topics) await ch.bindQueue(queue, this.#exchange, topic);
    if (this.closed) return;
    this.#channel = ch;
  }

  #down(err: unknown): void {
    this.#channel = null;
    this.#drained = null;
    this.lost(err);
  }

  /** Resolves when amqplib's write buffer drains; rejects if the channel closes first. */
  #drain(ch: Channel): Promise<void> {
    if (this.#drained) return this.#drained;
    const drained = new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => {
        ch.off('drain', onDrain);
        ch.off('close', onClose);
        if (this.#drained === drained) this.#drained = null;
        if (err)
          reject(err instanceof Error ? err : new Error('amqp channel failed', { cause: err }));
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.lastError ?? new Error('channel closed'));
      ch.once('drain', onDrain);
      ch.once('close', onClose);
    });
    this.#drained = drained;
    return drained;
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
