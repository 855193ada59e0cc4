import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seriesFromCandles, synthesize, type Candle, type CandleSeries } from '../data/index.js';
import { defineStrategy, type StrategyContext, type StrategyDefinition } from '../strategy/index.js';
import { VoltError } from '../errors.js';
import { downsampleEquity, runBacktest } from './index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Bars from [open, high, low, close] rows, one hour apart from 2024-01-01T00:00Z. */
function bars(rows: ReadonlyArray<readonly [number, number, number, number]>): CandleSeries {
  const candles: Candle[] = rows.map(([open, high, low, close], i) => ({ time: T0 + i * HOUR, open, high, low, close, volume: 1 }));
  return seriesFromCandles(candles, { symbol: 'TEST/USD', timeframe: '1h', source: 'test' });
}

type Script = Record<number, 'buy' | 'sell' | 'exit'>;

/** A strategy that does what the script says at the given bars' closes, nothing else. */
function scripted(script: Script, risk: StrategyDefinition['risk'] = {}, extra: Partial<StrategyDefinition> = {}): StrategyDefinition {
  return defineStrategy({
    name: 'scripted',
    risk,
    onBar(ctx: StrategyContext) {
      const action = script[ctx.index];
      if (action) ctx[action]({ reason: `script ${action} at ${ctx.index}` });
    },
    ...extra,
  });
}

// Round numbers so every figure below can be checked with a pocket calculator.
const HAND = { capital: 10_000, feeRate: 0.001, slippage: 0.001, maxPositionCap: 0.5 };

