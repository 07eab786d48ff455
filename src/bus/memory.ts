/**
 * In-process bus: several MemoryBus nodes share one MemoryHub. The default for a single-process
 * server (`new MemoryBus(new MemoryHub())`) and the reference implementation of the Bus contract.
 */
import { randomUUID } from 'node:crypto';
import { SwitchboardError } from '../errors.js';
import type { Bus, BusHandler } from './bus.js';

/** The shared broker: knows which nodes are connected and which topics each one wants. */
export class MemoryHub {
  readonly #nodes = new Map<string, MemoryBus>();

  /** @internal Called by MemoryBus.start; a second live node with the same id is caller misuse. */
  attach(bus: MemoryBus): void {
    if (this.#nodes.has(bus.nodeId)) throw new Error(`node id ${bus.nodeId} is already attached`);
    this.#nodes.set(bus.nodeId, bus);
  }

  /** @internal */
  detach(bus: MemoryBus): void {
    if (this.#nodes.get(bus.nodeId) === bus) this.#nodes.delete(bus.nodeId);
  }

  /**
   * @internal Routes to the nodes subscribed now (interest routing), never the publisher (no
   * echo). Each delivery is a microtask, so it never runs inside `publish` and payloads from one
   * publisher keep their order (microtasks run first in, first out).
   */
  route(from: string, topic: string, payload: string): void {
    for (const node of this.#nodes.values()) {
      if (node.nodeId !== from && node.wants(topic)) {
        queueMicrotask(() => node.deliver(topic, payload));
      }
    }
  }
}

export class MemoryBus implements Bus {
  readonly nodeId: string;
  readonly #hub: MemoryHub;
  readonly #topics = new Set<string>();
  #handler: BusHandler | null = null;
  #closed = false;

  /** `nodeId` defaults to a random UUID. */
  constructor(hub: MemoryHub, nodeId: string = randomUUID()) {
    this.#hub = hub;
    this.nodeId = nodeId;
  }

  async start(handler: BusHandler): Promise<void> {
    if (this.#handler || this.#closed) throw new Error('MemoryBus can be started only once');
    this.#hub.attach(this);
    this.#handler = handler;
  }

  async subscribe(topic: string): Promise<void> {
    this.#assertOpen();
    this.#topics.add(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.#topics.delete(topic);
  }

  async publish(topic: string, payload: string): Promise<void> {
    this.#assertOpen();
    this.#hub.route(this.nodeId, topic, payload);
  }

  ready(): boolean {
    return this.#handler !== null && !this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#topics.clear();
    this.#hub.detach(this);
  }

  /** @internal */
  wants(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** @internal Re-checks interest: an unsubscribe or close before the microtask runs wins. */
  deliver(topic: string, payload: string): void {
    if (this.#handler && this.#topics.has(topic)) this.#handler(topic, payload);
  }

  #assertOpen(): void {
    if (!this.ready()) {
      const state = this.#closed ? 'closed' : 'not started';
      throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', `memory bus is ${state}`);
    }
  }
}
