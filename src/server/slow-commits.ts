/**
 * Warns of SQLite commits that held the event loop long (a disk whose sync stalls), at most once
 * per interval, counting the ones in between: every client of the node waited for each of them
 * (docs/admin.md, `switchboard_sqlite_commit_seconds`).
 */

/** A commit at least this long, in seconds, is slow: the node served nobody meanwhile. */
export const SLOW_COMMIT_SECONDS = 0.5;
/** At most one warning per this many ms; the slow commits in between are counted into it. */
export const SLOW_COMMIT_WARN_INTERVAL_MS = 60_000;

export interface SlowCommitReport {
  /** The slowest slow commit since the last warning, in seconds. */
  slowestSeconds: number;
  /** Slow commits since the last warning, this one included. */
  slowCommits: number;
}

/** Returns the observer to call with each commit's seconds; `warn` gets at most one report per interval. */
export function slowCommitWarner(
  warn: (report: SlowCommitReport) => void,
  now: () => number = Date.now,
): (seconds: number) => void {
  let lastWarned = -Infinity;
  let slowCommits = 0;
  let slowestSeconds = 0;
  return (seconds) => {
    if (!(seconds >= SLOW_COMMIT_SECONDS)) return;
    slowCommits++;
    slowestSeconds = Math.max(slowestSeconds, seconds);
    const at = now();
    if (at - lastWarned < SLOW_COMMIT_WARN_INTERVAL_MS) return;
    lastWarned = at;
    warn({ slowestSeconds, slowCommits });
    slowCommits = 0;
    slowestSeconds = 0;
  };
}