describe('a dozen bars computed by hand', () => {
  // fee 0.1% per fill on notional, slippage 0.1% against us, positions of 50% of equity at the open,
  // stop 5% and take-profit 10% from the entry fill.
  const series = bars([
    [100, 101, 99, 100], //   0
    [100, 102, 99, 101], //   1
    [101, 103, 100, 102], //  2  buy
    [102, 104, 101, 103], //  3  long fills at the open
    [103, 108, 102, 107], //  4  buy again: ignored, already long
    [107, 113, 106, 110], //  5  high 113 reaches the take-profit 112.3122
    [110, 111, 108, 109], //  6  sell: opens a short
    [108, 109, 104, 105], //  7  short fills at the open
    [105, 114, 104, 112], //  8  high 114 reaches the short's stop 113.2866
    [112, 113, 110, 111], //  9  buy
    [111, 112, 109, 110], // 10  long fills
    [110, 112, 108, 111], // 11  exit
    [112, 113, 111, 112], // 12  exit fills at the open; buy
    [113, 114, 112, 113], // 13  long fills; exit: no next bar; closed at the end
  ]);
  const strategy = scripted(
    { 2: 'buy', 4: 'buy', 6: 'sell', 9: 'buy', 11: 'exit', 12: 'buy', 13: 'exit' },
    { stopLoss: 0.05, takeProfit: 0.1, maxPositionPct: 0.5 },
  );
  const report = runBacktest(strategy, series, HAND);
  const [t1, t2, t3, t4] = report.trades;

  it('trade 1: long at bar 3, out at the take-profit inside bar 5', () => {
    // entry = open 102 × (1 + 0.001) = 102.102; notional = 50% × 10000 = 5000
    // qty = 5000 / 102.102 = 48.970637205931325; fee = 5000 × 0.001 = 5; cash 10000 − 5005 = 4995
    // stop = 102.102 × 0.95 = 96.9969; target = 102.102 × 1.10 = 112.3122
    expect(t1).toMatchObject({ id: 1, side: 'long', entryBar: 3, entryTime: T0 + 3 * HOUR, exitBar: 5, exitReason: 'takeProfit' });
    expect(t1!.entryPrice).toBeCloseTo(102.102, 9);
    expect(t1!.qty).toBeCloseTo(48.970637205931325, 9);
    expect(t1!.stopPrice).toBeCloseTo(96.9969, 9);
    expect(t1!.takeProfitPrice).toBeCloseTo(112.3122, 9);
    // a take-profit is a resting limit: filled at the target itself, no slippage
    // exit notional = 48.9706… × 112.3122 = 5500; fee 5.5; pnl = 500 − 5 − 5.5 = 489.5
    expect(t1!.exitPrice).toBeCloseTo(112.3122, 9);
    expect(t1!.fees).toBeCloseTo(10.5, 9);
    expect(t1!.pnl).toBeCloseTo(489.5, 9);
    expect(t1!.pnlPct).toBeCloseTo(489.5 / 5000, 12);
    expect(t1!.barsHeld).toBe(2);
  });

  it('trade 2: short at bar 7, stopped inside bar 8 with slippage on the stop', () => {
    // equity at bar 7's open = cash 10000 + 489.5 = 10489.5; notional = 5244.75
    // entry = 108 × (1 − 0.001) = 107.892; qty = 5244.75 / 107.892 = 48.611111…; fee 5.24475
    // stop = 107.892 × 1.05 = 113.2866 (above, a short loses when price rises); target 97.1028
    // bar 8: high 114 ≥ 113.2866, open 105 below it → stop fills at 113.2866 × 1.001 = 113.3998866
    // exit notional = 5244.75 × 1.05 × 1.001 = 5512.4944875; fee 5.5124944875
    // pnl = 5244.75 − 5512.4944875 − 5.24475 − 5.5124944875 = −278.5017319875
    expect(t2).toMatchObject({ id: 2, side: 'short', entryBar: 7, exitBar: 8, exitReason: 'stop' });
    expect(t2!.entryPrice).toBeCloseTo(107.892, 9);
    expect(t2!.qty).toBeCloseTo(48.611111111111114, 9);
    expect(t2!.stopPrice).toBeCloseTo(113.2866, 9);
    expect(t2!.takeProfitPrice).toBeCloseTo(97.1028, 9);
    expect(t2!.exitPrice).toBeCloseTo(113.3998866, 9);
    expect(t2!.fees).toBeCloseTo(5.24475 + 5.5124944875, 9);
    expect(t2!.pnl).toBeCloseTo(-278.5017319875, 9);
  });

  it('trade 3: long at bar 10, closed by the exit signal at bar 12 open', () => {
    // equity = 10489.5 − 278.5017319875 = 10210.9982680125; notional = 5105.49913400625
    // entry = 111 × 1.001 = 111.111; fee 5.10549913400625
    // exit = 112 × 0.999 = 111.888; exit notional = 5105.49913400625 × 111.888 / 111.111 = 5141.201925153…
    // fee 5.141201925153; pnl = 5141.2019… − 5105.4991… − 5.1054… − 5.1412… = 25.45609008773…
    expect(t3).toMatchObject({ id: 3, side: 'long', entryBar: 10, exitBar: 12, exitReason: 'signal' });
    expect(t3!.entryPrice).toBeCloseTo(111.111, 9);
    expect(t3!.exitPrice).toBeCloseTo(111.888, 9);
    expect(t3!.fees).toBeCloseTo(5.10549913400625 + 5.141201925153148, 8);
    expect(t3!.pnl).toBeCloseTo(25.45609008773816, 8);
  });

  it('trade 4: long at bar 13, closed at the last close because the data ends', () => {
    // equity = 10210.9982680125 + 25.45609008773816 = 10236.454358100238; notional 5118.227179050119
    // entry = 113 × 1.001 = 113.113; exit = last close 113 × 0.999 = 112.887
    // pnl = 5118.2272 × (112.887/113.113 − 1) − 5.1182272 − 5.1080010 = −20.45245625994
    expect(t4).toMatchObject({ id: 4, side: 'long', entryBar: 13, exitBar: 13, exitReason: 'end', barsHeld: 0 });
    expect(t4!.entryPrice).toBeCloseTo(113.113, 9);
    expect(t4!.exitPrice).toBeCloseTo(112.887, 9);
    expect(t4!.pnl).toBeCloseTo(-20.452456259939854, 8);
  });

  it('final equity, fees and the signals that did nothing', () => {
    // 10000 + 489.5 − 278.5017319875 + 25.45609008773816 − 20.452456259939854
    expect(report.metrics.endEquity).toBeCloseTo(10216.001901840296, 8);
    expect(report.equityCurve.equity.at(-1)).toBeCloseTo(10216.001901840296, 8);
    expect(report.metrics.feesPaid).toBeCloseTo(10.5 + 10.75724448750 + 10.246701059159398 + 10.226228129970268, 8);
    expect(report.trades).toHaveLength(4);
    expect(report.signals.map((s) => [s.bar, s.action, s.tradeId ?? s.ignored])).toEqual([
      [2, 'buy', 1],
      [4, 'buy', 'already long'],
      [6, 'sell', 2],
      [9, 'buy', 3],
      [11, 'exit', 3],
      [12, 'buy', 4],
      [13, 'exit', 'no next bar'],
    ]);
  });

  it('marks equity to market at every close', () => {
    const e = report.equityCurve.equity;
    expect(e.slice(0, 3)).toEqual([10_000, 10_000, 10_000]);
    // bar 3: cash 4995 + 48.970637205931325 × close 103
    expect(e[3]).toBeCloseTo(4995 + 48.970637205931325 * 103, 9);
    // bar 7: a short: cash 15729.00525 − 48.6111… × close 105
    expect(e[7]).toBeCloseTo(15729.00525 - 48.611111111111114 * 105, 9);
    expect(e[8]).toBeCloseTo(10210.9982680125, 9);
  });

  it('shows the strategy its position as it stands at each close', () => {
    const seen: string[] = [];
    const watching = scripted(
      { 2: 'buy', 4: 'buy', 6: 'sell', 9: 'buy', 11: 'exit', 12: 'buy', 13: 'exit' },
      { stopLoss: 0.05, takeProfit: 0.1, maxPositionPct: 0.5 },
    );
    const onBar = watching.onBar;
    watching.onBar = (ctx) => {
      seen.push(`${ctx.position.side}:${ctx.position.barsHeld}`);
      onBar(ctx);
    };
    runBacktest(watching, series, HAND);
    expect(seen).toEqual(['0:0', '0:0', '0:0', '1:0', '1:1', '0:0', '0:0', '-1:0', '0:0', '0:0', '1:0', '1:1', '0:0', '1:0']);
  });

  it('derives the trade metrics from those four trades', () => {
    const m = report.metrics;
    expect(m.trades).toBe(4);
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBeCloseTo((489.5 + 25.45609008773816) / (278.5017319875 + 20.452456259939854), 9);
    expect(m.bestTrade).toBeCloseTo(489.5, 9);
    expect(m.worstTrade).toBeCloseTo(-278.5017319875, 9);
    expect(m.maxConsecutiveWins).toBe(1);
    expect(m.maxConsecutiveLosses).toBe(1);
    // a position is open at the closes of bars 3–4, 7, 10–11 and 13 (trade 4 is sold at that close)
    expect(m.exposure).toBeCloseTo(6 / 14, 12);
    expect(m.avgHoldingBars).toBeCloseTo((2 + 1 + 2 + 0) / 4, 12);
    expect(m.avgHoldingMs).toBeCloseTo(((2 + 1 + 2 + 0) / 4) * HOUR, 6);
  });
});

