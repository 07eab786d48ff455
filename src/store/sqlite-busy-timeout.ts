import type Database from 'better-sqlite3';

/**
 * One connection's `busy_timeout`, changed only when it must. The group commit asks for the
 * write lock without waiting (0: another process's lock refuses its batch at once, and the
 * batch asks again later with the event loop free); every other statement waits for a lock up to
 * `waitMs`, as SQLite's busy handler does. Each side sets the mode it needs just before it runs
 * (`noWait` before a batch, `wait` in SqliteStore's `#run`), so a node whose store work is
 * nothing but batches, as under a steady stream of messages, compiles no `PRAGMA` per commit.
 *
 * Every statement on the connection must run after one of the two, or it inherits whichever
 * mode the last one left.
 */
export class BusyTimeout {
  readonly #db: Database.Database;
  /** What the connection is set to now, as far as this object set it. */
  #current: number;

  /** `waitMs` is set on the connection at once. */
  constructor(
    db: Database.Database,
    readonly waitMs: number,
  ) {
    this.#db = db;
    this.#current = -1;
    this.wait();
  }

  /** Statements wait up to `waitMs` for another process's lock. */
  wait(): void {
    this.#set(this.waitMs);
  }

  /** Statements fail with SQLITE_BUSY at once while another process holds the lock. */
  noWait(): void {
    this.#set(0);
  }

  #set(ms: number): void {
    if (ms === this.#current) return;
    // Compiled anew each time: SQLite applies a PRAGMA that sets a value when it compiles it, so
    // running a statement prepared once does not set it again. db.exec, not db.pragma: no
    // Statement object and no result rows built in JS.
    this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`);
    this.#current = ms;
  }
}
