/**
 * The lifecycle every Bus shares, written once: start exactly once, reject after close, remember
 * the wanted topics, re-check interest on delivery, call `onReconnect` once per outage, and wrap
 * driver errors at the boundary. A backend extends BusBase and fills in only what is specific to
 * its broker: how to connect and disconnect, whether it is connected, and how to apply a
 * subscription, remove one and send a payload.
 *
 * Contract between the skeleton and a backend:
 * - `connect` runs once, from `start`; it rejects with `this.unreachable(cause)` (or another
 *   SwitchboardError) when the backend cannot be reached. `disconnect` runs once, after a failed
 *   `connect` or from `close` (after a `connect` still running has settled; also when the bus
 *   was never started, so it must cope with a transport that was never opened).
 * - `listen`/`unlisten` run only while the bus is open. While the connection is down they only
 *   do what the driver needs (usually nothing): `this.topics` already holds the wanted set, and
 *   the backend applies all of it on every reconnect before calling `restored()`.
 * - A backend reports a lost connection with `lost(err)` and a restored one (every topic applied
 *   again) with `restored()`; `onReconnect` runs once per outage, and only while ready.
 * - Payloads go through `deliver`, which drops them once the topic is unsubscribed or the bus
 *   closed, so a payload still in flight never reaches the handler after either.
 */
import { within } from '../deadline.js';
import { SwitchboardError } from '../errors.js';
import { backendUnavailable, errorText, noop } from '../backend-errors.js';
import type { Bus, BusHandler, ReconnectHandler } from './bus.js';

export interface BusBaseOptions {
  /** Names the backend in messages: `<name> bus is closed`, `cannot reach <name> at …`. */
  name: string;
  /** Where the backend was looked for (a URL without its password); for start-up errors. */
  address?: string;
  /** What to check when the backend is unreachable; for start-up errors. */
  hint?: string;
}

type State = 'new' | 'starting' | 'open' | 'closed';

export abstract class BusBase implements Bus {
  readonly nodeId: string;
  /** The topics wanted now: applied at once while connected, and again on every reconnect. */
  protected readonly topics = new Set<string>();
  /** The latest driver error: the `cause` of a publish rejected while the backend is down. */
  protected lastError: unknown = null;
  readonly #options: BusBaseOptions;
  #state: State = 'new';
  #startup: Promise<void> = Promise.resolve();
  #handler: BusHandler | null = null;
  #onReconnect: ReconnectHandler | undefined;
  /** Subscribes not yet applied: a repeated subscribe waits for the first one. */
  readonly #pending = new Map<string, Promise<void>>();
  /** Counts lost connections, so a failed subscribe can tell "lost meanwhile" from a refusal. */
  #epoch = 0;
  /** True between losing the connection and calling onReconnect. */
  #outage = false;

  constructor(nodeId: string, options: BusBaseOptions) {
    this.nodeId = nodeId;
    this.#options = options;
  }

  /** Opens the transport. Rejects with a SwitchboardError (see `unreachable`). */
  protected abstract connect(): Promise<void>;
  /** Releases the transport: connections, timers, listeners. */
  protected abstract disconnect(): Promise<void>;
  /** The transport is up and every wanted topic is applied on it. */
  protected abstract connected(): boolean;
  /** Applies a new subscription; rejects with the driver error. */
  protected abstract listen(topic: string): Promise<void>;
  /** Removes a subscription; a failure is ignored (a broken connection drops it anyway). */
  protected abstract unlisten(topic: string): Promise<void>;
  /** Hands one payload to the transport; rejects with the driver error. */
  protected abstract send(topic: string, payload: string): Promise<void>;

  /**
   * Whether this bus re-applies its wanted topics after a reconnect, so that a subscribe failing
   * because the connection was lost meanwhile may resolve and wait for it. False for a bus that
   * wraps another bus, whose own subscribe already decided.
   */
  protected readonly restoresOnReconnect: boolean = true;

  /** Whether `publish` may try the transport now. Default: while connected. */
  protected canPublish(): boolean {
    return this.connected();
  }

