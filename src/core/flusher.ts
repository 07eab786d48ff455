/**
 * Coalesces output per event-loop turn, as uWebSockets corks: everything written to a
 * connection during one turn leaves as one WebSocket message, and a channel's messages of one
 * turn are encoded once and shared by every subscriber. Under load more arrives per turn, so
 * batches grow exactly when per-message overhead matters.
 */
export interface Flushable {
  flush(): void;
}

export class Flusher {
  private channels = new Set<Flushable>();
  private connections = new Set<Flushable>();
  private scheduled = false;

  constructor(private readonly schedule: (fn: () => void) => void = setImmediate) {}

  channel(c: Flushable): void {
    this.channels.add(c);
    this.arm();
  }

  connection(c: Flushable): void {
    this.connections.add(c);
    this.arm();
  }

  private arm(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.run());
  }

  /** Channels first: they feed connections. */
  run(): void {
    this.scheduled = false;
    if (this.channels.size > 0) {
      const chans = this.channels;
      this.channels = new Set();
      for (const c of chans) c.flush();
    }
    if (this.connections.size > 0) {
      const conns = this.connections;
      this.connections = new Set();
      for (const c of conns) c.flush();
    }
  }
}
