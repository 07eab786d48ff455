/**
 * Closing a report (issue #9): resolved (acted on) or dismissed, once. The closing is an audit
 * entry of the report's scope (../../protocol/report-state.ts), written by a moderator of the
 * report's room or above (the permission table's `report-resolve`), or by a server admin for a
 * DM's report (server scope).
 */
import { SwitchboardError } from '../../errors.js';
import type { ReportClosed } from '../../protocol/frames.js';
import {
  REPORT_ACTION,
  REPORT_RESOLVE_ACTION,
  closingDetail,
  closings,
  reportDetailOf,
  type ReportClosing,
} from '../../protocol/report-state.js';
import type { AuditEntry, Store } from '../../store/store.js';
import type { Handler } from './context.js';
import { authorizeRoom, isServerAdmin } from './room-access.js';

const PAGE = 200;

/**
 * How the report was closed, or null while open: reads the scope's entries newer than the report
 * (a closing is always newer), so its cost grows with the room's moderation since the report,
 * not with the log.
 */
export async function closingOfReport(
  store: Pick<Store, 'moderation'>,
  report: AuditEntry,
): Promise<ReportClosing | null> {
  let before: number | undefined;
  for (;;) {
    const page = await store.moderation.audit(report.scope, {
      limit: PAGE,
      ...(before === undefined ? {} : { before }),
    });
    const newer = page.filter((e) => e.id > report.id);
    const found = closings(newer).get(report.id);
    if (found) return found;
    if (newer.length < PAGE) return null;
    before = page.at(-1)!.id;
  }
}

/** Reports being closed now, per store (a process may run several): a second close answers at once. */
const closingNow = new WeakMap<object, Set<number>>();

export const reportResolve: Handler<'report-resolve'> = async (ctx, conn, f) => {
  const entry = await ctx.store.moderation.auditEntry(f.report);
  if (entry?.action !== REPORT_ACTION)
    throw new SwitchboardError('SB_ERR_REPORT_NOT_FOUND', `no such report: ${f.report}`);
  if (entry.scope.startsWith('room:'))
    await authorizeRoom(ctx, conn, 'report-resolve', entry.scope.slice('room:'.length));
  else if (!isServerAdmin(conn)) throw new SwitchboardError('SB_ERR_FORBIDDEN');
  let closing = closingNow.get(ctx.store);
  if (!closing) closingNow.set(ctx.store, (closing = new Set()));
  if (closing.has(entry.id)) throw new SwitchboardError('SB_ERR_REPORT_CLOSED');
  closing.add(entry.id);
  try {
    if (await closingOfReport(ctx.store, entry)) throw new SwitchboardError('SB_ERR_REPORT_CLOSED');
    const ts = ctx.now();
    await ctx.store.moderation.appendAudit({
      scope: entry.scope,
      ts,
      actor: conn.user!,
      action: REPORT_RESOLVE_ACTION,
      target: entry.target,
      detail: closingDetail(entry.id, f.outcome, f.note),
    });
    const closed: ReportClosed = {
      report: entry.id,
      state: f.outcome,
      by: conn.user!,
      ts,
      ...(f.note === undefined ? {} : { note: f.note }),
    };
    const d = reportDetailOf(entry);
    const channel = d.channel ?? (entry.scope || null);
    ctx.events.emit('report.resolved', channel, {
      ...closed,
      ...(channel === null ? {} : { channel }),
      ...(d.seq === undefined ? {} : { seq: d.seq }),
    });
    return closed;
  } finally {
    closing.delete(entry.id);
  }
};
