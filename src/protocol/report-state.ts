/**
 * A report's state (issue #9), read from the audit log: a report is an audit entry of action
 * `report` (src/core/commands/report.ts), and closing it is another entry of the same scope,
 * action `report-resolve`, detail `{report, outcome, note?}`. No row holds the state, so no
 * migration: the queue and the log cannot disagree. Imports nothing, like mentions.ts, so the
 * core (which closes reports) and the HTTP API (which lists them) share it.
 */

export const REPORT_ACTION = 'report';
export const REPORT_RESOLVE_ACTION = 'report-resolve';

export type ReportOutcome = 'resolved' | 'dismissed';

/** How a report was closed: by whom, when, how, and why. */
export interface ReportClosing {
  report: number;
  state: ReportOutcome;
  by: string;
  ts: number;
  note?: string;
}

/** The fields of an audit entry this reads (the store's AuditEntry has them). */
interface Entry {
  id: number;
  ts: number;
  actor: string;
  action: string;
  detail: string | null;
}

/** What a `report` entry's detail records about the reported message. */
export interface ReportDetail {
  channel?: string;
  seq?: number;
  reason?: string;
}

/** A `report` entry's detail, as JSON (written by src/core/commands/report.ts). */
export function reportDetail(channel: string, seq: number, reason: string | undefined): string {
  return JSON.stringify({ channel, seq, reason });
}

/** A `report` entry's detail; empty when unreadable (an entry of another version). */
export function reportDetailOf(e: Pick<Entry, 'detail'>): ReportDetail {
  try {
    return JSON.parse(e.detail ?? '{}') as ReportDetail;
  } catch {
    return {};
  }
}

/** The detail of a `report-resolve` entry, as JSON. */
export function closingDetail(report: number, outcome: ReportOutcome, note?: string): string {
  return JSON.stringify({ report, outcome, ...(note === undefined ? {} : { note }) });
}

/** The closing an entry records, or null when it is not a readable `report-resolve`. */
export function closingOf(e: Entry): ReportClosing | null {
  if (e.action !== REPORT_RESOLVE_ACTION) return null;
  let d: { report?: unknown; outcome?: unknown; note?: unknown };
  try {
    d = JSON.parse(e.detail ?? '{}') as typeof d;
  } catch {
    return null;
  }
  if (typeof d.report !== 'number') return null;
  if (d.outcome !== 'resolved' && d.outcome !== 'dismissed') return null;
  return {
    report: d.report,
    state: d.outcome,
    by: e.actor,
    ts: e.ts,
    ...(typeof d.note === 'string' ? { note: d.note } : {}),
  };
}

/**
 * The closings among `entries`, by report id. Two nodes closing the same report at once may both
 * write an entry: the first (lowest id) is the one that counts.
 */
export function closings(entries: readonly Entry[]): Map<number, ReportClosing> {
  const byReport = new Map<number, ReportClosing>();
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    const c = closingOf(e);
    if (c && !byReport.has(c.report)) byReport.set(c.report, c);
  }
  return byReport;
}
