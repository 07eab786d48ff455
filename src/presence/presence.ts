/**
 * The presence seam: who is online, with how many connections, across the cluster.
 *
 * Each node reports only its own counts; implementations sum them over live nodes. Guarantees
 * (checked by test/presence/conformance.ts):
 * - `setLocal(user, n)` replaces this node's count for the user; 0 removes it.
 * - `onChange` fires with the new cluster-wide total for a user whenever it changes, including
 *   when a node stops (cleanly: at once; crashed: within the implementation's expiry time).
 * - `list` and `count` read the current cluster-wide totals.
 */

export type PresenceHandler = (user: string, connections: number) => void;

/** One node's own share of presence. */
export interface NodeCount {
  node: string;
  users: number;
  connections: number;
}

/**
 * Presence that knows each live node's own counts (BusPresence). A separate interface: a
 * single-node backend has nothing to split.
 */
export interface PerNodePresence {
  /** Every live node, this one included, with its users and connections. */
  byNode(): NodeCount[];
}

export interface Presence {
  start(handler: PresenceHandler): Promise<void>;
  setLocal(user: string, connections: number): void;
  count(user: string): number;
  list(): Map<string, number>;
  close(): Promise<void>;
}
