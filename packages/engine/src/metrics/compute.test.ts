import { describe, expect, it } from 'vitest';
import { computeMetrics, type ClosedTrade } from './index.js';

const HOUR = 3_600_000;
const hours = (n: number) => Array.from({ length: n }, (_, i) => i * HOUR);
const trade = (pnl: number, barsHeld = 1, fees = 1): ClosedTrade => ({ pnl, fees, barsHeld, entryTime: 0, exitTime: barsHeld * HOUR });

describe('computeMetrics on a known equity series', () => {
  // equity 100 → 110 → 99 → 99 → 121; four bars make a year (barsPerYear 4) so nothing hides in
  // the annualisation.
  const m = computeMetrics({
    equity: [100, 110, 99, 99, 121],
    time: hours(5),
    startEquity: 100,
    barsPerYear: 4,
    trades: [trade(10, 1), trade(-11, 1), trade(22, 2)],
    barsInMarket: 3,
  });

  it('returns and annualised ratios', () => {
    expect(m.totalReturn).toBeCloseTo(0.21, 12);
    // one year exactly: CAGR = total return
    expect(m.cagr).toBeCloseTo(0.21, 12);
    // bar returns +0.1, −0.1, 0, +0.2222…; mean 0.0555…, sample sd 0.137885…; × √4
    expect(m.sharpe).toBeCloseTo(0.8058229640253808, 12);
    // downside deviation √(0.01 / 4) = 0.05 → 0.0555… / 0.05 × 2
    expect(m.sortino).toBeCloseTo(2.222222222222222, 12);
  });

  it('drawdown depth and duration', () => {
    // peak 110 at bar 1, trough 99: 10%; regained at bar 4, three bars later
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownDurationBars).toBe(3);
    expect(m.maxDrawdownDurationMs).toBe(3 * HOUR);
    expect(m.calmar).toBeCloseTo(2.1, 12);
  });

  it('trade statistics', () => {
    expect(m.trades).toBe(3);
    expect(m.winRate).toBeCloseTo(2 / 3, 12);
    expect(m.profitFactor).toBeCloseTo(32 / 11, 12);
    expect(m.expectancy).toBeCloseTo(7, 12);
    expect(m.avgWin).toBe(16);
    expect(m.avgLoss).toBe(-11);
    expect(m.bestTrade).toBe(22);
    expect(m.worstTrade).toBe(-11);
    expect(m.maxConsecutiveWins).toBe(1);
    expect(m.maxConsecutiveLosses).toBe(1);
    expect(m.exposure).toBeCloseTo(0.6, 12);
    expect(m.feesPaid).toBe(3);
    expect(m.avgHoldingBars).toBeCloseTo(4 / 3, 12);
    expect(m.avgHoldingMs).toBeCloseTo((4 / 3) * HOUR, 6);
  });
});

