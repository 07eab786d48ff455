/**
 * The reports queue of the admin console: reports are audit entries (action `report`) of the
 * reported room's scope, or of the server scope for a DM (src/core/commands/report.ts), and a
 * report is closed (resolved or dismissed) by another entry of the same scope
 * (src/protocol/report-state.ts). This listing reads the last `scan` audit entries of each room
 * and of the server scope and merges their reports newest first: O(rooms) store reads, fine for
 * a console, not for a hot path. A report's closing is newer than the report, so whenever the
 * scan reaches a report it reaches its closing too.
 */
import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { ReportClosed, ReportOutcome } from '../../protocol/frames.js';
import {
  REPORT_ACTION,
  closings,
  reportDetailOf,
  type ReportClosing,
} from '../../protocol/report-state.js';
import { SERVER_SCOPE, type AuditEntry } from '../../store/store.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { limitQuery, seqParam } from './schemas.js';

const REPORT_STATES = ['open', 'resolved', 'dismissed'] as const;

const Report = z
  .strictObject({
    id: z.number().int().min(1).describe('The report\u2019s audit entry id.'),
    ts: z.number().int().describe('When it was reported (ms since the epoch).'),
    reporter: z.string(),
    author: z.string().nullable().describe('Who wrote the reported message.'),
    channel: z.string().nullable().describe('The message\u2019s channel (`room:…`, `dm:…`).'),
    seq: z.number().int().min(1).nullable(),
    reason: z.string().nullable(),
    state: z.enum(REPORT_STATES),
    closedBy: z.string().nullable().describe('Who resolved or dismissed it; null while open.'),
    closedAt: z.number().int().nullable().describe('When (ms since the epoch); null while open.'),
    note: z.string().nullable().describe('The note given when it was closed.'),
  })
  .describe('A reported message and its state.');

function reportOf(e: AuditEntry, closed: ReportClosing | undefined): z.infer<typeof Report> {
  const d = reportDetailOf(e);
  return {
    id: e.id,
    ts: e.ts,
    reporter: e.actor,
    author: e.target,
    channel: d.channel ?? (e.scope || null),
    seq: d.seq ?? null,
    reason: d.reason ?? null,
    state: closed?.state ?? 'open',
    closedBy: closed?.by ?? null,
    closedAt: closed?.ts ?? null,
    note: closed?.note ?? null,
  };
}

/** POST /reports/{id}/resolve and /dismiss: the `report-resolve` command as the caller. */
function closing(outcome: z.infer<typeof ReportOutcome>): Endpoint {
  const verb = outcome === 'resolved' ? 'resolve' : 'dismiss';
  return endpoint({
    method: 'POST',
    path: `/reports/{id}/${verb}`,
    scope: 'admin',
    tag: 'admin',
    summary:
      `${outcome === 'resolved' ? 'Resolve a report (acted on)' : 'Dismiss a report (nothing to act on)'}` +
      ', with an optional note; recorded in the room\u2019s audit log. 404 ' +
      'SB_ERR_REPORT_NOT_FOUND for an unknown id, 409 SB_ERR_REPORT_CLOSED when already closed.',
    body: z
      .strictObject({ note: z.string().max(500).optional().describe('Kept in the audit log.') })
      .optional(),
    status: 200,
    response: ReportClosed,
    run: async ({ ctx, params, body, actor }) => {
      const report = seqParam(params['id']!);
      if (report < 1)
        throw new SwitchboardError('SB_ERR_REPORT_NOT_FOUND', `no such report: ${params['id']!}`);
      return ctx.core.runAs(await actor(), {
        type: 'report-resolve',
        report,
        outcome,
        ...(body?.note === undefined ? {} : { note: body.note }),
      });
    },
  });
}

export const REPORT_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'GET',
    path: '/reports',
    scope: 'admin',
    tag: 'admin',
    summary:
      'Reported messages, newest first: reporter, author, channel, seq, reason, time, and ' +
      'state (open, resolved, dismissed: by whom, when, note). Read from the last `scan` audit ' +
      'entries of every room and of the server scope (DMs).',
    query: z.object({
      limit: limitQuery(500, 100),
      scan: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .describe('Audit entries read per room, default 200.'),
      state: z
        .enum(['all', ...REPORT_STATES])
        .optional()
        .describe('Only reports in this state; default all.'),
    }),
    status: 200,
    response: z.strictObject({ reports: z.array(Report).describe('Newest first.') }),
    run: async ({ ctx, query, actor }) => {
      // Archived rooms keep their reports: both listings.
      const lists = (await Promise.all(
        [false, true].map(async (archived) =>
          ctx.core.runAs(await actor(), { type: 'rooms', archived }),
        ),
      )) as { rooms: { room: string }[] }[];
      const rooms = lists.flatMap((l) => l.rooms);
      const scopes = [SERVER_SCOPE, ...rooms.map((r) => `room:${r.room}`)];
      const scan = query.scan ?? 200;
      const entries = (
        await Promise.all(scopes.map((s) => ctx.store.moderation.audit(s, { limit: scan })))
      ).flat();
      const closed = closings(entries);
      const state = query.state ?? 'all';
      const reports = entries
        .filter((e) => e.action === REPORT_ACTION)
        .sort((a, b) => b.ts - a.ts || b.id - a.id)
        .map((e) => reportOf(e, closed.get(e.id)))
        .filter((r) => state === 'all' || r.state === state);
      return { reports: reports.slice(0, query.limit ?? 100) };
    },
  }),
  closing('resolved'),
  closing('dismissed'),
];
