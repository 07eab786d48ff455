/**
 * Webhook subscriptions with their delivery state (cursor, head, backlog, failing since, last
 * error), pause / resume, replay from a position of the event log, and each one's recent
 * delivery attempts (docs/webhooks.md).
 */
import { h } from '../dom.js';
import { ApiError } from './api.js';
import type { Api } from './api.js';
import type { View } from './view.js';
import { button, table } from './table.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  state: string;
  delivery: {
    cursor: number;
    head: number;
    backlog: number;
    failingSince: number | null;
    lastError: string | null;
  };
}

interface Attempt {
  eventId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  ts: number;
}

/** A subscription's newest delivery attempts, as a table. */
async function history(api: Api, w: Webhook): Promise<HTMLElement> {
  const path = `/webhooks/${encodeURIComponent(w.id)}/deliveries?limit=20`;
  const { deliveries } = await api.call<{ deliveries: Attempt[] }>('GET', path);
  return table(
    `Recent deliveries to ${w.url}, newest first`,
    ['Time', 'Event', 'Attempt', 'Answer', 'Duration'],
    deliveries.map((a) => [
      new Date(a.ts).toISOString(),
      a.eventId,
      a.attempt,
      h('span', { 'data-testid': 'webhook-delivery-answer' }, String(a.status ?? a.error ?? '')),
      `${a.durationMs} ms`,
    ]),
    'webhook-deliveries',
  );
}

export const webhooksView: View = {
  id: 'webhooks',
  label: 'Webhooks',
  async render(root, api, ctx) {
    let list: { webhooks: Webhook[]; head: number };
    try {
      list = await api.call<{ webhooks: Webhook[]; head: number }>('GET', '/webhooks');
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'SB_ERR_WEBHOOKS_DISABLED') throw err;
      root.replaceChildren(
        h('h2', {}, 'Webhooks'),
        h('p', { 'data-testid': 'webhooks-off' }, 'Webhooks are off on this server (--webhooks).'),
      );
      return;
    }
    const reload = () => webhooksView.render(root, api, ctx);
    const act = (f: () => Promise<unknown>) => () =>
      ctx.run(async () => {
        await f();
        await reload();
      });
    const shown = h('div', { 'data-testid': 'webhook-history' });
    root.replaceChildren(
      h('h2', {}, 'Webhooks'),
      h('p', {}, `The event log's head is at position ${list.head}.`),
      table(
        `${list.webhooks.length} subscription(s)`,
        ['URL', 'Events', 'State', 'Delivered up to', 'Backlog', 'Failing since', 'Last error', ''],
        list.webhooks.map((w) => {
          const path = `/webhooks/${encodeURIComponent(w.id)}`;
          const from = h('input', {
            type: 'number',
            min: 1,
            value: 1,
            'aria-label': `Replay ${w.url} from position`,
            'data-testid': 'webhook-replay-from',
          });
          return [
            w.url,
            w.events.length ? w.events.join(', ') : 'all',
            h('span', { 'data-testid': 'webhook-state' }, w.state),
            h('span', { 'data-testid': 'webhook-cursor' }, String(w.delivery.cursor)),
            w.delivery.backlog,
            w.delivery.failingSince === null ? '' : new Date(w.delivery.failingSince).toISOString(),
            w.delivery.lastError,
            h(
              'div',
              { class: 'actions' },
              w.state === 'paused'
                ? button(
                    `Resume ${w.url}`,
                    'webhook-resume',
                    act(() => api.call('PATCH', path, { state: 'active' })),
                  )
                : button(
                    `Pause ${w.url}`,
                    'webhook-pause',
                    act(() => api.call('PATCH', path, { state: 'paused' })),
                  ),
              from,
              button(
                `Replay ${w.url}`,
                'webhook-replay',
                act(() => api.call('POST', `${path}/replay`, { from: Number(from.value) })),
              ),
              button(`History of ${w.url}`, 'webhook-show-history', () =>
                ctx.run(async () => shown.replaceChildren(await history(api, w))),
              ),
            ),
          ];
        }),
        'webhook-table',
      ),
      shown,
    );
  },
};
