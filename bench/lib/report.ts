/** Formats results as plain-text tables with Switchboard's ratios against the two peers. */
import type { Result, ScenarioName } from '../scenarios.js';

export interface Ratio {
  scenario: ScenarioName;
  metric: string;
  vsFloor: number | null;
  vsSocketio: number | null;
}

/** The metric a scenario is judged on: lower is better for all of them. */
function keyMetric(r: Result): [string, number | undefined] {
  if (r.traffic) return ['cpuUsPerDelivery', r.traffic.cpuUsPerDelivery];
  if (r.idle) return ['rssPerConnKb', r.idle.rssPerConnKb];
  if (r.storm) return ['readyMs', r.storm.readyMs];
  return ['', undefined];
}

export function ratios(results: Result[]): Ratio[] {
  const out: Ratio[] = [];
  for (const sb of results.filter((r) => r.server === 'switchboard')) {
    const [metric, v] = keyMetric(sb);
    const peer = (server: string): number | null => {
      const p = results.find((r) => r.scenario === sb.scenario && r.server === server);
      const pv = p ? keyMetric(p)[1] : undefined;
      return v !== undefined && pv ? v / pv : null;
    };
    out.push({
      scenario: sb.scenario,
      metric,
      vsFloor: peer('ws-floor'),
      vsSocketio: peer('socketio'),
    });
  }
  return out;
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
export const x = (n: number | null | undefined): string => (n == null ? '-' : `${n.toFixed(2)}x`);

export function render(results: Result[]): string {
  const rs = ratios(results);
  const ratioOf = (r: Result): Ratio | undefined =>
    r.server === 'switchboard' ? rs.find((q) => q.scenario === r.scenario) : undefined;
  const health = (r: Result): string =>
    `${r.ready}/${r.clients}` +
    (r.failed ? ` F${r.failed}` : '') +
    (r.dropped ? ` D${r.dropped}` : '');
  const out: string[] = [];

  const traffic = results.filter((r) => r.traffic);
  if (traffic.length) {
    const head = [
      'scenario',
      'server',
      'clients',
      'msgs',
      'delivered',
      'deliv/s',
      'CPU µs/deliv',
      'p50 ms',
      'p99 ms',
      'max ms',
      'RSS MB',
      'load CPU s',
      'vs floor',
      'vs sio',
    ];
    const rows = traffic.map((r) => {
      const t = r.traffic!;
      const q = ratioOf(r);
      const pct = t.expected ? (100 * t.delivered) / t.expected : 0;
      return [
        r.scenario,
        r.server,
        health(r),
        String(t.sent),
        `${f(pct, 1)}%`,
        f(t.deliveriesPerSec, 0),
        f(t.cpuUsPerDelivery, 2),
        f(t.latencyMs.p50, 2),
        f(t.latencyMs.p99, 1),
        f(t.latencyMs.max, 0),
        f(t.rssPeakMb, 0),
        f(r.loadCpuMs / 1000, 1),
        x(q?.vsFloor),
        x(q?.vsSocketio),
      ];
    });
    out.push(table(head, rows));
  }
  const idle = results.filter((r) => r.idle);
  if (idle.length) {
    const head = [
      'scenario',
      'server',
      'clients',
      'RSS before MB',
      'RSS after MB',
      'KB/conn',
      'CPU s',
      'extra frames',
      'vs floor',
      'vs sio',
    ];
    const rows = idle.map((r) => {
      const q = ratioOf(r);
      return [
        r.scenario,
        r.server,
        health(r),
        f(r.idle!.rssBeforeMb, 0),
        f(r.idle!.rssAfterMb, 0),
        f(r.idle!.rssPerConnKb, 2),
        f(r.serverCpuMs / 1000, 2),
        String(r.otherFrames),
        x(q?.vsFloor),
        x(q?.vsSocketio),
      ];
    });
    out.push(table(head, rows));
  }
  const storm = results.filter((r) => r.storm);
  if (storm.length) {
    const head = [
      'scenario',
      'server',
      'clients',
      'first connect s',
      'reconnect s',
      'CPU µs/conn',
      'RSS MB',
      'extra frames',
      'vs floor',
      'vs sio',
    ];
    const rows = storm.map((r) => {
      const q = ratioOf(r);
      const s = r.storm!;
      const first = f(s.firstConnectMs / 1000, 2) + (s.firstFailed ? ` F${s.firstFailed}` : '');
      return [
        r.scenario,
        r.server,
        health(r),
        first,
        f(s.readyMs / 1000, 2),
        f(s.cpuUsPerConn, 0),
        f(r.rssMb, 0),
        String(r.otherFrames),
        x(q?.vsFloor),
        x(q?.vsSocketio),
      ];
    });
    out.push(table(head, rows));
  }
  out.push(
    'clients: ready/requested, F = failed to get ready, D = dropped after ready. ' +
      'extra frames: frames clients got besides chat messages and their own replies (e.g. member events). ' +
      'vs floor / vs sio: Switchboard ÷ peer on CPU µs/deliv (traffic), KB/conn (idle), reconnect time (storm); lower is better.',
  );
  return out.join('\n\n');
}
