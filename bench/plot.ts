/**
 * A small dependency-free SVG line chart for the benchmark report (chart.js needs a canvas, which Node lacks):
 * axes with round ticks, grid, axis labels, a legend, one polyline with dots per series. Output is a plain
 * SVG string that GitHub and browsers render as an image.
 */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  /** Dashed line (e.g. the reference server, or a target). */
  dashed?: boolean;
  /** Dots on the points (default true when there are at most 60). */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Start the y axis at 0 (default true). */
  yFromZero?: boolean;
  /** Horizontal reference lines, e.g. a target. */
  hLines?: readonly { y: number; label: string; color?: string }[];
  /** Vertical reference lines, e.g. the end of a warm-up. */
  vLines?: readonly { x: number; label: string; color?: string }[];
  /** Logarithmic y axis (latency spanning orders of magnitude). */
  yLog?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Decades (and 2, 5 within them when few) for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const few = Math.log10(hi / lo) < 3;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e5) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a >= 100 || Number.isInteger(v)) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return String(Number(v.toPrecision(3)));
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 400;
  const series = o.series.filter((s) => s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  // Legend entries flow left to right and wrap, each as wide as its text (about 6.6 px a character at 12 px).
  const legend: { x: number; row: number }[] = [];
  {
    let x = 0;
    let row = 0;
    const room = W - 72 - 24;
    for (const s of series) {
      const w = 30 + s.name.length * 6.6 + 24;
      if (x > 0 && x + w > room) {
        x = 0;
        row++;
      }
      legend.push({ x, row });
      x += w;
    }
  }
  const legendRows = (legend.at(-1)?.row ?? 0) + 1;
  const m = { top: 44, right: 24, bottom: 58 + legendRows * 20, left: 72 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.yLog || y > 0)));
  const hl = o.hLines ?? [];
  const xs = pts.map((p) => p[0]);
  const ys = [...pts.map((p) => p[1]), ...hl.map((h) => h.y)];
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  let yt: number[];
  if (o.yLog) {
    y0 = 10 ** (Math.floor(Math.log10(Math.max(y0, 1e-6)) * 2) / 2);
    y1 = 10 ** (Math.ceil(Math.log10(y1) * 2) / 2);
    if (y1 <= y0) y1 = y0 * 10;
    yt = logTicks(y0, y1);
  } else {
    if (o.yFromZero ?? true) y0 = Math.min(0, y0);
    if (y0 === y1) y1 = y0 + 1;
    // The axis ends on round ticks at or beyond the data, with a little head room at the top.
    yt = ticks(y0, y1 + (y1 - y0) * 0.04);
    const step = yt.length > 1 ? yt[1]! - yt[0]! : 1;
    while (yt.at(-1)! < y1 * (1 + 1e-9) + (y1 - y0) * 0.02) yt.push(Number((yt.at(-1)! + step).toPrecision(12)));
    while (yt[0]! > y0) yt.unshift(Number((yt[0]! - step).toPrecision(12)));
    y0 = yt[0]!;
    y1 = yt.at(-1)!;
  }
  const xt = ticks(x0, x1, 7).filter((v) => v >= x0 - 1e-9 && v <= x1 + 1e-9);
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = o.yLog ? (y: number) => m.top + ph - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph : (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${esc(o.title)}</text>`);
  // Grid and ticks.
  for (const v of yt) {
    const y = sy(v);
    out.push(`<line x1="${m.left}" y1="${f(y)}" x2="${m.left + pw}" y2="${f(y)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(y + 4)}" text-anchor="end" fill="#444">${formatTick(v)}</text>`);
  }
  for (const v of xt) {
    const x = sx(v);
    out.push(`<line x1="${f(x)}" y1="${m.top}" x2="${f(x)}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<line x1="${f(x)}" y1="${m.top + ph}" x2="${f(x)}" y2="${m.top + ph + 5}" stroke="#444"/>`);
    out.push(`<text x="${f(x)}" y="${m.top + ph + 19}" text-anchor="middle" fill="#444">${formatTick(v)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 40}" text-anchor="middle" fill="#222">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#222">${esc(o.yLabel)}</text>`);
  for (const h of hl) {
    const y = sy(h.y);
    const c = h.color ?? '#888';
    out.push(`<line x1="${m.left}" y1="${f(y)}" x2="${m.left + pw}" y2="${f(y)}" stroke="${c}" stroke-width="1.5" stroke-dasharray="2 4"/>`);
    // Label above the line, or below it when the line runs along the top of the plot.
    const ly = y - 5 < m.top + 14 ? y + 15 : y - 5;
    out.push(`<text x="${m.left + pw - 4}" y="${f(ly)}" text-anchor="end" fill="${c}">${esc(h.label)}</text>`);
  }
  for (const v of o.vLines ?? []) {
    if (v.x < x0 || v.x > x1) continue;
    const x = sx(v.x);
    const c = v.color ?? '#888';
    out.push(`<line x1="${f(x)}" y1="${m.top}" x2="${f(x)}" y2="${m.top + ph}" stroke="${c}" stroke-width="1.5" stroke-dasharray="2 4"/>`);
    out.push(`<text x="${f(x + 4)}" y="${m.top + 14}" fill="${c}">${esc(v.label)}</text>`);
  }
  // Series.
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.yLog || y > 0));
    const d = p.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
    if (s.dots ?? p.length <= 60) for (const [x, y] of p) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${c}"/>`);
  });
  // Legend, under the x label.
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    const x = m.left + legend[i]!.x;
    const y = H - 12 - (legendRows - 1 - legend[i]!.row) * 20;
    out.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${c}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
    out.push(`<text x="${x + 30}" y="${y}" fill="#222">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
