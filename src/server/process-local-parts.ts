/**
 * A node started with a store or blob store that lives in its own memory (`memory:`, SQLite's
 * `:memory:`) on a bus shared with other nodes: those nodes will not see what it keeps. One node
 * on a bus is legitimate (a test, a demo), so this warns rather than refuses; `serve --workers`
 * refuses both and `cluster` a memory store outright (src/cli).
 */
import { isMemoryBlobs } from '../blob/index.js';
import type { Config } from '../config.js';
import { isProcessLocalStore } from '../store/open-store.js';

/** The warnings such a node should log at start (none when nothing is process-local). */
export function processLocalWarnings(
  config: Pick<Config, 'store' | 'blobs'>,
  on: {
    /** The node was handed its own store or blob store (the settings then do not apply). */
    storeGiven: boolean;
    blobsGiven: boolean;
    /** A bus other nodes may share: a cluster bus, or a bus handed to the node. */
    sharedBus: boolean;
  },
): string[] {
  if (!on.sharedBus) return [];
  const out: string[] = [];
  if (!on.storeGiven && isProcessLocalStore(config.store))
    out.push(
      `store ${config.store} is this process's alone: other nodes on the bus will not see its rooms, accounts or messages; give every node one shared store (postgres://, or one SQLite file on one host)`,
    );
  if (!on.blobsGiven && isMemoryBlobs(config.blobs, config.store))
    out.push(
      "blobs memory: is this process's alone: a file uploaded to this node cannot be downloaded from the others; use a shared directory (fs:<dir>) or postgres://",
    );
  return out;
}
