/**
 * What the backtest report view shows, computed from a `volt.backtest` result: the numbers already
 * formatted the way a trader reads them, the equity and drawdown series to plot, and the trades.
 * Plain data, so the webview's script only draws and the formatting is tested here.
 */
import { GREEKS_LEGEND, greekDecimals, hedgeEfficiencyText, type BacktestResult, type BarsResult, type SummaryDelta } from '@volt/lsp-server/protocol';

type Trade = BacktestResult['report']['trades'][number];

export interface MetricRow {
  label: string;
  value: string;
  /** Change since the previous run of the same file, formatted with its sign ('+0.12'). */
  change?: string;
}

export interface TradeRow {
  id: number;
  /** Epoch ms: clicking the row zooms the chart to the trade. */
  entryTime: number;
  exitTime: number;
  side: string;
  entry: string;
  exit: string;
  entryPrice: string;
  exitPrice: string;
  pnl: string;
  pnlPct: string;
  /** 'win' | 'loss': the view colours the row by it. */
  result: 'win' | 'loss';
  exitReason: string;
  reason: string;
}

export interface ReportModel {
  title: string;
  subtitle: string;
  metrics: MetricRow[];
  /** Epoch ms, equity and drawdown (a positive fraction) per plotted point. */
  time: number[];
  equity: number[];
  drawdown: number[];
  trades: TradeRow[];
  /** How many trades the run had, when the table shows only the latest. */
  tradeCount: number;
  /** False when no trade has a reason: the page leaves the column out. */
  showReason: boolean;
  /** Decimals of every price of this instrument (the table and the chart's price scale). */
  priceDecimals: number;
  /** The options book's greeks per bar, when the strategy used `ctx.options`; absent otherwise (no panel). */
  greeks?: GreeksModel;
}

/** One greek of the book over the run, a pane of the Greeks panel. */
export interface GreekSeries {
  key: 'delta' | 'gamma' | 'vega' | 'theta';
  /** The pane's series title, with its unit: 'vega / vol pt'. */
  title: string;
  /** Seconds since the epoch (lightweight-charts' time), ascending. */
  points: { time: ChartTime; value: number }[];
  /** Decimals its price scale shows: three significant digits of its largest value. */
  decimals: number;
}
export interface GreeksModel {
  series: GreekSeries[];
  /** Units of each pane, as the legend says them. */
  legend: string;
  /** 'hedge efficiency 0.63: …', or why there is none. */
  hedge: string;
  intraday: boolean;
}

/**
 * The Greeks panel of a report whose strategy used `ctx.options`: delta, gamma, vega per vol point
 * and theta per day of the book at each close. The engine already samples them (at most 1000
 * points from the first use, like the equity curve's default), so they are drawn as they come, on
 * their own times.
 */
export function greeksModel(report: BacktestResult['report']): GreeksModel | undefined {
  const o = report.options;
  if (!o || o.greeks.time.length === 0) return undefined;
  const g = o.greeks;
  const pane = (key: GreekSeries['key'], title: string, values: readonly number[]): GreekSeries => {
    const points: GreekSeries['points'] = [];
    for (let i = 0; i < g.time.length; i++) {
      const time = Math.floor(g.time[i]! / 1000);
      // lightweight-charts wants strictly ascending times: two samples in one second keep the later.
      if (points.length > 0 && points[points.length - 1]!.time >= time) points.pop();
      points.push({ time, value: values[i]! });
    }
    return { key, title, points, decimals: greekDecimals(values) };
  };
  return {
    series: [pane('delta', 'delta', g.delta), pane('gamma', 'gamma', g.gamma), pane('vega', 'vega / vol pt', g.vegaPerPoint), pane('theta', 'theta / day', g.thetaPerDay)],
    legend: GREEKS_LEGEND,
    hedge: hedgeEfficiencyText(o.hedgeEfficiency),
    intraday: !/^\d+[dw]$/.test(report.data.timeframe),
  };
}

/** The table shows this many trades, most recent last; the count says how many there were. */
export const MAX_TRADE_ROWS = 500;

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;
const ratio = (x: number | null): string => (x === null ? 'unbounded' : x.toFixed(2));
const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (s: string, x: number): string => (x > 0 ? `+${s}` : s);

/** A fraction's change in percentage points: the sidecar's lens form (protocol.ts, SummaryDelta). */
export function percentagePoints(fraction: number): string {
  const v = (Math.abs(fraction) * 100).toFixed(1);
  if (Number(v) === 0) return '±0.0 pp';
  return `${fraction > 0 ? '+' : '-'}${v} pp`;
}

