/**
 * The reports queue (GET /reports), newest first, open ones by default, with actions: delete the
 * reported message (rooms), disable its author, and close the report: resolve (acted on) or
 * dismiss (POST /reports/{id}/resolve, /dismiss). A closed report shows who closed it and when.
 */
import { h } from '../dom.js';
import type { Api } from './api.js';
import type { View, ViewContext } from './view.js';
import { button, table } from './table.js';

interface Report {
  id: number;
  ts: number;
  reporter: string;
  author: string | null;
  channel: string | null;
  seq: number | null;
  reason: string | null;
  state: 'open' | 'resolved' | 'dismissed';
  closedBy: string | null;
  closedAt: number | null;
  note: string | null;
}

export const reportsView: View = {
  id: 'reports',
  label: 'Reports',
  async render(root, api, ctx) {
    const filter = h(
      'select',
      { 'aria-label': 'Show reports', 'data-testid': 'report-filter' },
      h('option', { value: 'open' }, 'Open'),
      h('option', { value: 'all' }, 'All'),
    );
    const status = h('p', { role: 'status', 'data-testid': 'report-status' });
    const list = h('div', {});
    const load = async () => {
      const { reports } = await api.call<{ reports: Report[] }>(
        'GET',
        `/reports?limit=200&state=${filter.value}`,
      );
      list.replaceChildren(
        table(
          `${reports.length} ${filter.value === 'open' ? 'open ' : ''}report(s), newest first`,
          ['Time', 'Channel', 'Message', 'Author', 'Reporter', 'Reason', 'State', 'Actions'],
          reports.map((r) => [
            new Date(r.ts).toISOString(),
            r.channel,
            r.seq,
            r.author,
            r.reporter,
            r.reason,
            h('span', { 'data-testid': 'report-state' }, stateText(r)),
            actions(api, r, ctx, status, load),
          ]),
          'report-table',
        ),
      );
    };
    filter.addEventListener('change', () => ctx.run(load));
    root.replaceChildren(h('h2', {}, 'Reports'), h('label', {}, 'Show ', filter), status, list);
    await load();
  },
};

function stateText(r: Report): string {
  if (r.state === 'open') return 'open';
  const when = r.closedAt === null ? '' : ` ${new Date(r.closedAt).toISOString()}`;
  return `${r.state} by ${r.closedBy ?? '?'}${when}${r.note ? `: ${r.note}` : ''}`;
}

function actions(
  api: Api,
  r: Report,
  ctx: ViewContext,
  status: HTMLElement,
  reload: () => Promise<void>,
): HTMLElement {
  const act =
    (f: () => Promise<unknown>, done: string, again = false) =>
    () =>
      ctx.run(async () => {
        await f();
        status.textContent = done;
        if (again) await reload();
      });
  const room = r.channel?.startsWith('room:') ? r.channel.slice(5) : null;
  const close = (verb: 'resolve' | 'dismiss', label: string, done: string) =>
    button(
      `${label} report ${r.id}`,
      `report-${verb}`,
      act(() => api.call('POST', `/reports/${r.id}/${verb}`, {}), done, true),
    );
  return h(
    'div',
    { class: 'actions' },
    room !== null && r.seq !== null
      ? button(
          `Delete message ${r.seq} in ${room}`,
          'report-delete',
          act(
            () => api.call('DELETE', `/rooms/${encodeURIComponent(room)}/messages/${r.seq}`),
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
    r.state === 'open' ? close('resolve', 'Resolve', `Report ${r.id} resolved.`) : null,
    r.state === 'open' ? close('dismiss', 'Dismiss', `Report ${r.id} dismissed.`) : null,
  );
}