describe('stops and targets inside a bar', () => {
  const risk = { stopLoss: 0.05, takeProfit: 0.05, maxPositionPct: 0.5 };

  it('assumes the stop came first when one bar reaches both', () => {
    // long from 100.1 (open 100 + 0.1%): stop 95.095, target 105.105; bar 2 spans 90…110
    const series = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 110, 90, 100], [100, 100, 100, 100]]);
    const r = runBacktest(scripted({ 0: 'buy' }, risk), series, HAND);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ exitReason: 'stop', exitBar: 2 });
    expect(r.trades[0]!.exitPrice).toBeCloseTo(100.1 * 0.95 * 0.999, 9);
  });

  it('checks the entry bar itself, from the fill at its open', () => {
    // long fills at 100.1 on bar 1; the same bar falls to 90: stopped at 95.095 less slippage
    const series = bars([[100, 100, 100, 100], [100, 101, 90, 95], [95, 96, 94, 95]]);
    const r = runBacktest(scripted({ 0: 'buy' }, risk), series, HAND);
    expect(r.trades[0]).toMatchObject({ entryBar: 1, exitBar: 1, exitReason: 'stop', barsHeld: 0 });
    expect(r.trades[0]!.exitPrice).toBeCloseTo(95.095 * 0.999, 9);
  });

  it('fills a gap through the stop at the open, not at the stop', () => {
    // stop 95.095; bar 2 opens at 90, below it: the stop could only trade at 90 (less slippage)
    const series = bars([[100, 100, 100, 100], [100, 101, 99, 100], [90, 92, 88, 91], [91, 91, 91, 91]]);
    const r = runBacktest(scripted({ 0: 'buy' }, risk), series, HAND);
    expect(r.trades[0]).toMatchObject({ exitReason: 'stop', exitBar: 2 });
    expect(r.trades[0]!.exitPrice).toBeCloseTo(90 * 0.999, 9);
    expect(r.trades[0]!.pnl).toBeLessThan(r.trades[0]!.qty * (95.095 * 0.999 - 100.1));
  });

  it('fills a gap through the target at the open, the better price', () => {
    const series = bars([[100, 100, 100, 100], [100, 101, 99, 100], [112, 115, 111, 113], [113, 113, 113, 113]]);
    const r = runBacktest(scripted({ 0: 'buy' }, risk), series, HAND);
    expect(r.trades[0]).toMatchObject({ exitReason: 'takeProfit', exitBar: 2, exitPrice: 112 });
  });
});

