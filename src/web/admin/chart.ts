/** A small inline SVG line chart (no chart library): one series over time, labelled for AT. */
import { h } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 100;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export function lineChart(
  title: string,
  points: { ts: number; value: number }[],
  testid: string,
): HTMLElement {
  const latest = points.at(-1)?.value ?? 0;
  const peak = points.reduce((m, p) => Math.max(m, p.value), 0);
  const summary = `${title}: latest ${fmt(latest)}, peak ${fmt(peak)}, ${points.length} samples`;
  const chart = svg('svg', {
    width: String(W),
    height: String(H),
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': summary,
  });
  if (points.length > 1) {
    const t0 = points[0]!.ts;
    const span = Math.max(points.at(-1)!.ts - t0, 1);
    const top = peak > 0 ? peak : 1;
    const coords = points
      .map((p) => {
        const x = ((p.ts - t0) / span) * (W - 4) + 2;
        const y = H - 2 - (p.value / top) * (H - 4);
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' ');
    chart.append(svg('polyline', { points: coords }));
  }
  return h(
    'figure',
    { class: 'chart', 'data-testid': testid, 'data-latest': latest, 'data-peak': peak },
    chart,
    h('figcaption', {}, summary),
  );
}
