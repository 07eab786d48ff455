/**
 * Shares one Bus between several consumers (the chat core, cluster presence) so a node keeps one
 * broker connection (or one mesh listener). Each consumer gets a Bus-shaped view; payloads are
 * dispatched by topic prefix: the view with the longest matching prefix gets the payload.
 */
import { SwitchboardError } from '../errors.js';
import type { Bus, BusHandler, ReconnectHandler } from './bus.js';

interface ViewState {
  prefix: string;
  handler: BusHandler | null;
  onReconnect: ReconnectHandler | undefined;
  closed: boolean;
}

export class BusMux {
  private readonly views: ViewState[] = [];
  private started: Promise<void> | null = null;
  private open = 0;

  constructor(readonly bus: Bus) {}

  /** A view receiving topics that start with `prefix` ('' = everything not claimed by another view). */
  view(prefix: string): Bus {
    const state: ViewState = { prefix, handler: null, onReconnect: undefined, closed: false };
    this.views.push(state);
    this.views.sort((a, b) => b.prefix.length - a.prefix.length);
    this.open++;
    const { bus } = this;
    const startOnce = () => this.startOnce();
    const release = async () => {
      if (--this.open === 0) await bus.close();
    };
    const guard = () => {
      if (state.closed)
        throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', 'bus view is closed');
    };
    return {
      nodeId: bus.nodeId,
      async start(handler, onReconnect) {
        state.handler = handler;
        state.onReconnect = onReconnect;
        await startOnce();
      },
      async subscribe(topic) {
        guard();
        await bus.subscribe(topic);
      },
      async unsubscribe(topic) {
        if (!state.closed) await bus.unsubscribe(topic);
      },
      async publish(topic, payload) {
        guard();
        await bus.publish(topic, payload);
      },
      ready: () => !state.closed && bus.ready(),
      async close() {
        if (state.closed) return;
        state.closed = true;
        state.handler = null;
        await release();
      },
    };
  }

  private startOnce(): Promise<void> {
    this.started ??= this.bus.start(
      (topic, payload) => {
        for (const v of this.views) {
          if (topic.startsWith(v.prefix)) {
            v.handler?.(topic, payload);
            return;
          }
        }
      },
      () => {
        for (const v of this.views) if (!v.closed) v.onReconnect?.();
      },
    );
    return this.started;
  }
}
