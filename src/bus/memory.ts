/**
 * In-process bus: several MemoryBus nodes share one MemoryHub. The default for a single-process
 * server (`new MemoryBus(new MemoryHub())`) and the reference implementation of the Bus contract.
 */
import { randomUUID } from 'node:crypto';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

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
        queueMicrotask(() => node.receive(topic, payload));
      }
    }
  }
}

export class MemoryBus extends BusBase implements Bus {
  readonly #hub: MemoryHub;

  /** `nodeId` defaults to a random UUID. */
  constructor(hub: MemoryHub, nodeId: string = randomUUID()) {
    super(nodeId, { name: 'memory' });
    this.#hub = hub;
  }

  /** @internal */
  wants(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** @internal Delivery re-checks interest: an unsubscribe or close before the microtask wins. */
  receive(topic: string, payload: string): void {
    this.deliver(topic, payload);
  }

  protected async connect(): Promise<void> {
    this.#hub.attach(this);
  }

  protected async disconnect(): Promise<void> {
    this.#hub.detach(this);
  }

  protected connected(): boolean {
    return true;
  }

  protected async listen(): Promise<void> {}

  protected async unlisten(): Promise<void> {}

  protected async send(topic: string, payload: string): Promise<void> {
    this.#hub.route(this.nodeId, topic, payload);
  }
}