describe('short positions', () => {
  it('profit when the price falls, out at the target below', () => {
    // sell at bar 0's close; short fills at 100 × 0.999 = 99.9; target 10% below = 89.91; stop 5% above = 104.895
    const series = bars([[100, 100, 100, 100], [100, 101, 98, 97], [97, 98, 92, 93], [93, 94, 89, 90], [90, 90, 90, 90]]);
    const r = runBacktest(scripted({ 0: 'sell' }, { stopLoss: 0.05, takeProfit: 0.1, maxPositionPct: 0.5 }), series, HAND);
    const t = r.trades[0]!;
    expect(t).toMatchObject({ side: 'short', entryBar: 1, exitBar: 3, exitReason: 'takeProfit' });
    expect(t.stopPrice).toBeCloseTo(104.895, 9);
    expect(t.takeProfitPrice).toBeCloseTo(89.91, 9);
    // qty = 5000 / 99.9; gross = qty × (99.9 − 89.91) = 500; fees = 5 + 4.5
    expect(t.pnl).toBeCloseTo(500 - 5 - 4.5, 9);
    expect(r.metrics.endEquity).toBeCloseTo(10_490.5, 9);
    // while short and the price falls, equity rises: bar 2 close 93 marks above bar 1 close 97
    expect(r.equityCurve.equity[2]!).toBeGreaterThan(r.equityCurve.equity[1]!);
  });

  it('reverses a short into a long on buy: close, then open, at the same open', () => {
    const series = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]]);
    const r = runBacktest(scripted({ 0: 'sell', 1: 'buy' }), series, { ...HAND, maxPositionCap: 0.1 });
    expect(r.trades.map((t) => [t.side, t.entryBar, t.exitBar, t.exitReason])).toEqual([
      ['short', 1, 2, 'reverse'],
      ['long', 2, 3, 'end'],
    ]);
  });
});

describe('sizing', () => {
  const flat = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]]);
  const noCost = { capital: 10_000, feeRate: 0, slippage: 0 };
  const sized = (order: { pct?: number; qty?: number }, maxPositionPct?: number) =>
    defineStrategy({
      name: 'sized',
      risk: maxPositionPct === undefined ? {} : { maxPositionPct },
      onBar: (ctx) => {
        if (ctx.index === 0) ctx.buy(order);
      },
    });

  it('defaults to 10% of equity', () => {
    expect(runBacktest(sized({}), flat, noCost).trades[0]!.qty).toBeCloseTo(10, 12);
  });
  it('caps a larger pct at the 10% hard cap even when the strategy allows more', () => {
    expect(runBacktest(sized({ pct: 0.9 }, 0.9), flat, noCost).trades[0]!.qty).toBeCloseTo(10, 12);
  });
  it('caps at risk.maxPositionPct when it is below the hard cap', () => {
    expect(runBacktest(sized({ pct: 0.5 }, 0.05), flat, noCost).trades[0]!.qty).toBeCloseTo(5, 12);
  });
  it('caps a quantity the same way', () => {
    expect(runBacktest(sized({ qty: 1000 }), flat, noCost).trades[0]!.qty).toBeCloseTo(10, 12);
    expect(runBacktest(sized({ qty: 3 }), flat, noCost).trades[0]!.qty).toBe(3);
  });
  it('lets the caller raise the hard cap up to what the strategy allows', () => {
    expect(runBacktest(sized({ pct: 0.3 }, 0.5), flat, { ...noCost, maxPositionCap: 1 }).trades[0]!.qty).toBeCloseTo(30, 12);
  });
  it('keeps one position unless pyramiding, and then still caps the total', () => {
    const adds = (pyramiding: boolean) =>
      defineStrategy({ name: 'adds', pyramiding, onBar: (ctx) => ctx.buy({ pct: 0.06 }) });
    const series = bars(Array.from({ length: 5 }, () => [100, 100, 100, 100] as const));
    const single = runBacktest(adds(false), series, noCost);
    expect(single.trades).toHaveLength(1);
    const stacked = runBacktest(adds(true), series, noCost);
    // 6% then the 4% of room left under the 10% cap, then nothing
    expect(stacked.trades.map((t) => t.qty)).toEqual([6, expect.closeTo(4, 9)]);
    expect(stacked.signals.filter((s) => s.ignored === 'position at max size')).toHaveLength(2);
  });
});

