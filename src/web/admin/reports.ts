/**
 * The reports queue (GET /reports), newest first, with actions: delete the reported message
 * (rooms), disable its author. A report has no state of its own: the queue is the record.
 */
import { h } from '../dom.js';
import type { View } from './view.js';
import { button, table } from './table.js';

interface Report {
  id: number;
  ts: number;
  reporter: string;
  author: string | null;
  channel: string | null;
  seq: number | null;
  reason: string | null;
}

export const reportsView: View = {
  id: 'reports',
  label: 'Reports',
  async render(root, api, ctx) {
    const { reports } = await api.call<{ reports: Report[] }>('GET', '/reports?limit=200');
    const act = (f: () => Promise<unknown>, done: string) => () =>
      ctx.run(async () => {
        await f();
        status.textContent = done;
      });
    const status = h('p', { role: 'status', 'data-testid': 'report-status' });
    root.replaceChildren(
      h('h2', {}, 'Reports'),
      status,
      table(
        `${reports.length} report(s), newest first`,
        ['Time', 'Channel', 'Message', 'Author', 'Reporter', 'Reason', 'Actions'],
        reports.map((r) => {
          const room = r.channel?.startsWith('room:') ? r.channel.slice(5) : null;
          return [
            new Date(r.ts).toISOString(),
            r.channel,
            r.seq,
            r.author,
            r.reporter,
            r.reason,
            h(
              'div',
              { class: 'actions' },
              room !== null && r.seq !== null
                ? button(
                    `Delete message ${r.seq} in ${room}`,
                    'report-delete',
                    act(
                      () =>
                        api.call('DELETE', `/rooms/${encodeURIComponent(room)}/messages/${r.seq}`),
                      `Message ${r.seq} in ${room} deleted.`,
                    ),
                  )
                : null,
              r.author
                ? button(
                    `Disable ${r.author}`,
                    'report-disable',
                    act(
                      () =>
                        api.call('POST', `/users/${encodeURIComponent(r.author!)}/disable`, {
                          reason: `report ${r.id}`,
                        }),
                      `${r.author} disabled.`,
                    ),
                  )
                : null,
            ),
          ];
        }),
        'report-table',
      ),
    );
  },
};
