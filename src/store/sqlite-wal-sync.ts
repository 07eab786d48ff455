import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';

/**
 * The fsync that `synchronous=FULL` adds to every WAL-mode commit ("an additional sync of the
 * WAL file after each transaction commit", https://sqlite.org/pragma.html#pragma_synchronous),
 * done by us on libuv's thread pool instead of by SQLite on the event loop: GroupCommit commits
 * its batch with `synchronous=NORMAL` (the WAL is written, not synced) and settles the batch's
 * callers only after `sync` called back, so "resolved" still means "on disk" while the loop
 * fans out earlier messages during the ~2.5 ms the disk takes. Like SQLite, `fdatasync`.
 *
 * One sync at a time (GroupCommit chains them); the file is reopened when its inode changed (a
 * WAL deleted and recreated), and closed only once no sync is in flight.
 */
export class WalSync {
  readonly #path: string;
  #fd: number | null = null;
  /** A descriptor replaced while a sync on it was in flight: closed when that sync returns. */
  #stale: number | null = null;
  #ino = 0;
  #inFlight = false;
  #closed = false;

  /** `path`: the WAL file, i.e. the database file's path + `-wal`. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Makes what was written to the WAL so far durable; `done` gets the error or null. */
  sync(done: (err: Error | null) => void): void {
    let fd: number;
    try {
      fd = this.#open();
    } catch (err) {
      queueMicrotask(() => done(err as Error));
      return;
    }
    this.#inFlight = true;
    fdatasync(fd, (err) => {
      this.#inFlight = false;
      if (this.#stale !== null) closeSync(this.#stale);
      this.#stale = null;
      if (this.#closed) this.#release();
      done(err);
    });
  }

  /** The same on the event loop, for a store that is closing. */
  syncNow(): void {
    fdatasyncSync(this.#open());
  }

  close(): void {
    this.#closed = true;
    if (!this.#inFlight) this.#release();
  }

  #open(): number {
    const ino = statSync(this.#path).ino;
    if (this.#fd !== null && ino === this.#ino) return this.#fd;
    if (this.#inFlight) this.#stale = this.#fd;
    else this.#release();
    // fsync flushes the inode, whichever descriptor asks: read-only is enough on Linux
    this.#fd = openSync(this.#path, 'r');
    this.#ino = fstatSync(this.#fd).ino;
    return this.#fd;
  }

  #release(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