describe('the strategy sees the past only', () => {
  it('history(n) never reads past the current bar, and reuses one object', () => {
    const series = bars(Array.from({ length: 30 }, (_, i) => [i + 1, i + 2, i, i + 1] as const));
    const seen: number[] = [];
    let first: unknown;
    const strategy = defineStrategy({
      name: 'peek',
      onBar(ctx) {
        const h = ctx.history(5);
        first ??= h;
        expect(h).toBe(first);
        expect(h.length).toBe(Math.min(5, ctx.index + 1));
        expect(h.close(0)).toBe(ctx.bar.close);
        expect(h.close(-1)).toBeNaN();
        expect(h.close(5)).toBeNaN();
        expect(ctx.history(1000).length).toBe(ctx.index + 1);
        seen.push(ctx.history(3).close(2));
      },
    });
    runBacktest(strategy, series);
    expect(seen.slice(0, 4)).toEqual([NaN, NaN, 1, 2]);
  });

  it('stops the run on a throw, naming the bar and its time', () => {
    const series = bars(Array.from({ length: 10 }, () => [100, 100, 100, 100] as const));
    const strategy = defineStrategy({
      name: 'broken',
      onBar(ctx) {
        if (ctx.index === 7) throw new Error('boom');
      },
    });
    let caught: unknown;
    try {
      runBacktest(strategy, series);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VoltError);
    const err = caught as VoltError;
    expect(err.kind).toBe('strategy');
    expect(err.message).toContain('boom');
    expect(err.message).toContain('bar 7');
    expect(err.message).toContain(new Date(T0 + 7 * HOUR).toISOString());
  });
});

describe('volatility stop', () => {
  it('places the stop atrMultiple ATRs from the entry, with the ATR known at the signal', () => {
    // every bar spans 2 with no gaps: true range 2, ATR 2; stop = 100 − 3 × 2 = 94
    const series = bars([[100, 101, 99, 100], [100, 101, 99, 100], [100, 101, 99, 100], [100, 101, 93, 95], [95, 95, 95, 95]]);
    const strategy = scripted({ 1: 'buy' }, { stopLoss: { kind: 'volatility', atrMultiple: 3, period: 14 } });
    const r = runBacktest(strategy, series, { capital: 10_000, feeRate: 0, slippage: 0 });
    expect(r.trades[0]).toMatchObject({ entryBar: 2, exitBar: 3, exitReason: 'stop', stopPrice: 94, exitPrice: 94 });
  });
});

