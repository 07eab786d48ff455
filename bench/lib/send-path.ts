/**
 * How long Switchboard's nodes took for the sends of a window, from their own
 * `switchboard_send_latency_seconds` (docs/admin.md): a send frame read, checked, stored (the
 * group commit or the PostgreSQL batch) and answered. The clients' latency adds the wire, the
 * bus and the recipient's node; set side by side, the two tell whether a DM's tail is the
 * sender's node storing it or what comes after.
 */
import { histogramOver } from './sqlite-commits.js';

/** Sends counted, and how many took longer than each of SEND_PATH_BOUNDS_MS. */
export interface SendPathTally {
  sends: number;
  over: number[];
}

/** Bucket bounds of the histogram (SEND_LATENCY_BUCKETS) the tally reads, in ms. */
export const SEND_PATH_BOUNDS_MS = [10, 25, 50] as const;

/** The tally in one node's /metrics text, or null without the histogram (or without the text). */
export function parseSendPath(text: string | null): SendPathTally | null {
  const h = histogramOver(text, 'switchboard_send_latency_seconds', SEND_PATH_BOUNDS_MS);
  return h && { sends: h.count, over: h.over };
}

/** The nodes' tallies summed, or null if there are none or any is missing. */
export function sumSendPaths(tallies: (SendPathTally | null)[]): SendPathTally | null {
  if (tallies.length === 0) return null;
  let sum: SendPathTally = { sends: 0, over: SEND_PATH_BOUNDS_MS.map(() => 0) };
  for (const t of tallies) {
    if (t === null) return null;
    sum = { sends: sum.sends + t.sends, over: sum.over.map((v, i) => v + (t.over[i] ?? 0)) };
  }
  return sum;
}

/** What a window added: `after` minus `before`, or null when either is missing. */
export function sendPathDelta(
  before: SendPathTally | null,
  after: SendPathTally | null,
): SendPathTally | null {
  return before && after
    ? {
        sends: after.sends - before.sends,
        over: after.over.map((v, i) => v - (before.over[i] ?? 0)),
      }
    : null;
}
