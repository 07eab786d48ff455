import type Database from 'better-sqlite3';
import { SwitchboardError } from '../errors.js';
import type { WalSync } from './sqlite-wal-sync.js';

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
   * For a connection in `synchronous=FULL`: each batch commits with `synchronous=NORMAL` and its
   * callers settle only after this WAL sync called back (./sqlite-wal-sync.ts), so the event
   * loop runs while the disk syncs. Default: none, SQLite syncs inside COMMIT.
   */
  walSync?: Pick<WalSync, 'sync' | 'syncNow'>;
}

/** A committed batch and its outcomes, waiting for the WAL sync that makes it durable. */
interface Committed {
  batch: Pending[];
  results: { ok: boolean; value: unknown }[];
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
 * - The write lock is asked for without waiting (`busy_timeout = 0` around the batch's BEGIN):
 *   while another process holds it, the batch stays queued and asks again a few ms later
 *   (BUSY_RETRY_MS, doubling to BUSY_RETRY_MAX_MS), the event loop free meanwhile, and writes queued in between join it. SQLite's own busy
 *   handler would sleep the whole process instead, in steps growing to 100 ms, which with
 *   several processes on one file made the DM tail (p99 > 1 s, bench/README.md). After
 *   `busyTimeoutMs` of asking, the batch fails as a busy driver error would.
 * - With `walSync` (a `synchronous=FULL` file) the WAL's fsync leaves the event loop: the batch
 *   commits without it, its callers settle in commit order once a sync begun after their
 *   commit called back. One sync runs at a time; the writes queued meanwhile are committed as
 *   one batch when it returns, and that batch's sync runs while the returned batch's callers
 *   settle and their continuations (the fan-out) run, in that same turn. The write lock is not
 *   held during a sync.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #wrap: (err: unknown) => Error;
  readonly #maxBatch: number;
  readonly #batch: (batch: Pending[]) => { ok: boolean; value: unknown }[];
  readonly #busyTimeoutMs: number;
  readonly #noWait: Database.Statement;
  readonly #wait: Database.Statement;
  readonly #walSync: Pick<WalSync, 'sync' | 'syncNow'> | null;
  /** Committed batches no sync covers yet, in commit order. */
  #unsynced: Committed[] = [];
  /** The batches the sync in flight covers (null: none in flight). */
  #syncing: Committed[] | null = null;
  #queue: Pending[] = [];
  #scheduled = false;
  /** Set while a retry is scheduled after a busy lock. */
  #retry: NodeJS.Timeout | null = null;
  /** When the head of the queue first found the lock busy (null: it has not). */
  #busySince: number | null = null;
  /** Refusals of the lock in a row. */
  #refusals = 0;
  /** Set once the batch's first write ran: a busy error after it is not a lock not taken. */
  #began = false;

  /**
   * `busyTimeoutMs` is the connection's `busy_timeout`, restored after each batch so that the
   * store's other writes keep waiting for the lock as before.
   */
  constructor(
    db: Database.Database,
    wrap: (err: unknown) => Error,
    busyTimeoutMs: number,
    options: GroupCommitOptions = {},
  ) {
    const { maxBatch = MAX_BATCH, beforeCommit = () => {}, walSync } = options;
    this.#db = db;
    this.#wrap = wrap;
    this.#maxBatch = maxBatch;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#noWait = db.prepare('PRAGMA busy_timeout = 0');
    this.#wait = db.prepare(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    this.#walSync = walSync ?? null;
    // A transaction function called inside another one runs as a savepoint (better-sqlite3).
    const savepoint = db.transaction((work: () => unknown) => work());
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.#batch = db.transaction((batch: Pending[]) => {
      this.#began = true;
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
      if (!this.#scheduled && this.#retry === null) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          // while a WAL sync runs, the queue waits for it: see #startSync
          if (this.#retry === null && this.#syncing === null) this.#flush(false);
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
    this.#syncNow();
    if (this.#queue.length > 0) this.#flush(true);
  }

  /**
   * Starts a WAL sync for the batches committed since the last one began, if none is running.
   * The writes queued while it runs are committed when it returns, in one batch (as many as a
   * sync on the event loop would have let pile up), and their sync starts BEFORE the returned
   * batch's callers settle: the disk syncs the next batch while the loop fans out this one.
   */
  #startSync(): void {
    if (this.#syncing !== null || this.#unsynced.length === 0) return;
    const covered = (this.#syncing = this.#unsynced);
    this.#unsynced = [];
    this.#walSync!.sync((err) => {
      if (this.#syncing !== covered) return; // drain() settled them meanwhile
      this.#syncing = null;
      if (this.#retry === null) this.#flush(false);
      this.#settleSynced(covered, err);
      this.#startSync();
    });
  }

  /** Syncs on the event loop and settles every batch still waiting (drain, before a close). */
  #syncNow(): void {
    const waiting = [...(this.#syncing ?? []), ...this.#unsynced];
    this.#syncing = null;
    this.#unsynced = [];
    if (waiting.length === 0) return;
    let error: Error | null = null;
    try {
      this.#walSync!.syncNow();
    } catch (err) {
      error = err as Error;
    }
    this.#settleSynced(waiting, error);
  }

  /**
   * Settles batches in commit order once synced. A failed sync fails their writes as a failed
   * COMMIT would (`wrap(err)`); as with SQLite's own sync failing in COMMIT, they may be in the
   * file, unconfirmed (a retry with the same cid finds a stored message as a duplicate).
   */
  #settleSynced(committed: Committed[], err: Error | null): void {
    const wrapped = err === null ? null : this.#wrap(err);
    for (const { batch, results } of committed) {
      if (wrapped === null) settle(batch, results);
      else batch.forEach((p, i) => p.reject(results[i]!.ok ? wrapped : results[i]!.value));
    }
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

  /**
   * Runs `batch` and settles it, or hands it to the next WAL sync; false (nothing settled) when
   * the lock was busy: ask again.
   */
  #commit(batch: Pending[], block: boolean): boolean {
    let results: { ok: boolean; value: unknown }[];
    this.#began = false;
    // drain() commits with FULL: SQLite syncs, after the waiting batches were synced
    const deferSync = !block && this.#walSync !== null;
    try {
      if (!this.#db.open) throw new TypeError('The database connection is not open');
      if (!block) this.#noWait.get();
      // exec, not a prepared statement: SQLite applies `synchronous` when it compiles the pragma
      if (deferSync) this.#db.exec('PRAGMA synchronous = NORMAL');
      try {
        results = this.#batch(batch);
      } finally {
        if (!block) this.#wait.get();
        if (deferSync) this.#db.exec('PRAGMA synchronous = FULL');
      }
    } catch (err) {
      const busy = !this.#began && (err as { code?: unknown }).code === 'SQLITE_BUSY';
      if (busy && !block) {
        this.#busySince ??= Date.now();
        if (Date.now() - this.#busySince < this.#busyTimeoutMs) return false;
      }
      this.#busySince = null;
      const wrapped = this.#wrap(err);
      for (const p of batch) p.reject(wrapped);
      return true;
    }
    this.#busySince = null;
    if (deferSync) {
      this.#unsynced.push({ batch, results });
      this.#startSync();
    } else settle(batch, results);
    return true;
  }
}

function settle(batch: Pending[], results: { ok: boolean; value: unknown }[]): void {
  batch.forEach((p, i) => {
    const r = results[i]!;
    if (r.ok) p.resolve(r.value);
    else p.reject(r.value);
  });
}
