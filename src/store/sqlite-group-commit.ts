import type Database from 'better-sqlite3';
import { SwitchboardError } from '../errors.js';

/** Writes one batch commits at most; a longer queue is committed in several batches, in order. */
export const MAX_BATCH = 512;

export interface GroupCommitOptions {
  /** Writes per transaction at most. Default MAX_BATCH. */
  maxBatch?: number;
  /**
   * Runs last in every batch's transaction, after its writes (SqliteSearch.flush indexes the
   * batch's new documents in one statement); if it throws, the whole batch fails. Default: none.
   */
  beforeCommit?: () => void;
}

interface Pending {
  work: () => unknown;
  /** Run in its own savepoint (see `run`). */
  guarded: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for SqliteStore's hot writes (appends and read-position moves): the writes queued
 * in one event-loop turn run, in the order they were queued, inside ONE `BEGIN IMMEDIATE`
 * transaction, committed once (one WAL fsync with `synchronous=FULL`). Each caller's promise
 * settles only after that commit, so "resolved" still means "committed".
 *
 * - Each write runs in its own savepoint: a write that throws a SwitchboardError (a duplicate's
 *   check, SB_ERR_MESSAGE_NOT_FOUND, …) rolls back only itself and rejects only its caller.
 * - Any other error (the driver's: busy, I/O, a constraint) or a failed COMMIT rolls the whole
 *   batch back and rejects EVERY caller of the batch with `wrap(err)` (which keeps the driver
 *   error as `cause`): none of their writes happened.
 * - Seqs stay gapless and per-channel ordered: the batch holds the file's write lock (IMMEDIATE)
 *   while it allocates them, exactly as one transaction per write did.
 * - The queue is flushed by setImmediate, i.e. after the I/O callbacks of the current turn, so
 *   every write a burst of incoming frames causes lands in one batch; at most MAX_BATCH writes
 *   per transaction.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #wrap: (err: unknown) => Error;
  readonly #maxBatch: number;
  readonly #batch: (batch: Pending[]) => { ok: boolean; value: unknown }[];
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(
    db: Database.Database,
    wrap: (err: unknown) => Error,
    options: GroupCommitOptions = {},
  ) {
    const { maxBatch = MAX_BATCH, beforeCommit = () => {} } = options;
    this.#db = db;
    this.#wrap = wrap;
    this.#maxBatch = maxBatch;
    // A transaction function called inside another one runs as a savepoint (better-sqlite3).
    const savepoint = db.transaction((work: () => unknown) => work());
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#batch = db.transaction((batch: Pending[]) => {
      const results = batch.map((p) => {
        try {
          return { ok: true, value: p.guarded ? savepoint(p.work) : p.work() };
        } catch (err) {
          if (err instanceof SwitchboardError) return { ok: false, value: err };
          throw err;
        }
      });
      beforeCommit();
      return results;
    }).immediate;
  }

  /**
   * Queues `work` (synchronous driver calls) for this turn's batch; settles after its commit.
   * `guarded: false` skips the write's savepoint (two statements), for work that throws a
   * SwitchboardError only before its first write, so there is nothing of it to roll back.
   */
  run<T>(work: () => T, guarded = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, guarded, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** Commits what is queued now, without waiting for the turn to end (before a close). */
  drain(): void {
    if (this.#queue.length > 0) this.#flush();
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += this.#maxBatch)
      this.#commit(queue.slice(i, i + this.#maxBatch));
  }

  #commit(batch: Pending[]): void {
    let results: { ok: boolean; value: unknown }[];
    try {
      if (!this.#db.open) throw new TypeError('The database connection is not open');
      results = this.#batch(batch);
    } catch (err) {
      const wrapped = this.#wrap(err);
      for (const p of batch) p.reject(wrapped);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.value);
    });
  }
}
