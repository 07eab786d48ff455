import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { BusyTimeout } from './sqlite-busy-timeout.js';
import { SwitchboardError } from '../errors.js';

/** Writes one batch commits at most; a longer queue is committed in several batches, in order. */
export const MAX_BATCH = 512;

/**
 * How long a batch waits before it asks again for a write lock another process holds: 1 ms,
 * doubling with each refusal up to BUSY_RETRY_MAX_MS (another process's commit, one fsync, takes
 * a few ms; asking more often costs CPU for nothing).
 */
export const BUSY_RETRY_MS = 1;
export const BUSY_RETRY_MAX_MS = 4;

export interface GroupCommitOptions {
  /** Writes per transaction at most. Default MAX_BATCH. */
  maxBatch?: number;
  /**
   * Runs last in every batch's transaction, after its writes (SqliteSearch.flush indexes the
   * batch's new documents in one statement); if it throws, the whole batch fails. Default: none.
   */
  beforeCommit?: () => void;
  /**
   * Runs first in every batch's transaction, before its writes (SqliteSearch.begin forgets what
   * the last transaction, committed or rolled back, had counted). Default: none.
   */
  afterBegin?: () => void;
  /**
   * Called after each committed batch with the seconds its transaction held the event loop
   * (`BEGIN IMMEDIATE` to `COMMIT`, the WAL fsync included) and its number of writes; not for a
   * batch that rolled back or did not get the lock. What it throws is ignored: timing a commit
   * never fails one. Default: none.
   */
  onCommit?: (seconds: number, writes: number) => void;
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
 * - The write lock is asked for without waiting (BusyTimeout.noWait before the batch's BEGIN):
 *   while another process holds it, the batch stays queued and asks again a few ms later
 *   (BUSY_RETRY_MS, doubling to BUSY_RETRY_MAX_MS), the event loop free meanwhile, and writes
 *   queued in between join it. SQLite's own busy handler would sleep the whole process instead,
 *   in steps growing to 100 ms, which with several processes on one file made the DM tail (p99
 *   > 1 s, bench/README.md). After `busy.waitMs` of asking, the batch fails as a busy driver
 *   error would. The connection is left that way after the batch: the store's other statements
 *   set their own mode (BusyTimeout.wait), so batches back to back change nothing.
 * - A refused BEGIN is thrown without a stack trace: under contention about one batch in two is
 *   refused, and the error is only read for its code (after `busy.waitMs`, it is the `cause` of
 *   the batch's rejection, where a stack would only name this class).
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #wrap: (err: unknown) => Error;
  readonly #maxBatch: number;
  /** The batch's writes and the beforeCommit/afterBegin hooks, inside its transaction. */
  readonly #writes: (batch: Pending[]) => { ok: boolean; value: unknown }[];
  readonly #tx: Record<'begin' | 'commit' | 'rollback', Database.Statement>;
  readonly #busy: BusyTimeout;
  readonly #onCommit: ((seconds: number, writes: number) => void) | undefined;
  #queue: Pending[] = [];
  #scheduled = false;
  /** Set while a retry is scheduled after a busy lock. */
  #retry: NodeJS.Timeout | null = null;
  /** When the head of the queue first found the lock busy (null: it has not). */
  #busySince: number | null = null;
  /** Refusals of the lock in a row. */
  #refusals = 0;

  /** `busy` is the connection's busy_timeout; its `waitMs` bounds how long a batch asks. */
  constructor(
    db: Database.Database,
    wrap: (err: unknown) => Error,
    busy: BusyTimeout,
    options: GroupCommitOptions = {},
  ) {
    const { maxBatch = MAX_BATCH, beforeCommit = () => {}, afterBegin = () => {} } = options;
    this.#onCommit = options.onCommit;
    this.#db = db;
    this.#wrap = wrap;
    this.#maxBatch = maxBatch;
    this.#busy = busy;
    this.#tx = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
    // A transaction function called inside a transaction runs as a savepoint (better-sqlite3).
    const savepoint = db.transaction((work: () => unknown) => work());
    this.#writes = (batch) => {
      afterBegin();
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
    };
  }

  /**
   * Queues `work` (synchronous driver calls) for this turn's batch; settles after its commit.
   * `guarded: false` skips the write's savepoint (two statements), for work that throws a
   * SwitchboardError only before its first write, so there is nothing of it to roll back.
   */
  run<T>(work: () => T, guarded = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, guarded, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled && this.#retry === null) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          if (this.#retry === null) this.#flush(false);
        });
      }
    });
  }

  /**
   * Commits what is queued now, without waiting for the turn to end (before a close), waiting
   * for the lock as long as `busy_timeout` says.
   */
  drain(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    if (this.#queue.length > 0) this.#flush(true);
  }

  #flush(block: boolean): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#maxBatch);
      if (!this.#commit(batch, block)) {
        const wait = Math.min(BUSY_RETRY_MS * 2 ** this.#refusals++, BUSY_RETRY_MAX_MS);
        this.#retry = setTimeout(() => {
          this.#retry = null;
          this.#flush(false);
        }, wait);
        return;
      }
      this.#refusals = 0;
      this.#queue = this.#queue.slice(batch.length);
    }
  }

  /** Runs and settles `batch`; false (nothing settled) when the lock was busy: ask again. */
  #commit(batch: Pending[], block: boolean): boolean {
    let results: { ok: boolean; value: unknown }[];
    let started = 0;
    try {
      if (!this.#db.open) throw new TypeError('The database connection is not open');
      started = performance.now();
      if (!this.#begin(block)) return false;
      try {
        results = this.#writes(batch);
        this.#tx.commit.run();
      } catch (err) {
        if (this.#db.inTransaction) this.#tx.rollback.run();
        throw err;
      }
    } catch (err) {
      this.#busySince = null;
      const wrapped = this.#wrap(err);
      for (const p of batch) p.reject(wrapped);
      return true;
    }
    const seconds = (performance.now() - started) / 1000;
    this.#busySince = null;
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.value);
    });
    try {
      this.#onCommit?.(seconds, batch.length);
    } catch {
      // Timing a commit never fails one: its callers are settled already.
    }
    return true;
  }

  /**
   * BEGIN IMMEDIATE, waiting for the lock only when `block`. False when another process holds it
   * and the batch is to ask again later; a refusal past `busy.waitMs` of asking, or any other
   * error, is thrown. The refusal is built without a stack trace (see the class comment).
   */
  #begin(block: boolean): boolean {
    if (block) this.#busy.wait();
    else this.#busy.noWait();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      this.#tx.begin.run();
      return true;
    } catch (err) {
      if (block || (err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
      this.#busySince ??= Date.now();
      if (Date.now() - this.#busySince < this.#busy.waitMs) return false;
      throw err;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
