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
