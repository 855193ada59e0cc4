/**
 * The charts, drawn with TradingView's lightweight-charts as in the VS Code report: a trade's
 * candles with its entry and exit marked on the bars and its entry, stop and target as price lines;
 * a run's equity over its drawdown, and its options book's greeks; two runs' equity side by side. Each returns what it drew, so the
 * views can be checked in a browser.
 */
import {
  BaselineSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type AutoscaleInfo,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { greekDecimals, hedgeEfficiencyText, type BarsResult, type ReviewTradeEntry, type RunDetailResult, type RunOptionsGreeks } from '@volt/lsp-server/protocol';

export interface DrawnChart {
  chart: IChartApi;
  markers: SeriesMarker<Time>[];
  priceLines: { title: string; price: number }[];
  /** Points per series, by title. */
  series: Record<string, number>;
  /** The series the markers and price lines sit on (the candles), for coordinates. */
  priceSeries?: ISeriesApi<'Candlestick'>;
  /** The drawdown (a run's chart), for coordinates. */
  drawdownSeries?: ISeriesApi<'Baseline'>;
  /** The options book's greeks under a run's equity, when the run used `ctx.options`. */
  greeks?: DrawnChart;
}

/** Removes a drawn chart and the greeks drawn with it. */
export function removeChart(d: DrawnChart | undefined): void {
  d?.greeks?.chart.remove();
  d?.chart.remove();
}

const UP = '#26a69a';
const DOWN = '#ef5350';
const sec = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

function themed(el: HTMLElement, height: number): IChartApi {
  const style = getComputedStyle(el);
  const text = style.getPropertyValue('--text-muted').trim() || '#888';
  const grid = style.getPropertyValue('--background-modifier-border').trim() || 'rgba(128,128,128,0.2)';
  return createChart(el, {
    height,
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: text, attributionLogo: false },
    grid: { vertLines: { color: grid }, horzLines: { color: grid } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
}

/** The candle a moment falls in (the last one that opened at or before it), when downsampled too. */
export function candleAt(times: readonly number[], ms: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || ms < times[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function drawTradeChart(el: HTMLElement, bars: BarsResult, trade: ReviewTradeEntry, decimals = 2): DrawnChart {
  const chart = themed(el, 360);
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: UP,
    downColor: DOWN,
    wickUpColor: UP,
    wickDownColor: DOWN,
    borderVisible: false,
    priceFormat: { type: 'price', precision: decimals, minMove: 1 / 10 ** decimals },
  });
  candles.setData(bars.time.map((t, i) => ({ time: sec(t), open: bars.open[i]!, high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]! })));
  const long = trade.side === 'long';
  const markers: SeriesMarker<Time>[] = [];
  if (bars.time.length > 0) {
    markers.push({
      time: sec(bars.time[candleAt(bars.time, trade.entryTime)]!),
      position: long ? 'belowBar' : 'aboveBar',
      shape: long ? 'arrowUp' : 'arrowDown',
      color: long ? UP : DOWN,
      text: `${long ? 'Buy' : 'Sell'} ${trade.entry.toFixed(decimals)}`,
    });
    if (trade.exitTime !== null && trade.exitPrice !== null) {
      markers.push({
        time: sec(bars.time[candleAt(bars.time, trade.exitTime)]!),
        position: long ? 'aboveBar' : 'belowBar',
        shape: long ? 'arrowDown' : 'arrowUp',
        color: (trade.pnl ?? 0) > 0 ? UP : DOWN,
        text: `Exit ${trade.exitPrice.toFixed(decimals)}${trade.exitReason ? ` (${trade.exitReason})` : ''}`,
      });
    }
  }
  createSeriesMarkers(candles, markers);
  const priceLines: DrawnChart['priceLines'] = [];
  const line = (title: string, price: number | null, color: string, style: LineStyle) => {
    if (price === null || !Number.isFinite(price)) return;
    candles.createPriceLine({ price, color, lineWidth: 1, lineStyle: style, axisLabelVisible: true, title });
    priceLines.push({ title, price });
  };
  line('entry', trade.entry, '#5c7cfa', LineStyle.Solid);
  line('stop', trade.stopPrice, DOWN, LineStyle.Dashed);
  line('target', trade.takeProfitPrice, UP, LineStyle.Dashed);
  chart.timeScale().fitContent();
  return { chart, markers, priceLines, series: { candles: bars.time.length }, priceSeries: candles };
}

/** Equity (top pane) over drawdown (bottom pane, 0% at the top). */
export function drawEquityChart(el: HTMLElement, equity: RunDetailResult['equity'], show: 'equity' | 'drawdown' | 'both' = 'both'): DrawnChart {
  const chart = themed(el, show === 'both' ? 360 : 240);
  const series: Record<string, number> = {};
  let drawdown: ISeriesApi<'Baseline'> | undefined;
  const times = equity.time.map(sec);
  if (show !== 'drawdown') {
    const eq = chart.addSeries(LineSeries, { color: '#5c7cfa', lineWidth: 2, title: 'equity' });
    eq.setData(times.map((time, i) => ({ time, value: equity.equity[i]! })));
    series.equity = times.length;
  }
  if (show !== 'equity') {
    // Drawdown hangs from 0%: a baseline at 0% filled down to the line, so a flat stretch at 0% is
    // empty and only the dips are red; 0% is the top of the pane.
    const dd = chart.addSeries(
      BaselineSeries,
      {
        baseValue: { type: 'price', price: 0 },
        bottomLineColor: DOWN,
        bottomFillColor1: 'rgba(239,83,80,0.15)',
        bottomFillColor2: 'rgba(239,83,80,0.45)',
        topLineColor: DOWN,
        topFillColor1: 'transparent',
        topFillColor2: 'transparent',
        lineWidth: 1,
        title: 'drawdown',
        // The library's 'percent' format reads its precision as a price scale (one decimal here): say it outright.
        priceFormat: { type: 'custom', formatter: (p: number) => `${p.toFixed(2)}%`, minMove: 0.01 },
        autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
          const info = original();
          if (info?.priceRange) info.priceRange.maxValue = 0;
          return info;
        },
      },
      show === 'both' ? 1 : 0,
    );
    dd.setData(times.map((time, i) => ({ time, value: -Math.abs(equity.drawdown[i]!) * 100 })));
    series.drawdown = times.length;
    drawdown = dd;
  }
  chart.timeScale().fitContent();
  return { chart, markers: [], priceLines: [], series, ...(drawdown ? { drawdownSeries: drawdown } : {}) };
}

/**
 * The options book's delta, gamma, vega per vol point and theta per day, one pane each on one time
 * axis (their units differ, so none shares a scale). The engine samples them (at most 1000 points
 * from the first use), so they are drawn as they come.
 */
export function drawGreeksChart(el: HTMLElement, options: RunOptionsGreeks): DrawnChart {
  const chart = themed(el, 440);
  const g = options.greeks;
  const times = g.time.map(sec);
  const series: Record<string, number> = {};
  const panes: [string, readonly number[], string][] = [
    ['delta', g.delta, '#5c7cfa'],
    ['gamma', g.gamma, '#845ef7'],
    ['vega / vol pt', g.vegaPerPoint, '#f08c00'],
    ['theta / day', g.thetaPerDay, DOWN],
  ];
  panes.forEach(([title, values, color], pane) => {
    const decimals = greekDecimals(values);
    const s = chart.addSeries(LineSeries, { color, lineWidth: 2, title, priceLineVisible: false, priceFormat: { type: 'price', precision: decimals, minMove: 1 / 10 ** decimals } }, pane);
    // lightweight-charts wants strictly ascending times: two samples in one second keep the later.
    const points: { time: UTCTimestamp; value: number }[] = [];
    times.forEach((time, i) => {
      if (points.length > 0 && points[points.length - 1]!.time >= time) points.pop();
      points.push({ time, value: values[i]! });
    });
    s.setData(points);
    series[title] = points.length;
  });
  chart.timeScale().fitContent();
  return { chart, markers: [], priceLines: [], series };
}

/** The hedge efficiency line over the greeks, or why there is none. */
export function hedgeLine(options: RunOptionsGreeks): string {
  const text = hedgeEfficiencyText(options.hedgeEfficiency);
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/** Two runs' equity as growth of 1 from each run's start, so different capitals compare. */
export function drawComparisonChart(el: HTMLElement, runs: readonly { label: string; equity: RunDetailResult['equity'] }[]): DrawnChart {
  const chart = themed(el, 300);
  const colors = ['#adb5bd', '#5c7cfa'];
  const series: Record<string, number> = {};
  runs.forEach((r, k) => {
    const s = chart.addSeries(LineSeries, { color: colors[k % colors.length]!, lineWidth: 2, title: r.label });
    const first = r.equity.equity[0] ?? 1;
    s.setData(r.equity.time.map((t, i) => ({ time: sec(t), value: r.equity.equity[i]! / first })));
    series[r.label] = r.equity.time.length;
  });
  chart.timeScale().fitContent();
  return { chart, markers: [], priceLines: [], series };
}

/** Decimals for an instrument's prices, from its highest price (the data's, so every range agrees). */
export function priceDecimals(high: number): number {
  if (!(high > 0)) return 2;
  if (high >= 1000) return 2;
  if (high >= 1) return 4 - Math.min(2, Math.floor(Math.log10(high)));
  return Math.min(8, 2 - Math.floor(Math.log10(high)) + 2);
}