  async start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void> {
    if (this.#state !== 'new') throw new Error(`${this.constructor.name} can be started only once`);
    this.#state = 'starting';
    this.#handler = handler;
    this.#onReconnect = onReconnect;
    this.#startup = this.connect();
    try {
      await this.#startup;
    } catch (err) {
      // close() ran meanwhile: it disconnects once this settles.
      if (!this.closed) {
        this.#shut();
        await this.disconnect().catch(noop);
      }
      throw err;
    }
    if (this.closed) {
      const name = this.#options.name;
      throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', `${name} bus closed while starting`);
    }
    this.#state = 'open';
  }

  async subscribe(topic: string): Promise<void> {
    this.#assertOpen();
    if (this.topics.has(topic)) return this.#pending.get(topic);
    this.topics.add(topic);
    const applied = this.#apply(topic).finally(() => {
      if (this.#pending.get(topic) === applied) this.#pending.delete(topic);
    });
    this.#pending.set(topic, applied);
    return applied;
  }

  async unsubscribe(topic: string): Promise<void> {
    if (this.#state !== 'open' || !this.topics.delete(topic)) return;
    await this.unlisten(topic).catch(noop);
  }

  async publish(topic: string, payload: string): Promise<void> {
    this.#assertOpen();
    if (!this.canPublish()) throw this.#fail('publish', this.lastError);
    try {
      await this.send(topic, payload);
    } catch (err) {
      throw this.#fail('publish', err);
    }
  }

  ready(): boolean {
    return this.#state === 'open' && this.connected();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.#shut();
    await this.#startup.catch(noop);
    await this.disconnect();
  }

  protected get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Hands a received payload to the handler unless its topic is no longer wanted. */
  protected deliver(topic: string, payload: string): void {
    const handler = this.#handler;
    if (handler === null || !this.topics.has(topic)) return;
    try {
      handler(topic, payload);
    } catch (err) {
      this.handlerThrew(err, topic);
    }
  }

  /**
   * A throwing handler is the caller's bug. By default it surfaces as an uncaught exception on
   * a microtask, without breaking the driver's read loop that called `deliver`.
   */
  protected handlerThrew(err: unknown, _topic: string): void {
    queueMicrotask(() => {
      throw err;
    });
  }

  /** The backend connection is gone (`err`, when given, becomes the cause of later rejects). */
  protected lost(err?: unknown): void {
    if (err !== undefined && err !== null) this.lastError = err;
    this.#epoch++;
    if (this.#state === 'open') this.#outage = true;
  }

  /** The connection is back with every topic applied: onReconnect, once per outage. */
  protected restored(): void {
    if (!this.#outage || !this.ready()) return;
    this.#outage = false;
    this.#onReconnect?.();
  }

  /** Calls onReconnect now (for a backend that judges outages itself, such as the mesh). */
  protected reconnected(): void {
    if (this.#state === 'open') this.#onReconnect?.();
  }

  /**
   * Waits for a backend's first connection, at most `ms`: a failure or the time running out is
   * the `unreachable` start-up error, with the driver's last error event as the cause when there
   * was one (drivers often reject with a generic "Connection is closed.").
   */
  protected async connectWithin(connecting: Promise<unknown>, ms: number): Promise<void> {
    try {
      await within(connecting, ms, `no connection within ${ms} ms`);
    } catch (err) {
      throw this.unreachable(this.lastError ?? err);
    }
  }

  /** The start-up error for an unreachable backend, naming where it looked and what to check. */
  protected unreachable(cause: unknown): SwitchboardError {
    const { name, address, hint } = this.#options;
    const where = address === undefined ? '' : ` at ${address}`;
    const check = hint === undefined ? '' : `; ${hint}`;
    return new SwitchboardError(
      'SB_ERR_BACKEND_UNAVAILABLE',
      `cannot reach ${name}${where}: ${errorText(cause)}${check}`,
      { cause },
    );
  }

  async #apply(topic: string): Promise<void> {
    const epoch = this.#epoch;
    try {
      await this.listen(topic);
    } catch (err) {
      // Lost the connection meanwhile: the topic stays wanted and the reconnect applies it.
      const lostMeanwhile = this.#epoch !== epoch || !this.connected();
      if (this.#state === 'open' && this.restoresOnReconnect && lostMeanwhile) return;
      this.topics.delete(topic);
      await this.unlisten(topic).catch(noop); // undo a half-applied subscription
      throw this.#fail('subscribe', err);
    }
  }

  #shut(): void {
    this.#state = 'closed';
    this.#handler = null;
    this.topics.clear();
    this.#pending.clear();
  }

  #fail(op: string, err: unknown): SwitchboardError {
    if (err instanceof SwitchboardError) return err;
    return backendUnavailable(this.#options.name, op, err);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') {
      const state = this.#state === 'closed' ? 'closed' : 'not started';
      throw new SwitchboardError(
        'SB_ERR_BACKEND_UNAVAILABLE',
        `${this.#options.name} bus is ${state}`,
      );
    }
  }
}
