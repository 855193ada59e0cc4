import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import type { BarsParams, BarsResult } from '@volt/lsp-server/protocol';
import { barsParamsFor, CHART_MAX_BARS, contentSecurityPolicy, ReportView, reportHtml, type ReportPageMessage } from '../src/report-view.js';
import { candleIndex, chartModel, drawdownLabel, formatDuration, percentagePoints, priceDecimals, reportModel } from '../src/report-model.js';
import { greekDecimals, GREEKS_LEGEND } from '@volt/lsp-server/protocol';
import { backtestResult, FROM, optionsBacktestResult } from './fixtures.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const script = readFileSync(new URL('../media/report.js', import.meta.url), 'utf8');
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Six-hourly candles over the fixture's first four days, as volt/bars answers. */
function bars(): BarsResult {
  const time = Array.from({ length: 16 }, (_, i) => FROM + i * 6 * HOUR);
  return {
    time,
    open: time.map((_, i) => 42_000 + i * 100),
    high: time.map((_, i) => 42_200 + i * 100),
    low: time.map((_, i) => 41_900 + i * 100),
    close: time.map((_, i) => 42_100 + i * 100),
    volume: time.map(() => 5),
    symbol: 'BTC/USDT',
    timeframe: '6h',
    source: 'synthetic:42',
    bars: 96,
    step: 6,
    dataHigh: 45_000,
  };
}