describe('edge cases keep the JSON valid', () => {
  it('no trades and flat equity: every ratio is 0', () => {
    const m = computeMetrics({ equity: [100, 100, 100], time: hours(3), startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0 });
    expect(m).toMatchObject({ totalReturn: 0, cagr: 0, sharpe: 0, sortino: 0, calmar: 0, maxDrawdown: 0, profitFactor: 0, winRate: 0, expectancy: 0, bestTrade: 0, worstTrade: 0 });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('wins without a loss, gains without a losing bar: unbounded ratios are null', () => {
    const m = computeMetrics({ equity: [100, 101, 103], time: hours(3), startEquity: 100, barsPerYear: 8760, trades: [trade(1), trade(2)], barsInMarket: 2 });
    expect(m.profitFactor).toBeNull();
    expect(m.sortino).toBeNull();
    expect(m.calmar).toBeNull();
    expect(m.maxConsecutiveWins).toBe(2);
    expect(JSON.stringify(m)).not.toMatch(/Infinity|NaN/);
  });

  it('a drawdown never regained lasts to the last bar', () => {
    const m = computeMetrics({ equity: [100, 120, 90, 100, 95], time: hours(5), startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0 });
    expect(m.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(m.maxDrawdownDurationBars).toBe(3);
  });

  it('an annualisation that overflows is null, not Infinity', () => {
    // doubling in one minute, annualised
    const m = computeMetrics({ equity: [100, 200], time: [0, 60_000], startEquity: 100, barsPerYear: 525_600, trades: [], barsInMarket: 0 });
    expect(m.cagr).toBeNull();
    expect(m.calmar).toBeNull();
  });

  it('counts streaks across trades in order', () => {
    const m = computeMetrics({ equity: [1, 1], time: hours(2), startEquity: 1, barsPerYear: 1, trades: [1, 2, -1, -2, -3, 4].map((p) => trade(p)), barsInMarket: 0 });
    expect(m.maxConsecutiveWins).toBe(2);
    expect(m.maxConsecutiveLosses).toBe(3);
  });
});

/** Equity that makes exactly these per-bar returns, from 100. */
function equityOf(returns: number[]): number[] {
  const out = [100];
  for (const r of returns) out.push(out[out.length - 1]! * (1 + r));
  return out;
}

describe('value at risk and expected shortfall (one bar)', () => {
  // 100 returns: five losses of 5%, 4%, 3%, 2%, 1% scattered among 95 gains of 0.1%.
  const returns = Array.from({ length: 100 }, () => 0.001);
  [[7, -0.03], [19, -0.05], [42, -0.01], [63, -0.04], [88, -0.02]].forEach(([i, r]) => (returns[i!] = r!));
  const equity = equityOf(returns);
  const m = computeMetrics({ equity, time: hours(equity.length), startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0 });

  it('historical: the 5th and 1st worst of 100 bars, and the mean of those tails', () => {
    // k95 = ⌈0.05 × 100⌉ = 5: VaR95 = the 5th worst (−1%), CVaR95 = mean of the 5 worst = 3%
    expect(m.valueAtRisk.historical.var95).toBeCloseTo(0.01, 12);
    expect(m.valueAtRisk.historical.cvar95).toBeCloseTo(0.03, 12);
    // k99 = 1: the worst bar, 5%
    expect(m.valueAtRisk.historical.var99).toBeCloseTo(0.05, 12);
    expect(m.valueAtRisk.historical.cvar99).toBeCloseTo(0.05, 12);
  });

  it('parametric: σ·z − μ and σ·φ(z)/(1 − α) − μ from the sample mean and sd', () => {
    const mean = returns.reduce((a, b) => a + b, 0) / 100; // (0.095 − 0.15) / 100 = −0.00055
    expect(mean).toBeCloseTo(-0.00055, 12);
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 99);
    const p = m.valueAtRisk.parametric;
    expect(p.var95).toBeCloseTo(sd * 1.644853627 - mean, 9);
    expect(p.var99).toBeCloseTo(sd * 2.326347874 - mean, 9);
    expect(p.cvar95).toBeCloseTo((sd * 0.103135640) / 0.05 - mean, 8);
    expect(p.cvar99).toBeCloseTo((sd * 0.026652142) / 0.01 - mean, 8);
    expect(p.cvar99).toBeGreaterThan(p.var99);
  });

  it('agrees with a sort on long random runs (the selection is exact)', () => {
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    for (const n of [20, 101, 1000, 12_345]) {
      const rs = Array.from({ length: n }, () => (rnd() - 0.5) * 0.04 + (rnd() < 0.1 ? 0 : 0.0001));
      const eq = equityOf(rs);
      const got = computeMetrics({ equity: eq, time: hours(eq.length), startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0 }).valueAtRisk.historical;
      const actual = eq.slice(1).map((e, i) => e / eq[i]! - 1).sort((a, b) => a - b);
      const k95 = Math.ceil(0.05 * n);
      const k99 = Math.ceil(0.01 * n);
      expect(got.var95).toBe(-actual[k95 - 1]!);
      expect(got.var99).toBe(-actual[k99 - 1]!);
      expect(got.cvar95).toBeCloseTo(-actual.slice(0, k95).reduce((a, b) => a + b, 0) / k95, 14);
      expect(got.cvar99).toBeCloseTo(-actual.slice(0, k99).reduce((a, b) => a + b, 0) / k99, 14);
    }
  });

  it('is zero for a run that never moved, and has no benchmark correlation unless one is given', () => {
    const flat = computeMetrics({ equity: [100, 100, 100], time: hours(3), startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0 });
    expect(flat.valueAtRisk).toEqual({ historical: { var95: 0, var99: 0, cvar95: 0, cvar99: 0 }, parametric: { var95: 0, var99: 0, cvar95: 0, cvar99: 0 } });
    expect('benchmarkCorrelation' in flat).toBe(false);
  });
});

describe('correlation to a benchmark', () => {
  const bench = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02];
  const close = equityOf(bench);
  const time = hours(close.length);
  const run = (returns: number[], benchmark = { time, close }) =>
    computeMetrics({ equity: equityOf(returns), time, startEquity: 100, barsPerYear: 8760, trades: [], barsInMarket: 0, benchmark }).benchmarkCorrelation;

  it('is 1 for a leveraged copy, −1 for an inverse one, in between for noise', () => {
    expect(run(bench.map((r) => 2 * r))).toBeCloseTo(1, 12);
    expect(run(bench.map((r) => -0.5 * r))).toBeCloseTo(-1, 12);
    const c = run([0.012, -0.015, 0.004, 0.0, -0.01, 0.01]);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });

  it('reads the benchmark as of each bar, and skips the bars before its first close', () => {
    // The benchmark starts at the run's third bar: only 3 of the 6 intervals overlap, and on those
    // the run is the benchmark's copy.
    const late = { time: time.slice(2), close: close.slice(2) };
    expect(run([0.5, -0.3, ...bench.slice(2)], late)).toBeCloseTo(1, 12);
    // A daily benchmark against hourly bars: as-of reads make the in-between intervals flat.
    expect(run(bench, { time: [0, 2 * HOUR, 4 * HOUR], close: [100, 101, 99] })).not.toBeNull();
  });

  it('is null when fewer than two intervals overlap or one side never moves', () => {
    expect(run(bench, { time: [5 * HOUR], close: [100] })).toBeNull();
    expect(run([0, 0, 0, 0, 0, 0])).toBeNull();
  });
});