describe('determinism', () => {
  const market = synthesize({ seed: 7, bars: 5000, timeframe: '1h' });
  const strategy = defineStrategy({
    name: 'rsi-with-dice',
    params: { oversold: { value: 30, min: 10, max: 45 }, overbought: 70 },
    risk: { stopLoss: 0.03, takeProfit: 0.06 },
    indicators: (ind) => ({ rsi: ind.rsi(14) }),
    onBar(ctx) {
      const rsi = ctx.ind.rsi!.value;
      // ctx.random is seeded: the coin flips replay identically
      if (ctx.position.side === 0 && rsi < ctx.params.oversold && ctx.random() < 0.7) ctx.buy({ confidence: 0.6, reason: 'oversold' });
      else if (ctx.position.side === 0 && rsi > ctx.params.overbought && ctx.random() < 0.7) ctx.sell({ reason: 'overbought' });
      else if (ctx.position.side !== 0 && ctx.position.barsHeld > 48) ctx.exit({ reason: 'time' });
    },
  });

  it('gives byte-identical JSON for the same inputs', () => {
    const a = JSON.stringify(runBacktest(strategy, market, { seed: 3 }));
    const b = JSON.stringify(runBacktest(strategy, market, { seed: 3 }));
    expect(a).toBe(b);
    expect(JSON.parse(a).trades.length).toBeGreaterThan(10);
  });

  it('changes with the seed that ctx.random draws from', () => {
    const a = runBacktest(strategy, market, { seed: 3 });
    const b = runBacktest(strategy, market, { seed: 4 });
    expect(JSON.stringify(a.trades)).not.toBe(JSON.stringify(b.trades));
  });

  it('keeps metrics on every bar while the curve is downsampled', () => {
    const r = runBacktest(strategy, market, { equityPoints: 100 });
    expect(r.equityCurve.equity).toHaveLength(100);
    expect(r.equityCurve.time[0]).toBe(market.time[0]);
    expect(r.equityCurve.time[99]).toBe(market.time[4999]);
    expect(r.equityCurve.equity[99]).toBe(r.metrics.endEquity);
    // The curve's deepest sample is the max drawdown over every bar, wherever its trough fell.
    expect(Math.max(...r.equityCurve.drawdown)).toBeCloseTo(r.metrics.maxDrawdown, 12);
  });
});

describe('review before an entry fills (observer.decide)', () => {
  const series = bars(Array.from({ length: 6 }, () => [100, 100, 100, 100] as const));
  const noCost = { capital: 10_000, feeRate: 0, slippage: 0 };

  it('is asked at the signal close and can refuse, shrink or move the stop', () => {
    const asked: number[] = [];
    const strategy = scripted({ 0: 'buy', 2: 'exit', 3: 'sell' }, { stopLoss: 0.05 });
    const r = runBacktest(strategy, series, noCost, {
      decide(entry) {
        asked.push(entry.bar);
        expect(entry).toMatchObject({ price: 100, equity: 10_000, pct: 0.1, stopPrice: entry.side === 'long' ? 95 : 105 });
        return entry.side === 'long' ? { approved: true, pct: 0.05, stopPrice: 98 } : { approved: false, note: 'REJECTED by risk_gate' };
      },
    });
    expect(asked).toEqual([0, 3]);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ qty: 5, stopPrice: 98 });
    expect(r.signals.find((s) => s.bar === 3)?.ignored).toBe('REJECTED by risk_gate');
  });
});

describe('observer hooks', () => {
  it('are called as methods with every signal, every trade and the progress', () => {
    class Recorder {
      signals = 0;
      trades = 0;
      progress: Array<[number, number]> = [];
      onSignal() {
        this.signals++;
      }
      onTrade() {
        this.trades++;
      }
      onProgress(done: number, total: number) {
        this.progress.push([done, total]);
      }
    }
    const recorder = new Recorder();
    const series = bars(Array.from({ length: 40_000 }, (_, i) => [100 + (i % 7), 108, 99, 100 + (i % 5)] as const));
    const strategy = defineStrategy({
      name: 'every-hundred',
      onBar: (ctx) => {
        if (ctx.index % 100 === 0) ctx.buy();
        else if (ctx.index % 100 === 50) ctx.exit();
      },
    });
    const r = runBacktest(strategy, series, {}, recorder);
    expect(recorder.signals).toBe(r.signals.length);
    expect(recorder.trades).toBe(r.trades.length);
    expect(r.trades).toHaveLength(400);
    expect(recorder.progress).toEqual([[16_384, 40_000], [32_768, 40_000], [40_000, 40_000]]);
  });
});

