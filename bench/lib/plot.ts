/**
 * A small SVG line chart (log–log): latency against offered load, one colour per server, p99
 * solid and p50 dashed. Written next to the JSON results so a run can be looked at, not only
 * read.
 */

export interface Series {
  name: string;
  /** [x, y] points; non-finite or non-positive values are left out (log axes). */
  solid: [number, number][];
  dashed?: [number, number][];
}

export interface ChartText {
  title: string;
  x: string;
  y: string;
  /** A horizontal reference line (a target), drawn grey. */
  target?: { y: number; label: string };
}

const W = 760;
const H = 440;
const M = { l: 70, r: 170, t: 40, b: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const ok = ([x, y]: [number, number]): boolean =>
  Number.isFinite(x) && Number.isFinite(y) && x > 0 && y > 0;
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Decades covering [lo, hi] on a log axis. */
function decades(lo: number, hi: number): [number, number] {
  return [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi)) || 1];
}

export function lineChartSvg(series: Series[], text: ChartText): string {
  const pts = series.flatMap((s) => [...s.solid, ...(s.dashed ?? [])]).filter(ok);
  if (text.target) pts.push([pts[0]?.[0] ?? 1, text.target.y]);
  if (pts.length === 0) pts.push([1, 1], [10, 10]);
  const [x0, x1] = decades(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const [y0, y1] = decades(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const xs = (x: number): number =>
    M.l + ((Math.log10(x) - x0) / Math.max(1, x1 - x0)) * (W - M.l - M.r);
  const ys = (y: number): number =>
    H - M.b - ((Math.log10(y) - y0) / Math.max(1, y1 - y0)) * (H - M.t - M.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.l}" y="22" font-size="15">${esc(text.title)}</text>`,
  ];
  for (let d = x0; d <= x1; d++) {
    const x = xs(10 ** d);
    out.push(`<line x1="${x}" y1="${M.t}" x2="${x}" y2="${H - M.b}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${H - M.b + 16}" text-anchor="middle">${10 ** d}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const y = ys(10 ** d);
    out.push(`<line x1="${M.l}" y1="${y}" x2="${W - M.r}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.l - 6}" y="${y + 4}" text-anchor="end">${10 ** d}</text>`);
  }
  out.push(
    `<text x="${(M.l + W - M.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(text.x)}</text>`,
    `<text x="16" y="${(M.t + H - M.b) / 2}" transform="rotate(-90 16 ${(M.t + H - M.b) / 2})" text-anchor="middle">${esc(text.y)}</text>`,
  );
  if (text.target) {
    const y = ys(text.target.y);
    out.push(
      `<line x1="${M.l}" y1="${y}" x2="${W - M.r}" y2="${y}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text x="${W - M.r + 4}" y="${y + 4}" fill="#888">${esc(text.target.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    const path = (p: [number, number][], dash: string): void => {
      const good = p.filter(ok).sort((a, b) => a[0] - b[0]);
      if (good.length === 0) return;
      const d = good.map(([x, y]) => `${xs(x).toFixed(1)},${ys(y).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${c}" stroke-width="2"${dash}/>`);
      for (const [x, y] of good)
        out.push(`<circle cx="${xs(x).toFixed(1)}" cy="${ys(y).toFixed(1)}" r="3" fill="${c}"/>`);
    };
    path(s.solid, '');
    path(s.dashed ?? [], ' stroke-dasharray="6 4"');
    const ly = M.t + 10 + i * 20;
    out.push(
      `<line x1="${W - M.r + 10}" y1="${ly}" x2="${W - M.r + 34}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${W - M.r + 40}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push(
    `<text x="${W - M.r + 10}" y="${M.t + 10 + series.length * 20 + 10}" fill="#555">solid p99, dashed p50</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
