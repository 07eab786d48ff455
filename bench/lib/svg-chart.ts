/**
 * Small SVG charts, no dependency: `svgChart` draws linear panels (one per metric, one line per
 * series; the soak's RSS and fds over time), `lineChartSvg` one log–log chart of latency against
 * offered load (p99 solid, p50 dashed, a target line).
 */
export interface Series {
  name: string;
  /** [x, y] points, x increasing. */
  points: [number, number][];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const W = 720;
const H = 260;
const PAD = { left: 70, right: 130, top: 30, bottom: 40 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));

function panel(p: Panel, top: number): string {
  const all = p.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, x0 + 1);
  const y0 = Math.min(...ys, 0);
  const y1 = Math.max(...ys, y0 + 1) * 1.05;
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => top + PAD.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const out = [
    `<text x="${PAD.left}" y="${top + 18}" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
    `<line x1="${PAD.left}" y1="${sy(y0)}" x2="${PAD.left + pw}" y2="${sy(y0)}" stroke="#000"/>`,
    `<line x1="${PAD.left}" y1="${sy(y0)}" x2="${PAD.left}" y2="${sy(y1)}" stroke="#000"/>`,
    `<text x="${PAD.left - 6}" y="${sy(y0)}" font-size="11" text-anchor="end">${num(y0)}</text>`,
    `<text x="${PAD.left - 6}" y="${sy(y1) + 10}" font-size="11" text-anchor="end">${num(y1)}</text>`,
    `<text x="${PAD.left}" y="${sy(y0) + 16}" font-size="11">${num(x0)}</text>`,
    `<text x="${PAD.left + pw}" y="${sy(y0) + 16}" font-size="11" text-anchor="end">${num(x1)}</text>`,
    `<text x="${PAD.left + pw / 2}" y="${sy(y0) + 30}" font-size="11" text-anchor="middle">${esc(p.xLabel)}</text>`,
    `<text x="14" y="${top + PAD.top + ph / 2}" font-size="11" transform="rotate(-90 14 ${top + PAD.top + ph / 2})" text-anchor="middle">${esc(p.yLabel)}</text>`,
  ];
  p.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points.map(
      ([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`,
    );
    out.push(`<path d="${d.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    const ly = top + PAD.top + 14 * i + 10;
    out.push(
      `<line x1="${W - PAD.right + 10}" y1="${ly - 4}" x2="${W - PAD.right + 30}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(`<text x="${W - PAD.right + 34}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function svgChart(panels: Panel[]): string {
  const height = H * panels.length;
  const body = panels.map((p, i) => panel(p, i * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>\n`;
}

/** A latency-against-load chart on log–log axes. */
export interface LogSeries {
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

const LW = 760;
const LH = 440;
const LM = { l: 70, r: 170, t: 40, b: 50 };

const ok = ([x, y]: [number, number]): boolean =>
  Number.isFinite(x) && Number.isFinite(y) && x > 0 && y > 0;

/** Decades covering [lo, hi] on a log axis. */
function decades(lo: number, hi: number): [number, number] {
  return [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi)) || 1];
}

export function lineChartSvg(series: LogSeries[], text: ChartText): string {
  const pts = series.flatMap((s) => [...s.solid, ...(s.dashed ?? [])]).filter(ok);
  if (text.target) pts.push([pts[0]?.[0] ?? 1, text.target.y]);
  if (pts.length === 0) pts.push([1, 1], [10, 10]);
  const [x0, x1] = decades(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const [y0, y1] = decades(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const xs = (x: number): number =>
    LM.l + ((Math.log10(x) - x0) / Math.max(1, x1 - x0)) * (LW - LM.l - LM.r);
  const ys = (y: number): number =>
    LH - LM.b - ((Math.log10(y) - y0) / Math.max(1, y1 - y0)) * (LH - LM.t - LM.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LW}" height="${LH}" font-family="sans-serif" font-size="12">`,
    `<rect width="${LW}" height="${LH}" fill="white"/>`,
    `<text x="${LM.l}" y="22" font-size="15">${esc(text.title)}</text>`,
  ];
  for (let d = x0; d <= x1; d++) {
    const x = xs(10 ** d);
    out.push(`<line x1="${x}" y1="${LM.t}" x2="${x}" y2="${LH - LM.b}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${LH - LM.b + 16}" text-anchor="middle">${10 ** d}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const y = ys(10 ** d);
    out.push(`<line x1="${LM.l}" y1="${y}" x2="${LW - LM.r}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${LM.l - 6}" y="${y + 4}" text-anchor="end">${10 ** d}</text>`);
  }
  out.push(
    `<text x="${(LM.l + LW - LM.r) / 2}" y="${LH - 12}" text-anchor="middle">${esc(text.x)}</text>`,
    `<text x="16" y="${(LM.t + LH - LM.b) / 2}" transform="rotate(-90 16 ${(LM.t + LH - LM.b) / 2})" text-anchor="middle">${esc(text.y)}</text>`,
  );
  if (text.target) {
    const y = ys(text.target.y);
    out.push(
      `<line x1="${LM.l}" y1="${y}" x2="${LW - LM.r}" y2="${y}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text x="${LW - LM.r + 4}" y="${y + 4}" fill="#888">${esc(text.target.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
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
    const ly = LM.t + 10 + i * 20;
    out.push(
      `<line x1="${LW - LM.r + 10}" y1="${ly}" x2="${LW - LM.r + 34}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${LW - LM.r + 40}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push(
    `<text x="${LW - LM.r + 10}" y="${LM.t + 10 + series.length * 20 + 10}" fill="#555">solid p99, dashed p50</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
