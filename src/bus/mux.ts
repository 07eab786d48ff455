/**
 * Shares one Bus between several consumers (the chat core, cluster presence) so a node keeps one
 * broker connection (or one mesh listener). Each consumer gets a view, a Bus of its own with the
 * full Bus contract (test/bus/mux.test.ts runs the conformance suite on it); payloads are
 * dispatched by topic prefix: the view with the longest matching prefix gets the payload, if it
 * subscribed to the topic. Views subscribe disjoint topics (their prefixes keep them apart): one
 * view's unsubscribe ends the topic on the shared bus.
 *
 * The shared bus starts with the first view that starts, and closes when every view is closed.
 */
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

/** What a view needs of its mux. */
interface Shared {
  readonly bus: Bus;
  start(): Promise<void>;
  release(): Promise<void>;
}

export class BusMux {
  /** Longest prefix first. */
  readonly #views: MuxView[] = [];
  readonly #shared: Shared;
  #started: Promise<void> | null = null;
  #open = 0;

  constructor(readonly bus: Bus) {
    this.#shared = {
      bus,
      start: () => (this.#started ??= this.#start()),
      release: async () => {
        if (--this.#open === 0) await bus.close();
      },
    };
  }

  /** A view receiving topics that start with `prefix` ('' = everything not claimed by another view). */
  view(prefix: string): Bus {
    const view = new MuxView(prefix, this.#shared);
    this.#views.push(view);
    this.#views.sort((a, b) => b.prefix.length - a.prefix.length);
    this.#open++;
    return view;
  }

  #start(): Promise<void> {
    return this.bus.start(
      (topic, payload) =>
        this.#views.find((v) => topic.startsWith(v.prefix))?.receive(topic, payload),
      () => {
        for (const view of this.#views) view.busReconnected();
      },
    );
  }
}

/** One consumer's view of the shared bus. */
class MuxView extends BusBase implements Bus {
  protected override readonly restoresOnReconnect = false;
  readonly #shared: Shared;

  constructor(
    readonly prefix: string,
    shared: Shared,
  ) {
    super(shared.bus.nodeId, { name: 'shared' });
    this.#shared = shared;
  }

  /** @internal A payload the shared bus dispatched to this view. */
  receive(topic: string, payload: string): void {
    this.deliver(topic, payload);
  }

  /** @internal The shared bus reconnected with every subscription restored. */
  busReconnected(): void {
    this.reconnected();
  }

  protected connect(): Promise<void> {
    return this.#shared.start();
  }

  protected disconnect(): Promise<void> {
    return this.#shared.release();
  }

  protected connected(): boolean {
    return this.#shared.bus.ready();
  }

  protected listen(topic: string): Promise<void> {
    return this.#shared.bus.subscribe(topic);
  }

  protected unlisten(topic: string): Promise<void> {
    return this.#shared.bus.unsubscribe(topic);
  }

  protected send(topic: string, payload: string): Promise<void> {
    return this.#shared.bus.publish(topic, payload);
  }
}
