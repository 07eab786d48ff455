/**
 * The bus seam: moves opaque payloads between the nodes of a cluster.
 *
 * The bus knows nothing of rooms or users; the core names topics (`ch.<channel>`,
 * `u.<user>`, `presence`) and encodes payloads. Guarantees every implementation gives
 * (checked by test/bus/conformance.ts):
 * - Interest routing: a node receives a topic's payloads only between `subscribe(topic)` and
 *   `unsubscribe(topic)`; subscriptions are counted per topic by the caller, not by the bus.
 * - No echo: a payload is never delivered back to the node that published it.
 * - At most once: a payload may be lost (broker restart, network partition); the core repairs
 *   message gaps from the store using sequence numbers. Payloads from one publisher on one topic
 *   arrive in publish order.
 * - `publish` resolves when the payload has left this node; it rejects with a SwitchboardError
 *   (SB_ERR_BACKEND_UNAVAILABLE) whose `cause` is the driver error while the backend is down.
 * - Losing the backend connection is not fatal: the bus retries with backoff, restores its
 *   subscriptions by itself, and then calls `onReconnect`. `ready()` is false meanwhile.
 * - Once `close()` is called the handler is never called again; then `publish`/`subscribe`
 *   reject SB_ERR_BACKEND_UNAVAILABLE, `unsubscribe` and `close` resolve, `ready()` is false.
 */

export type BusHandler = (topic: string, payload: string) => void;

/**
 * Called after the backend connection was lost and is back, with every subscription restored.
 * Payloads published meanwhile may be lost: the core re-reads active channels from the store.
 */
export type ReconnectHandler = () => void;

export interface Bus {
  /** Stable id of this node, unique in the cluster. */
  readonly nodeId: string;
  /** Connect to the backend. Rejects SB_ERR_BACKEND_UNAVAILABLE with a hint when unreachable. */
  start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void>;
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  /** True while the backend is reachable (for /readyz). */
  ready(): boolean;
  close(): Promise<void>;
}
