/**
 * When this node counts as cut off from the cluster: its bus has been lost (`Bus.ready()` false,
 * e.g. a partition between the node and the broker) for `afterMs`. Its clients then miss what is
 * said on other nodes until the bus heals, so the core closes them once with 4005
 * (SB_ERR_NODE_ISOLATED) and they reconnect, through the load balancer, to a node that is ready.
 *
 * Once per outage: when every node lost the broker, the clients come back to nodes that are just
 * as cut off, and closing them again would only repeat the reconnect storm. Connections made
 * during the outage stay; a node with no ready peer still serves local chat and the store.
 */
export class IsolationWatch {
  private lostAt: number | null = null;
  private fired = false;

  /** `afterMs` 0: never isolated. */
  constructor(private readonly afterMs: number) {}

  /** How often the core should call `due`: often enough to act within a quarter of `afterMs`. */
  get checkEveryMs(): number {
    return Math.max(50, Math.min(1000, this.afterMs / 4));
  }

  /** True once per outage, at the first check at least `afterMs` after the bus was seen lost. */
  due(busReady: boolean, now: number): boolean {
    if (busReady) {
      this.lostAt = null;
      this.fired = false;
      return false;
    }
    this.lostAt ??= now;
    if (this.afterMs <= 0 || this.fired || now - this.lostAt < this.afterMs) return false;
    this.fired = true;
    return true;
  }

  /** Milliseconds since the bus was first seen lost in this outage (0 while ready). */
  lostFor(now: number): number {
    return this.lostAt === null ? 0 : now - this.lostAt;
  }
}
