/**
 * The reports queue of the admin console: reports are audit entries (action `report`) of the
 * reported room's scope, or of the server scope for a DM (src/core/commands/report.ts). This
 * listing reads the last `scan` audit entries of each room and of the server scope and merges
 * their reports newest first: O(rooms) store reads, fine for a console, not for a hot path.
 */
import { z } from 'zod';
import { SERVER_SCOPE, type AuditEntry } from '../../store/store.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { limitQuery } from './schemas.js';

interface Detail {
  channel?: string;
  seq?: number;
  reason?: string;
}

function reportOf(e: AuditEntry) {
  let d: Detail = {};
  try {
    d = JSON.parse(e.detail ?? '{}') as Detail;
  } catch {
    /* an entry written by another version: its fields stay unknown */
  }
  return {
    id: e.id,
    ts: e.ts,
    reporter: e.actor,
    author: e.target,
    channel: d.channel ?? (e.scope || null),
    seq: d.seq ?? null,
    reason: d.reason ?? null,
  };
}

const Report = z
  .strictObject({
    id: z.number().int().min(1).describe('The audit entry\u2019s id.'),
    ts: z.number().int().describe('When it was reported (ms since the epoch).'),
    reporter: z.string(),
    author: z.string().nullable().describe('Who wrote the reported message.'),
    channel: z.string().nullable().describe('The message\u2019s channel (`room:…`, `dm:…`).'),
    seq: z.number().int().min(1).nullable(),
    reason: z.string().nullable(),
  })
  .describe('A reported message.');

export const REPORT_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'GET',
    path: '/reports',
    scope: 'admin',
    tag: 'admin',
    summary:
      'Reported messages, newest first: reporter, author, channel, seq, reason, time. Read ' +
      'from the last `scan` audit entries of every room and of the server scope (DMs).',
    query: z.object({
      limit: limitQuery(500, 100),
      scan: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .describe('Audit entries read per room, default 200.'),
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
      )
        .flat()
        .filter((e) => e.action === 'report')
        .sort((a, b) => b.ts - a.ts || b.id - a.id);
      return { reports: entries.slice(0, query.limit ?? 100).map(reportOf) };
    },
  }),
];