describe('accounting holds for any market and any sequence of orders (property)', () => {
  const market = fc
    .array(fc.record({ move: fc.double({ min: -0.08, max: 0.08, noNaN: true }), gap: fc.double({ min: -0.05, max: 0.05, noNaN: true }), up: fc.double({ min: 0, max: 0.05, noNaN: true }), down: fc.double({ min: 0, max: 0.05, noNaN: true }) }), { minLength: 2, maxLength: 80 })
    .map((steps) => {
      let price = 100;
      return bars(
        steps.map(({ move, gap, up, down }) => {
          const open = price * (1 + gap);
          const close = open * (1 + move);
          price = close;
          return [open, Math.max(open, close) * (1 + up), Math.min(open, close) * (1 - down), close] as const;
        }),
      );
    });
  const script = fc.dictionary(fc.integer({ min: 0, max: 79 }).map(String), fc.constantFrom('buy' as const, 'sell' as const, 'exit' as const));
  const risk = fc.record({ stopLoss: fc.option(fc.double({ min: 0.005, max: 0.2, noNaN: true }), { nil: undefined }), takeProfit: fc.option(fc.double({ min: 0.005, max: 0.3, noNaN: true }), { nil: undefined }) });

  it('ends with capital + Σ trade pnl, fills inside the bars, stops never better than the stop', () => {
    fc.assert(
      fc.property(market, script, risk, (series, orders, { stopLoss, takeProfit }) => {
        const strategy = scripted(Object.fromEntries(Object.entries(orders).map(([k, v]) => [Number(k), v])), {
          ...(stopLoss === undefined ? {} : { stopLoss }),
          ...(takeProfit === undefined ? {} : { takeProfit }),
        });
        const r = runBacktest(strategy, series, HAND);
        const pnl = r.trades.reduce((sum, t) => sum + t.pnl, 0);
        expect(r.metrics.endEquity).toBeCloseTo(HAND.capital + pnl, 6);
        expect(r.metrics.feesPaid).toBeCloseTo(r.trades.reduce((sum, t) => sum + t.fees, 0), 9);
        for (const t of r.trades) {
          const lo = series.low[t.exitBar]! * (1 - HAND.slippage) - 1e-9;
          const hi = series.high[t.exitBar]! * (1 + HAND.slippage) + 1e-9;
          expect(t.exitPrice).toBeGreaterThanOrEqual(lo);
          expect(t.exitPrice).toBeLessThanOrEqual(hi);
          const open = series.open[t.entryBar]!;
          expect(t.entryPrice).toBeCloseTo(t.side === 'long' ? open * (1 + HAND.slippage) : open * (1 - HAND.slippage), 9);
          if (t.exitReason === 'stop') {
            if (t.side === 'long') expect(t.exitPrice).toBeLessThanOrEqual(t.stopPrice!);
            else expect(t.exitPrice).toBeGreaterThanOrEqual(t.stopPrice!);
          }
          if (t.exitReason === 'takeProfit') {
            if (t.side === 'long') expect(t.exitPrice).toBeGreaterThanOrEqual(t.takeProfitPrice!);
            else expect(t.exitPrice).toBeLessThanOrEqual(t.takeProfitPrice!);
          }
          // one position at a time: trades never overlap
        }
        for (let k = 1; k < r.trades.length; k++) expect(r.trades[k]!.entryBar).toBeGreaterThanOrEqual(r.trades[k - 1]!.exitBar);
        expect(JSON.stringify(runBacktest(strategy, series, HAND))).toBe(JSON.stringify(r));
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});

describe('downsampleEquity', () => {
  it('keeps the first and last bar and measures drawdown from the peak over every bar', () => {
    // samples at bars 0, 2 and 4; the peaks 120 (bar 1) and 130 (bar 3) fall between samples
    const curve = downsampleEquity(new Float64Array([0, 1, 2, 3, 4]), new Float64Array([100, 120, 90, 130, 65]), 3);
    expect(curve).toEqual({ time: [0, 2, 4], equity: [100, 90, 65], drawdown: [0, 0.25, 0.5] });
  });

  it('gives each sample the deepest drawdown since the one before, so the chart reaches the max drawdown', () => {
    // samples at bars 0, 2 and 4; the trough 60 (bar 1, 40% below 100) falls between them
    const curve = downsampleEquity(new Float64Array([0, 1, 2, 3, 4]), new Float64Array([100, 60, 110, 130, 125]), 3);
    expect(curve.equity).toEqual([100, 110, 125]);
    expect(curve.drawdown[1]).toBeCloseTo(0.4, 12);
    expect(curve.drawdown[2]).toBeCloseTo(5 / 130, 12);
  });

  it('is the drawdown of each bar when not downsampled', () => {
    const curve = downsampleEquity(new Float64Array([0, 1, 2]), new Float64Array([100, 80, 120]), 5);
    expect(curve).toEqual({ time: [0, 1, 2], equity: [100, 80, 120], drawdown: [0, 0.2, 0] });
  });
});
