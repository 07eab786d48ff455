/**
 * Bus and store health of the node serving the console (GET /health, as /readyz sees it) and
 * charts of its own metrics over the last hour (GET /metrics/history, a sample every 10 s).
 */
import { h } from '../dom.js';
import { lineChart } from './chart.js';
import type { View } from './view.js';
import { table } from './table.js';

interface Health {
  node: string;
  ready: boolean;
  bus: boolean;
  store: boolean;
  draining: boolean;
}
interface Point {
  ts: number;
  connections: number;
  messagesPerSec: number;
  framesPerSec: number;
  busPerSec: number;
  deliveriesPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  commitP99Ms: number;
}

/** Issue 9's four first (deliveries/s, connections, p99 latency, bus messages), then the rest. */
const SERIES: [keyof Omit<Point, 'ts'>, string][] = [
  ['deliveriesPerSec', 'Deliveries per second'],
  ['connections', 'Connections'],
  ['latencyP99Ms', 'p99 latency (ms)'],
  ['busPerSec', 'Bus messages per second'],
  ['latencyP50Ms', 'p50 latency (ms)'],
  ['messagesPerSec', 'Messages stored per second'],
  ['framesPerSec', 'Client frames per second'],
  ['commitP99Ms', 'p99 SQLite commit (ms)'],
];

export const healthView: View = {
  id: 'health',
  label: 'Health',
  async render(root, api) {
    const [health, history] = await Promise.all([
      api.call<Health>('GET', '/health'),
      api.call<{ node: string; points: Point[] }>('GET', '/metrics/history'),
    ]);
    const ok = (b: boolean) => (b ? 'ok' : 'failing');
    root.replaceChildren(
      h('h2', {}, `Health of node ${health.node}`),
      table(
        health.ready ? 'Ready' : 'Not ready',
        ['Part', 'State'],
        [
          ['Bus', ok(health.bus)],
          ['Store', ok(health.store)],
          ['Draining', health.draining ? 'yes' : 'no'],
        ],
        'health-table',
      ),
      h('h3', {}, 'The last hour (a sample every 10 s)'),
      h(
        'div',
        { 'data-testid': 'charts' },
        ...SERIES.map(([key, title]) =>
          lineChart(
            title,
            history.points.map((p) => ({ ts: p.ts, value: p[key] })),
            `chart-${key}`,
          ),
        ),
      ),
    );
  },
};
