/**
 * Switchboard's SQLite group commits as its nodes count them on /metrics
 * (`switchboard_sqlite_commit_seconds`, docs/admin.md): how many, and how many took over 50 ms
 * (the event loop held that long, every delivery of the node waiting behind it). The latency and
 * cluster tables give both per window, so a spike can be told apart from a slow disk sync.
 */

export interface CommitTally {
  commits: number;
  /** Commits over SLOW_COMMIT_MS. */
  slow: number;
}

/** A slow commit is over this: the histogram's 0.05 s bucket bound (SEND_LATENCY_BUCKETS). */
export const SLOW_COMMIT_MS = 50;

/** A node's http://host:port from its ws://host:port. */
export const httpUrlOf = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:');

/** A node's /metrics text, or null when it does not answer within `timeoutMs`. */
export async function scrapeMetrics(httpUrl: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    return await res.text();
  } catch {
    return null;
  }
}

/**
 * An unlabelled Prometheus histogram `name` in one node's /metrics text: its count, and how many
 * observations were over each of `boundsMs` (each must be one of its bucket bounds); null
 * without the text, the histogram or one of the buckets.
 */
export function histogramOver(
  text: string | null,
  name: string,
  boundsMs: readonly number[],
): { count: number; over: number[] } | null {
  if (text === null) return null;
  const count = new RegExp(`^${name}_count (\\S+)$`, 'm').exec(text)?.[1];
  if (count === undefined) return null;
  const over: number[] = [];
  for (const ms of boundsMs) {
    const le = String(ms / 1000).replace('.', '\\.');
    const within = new RegExp(`^${name}_bucket\\{le="${le}"\\} (\\S+)$`, 'm').exec(text)?.[1];
    if (within === undefined) return null;
    over.push(Number(count) - Number(within));
  }
  return { count: Number(count), over };
}

/** The tally in one node's /metrics text, or null without the histogram (or without the text). */
export function parseCommitTally(text: string | null): CommitTally | null {
  const h = histogramOver(text, 'switchboard_sqlite_commit_seconds', [SLOW_COMMIT_MS]);
  return h && { commits: h.count, slow: h.over[0] ?? 0 };
}

/** The nodes' tallies summed, or null if there are none or any is missing. */
export function sumTallies(tallies: (CommitTally | null)[]): CommitTally | null {
  let sum: CommitTally | null = tallies.length > 0 ? { commits: 0, slow: 0 } : null;
  for (const t of tallies)
    sum = sum && t && { commits: sum.commits + t.commits, slow: sum.slow + t.slow };
  return sum;
}

/** The nodes' tallies (`httpUrls`: each node's http://host:port) summed, one scrape each. */
export async function commitTally(httpUrls: string[]): Promise<CommitTally | null> {
  const texts = await Promise.all(httpUrls.map((u) => scrapeMetrics(u, 2000)));
  return sumTallies(texts.map(parseCommitTally));
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
