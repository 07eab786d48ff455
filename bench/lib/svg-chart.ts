/**
 * A small line chart as an SVG document: one panel per metric, one line per series, axes with
 * min/max labels. Enough to look at a soak run; no dependency.
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

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
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
