/**
 * Retention of the webhook event log (`--webhook-retention-ms`): every node prunes events older
 * than the retention on a timer, in bounded batches (each one short transaction), so a node
 * never holds the log for long and a backlog of millions is worked off over several ticks.
 * Running on every node is safe: pruning is idempotent and the store serializes pruners
 * (WebhookStore.pruneEvents). A replay to a pruned position is refused with
 * SB_ERR_WEBHOOK_POSITION_PRUNED; a subscription whose cursor falls behind the retention skips
 * what was pruned.
 */
import type { Logger } from '../logger.js';
import type { WebhookStore } from '../store/store.js';

export interface RetentionOptions {
  store: Pick<WebhookStore, 'pruneEvents'>;
  logger: Logger;
  /** Events older than this (ms) are pruned; 0 keeps every event. */
  retentionMs: number;
  /** Events removed per batch. Default 1000. */
  batch?: number;
  /** Batches per tick at most. Default 100. */
  maxBatches?: number;
  now?: () => number;
}

/** How often a node prunes: a quarter of the retention, between 50 ms and a minute. */
export const retentionIntervalMs = (retentionMs: number): number =>
  Math.min(60_000, Math.max(50, Math.floor(retentionMs / 4)));

export class EventLogRetention {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(private readonly o: RetentionOptions) {}

  start(): void {
    if (this.o.retentionMs <= 0) return;
    this.#timer = setInterval(() => void this.prune(), retentionIntervalMs(this.o.retentionMs));
    this.#timer.unref();
  }

  /** One pass: batches until one comes back short (or maxBatches). Resolves how many went. */
  prune(): Promise<number> {
    if (this.o.retentionMs <= 0) return Promise.resolve(0);
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<number> {
    const batch = this.o.batch ?? 1000;
    const before = (this.o.now ?? Date.now)() - this.o.retentionMs;
    let total = 0;
    try {
      for (let i = 0; i < (this.o.maxBatches ?? 100); i++) {
        const n = await this.o.store.pruneEvents(before, batch);
        total += n;
        if (n < batch) break;
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'webhook event log pruning failed; retrying next tick');
    }
    if (total > 0) this.o.logger.debug({ pruned: total }, 'webhook event log pruned');
    return total;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
