/**
 * Reports of a message: recorded in the audit log and delivered, on every node, to the
 * connections of the room's moderators and above that receive the room, and to server admins.
 */
import type { ReportEvent } from '../../protocol/frames.js';
import { REPORT_ACTION, reportDetail } from '../../protocol/report-state.js';
import { SERVER_SCOPE } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import { level } from '../permissions.js';
import { targetMessage } from './message-events.js';
import type { CommandContext, Handler } from './context.js';
import { isServerAdmin } from './room-access.js';

const MODERATOR = level({ role: 'moderator', serverAdmin: false });

export const report: Handler<'report'> = async (ctx, conn, f) => {
  const { message: m } = await targetMessage(ctx, conn, f.channel, f.seq, 'report');
  const id = m.channel;
  const r: ReportEvent = {
    channel: id,
    seq: m.seq,
    from: m.from,
    text: m.text,
    reporter: conn.user!,
    ...(f.reason === undefined ? {} : { reason: f.reason }),
    ts: ctx.now(),
  };
  await ctx.store.moderation.appendAudit({
    scope: id.startsWith('room:') ? id : SERVER_SCOPE,
    ts: r.ts,
    actor: r.reporter,
    action: REPORT_ACTION,
    target: m.from,
    detail: reportDetail(id, m.seq, f.reason),
  });
  ctx.report(r);
  return {};
};

/** Pushes a report to this node's server admins and the room's moderators who receive it. */
export async function deliverReport(
  ctx: Pick<CommandContext, 'store' | 'directory' | 'now'>,
  r: ReportEvent,
): Promise<void> {
  const frame = JSON.stringify({ type: 'report', ...r });
  const room = r.channel.startsWith('room:');
  const byUser = new Map<string, ClientConnection[]>();
  for (const c of ctx.directory.connections) {
    if (c.user === null || c.closed) continue;
    if (isServerAdmin(c)) c.push(frame);
    else if (room && c.channels.has(r.channel))
      byUser.set(c.user, [...(byUser.get(c.user) ?? []), c]);
  }
  for (const [user, conns] of byUser) {
    const access = await ctx.store.moderation.access(r.channel, user, ctx.now());
    if (access && level({ role: access.role, serverAdmin: false }) >= MODERATOR)
      for (const c of conns) c.push(frame);
  }
}
