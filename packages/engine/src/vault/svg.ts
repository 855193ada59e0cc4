/**
 * Small, dependency-free SVG line charts for Performance notes. Output depends only on the input
 * (fixed number formatting), so re-exporting an unchanged run rewrites nothing.
 */

export interface LineChartOptions {
  title: string;
  /** Stroke colour of the line. */
  color: string;
  /** Fill the area between the line and the top of the chart (for drawdowns). */
  fillToTop?: boolean;
  /** How a value is written on the y axis. */
  formatValue(v: number): string;
  width?: number;
  height?: number;
}

const MARGIN = { top: 28, right: 16, bottom: 28, left: 72 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

function utcDay(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '';
}

/** Tick values spread over [lo, hi] on round numbers (1, 2, 5 × 10^k). */
function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const n = (v: number): string => (Math.round(v * 10) / 10).toFixed(1);

/** A line chart of `values` over `times` (epoch ms), with axes, gridlines and labels. */
export function lineChartSvg(times: readonly number[], values: readonly number[], opts: LineChartOptions): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 220;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13" font-weight="bold" fill="#222">${escapeXml(opts.title)}</text>`,
  );
  const count = Math.min(times.length, values.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (count < 2 || !Number.isFinite(lo)) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data</text>`, '</svg>');
    return parts.join('\n') + '\n';
  }
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const t0 = times[0]!;
  const t1 = times[count - 1]!;
  const tSpan = t1 - t0 || 1;
  const x = (t: number) => MARGIN.left + ((t - t0) / tSpan) * plotW;
  const y = (v: number) => MARGIN.top + (1 - (v - lo) / (hi - lo)) * plotH;

  // Gridlines and y labels.
  for (const tick of niceTicks(lo, hi, 4)) {
    const ty = n(y(tick));
    parts.push(
      `<line x1="${MARGIN.left}" y1="${ty}" x2="${width - MARGIN.right}" y2="${ty}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${ty}" dy="4" text-anchor="end" fill="#555">${escapeXml(opts.formatValue(tick))}</text>`,
    );
  }
  // Axes.
  const bottom = n(MARGIN.top + plotH);
  parts.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#888"/>`,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${width - MARGIN.right}" y2="${bottom}" stroke="#888"/>`,
    `<text x="${MARGIN.left}" y="${height - 8}" fill="#555">${utcDay(t0)}</text>`,
    `<text x="${n(MARGIN.left + plotW / 2)}" y="${height - 8}" text-anchor="middle" fill="#555">${utcDay(t0 + tSpan / 2)}</text>`,
    `<text x="${width - MARGIN.right}" y="${height - 8}" text-anchor="end" fill="#555">${utcDay(t1)}</text>`,
  );

  const points: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    points.push(`${n(x(times[i]!))},${n(y(v))}`);
  }
  if (opts.fillToTop) {
    const top = n(y(hi));
    parts.push(
      `<polygon points="${n(x(t0))},${top} ${points.join(' ')} ${n(x(t1))},${top}" fill="${opts.color}" fill-opacity="0.25" stroke="none"/>`,
    );
  }
  parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${opts.color}" stroke-width="1.5"/>`, '</svg>');
  return parts.join('\n') + '\n';
}

/** Equity over time, labelled in quote currency. */
export function equityChartSvg(title: string, times: readonly number[], equity: readonly number[]): string {
  return lineChartSvg(times, equity, {
    title,
    color: '#1f77b4',
    formatValue: (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString()),
  });
}

/** Drawdown below the running peak, drawn downwards from 0%. */
export function drawdownChartSvg(title: string, times: readonly number[], drawdown: readonly number[]): string {
  // Negate so the deepest fall is the lowest point; a curve starts at its peak, so 0% is the top.
  const below = drawdown.map((d) => -Math.abs(d));
  return lineChartSvg(times, below, {
    title,
    color: '#d62728',
    fillToTop: true,
    formatValue: (v) => `${(v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0)}%`,
  });
}
