/**
 * Single-node presence: the cluster is this node, so totals are the local counts. The default
 * for a single-process server and the reference implementation of the Presence contract.
 */
import type { Presence, PresenceHandler } from './presence.js';

export class MemoryPresence implements Presence {
  readonly #counts = new Map<string, number>();
  #handler: PresenceHandler | null = null;
  #closed = false;

  async start(handler: PresenceHandler): Promise<void> {
    if (this.#handler || this.#closed) throw new Error('MemoryPresence can be started only once');
    this.#handler = handler;
  }

  /**
   * Throws a RangeError at once for a count that is not a non-negative integer. Ignored after
   * close: the node is gone, so are its counts. The handler runs in a microtask, never inside
   * this call, like the distributed implementations.
   */
  setLocal(user: string, connections: number): void {
    if (!Number.isSafeInteger(connections) || connections < 0) {
      throw new RangeError(`connections must be a non-negative integer, got ${connections}`);
    }
    if (this.#closed || (this.#counts.get(user) ?? 0) === connections) return;
    if (connections === 0) this.#counts.delete(user);
    else this.#counts.set(user, connections);
    queueMicrotask(() => {
      if (!this.#closed) this.#handler?.(user, connections);
    });
  }

  count(user: string): number {
    return this.#counts.get(user) ?? 0;
  }

  /** A copy: users with at least one connection. */
  list(): Map<string, number> {
    return new Map(this.#counts);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#counts.clear();
    this.#handler = null;
  }
}
