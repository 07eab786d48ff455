/**
 * A real SwitchboardServer started in this process on a real loopback port, whose store is a
 * real SQLite store wrapped at the Store seam by a fault injector: a test can make the reads of
 * a channel fail (as when the database is down) or wait, while everything else keeps working.
 * This is how SDK tests get a hello that succeeds and a replay that fails, on demand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.js';
import { SwitchboardError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { SwitchboardServer } from '../../src/server/switchboard-server.js';
import { openStore, type StoreBackend } from '../../src/store/index.js';
import type { ReadQuery, Store, StoredMessage } from '../../src/store/store.js';

/** What the fault injector does to `read`, per channel; everything else passes through. */
export class StoreFaults {
  /** Channels whose reads reject with SB_ERR_STORE_UNAVAILABLE. */
  readonly down = new Set<string>();
  /** Reads of each channel tried so far, failed ones included. */
  readonly reads = new Map<string, number>();
  /** Reads of each channel waiting at a gate right now. */
  readonly waiting = new Map<string, number>();
  private readonly gates = new Map<string, { opened: Promise<void>; open(): void }>();

  /** Reads of `channel` wait (after reading) until `release(channel)`. */
  hold(channel: string): void {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    this.gates.set(channel, { opened, open });
  }

  release(channel: string): void {
    this.gates.get(channel)?.open();
    this.gates.delete(channel);
  }

  /** Back to a healthy store. */
  clear(): void {
    for (const channel of [...this.gates.keys()]) this.release(channel);
    this.down.clear();
  }

  async read(inner: Store, channel: string, query: ReadQuery): Promise<StoredMessage[]> {
    this.reads.set(channel, (this.reads.get(channel) ?? 0) + 1);
    if (this.down.has(channel))
      throw new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'store down (fault injected)');
    const rows = await inner.read(channel, query);
    const gate = this.gates.get(channel);
    if (gate) {
      this.waiting.set(channel, (this.waiting.get(channel) ?? 0) + 1);
      await gate.opened;
      this.waiting.set(channel, this.waiting.get(channel)! - 1);
    }
    return rows;
  }
}

/** `inner` with its `read` going through `faults`. */
function faultyStore(inner: StoreBackend, faults: StoreFaults): StoreBackend {
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'read')
        return (channel: string, query: ReadQuery) => faults.read(target, channel, query);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

export interface FaultyServer {
  wsUrl: string;
  faults: StoreFaults;
  /** The wrapped store itself, for changes no client could make (another node, an admin). */
  store: Store;
  stop(): Promise<void>;
}

export async function startFaultyServer(): Promise<FaultyServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-sdk-'));
  const config = parseConfig({ host: '127.0.0.1', port: 0, dataDir, web: false });
  const store = await openStore('', { dataDir });
  const faults = new StoreFaults();
  const server = await SwitchboardServer.create(config, silentLogger, {
    store: faultyStore(store, faults),
  });
  const port = await server.start();
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    faults,
    store,
    stop: async () => {
      faults.clear();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