/**
 * Decimals for an instrument's prices, from the largest of them: enough for five significant
 * digits, at least two (a quote currency's cents), at most eight. 94.4688 and 102.488 both read
 * with two: 94.47, 102.49; ETH/BTC at 0.0312 reads 0.031200.
 */
export function priceDecimals(prices: ArrayLike<number>): number {
  let top = 0;
  for (let i = 0; i < prices.length; i++) {
    const p = Math.abs(prices[i]!);
    if (Number.isFinite(p) && p > top) top = p;
  }
  if (top === 0) return 2;
  return Math.min(8, Math.max(2, 4 - Math.floor(Math.log10(top))));
}

/** Drawdown as the axis and the table show it: '-8.1%', and '0%' (never '-0.0%') at the peak. */
export function drawdownLabel(fraction: number): string {
  const v = (Math.abs(fraction) * 100).toFixed(1);
  return Number(v) === 0 ? '0%' : `-${v}%`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.round(ms / 60_000)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

function change(delta: SummaryDelta | null, key: keyof SummaryDelta): string | undefined {
  if (!delta) return undefined;
  const d = delta[key];
  switch (key) {
    case 'sharpe':
      return d === 0 ? '±0' : signed(d.toFixed(2), d);
    case 'trades':
      return d === 0 ? '±0' : signed(String(d), d);
    default:
      return percentagePoints(d);
  }
}

/** The instrument's price decimals: from the whole data set's high when the candles are in, else from the trades. */
export function instrumentDecimals(result: BacktestResult, bars?: Pick<BarsResult, 'dataHigh'>): number {
  return bars && bars.dataHigh > 0 ? priceDecimals([bars.dataHigh]) : priceDecimals(tradePrices(result.report.trades));
}

/** `decimals`: the instrument's (instrumentDecimals); default from the trades shown. */
export function reportModel(result: BacktestResult, decimals?: number): ReportModel {
  const { report, summary, delta } = result;
  const m = report.metrics;
  const metrics: MetricRow[] = [
    { label: 'Total return', value: pct(m.totalReturn), change: change(delta, 'totalReturn') },
    { label: 'CAGR', value: m.cagr === null ? 'n/a' : pct(m.cagr) },
    { label: 'Sharpe', value: m.sharpe.toFixed(2), change: change(delta, 'sharpe') },
    { label: 'Sortino', value: ratio(m.sortino) },
    { label: 'Calmar', value: ratio(m.calmar) },
    { label: 'Max drawdown', value: pct(m.maxDrawdown), change: change(delta, 'maxDrawdown') },
    { label: 'Longest drawdown', value: formatDuration(m.maxDrawdownDurationMs) },
    { label: 'Trades', value: String(m.trades), change: change(delta, 'trades') },
    { label: 'Win rate', value: pct(m.winRate, 1), change: change(delta, 'winRate') },
    { label: 'Profit factor', value: ratio(m.profitFactor) },
    { label: 'Expectancy', value: money(m.expectancy) },
    { label: 'Average win / loss', value: `${money(m.avgWin)} / ${money(m.avgLoss)}` },
    { label: 'Best / worst trade', value: `${money(m.bestTrade)} / ${money(m.worstTrade)}` },
    { label: 'Max wins / losses in a row', value: `${m.maxConsecutiveWins} / ${m.maxConsecutiveLosses}` },
    { label: 'Exposure', value: pct(m.exposure, 1) },
    { label: 'Fees paid', value: money(m.feesPaid) },
    { label: 'Average holding time', value: formatDuration(m.avgHoldingMs) },
    { label: 'Equity', value: `${money(m.startEquity)} → ${money(m.endEquity)}` },
  ];
  // One-bar tail risk (historical, and under a normal fit), as `volt backtest` prints it; a sidecar of an older release sends none.
  const v = m.valueAtRisk as typeof m.valueAtRisk | undefined;
  if (v) {
    metrics.push({ label: 'VaR 95 / 99, 1 bar', value: `${pct(v.historical.var95)} / ${pct(v.historical.var99)} · normal ${pct(v.parametric.var95)} / ${pct(v.parametric.var99)}` });
    metrics.push({ label: 'CVaR 95 / 99, 1 bar', value: `${pct(v.historical.cvar95)} / ${pct(v.historical.cvar99)} · normal ${pct(v.parametric.cvar95)} / ${pct(v.parametric.cvar99)}` });
  }
  if (m.benchmarkCorrelation !== undefined) metrics.push({ label: 'Benchmark correlation', value: m.benchmarkCorrelation === null ? 'n/a' : m.benchmarkCorrelation.toFixed(2) });
  // ctx.options: its positions, what they made, and how much of the underlying's moves they offset.
  const o = report.options;
  if (o) {
    const pnl = o.positions.reduce((sum, p) => sum + (p.pnl ?? 0), 0);
    const fees = o.positions.reduce((sum, p) => sum + p.fees, 0);
    metrics.push({ label: 'Options', value: `${o.positions.length} position${o.positions.length === 1 ? '' : 's'}, P&L ${pnl >= 0 ? '+' : ''}${money(pnl)} after ${money(fees)} fees${o.refused.length > 0 ? ` · ${o.refused.length} refused` : ''}` });
    if (o.hedgeEfficiency !== null) metrics.push({ label: 'Hedge efficiency', value: o.hedgeEfficiency.toFixed(2) });
  }
  const shown = report.trades.slice(-MAX_TRADE_ROWS);
  if (decimals === undefined) decimals = priceDecimals(tradePrices(shown));
  const trades = shown.map(
    (t): TradeRow => ({
      id: t.id,
      entryTime: t.entryTime,
      exitTime: t.exitTime,
      side: t.side,
      entry: formatDate(t.entryTime),
      exit: formatDate(t.exitTime),
      entryPrice: price(t.entryPrice, decimals),
      exitPrice: price(t.exitPrice, decimals),
      pnl: signed(money(t.pnl), t.pnl),
      pnlPct: signed(pct(t.pnlPct), t.pnlPct),
      result: t.pnl > 0 ? 'win' : 'loss',
      exitReason: EXIT_REASON[t.exitReason] ?? t.exitReason,
      reason: t.reason,
    }),
  );
  const curve = report.equityCurve;
  // Not a real market: said in the line under the title, with why when there is a reason.
  const synthetic = summary.synthetic ? ` · synthetic data${summary.dataNote ? ` (${summary.dataNote})` : ''}` : '';
  // agents.mode rules or ollama: what the panel did with the entries, under the metrics.
  const panel: MetricRow[] = summary.agents
    ? [{ label: `Agents (${summary.agents.mode})`, value: `${summary.agents.proposals} proposals: ${summary.agents.approved} approved, ${summary.agents.modified} modified, ${summary.agents.rejected} rejected` }]
    : [];
  // agents.mode ollama: the tokens the answers cost, and the hindsight mark when a model may know what came next.
  const llm = summary.llm;
  if (llm) {
    const t = llm.tokens;
    panel.push({ label: 'LLM tokens', value: `${t.used}${t.budget !== null ? ` of ${t.budget}` : ''} · ${t.calls} calls, ${t.cached} cached${t.exhausted ? ' · budget spent: rules answered the rest' : ''}` });
    if (llm.hindsight) panel.push({ label: 'Hindsight', value: llm.hindsight });
  }
  const greeks = greeksModel(report);
  return {
    title: `${report.strategy.name} — backtest`,
    subtitle: `${summary.symbol} ${summary.timeframe} · ${report.data.source} · ${formatDate(report.data.from)} → ${formatDate(report.data.to)} · ${report.data.bars} bars · ran in ${Math.round(summary.durationMs)} ms${synthetic}`,
    metrics: [...metrics, ...panel],
    time: curve.time,
    equity: curve.equity,
    drawdown: curve.drawdown,
    trades,
    tradeCount: report.trades.length,
    showReason: trades.some((t) => t.reason.trim() !== ''),
    priceDecimals: decimals,
    ...(greeks ? { greeks } : {}),
  };
}

const EXIT_REASON: Record<string, string> = { signal: 'signal', stop: 'stop', takeProfit: 'target', reverse: 'reversed', end: 'end of data' };

export function price(x: number, decimals: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function tradePrices(trades: readonly Trade[]): number[] {
  const out: number[] = [];
  for (const t of trades) out.push(t.entryPrice, t.exitPrice);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The price chart: candles from volt/bars with the trades marked, equity and drawdown beneath on the
// same candles' times (lightweight-charts spaces points by index, so every pane shares one set).

/** Seconds since the epoch, UTC: lightweight-charts' time. */
export type ChartTime = number;
export interface Candle {
  time: ChartTime;
  open: number;
  high: number;
  low: number;
  close: number;
}
/** A point; no value before the series starts. */
export interface LinePoint {
  time: ChartTime;
  value?: number;
}
/** A stop or target: drawn while a trade is open, hidden between trades (lightweight-charts joins
 * a line over gaps, so the line carries on at the last level, transparent). */
export interface LevelPoint {
  time: ChartTime;
  value: number;
  hidden?: true;
}
export interface TradeMarker {
  time: ChartTime;
  kind: 'entry-long' | 'entry-short' | 'exit-win' | 'exit-loss';
  text: string;
}
export interface ChartModel {
  candles: Candle[];
  markers: TradeMarker[];
  /** Each trade's stop and target from its entry candle to its exit candle, gaps between trades. */
  stops: LevelPoint[];
  targets: LevelPoint[];
  equity: LinePoint[];
  /** Drawdown in percent, negative (-8.1 = 8.1% below the peak). */
  drawdown: LinePoint[];
  priceDecimals: number;
  /** Intraday candles: the time axis shows the clock. */
  intraday: boolean;
  /** What the price pane shows, or why it shows no candles. */
  caption: string;
}

/** Markers carry text only up to this many trades; past it the chart would be all labels. */
export const LABELLED_TRADES = 40;
/** Exits worth a word on the chart: the risk levels hit. A signal's exit is the plain circle. */
const LABELLED_EXITS = new Set(['stop', 'takeProfit']);

/** Index of the last time <= t in ascending `times` (0 when t precedes them all). */
export function candleIndex(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The chart of a run, on the candles volt/bars returned; without them (`failure`), on the equity curve's times. */
export function chartModel(result: BacktestResult, bars: BarsResult | undefined, failure?: string, decimals = instrumentDecimals(result, bars)): ChartModel {
  const { report } = result;
  const curve = report.equityCurve;
  const times = bars && bars.time.length > 0 ? bars.time : curve.time;
  const n = times.length;
  const candles: Candle[] = [];
  if (bars && bars.time.length > 0) {
    for (let i = 0; i < n; i++) candles.push({ time: bars.time[i]! / 1000, open: bars.open[i]!, high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]! });
  }

  // Equity and drawdown at each candle: the curve's last point at or before the candle's open.
  const equity: LinePoint[] = [];
  const drawdown: LinePoint[] = [];
  for (let i = 0, j = 0; i < n; i++) {
    while (j + 1 < curve.time.length && curve.time[j + 1]! <= times[i]!) j++;
    const time = times[i]! / 1000;
    if (curve.time.length === 0 || curve.time[0]! > times[i]!) {
      equity.push({ time });
      drawdown.push({ time });
    } else {
      equity.push({ time, value: curve.equity[j]! });
      drawdown.push({ time, value: -Math.abs(curve.drawdown[j]!) * 100 });
    }
  }

  const markers: TradeMarker[] = [];
  const stopAt = new Array<number | undefined>(n);
  const targetAt = new Array<number | undefined>(n);
  const labelled = report.trades.length <= LABELLED_TRADES;
  if (candles.length > 0) {
    for (const t of report.trades) {
      const a = candleIndex(times, t.entryTime);
      const b = candleIndex(times, t.exitTime);
      markers.push({ time: times[a]! / 1000, kind: t.side === 'long' ? 'entry-long' : 'entry-short', text: labelled ? `#${t.id}` : '' });
      markers.push({ time: times[b]! / 1000, kind: t.pnl > 0 ? 'exit-win' : 'exit-loss', text: labelled && LABELLED_EXITS.has(t.exitReason) ? EXIT_REASON[t.exitReason]! : '' });
      for (let i = a; i <= b; i++) {
        if (t.stopPrice !== undefined && Number.isFinite(t.stopPrice)) stopAt[i] = t.stopPrice;
        if (t.takeProfitPrice !== undefined && Number.isFinite(t.takeProfitPrice)) targetAt[i] = t.takeProfitPrice;
      }
    }
    markers.sort((x, y) => x.time - y.time);
  }
  const levels = (at: (number | undefined)[]): LevelPoint[] => {
    let last = at.find((v) => v !== undefined);
    if (candles.length === 0 || last === undefined) return [];
    const out: LevelPoint[] = [];
    for (let i = 0; i < candles.length; i++) {
      const v = at[i];
      // The segment into a candle takes that candle's colour: a trade's first candle stays hidden
      // so no line rises from the previous level, its last one is drawn.
      const open = v !== undefined && at[i - 1] !== undefined && at[i - 1] === v;
      if (v !== undefined) last = v;
      out.push(open ? { time: candles[i]!.time, value: v } : { time: candles[i]!.time, value: last, hidden: true });
    }
    return out;
  };

  const tf = bars?.timeframe ?? report.data.timeframe;
  const caption = !bars
    ? `Price chart unavailable: ${failure ?? 'no candles'}`
    : `${report.data.symbol} ${bars.timeframe}${bars.step > 1 ? ` (${bars.bars} ${report.data.timeframe} bars, ${bars.step} per candle)` : ''} · ${report.trades.length} trade${report.trades.length === 1 ? '' : 's'}`;
  return {
    candles,
    markers,
    stops: levels(stopAt),
    targets: levels(targetAt),
    equity,
    drawdown,
    priceDecimals: decimals,
    intraday: !/^\d+[dw]$/.test(tf),
    caption,
  };
}
