/**
 * Switchboard's SQLite group commits as its nodes count them on /metrics
 * (`switchboard_sqlite_commit_seconds`, docs/admin.md): how many, and how many took over 50 ms
 * (the event loop held that long, every delivery of the node waiting behind it). The latency
 * table gives both per window, so a spike can be told apart from a slow disk sync.
 */

export interface CommitTally {
  commits: number;
  /** Commits over SLOW_COMMIT_MS. */
  slow: number;
}

/** The histogram bucket bound (seconds) a slow commit is over; one of SEND_LATENCY_BUCKETS. */
const SLOW_BOUND = '0.05';
export const SLOW_COMMIT_MS = Number(SLOW_BOUND) * 1000;

/** One node's tally, or null when it does not answer within 2 s or has no such histogram. */
async function tallyOf(httpUrl: string): Promise<CommitTally | null> {
  try {
    const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    const count = /^switchboard_sqlite_commit_seconds_count (\S+)$/m.exec(text)?.[1];
    const fast = new RegExp(
      `^switchboard_sqlite_commit_seconds_bucket\\{le="${SLOW_BOUND.replace('.', '\\.')}"\\} (\\S+)$`,
      'm',
    ).exec(text)?.[1];
    if (count === undefined || fast === undefined) return null;
    return { commits: Number(count), slow: Number(count) - Number(fast) };
  } catch {
    return null;
  }
}

/** The nodes' tallies summed (`httpUrls`: each node's http://host:port), or null if any is missing. */
export async function commitTally(httpUrls: string[]): Promise<CommitTally | null> {
  if (httpUrls.length === 0) return null;
  const all = await Promise.all(httpUrls.map(tallyOf));
  if (all.some((t) => t === null)) return null;
  return all.reduce<CommitTally>(
    (sum, t) => ({ commits: sum.commits + t!.commits, slow: sum.slow + t!.slow }),
    { commits: 0, slow: 0 },
  );
}

/** What a window added: `after` minus `before`, or null when either is missing. */
export function commitDelta(
  before: CommitTally | null,
  after: CommitTally | null,
): CommitTally | null {
  return before && after
    ? { commits: after.commits - before.commits, slow: after.slow - before.slow }
    : null;
}
