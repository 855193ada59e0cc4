import type { BacktestReport, Metrics, Trade } from '@volt/engine';

/**
 * The human face of a BacktestReport: a header, an equity sparkline, the metrics in two aligned
 * columns and the last trades. Plain text, no colour, so it reads the same in a terminal, a CI log
 * and a pasted issue.
 */
export interface ReportFormatOptions {
  /** Trades listed at the end (default 10). */
  lastTrades?: number;
  /** Characters of the equity sparkline (default 60). */
  sparklineWidth?: number;
}

export function formatBacktestReport(report: BacktestReport, options: ReportFormatOptions = {}): string {
  const { strategy, data, config, metrics: m, trades } = report;
  const daily = /[dw]$/.test(data.timeframe);
  const out: string[] = [];

  out.push(`${strategy.name} on ${data.symbol} ${data.timeframe}, ${data.source}`);
  out.push(`${when(data.from, daily)} → ${when(data.to, daily)}, ${count(data.bars)} bars`);
  const params = Object.entries(strategy.params);
  if (params.length > 0) out.push(`params: ${params.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  out.push(
    `capital ${money(config.capital)}, fee ${pct(config.feeRate, 3)}, slippage ${pct(config.slippage, 3)}, ` +
      `max position ${pct(config.maxPositionCap, 0)}, seed ${config.seed}`,
  );
  out.push('');
  const curve = sparkline(report.equityCurve.equity, options.sparklineWidth ?? 60);
  out.push(`equity ${curve}  ${money(m.startEquity)} → ${money(m.endEquity)}`);
  out.push('');
  out.push(...metricsTable(m, data.timeframe));
  if (report.options !== undefined) out.push('', optionsLine(report.options));

  const shown = options.lastTrades ?? 10;
  if (trades.length > 0 && shown > 0) {
    out.push('');
    const last = trades.slice(-shown);
    out.push(trades.length > last.length ? `last ${last.length} of ${count(trades.length)} trades` : `${plural(trades.length, 'trade')}`);
    out.push(...tradesTable(last, daily));
  }
  let ignored = 0;
  for (const s of report.signals) if (s.ignored !== undefined) ignored += s.repeats ?? 1;
  if (ignored > 0) {
    out.push('');
    out.push(`${plural(ignored, 'signal')} did not trade (already in position, no next bar, …): see signals in --json`);
  }
  if (report.signalsDropped !== undefined) {
    out.push(`${plural(report.signalsDropped, 'more signal')} not listed: a report keeps the first ${count(report.signals.length)}`);
  }
  return out.join('\n') + '\n';
}

/** ctx.options in one line: how many positions, what they made after fees, how their legs ended. */
function optionsLine(o: NonNullable<BacktestReport['options']>): string {
  const pnl = o.positions.reduce((sum, p) => sum + (p.pnl ?? 0), 0);
  const fees = o.positions.reduce((sum, p) => sum + p.fees, 0);
  const ended: Record<string, number> = {};
  for (const p of o.positions) for (const l of p.legs) ended[l.state] = (ended[l.state] ?? 0) + 1;
  const states = ['expired', 'exercised', 'assigned', 'closed'].filter((k) => ended[k]).map((k) => `${ended[k]} ${k}`).join(', ');
  const hedge = o.hedgeEfficiency === null ? '' : `; hedge efficiency ${o.hedgeEfficiency.toFixed(2)}`;
  const refused = o.refused.length > 0 ? `; ${plural(o.refused.length, 'order')} refused (worst case over the size cap)` : '';
  return `options: ${plural(o.positions.length, 'position')}, P&L ${signedMoney(pnl)} after ${money(fees)} fees${states ? `; legs ${states}` : ''}${hedge}${refused} (greeks per bar in --json)`;
}

function metricsTable(m: Metrics, timeframe: string): string[] {
  const left: Array<[string, string]> = [
    ['Total return', signedPct(m.totalReturn)],
    ['CAGR', m.cagr === null ? '∞' : signedPct(m.cagr)],
    ['Sharpe', ratio(m.sharpe)],
    ['Sortino', ratio(m.sortino)],
    ['Calmar', ratio(m.calmar)],
    ['Max drawdown', m.maxDrawdown === 0 ? '0.00%' : `-${pct(m.maxDrawdown, 2)}`],
    ['Longest drawdown', `${duration(m.maxDrawdownDurationMs)} (${count(m.maxDrawdownDurationBars)} bars)`],
    ['Exposure', pct(m.exposure, 1)],
    ['Fees paid', money(m.feesPaid)],
  ];
  const right: Array<[string, string]> = [
    ['Trades', count(m.trades)],
    ['Win rate', pct(m.winRate, 1)],
    ['Profit factor', ratio(m.profitFactor)],
    ['Expectancy', signedMoney(m.expectancy)],
    ['Avg win / loss', `${signedMoney(m.avgWin)} / ${signedMoney(m.avgLoss)}`],
    ['Best / worst', `${signedMoney(m.bestTrade)} / ${signedMoney(m.worstTrade)}`],
    ['Max wins / losses', `${m.maxConsecutiveWins} / ${m.maxConsecutiveLosses} in a row`],
    ['Avg holding', `${duration(m.avgHoldingMs)} (${m.avgHoldingBars.toFixed(1)} bars)`],
    ['Annualised on', `${timeframe} bars`],
  ];
  // One-bar tail risk, historical and normal: what a bad bar costs, as a share of equity.
  const v = m.valueAtRisk;
  left.push(['VaR 95/99, 1 bar', `${pct(v.historical.var95, 2)} / ${pct(v.historical.var99, 2)}`]);
  left.push(['VaR 95/99, normal', `${pct(v.parametric.var95, 2)} / ${pct(v.parametric.var99, 2)}`]);
  right.push(['CVaR 95/99, 1 bar', `${pct(v.historical.cvar95, 2)} / ${pct(v.historical.cvar99, 2)}`]);
  right.push(['CVaR 95/99, normal', `${pct(v.parametric.cvar95, 2)} / ${pct(v.parametric.cvar99, 2)}`]);
  if (m.benchmarkCorrelation !== undefined) {
    left.push(['Benchmark corr.', m.benchmarkCorrelation === null ? 'n/a' : m.benchmarkCorrelation.toFixed(2)]);
    right.push(['', '']);
  }
  const l = alignPairs(left);
  const r = alignPairs(right);
  const width = Math.max(...l.map((s) => s.length));
  return l.map((s, i) => `${s.padEnd(width)}     ${r[i] ?? ''}`.trimEnd());
}

/** Labels flush left, values flush right, each column as wide as its widest entry. */
function alignPairs(rows: Array<[string, string]>): string[] {
  const lw = Math.max(...rows.map(([k]) => k.length));
  const vw = Math.max(...rows.map(([, v]) => v.length));
  return rows.map(([k, v]) => `${k.padEnd(lw)}  ${v.padStart(vw)}`);
}

function tradesTable(trades: readonly Trade[], daily: boolean): string[] {
  const header = ['#', 'side', 'entry', 'price', 'exit', 'price', 'why', 'pnl', 'pnl %'];
  const rows = trades.map((t) => [
    String(t.id),
    t.side,
    when(t.entryTime, daily),
    price(t.entryPrice),
    when(t.exitTime, daily),
    price(t.exitPrice),
    t.exitReason,
    signedMoney(t.pnl),
    signedPct(t.pnlPct),
  ]);
  // Numbers right-aligned, words left-aligned.
  const right = [true, false, false, true, false, true, false, true, true];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const BLOCKS = '▁▂▃▄▅▆▇█';

/** The curve squeezed into `width` characters: each one the last equity of its slice of the run. */
export function sparkline(values: readonly number[], width: number): string {
  if (values.length === 0 || width <= 0) return '';
  const cols = Math.min(width, values.length);
  const picked: number[] = [];
  for (let c = 0; c < cols; c++) picked.push(values[Math.round(((c + 1) * values.length) / cols) - 1]!);
  const lo = Math.min(...picked);
  const hi = Math.max(...picked);
  const span = hi - lo;
  return picked.map((v) => BLOCKS[span > 0 ? Math.round(((v - lo) / span) * (BLOCKS.length - 1)) : 0]).join('');
}

const numberFormat = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const TWO = numberFormat(2);

function money(x: number): string {
  return TWO.format(x);
}
function signedMoney(x: number): string {
  return x > 0 ? `+${TWO.format(x)}` : TWO.format(x);
}
function pct(x: number, digits: number): string {
  return `${(x * 100).toFixed(digits)}%`;
}
function signedPct(x: number): string {
  return `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
}
function ratio(x: number | null): string {
  return x === null ? '∞' : x.toFixed(2);
}
function count(n: number): string {
  return n.toLocaleString('en-US');
}
function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Enough digits for BTC in dollars and for altcoins in BTC alike. */
function price(x: number): string {
  const a = Math.abs(x);
  if (a >= 1000) return TWO.format(x);
  if (a >= 1) return x.toFixed(4);
  return x.toPrecision(6);
}

function when(ms: number, daily: boolean): string {
  const iso = new Date(ms).toISOString();
  return daily && ms % 86_400_000 === 0 ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** 93_600_000 → '1d 2h': the largest unit and the next one are enough to read a holding time. */
export function duration(ms: number): string {
  if (!(ms >= 1000)) return ms > 0 ? `${Math.round(ms)}ms` : '0m';
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const rounded = Math.round(ms / 1000) * 1000;
  const k = units.findIndex(([, size]) => rounded >= size);
  const [big, bigSize] = units[k]!;
  const head = `${Math.floor(rounded / bigSize)}${big}`;
  const next = units[k + 1];
  if (next === undefined) return head;
  const rest = Math.floor((rounded % bigSize) / next[1]);
  return rest > 0 ? `${head} ${rest}${next[0]}` : head;
}