describe('report page under a strict Content-Security-Policy', () => {
  const html = reportHtml({ cspSource: 'vscode-webview://abc', nonce: 'n0nce', scriptUri: 'vscode-webview://abc/dist/media/report.js', styleUri: 'vscode-webview://abc/media/report.css' });

  it('allows only the extension’s own nonce’d script and stylesheet, nothing inline, nothing remote', () => {
    const csp = contentSecurityPolicy('vscode-webview://abc', 'n0nce');
    expect(csp).toBe("default-src 'none'; script-src 'nonce-n0nce'; style-src vscode-webview://abc; img-src vscode-webview://abc; font-src vscode-webview://abc");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([' nonce="n0nce" src="vscode-webview://abc/dist/media/report.js"']);
    expect(html).not.toMatch(/ style=|<style|\son\w+=|https?:\/\//);
  });

  it('draws with DOM calls the policy permits, and turns off the library’s logo (an inline <style>) for a credit in the footer', () => {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\(['"]style/);
    expect(script).toContain("addEventListener('securitypolicyviolation'");
    expect(script).toMatch(/from 'lightweight-charts'/);
    expect(script).toMatch(/attributionLogo: false/);
    expect(html).toMatch(/<footer>Charts by TradingView Lightweight Charts™/);
  });

  it('has one chart of candles, equity and drawdown, and a trades table without a Reason column', () => {
    expect(html).toMatch(/<div id="price-chart" class="price-chart"/);
    expect(html).not.toMatch(/<svg/);
    const header = /<table id="trades"><thead><tr>(.*?)<\/tr>/.exec(html)![1]!;
    expect([...header.matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1])).toEqual(['#', 'Side', 'Entry', 'Exit', 'Entry price', 'Exit price', 'P&amp;L', 'P&amp;L %', 'Exit by']);
  });

  it('keeps dates on one line in a narrow column: the trades scroll sideways instead', () => {
    const css = readFileSync(new URL('../media/report.css', import.meta.url), 'utf8');
    expect(css).toMatch(/#trades th, #trades td \{ white-space: nowrap; \}/);
    expect(css).toMatch(/\.table-scroll \{ overflow-x: auto; \}/);
  });
});

describe('reportModel', () => {
  it('formats the metrics as a trader reads them, with the change since the last run in pp', () => {
    const model = reportModel(backtestResult('file:///ws/rsi.strategy.ts'));
    const row = (label: string) => model.metrics.find((m) => m.label === label);
    expect(row('Total return')).toEqual({ label: 'Total return', value: '12.34%', change: '+5.0 pp' });
    expect(row('Sharpe')).toEqual({ label: 'Sharpe', value: '1.23', change: '+0.20' });
    expect(row('Max drawdown')).toEqual({ label: 'Max drawdown', value: '8.10%', change: '-1.0 pp' });
    expect(row('Win rate')?.change).toBe('±0.0 pp');
    expect(row('Sortino')?.value).toBe('unbounded');
    expect(row('Longest drawdown')?.value).toBe('3.0 d');
    expect(row('Equity')?.value).toBe('10,000.00 → 11,234.00');
    expect(model.subtitle).toBe('BTC/USDT 1h · synthetic:42 · 2024-01-01 00:00 → 2024-12-31 00:00 · 8760 bars · ran in 42 ms');
    expect(model.metrics.some((m) => m.label.startsWith('Agents'))).toBe(false);
  });

  it("says when the data is the synthetic market, and what the agents' panel did", () => {
    const base = backtestResult('file:///ws/rsi.strategy.ts');
    const model = reportModel({
      ...base,
      summary: {
        ...base.summary,
        synthetic: true,
        dataNote: 'no data for DOGE/EUR: this ran on the synthetic market',
        agents: { mode: 'rules', proposals: 40, approved: 12, modified: 3, rejected: 25, lines: [] },
      },
    });
    expect(model.subtitle).toMatch(/ · synthetic data \(no data for DOGE\/EUR: this ran on the synthetic market\)$/);
    expect(model.metrics.find((m) => m.label === 'Agents (rules)')?.value).toBe('40 proposals: 12 approved, 3 modified, 25 rejected');
  });

  it('shows the LLM seats’ token use and the hindsight mark of an ollama run', () => {
    const base = backtestResult('file:///ws/rsi.strategy.ts');
    const hindsight = 'LLM votes may contain hindsight: llama3.3 knows up to 2023-12; the data ends 2018-01-30';
    const model = reportModel({ ...base, summary: { ...base.summary, llm: { hindsight, tokens: { used: 1800, budget: 1500, calls: 12, cached: 30, exhausted: true } } } });
    expect(model.metrics.find((m) => m.label === 'LLM tokens')?.value).toBe('1800 of 1500 · 12 calls, 30 cached · budget spent: rules answered the rest');
    expect(model.metrics.find((m) => m.label === 'Hindsight')?.value).toBe(hindsight);
    const clean = reportModel({ ...base, summary: { ...base.summary, llm: { hindsight: null, tokens: { used: 10, budget: null, calls: 1, cached: 0, exhausted: false } } } });
    expect(clean.metrics.some((m) => m.label === 'Hindsight')).toBe(false);
  });

  it('shows the one-bar VaR and CVaR at 95/99%, historical and normal, and the benchmark correlation when there is one', () => {
    const base = backtestResult('file:///ws/rsi.strategy.ts');
    const model = reportModel(base);
    expect(model.metrics.find((m) => m.label === 'VaR 95 / 99, 1 bar')?.value).toBe('1.20% / 2.10% · normal 1.10% / 1.60%');
    expect(model.metrics.find((m) => m.label === 'CVaR 95 / 99, 1 bar')?.value).toBe('1.70% / 2.40% · normal 1.40% / 1.80%');
    expect(model.metrics.some((m) => m.label === 'Benchmark correlation')).toBe(false);
    const benched = reportModel({ ...base, report: { ...base.report, metrics: { ...base.report.metrics, benchmarkCorrelation: 0.4321 } } });
    expect(benched.metrics.find((m) => m.label === 'Benchmark correlation')?.value).toBe('0.43');
  });

  it('shows what ctx.options did: positions, P&L after fees, refusals and the hedge efficiency', () => {
    const base = backtestResult('file:///ws/rsi.strategy.ts');
    expect(reportModel(base).metrics.some((m) => m.label === 'Options')).toBe(false);
    const leg = { right: 'call' as const, strike: 105, expiry: 0, quantity: -1, entry: 2, state: 'expired' as const, exit: 0 };
    const options = {
      chain: 'synthetic',
      positions: [
        { id: 1, openedAt: 0, reason: '', legs: [leg], entryCost: -198.7, fees: 1.3, pnl: 198.7 },
        { id: 2, openedAt: 0, reason: '', legs: [leg], entryCost: -198.7, fees: 1.3, pnl: -301.3 },
      ],
      refused: [{ id: 3, bar: 5, time: 0, reason: '', why: 'REJECTED by risk_gate: gamma-flip', maxRisk: 500, limit: 0 }],
      hedgeEfficiency: 0.625,
      greeks: { time: [], value: [], delta: [], gamma: [], vegaPerPoint: [], thetaPerDay: [] },
    };
    const model = reportModel({ ...base, report: { ...base.report, options } });
    expect(model.metrics.find((m) => m.label === 'Options')?.value).toBe('2 positions, P&L -102.60 after 2.60 fees · 1 refused');
    expect(model.metrics.find((m) => m.label === 'Hedge efficiency')?.value).toBe('0.63');
  });

  it('reads percentage points as the sidecar’s lens does: signed, one decimal, never "-0.0"', () => {
    expect([0.021, -0.004, 0, -0.0004].map(percentagePoints)).toEqual(['+2.1 pp', '-0.4 pp', '±0.0 pp', '±0.0 pp']);
  });

  it('lists trades with signed P&L and every price of the instrument with the same decimals', () => {
    const model = reportModel(backtestResult('file:///ws/rsi.strategy.ts'));
    expect(model.trades.map((t) => [t.side, t.pnl, t.pnlPct, t.result, t.exitReason])).toEqual([
      ['long', '+300.00', '+2.38%', 'win', 'signal'],
      ['short', '-176.60', '-2.09%', 'loss', 'stop'],
    ]);
    expect(model.priceDecimals).toBe(2);
    expect(model.trades.flatMap((t) => [t.entryPrice, t.exitPrice])).toEqual(['42,000.12', '43,000.00', '43,100.00', '44,000.00']);
    expect(model.showReason).toBe(true);
    expect(model.equity).toEqual([10_000, 10_300, 10_123.4, 11_234]);
    expect(model.tradeCount).toBe(2);
  });

  it('has no reason to show when no trade gave one', () => {
    const result = backtestResult('file:///ws/rsi.strategy.ts');
    for (const t of result.report.trades) t.reason = '';
    expect(reportModel(result).showReason).toBe(false);
  });

  it('picks decimals per instrument from its price level, not per number', () => {
    // 94.4688 and 102.488 (toPrecision(6)) both read with two decimals.
    expect(priceDecimals([94.4688, 102.488])).toBe(2);
    expect(priceDecimals([0.031234, 0.0298])).toBe(6);
    expect(priceDecimals([3.5])).toBe(4);
    expect(priceDecimals([64_000])).toBe(2);
    expect(priceDecimals([])).toBe(2);
  });

  it('never shows a drawdown of "-0.0%"', () => {
    expect([0, 0.00004, -0.00004, 0.081, 0.0005].map(drawdownLabel)).toEqual(['0%', '0%', '0%', '-8.1%', '-0.1%']);
    expect(script).toMatch(/Number\(v\) === 0 \? '0%'/);
  });

  it('reads durations in the unit that fits', () => {
    expect([formatDuration(30 * 60_000), formatDuration(5 * 3_600_000), formatDuration(3 * 86_400_000)]).toEqual(['30 min', '5.0 h', '3.0 d']);
  });
});

describe('the Greeks panel', () => {
  const result = optionsBacktestResult();
  const g = result.report.options!.greeks;

  it('has a hidden section under the price chart, shown only when the run has greeks', () => {
    const html = reportHtml({ cspSource: 'c', nonce: 'n', scriptUri: 's', styleUri: 'y' });
    expect(html).toMatch(/<section id="greeks" class="charts" hidden>[\s\S]*<div id="greeks-chart" class="greeks-chart"/);
    expect(html.indexOf('id="price-chart"')).toBeLessThan(html.indexOf('id="greeks-chart"'));
    expect(script).toMatch(/section\.hidden = !model;/);
    expect(reportModel(backtestResult('file:///ws/rsi.strategy.ts'))).not.toHaveProperty('greeks');
  });

  it('draws the engine’s delta, gamma, vega per vol point and theta per day of a protective put, one pane each, units in the legend', () => {
    const model = reportModel(result).greeks!;
    expect(model.series.map((s) => [s.key, s.title])).toEqual([
      ['delta', 'delta'],
      ['gamma', 'gamma'],
      ['vega', 'vega / vol pt'],
      ['theta', 'theta / day'],
    ]);
    expect(model.legend).toBe(GREEKS_LEGEND);
    expect(model.legend).toMatch(/delta: units of the underlying .* vega: currency per vol point .* theta: currency per day/);
    const [delta, gamma, vega, theta] = model.series.map((s) => s.points);
    // From the put's fill on: seconds on lightweight-charts' axis, strictly ascending.
    expect(delta![0]!.time).toBe(g.time[0]! / 1000);
    for (let i = 1; i < delta!.length; i++) expect(delta![i]!.time).toBeGreaterThan(delta![i - 1]!.time);
    expect(delta!.map((p) => p.value)).toEqual(g.delta);
    expect(vega!.map((p) => p.value)).toEqual(g.vegaPerPoint);
    expect(theta!.map((p) => p.value)).toEqual(g.thetaPerDay);
    // A long at-the-money put on 100 units: about −50 delta once filled, long gamma and vega, paying theta.
    const held = g.value.findIndex((v) => v > 0);
    expect(delta![held]!.value).toBeGreaterThan(-70);
    expect(delta![held]!.value).toBeLessThan(-30);
    expect(gamma![held]!.value).toBeGreaterThan(0);
    expect(vega![held]!.value).toBeGreaterThan(0);
    expect(theta![held]!.value).toBeLessThan(0);
    expect(model.intraday).toBe(true);
  });

  it('says the hedge efficiency the engine measured, or that there was nothing to hedge', () => {
    const e = result.report.options!.hedgeEfficiency!;
    expect(e).toBeGreaterThan(0);
    expect(reportModel(result).greeks!.hedge).toBe(`hedge efficiency ${e.toFixed(2)}: the share of the underlying's moves the options offset (1 a perfect hedge, 0 none, below 0 adds to them)`);
    const unhedged = { ...result, report: { ...result.report, options: { ...result.report.options!, hedgeEfficiency: null } } };
    expect(reportModel(unhedged).greeks!.hedge).toMatch(/^hedge efficiency n\/a: /);
  });

  it('a long run arrives thinned by the engine, like the equity curve: at most 1000 points, first and last bar kept', () => {
    const long = optionsBacktestResult('file:///ws/protective-put.strategy.ts', 6000);
    const points = reportModel(long).greeks!.series[0]!.points;
    expect(points).toHaveLength(1000);
    expect(points.at(-1)!.time).toBe(long.report.data.to / 1000);
  });

  it('reads each axis to three significant digits', () => {
    expect([greekDecimals([-52.3, 10]), greekDecimals([0.0123]), greekDecimals([1234]), greekDecimals([0]), greekDecimals([1e-9])]).toEqual([1, 4, 0, 2, 6]);
  });
});

describe('chartModel', () => {
  const result = backtestResult('file:///ws/rsi.strategy.ts');

  it('asks volt/bars for the data and the range the run used', () => {
    expect(barsParamsFor(result)).toEqual({ data: 'synthetic:42', from: result.report.data.from, to: result.report.data.to, maxBars: CHART_MAX_BARS });
  });

  it('gives the candles in seconds, and equity and drawdown at each candle’s time so the panes share one axis', () => {
    const chart = chartModel(result, bars());
    expect(chart.candles).toHaveLength(16);
    expect(chart.candles[0]).toEqual({ time: FROM / 1000, open: 42_000, high: 42_200, low: 41_900, close: 42_100 });
    expect(chart.equity.map((p) => p.time)).toEqual(chart.candles.map((c) => c.time));
    expect(chart.drawdown.map((p) => p.time)).toEqual(chart.candles.map((c) => c.time));
    // The curve's daily points hold until the next one: 10,000 on day 0, 10,300 from day 1, …
    expect(chart.equity.map((p) => p.value)).toEqual([10_000, 10_000, 10_000, 10_000, 10_300, 10_300, 10_300, 10_300, 10_123.4, 10_123.4, 10_123.4, 10_123.4, 11_234, 11_234, 11_234, 11_234]);
    expect(chart.drawdown[8]!.value).toBeCloseTo(-1.72);
    expect(chart.priceDecimals).toBe(2);
    expect(chart.intraday).toBe(true);
    expect(chart.caption).toBe('BTC/USDT 6h (96 1h bars, 6 per candle) · 2 trades');
  });

  it('marks each entry and exit on the candle that holds it, and draws stops and targets only while a trade is open', () => {
    const chart = chartModel(result, bars());
    const at = (ms: number) => Math.floor((ms - FROM) / (6 * HOUR));
    expect(chart.markers.map((m) => [m.kind, (m.time * 1000 - FROM) / (6 * HOUR), m.text])).toEqual([
      ['entry-long', at(FROM + DAY), '#1'],
      ['exit-win', at(FROM + DAY + 5 * HOUR), ''],
      ['entry-short', at(FROM + 2 * DAY), '#2'],
      ['exit-loss', at(FROM + 2 * DAY + 5 * HOUR), 'stop'],
    ]);
    // Trade 2 (short, candle 8 to 8: entry 48:00, exit 53:00) set a stop at 44,000 and a target at 41,000.5; trade 1 set neither.
    const drawn = (points: { value: number; hidden?: true }[]) => points.flatMap((p, i) => (p.hidden ? [] : [[i, p.value]]));
    expect(chart.stops).toHaveLength(16);
    expect(drawn(chart.stops)).toEqual([]);
    expect(chart.stops.every((p) => p.value === 44_000)).toBe(true);
    expect(chart.targets.every((p) => p.value === 41_000.5)).toBe(true);
  });

  it('draws a level over the candles its trade spans', () => {
    const long = backtestResult('file:///ws/rsi.strategy.ts');
    const t = long.report.trades[1]!;
    t.exitTime = FROM + 3 * DAY; // candle 12
    const chart = chartModel(long, bars());
    const drawn = chart.stops.flatMap((p, i) => (p.hidden ? [] : [i]));
    // The segment into candle 8 stays hidden (no line climbs from elsewhere); 9…12 are drawn.
    expect(drawn).toEqual([9, 10, 11, 12]);
  });

  it('without candles, says why and still draws equity and drawdown on the curve’s own times', () => {
    const chart = chartModel(result, undefined, 'volt/bars: could not load prices.csv: no such file');
    expect(chart.candles).toEqual([]);
    expect(chart.markers).toEqual([]);
    expect(chart.equity.map((p) => p.value)).toEqual([10_000, 10_300, 10_123.4, 11_234]);
    expect(chart.caption).toBe('Price chart unavailable: volt/bars: could not load prices.csv: no such file');
  });

  it('finds the candle holding a time', () => {
    expect([candleIndex([10, 20, 30], 5), candleIndex([10, 20, 30], 20), candleIndex([10, 20, 30], 29), candleIndex([10, 20, 30], 99)]).toEqual([0, 1, 1, 2]);
  });
});

describe('ReportView', () => {
  beforeEach(() => resetStandIn());

  function view(loadBars: (p: BarsParams) => Promise<BarsResult>) {
    const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
    const reports = new ReportView(vscode.Uri.file('/ext') as unknown as vscode.Uri, output, async () => undefined, loadBars);
    return { reports, output };
  }
  const posted = () => recorded.webviews[0]!.webview.posted as ReportPageMessage[];

  it('loads the bundled script, then shows the report and the chart on the run’s candles', async () => {
    const asked: BarsParams[] = [];
    const { reports } = view(async (p) => (asked.push(p), bars()));
    await reports.show(backtestResult('file:///ws/rsi.strategy.ts'), { uri: 'file:///ws/rsi.strategy.ts' });
    expect(recorded.webviews[0]!.webview.html).toMatch(/src="https:\/\/stand-in\.vscode-resource\/ext\/dist\/media\/report\.js"/);
    recorded.webviews[0]!.webview.fromPage({ type: 'ready' });
    expect(posted().map((m) => m.type)).toEqual(['report', 'chart']);
    expect(asked).toEqual([barsParamsFor(backtestResult('file:///ws/rsi.strategy.ts'))]);
    const chart = posted()[1] as Extract<ReportPageMessage, { type: 'chart' }>;
    expect(chart.chart.candles).toHaveLength(16);
  });

  it('sends an options run’s greeks with the report, before the candles are in', async () => {
    const result = optionsBacktestResult();
    const { reports } = view(async () => bars());
    await reports.show(result, { uri: result.uri });
    recorded.webviews[0]!.webview.fromPage({ type: 'ready' });
    const report = posted()[0] as Extract<ReportPageMessage, { type: 'report' }>;
    expect(report.model.greeks!.series).toHaveLength(4);
    expect(report.model.greeks!.series[0]!.points).toHaveLength(result.report.options!.greeks.time.length);
  });

  it('without candles, draws equity and drawdown and says why in the chart and the log', async () => {
    const { reports, output } = view(() => Promise.reject(new Error('volt/bars: could not load prices.csv: no such file')));
    await reports.show(backtestResult('file:///ws/rsi.strategy.ts'), { uri: 'file:///ws/rsi.strategy.ts' });
    recorded.webviews[0]!.webview.fromPage({ type: 'ready' });
    const chart = posted().find((m) => m.type === 'chart') as Extract<ReportPageMessage, { type: 'chart' }>;
    expect(chart.chart.caption).toBe('Price chart unavailable: volt/bars: could not load prices.csv: no such file');
    expect(output.lines.at(-1)).toBe('Report view: no candles for synthetic:42: volt/bars: could not load prices.csv: no such file');
  });

  it('drops a run whose candles arrive after a newer run was shown', async () => {
    const answers: ((b: BarsResult) => void)[] = [];
    const { reports } = view(() => new Promise((resolve) => answers.push(resolve)));
    const first = reports.show(backtestResult('file:///ws/rsi.strategy.ts'), { uri: 'file:///ws/rsi.strategy.ts' });
    recorded.webviews[0]!.webview.fromPage({ type: 'ready' });
    const second = reports.show(backtestResult('file:///ws/rsi.strategy.ts', { finishedAt: 2_000 }), { uri: 'file:///ws/rsi.strategy.ts' });
    answers[1]!(bars());
    await second;
    answers[0]!({ ...bars(), symbol: 'OLDER', time: [FROM] });
    await first;
    expect(posted().map((m) => m.type)).toEqual(['report', 'chart']);
    const chart = posted()[1] as Extract<ReportPageMessage, { type: 'chart' }>;
    expect(chart.chart.candles).toHaveLength(16);
  });

  it('every range of one instrument reads with the same decimals: the whole data set’s high picks them', async () => {
    const result = backtestResult('file:///ws/rsi.strategy.ts');
    // Trades near 99 alone would read with three decimals; the data set reaches 130, so two.
    for (const t of result.report.trades) (t.entryPrice = 98.123456), (t.exitPrice = 99.5);
    const { reports } = view(async () => ({ ...bars(), dataHigh: 130.2 }));
    await reports.show(result, { uri: result.uri });
    recorded.webviews[0]!.webview.fromPage({ type: 'ready' });
    const report = posted()[0] as Extract<ReportPageMessage, { type: 'report' }>;
    const chart = posted()[1] as Extract<ReportPageMessage, { type: 'chart' }>;
    expect(report.model.trades.map((t) => t.entryPrice)).toEqual(['98.12', '98.12']);
    expect([report.model.priceDecimals, chart.chart.priceDecimals]).toEqual([2, 2]);
    expect(reportModel(result).priceDecimals).toBe(3);
  });
});
