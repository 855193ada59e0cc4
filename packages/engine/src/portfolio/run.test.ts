import { describe, expect, it } from 'vitest';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { loadCandlesSync, seriesFromCandles, synthesize, type Candle, type CandleSeries } from '../data/index.js';
import { defineStrategy, type StrategyContext, type StrategyDefinition } from '../strategy/index.js';
import { runBacktest } from '../backtest/index.js';
import { returnsCorrelation, runPortfolioBacktest } from './run.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Bars of `symbol` from closes (open = high = low = close), an hour apart; `undefined` is a bar missing. */
function flat(symbol: string, closes: (number | undefined)[]): CandleSeries {
  const candles: Candle[] = [];
  closes.forEach((c, i) => {
    if (c !== undefined) candles.push({ time: T0 + i * HOUR, open: c, high: c, low: c, close: c, volume: 1 });
  });
  return seriesFromCandles(candles, { symbol, timeframe: '1h', source: `test:${symbol}` });
}

const rsiReversion = defineStrategy({
  name: 'rsi reversion',
  params: { low: 30, high: 60 },
  indicators: (ind) => ({ rsi: ind.rsi(14), ema: ind.ema(50) }),
  onBar(ctx) {
    const { rsi } = ctx.ind;
    if (!rsi.ready) return;
    if (ctx.position.side === 0 && rsi.value < ctx.params.low) ctx.buy({ confidence: 0.7, reason: 'oversold' });
    else if (ctx.position.side === 0 && rsi.value > 75) ctx.sell({ pct: 0.05, reason: 'overbought' });
    else if (ctx.position.side === 1 && rsi.value > ctx.params.high) ctx.exit({ reason: 'recovered' });
    else if (ctx.position.side === -1 && rsi.value < 45) ctx.buy({ reason: 'reverse' });
  },
  risk: { stopLoss: 0.03, takeProfit: 0.06, maxPositionPct: 0.1 },
});

const pyramid = defineStrategy({
  name: 'pyramid on a volatility stop',
  pyramiding: true,
  indicators: (ind) => ({ fast: ind.ema(10), slow: ind.ema(30) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (fast.value > slow.value && ctx.index % 7 === 0) ctx.buy({ qty: 0.5, reason: 'add' });
    if (fast.value < slow.value && ctx.position.side === 1) ctx.exit({ reason: 'trend over' });
    for (let k = 0; k < (ctx.index % 97 === 0 ? 20 : 0); k++) ctx.sell({ reason: 'flood' });
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 2.5 }, maxPositionPct: 0.3 },
});

describe('a one-market portfolio is the single-series backtest', () => {
  const cases: [string, StrategyDefinition<any, any>, () => CandleSeries][] = [
    ['RSI with stops, targets, shorts and reversals on 20,000 synthetic bars', rsiReversion, () => synthesize({ seed: 3, bars: 20_000, timeframe: '1h' })],
    ['pyramiding, a volatility stop, qty orders and floods of orders', pyramid, () => synthesize({ seed: 9, bars: 8_000, timeframe: '15m' })],
    ['RSI on the real bitfinex BTC/USD hours', rsiReversion, () => loadCandlesSync(sharedDataFile('bitfinex-1h-btc-usd.csv'), { lenient: true }).series],
  ];
  for (const [what, strategy, make] of cases) {
    it(`gives byte for byte the same trades, metrics and equity: ${what}`, () => {
      const series = make();
      const options = { capital: 25_000, feeRate: 0.0008, slippage: 0.0004, maxPositionCap: 0.3 };
      const single = runBacktest(strategy, series, options);
      const portfolio = runPortfolioBacktest(strategy, [series], options);
      expect(single.trades.length).toBeGreaterThan(5);
      expect(JSON.stringify(portfolio.trades)).toBe(JSON.stringify(single.trades));
      expect(JSON.stringify(portfolio.metrics)).toBe(JSON.stringify(single.metrics));
      expect(JSON.stringify(portfolio.equityCurve)).toBe(JSON.stringify(single.equityCurve));
      expect(JSON.stringify(portfolio.data)).toBe(JSON.stringify(single.data));
      expect(portfolio.signals.map(({ symbol: _s, ...rest }) => rest)).toEqual(single.signals);
      expect(portfolio.portfolio.markets[0]!.pnl).toBeCloseTo(single.trades.reduce((a, t) => a + t.pnl, 0), 6);
    });
  }
});

/** Does at each market's bar what the script says for (symbol, bar index). */
function scripted(script: Record<string, Record<number, (ctx: StrategyContext) => void>>, risk: StrategyDefinition['risk'] = { maxPositionPct: 0.5 }): StrategyDefinition {
  return defineStrategy({ name: 'scripted', risk, onBar: (ctx) => script[ctx.symbol]?.[ctx.index]?.(ctx) });
}

const HAND = { capital: 10_000, feeRate: 0.001, slippage: 0, maxPositionCap: 0.5 };

describe('one account over several markets', () => {
  it('shares the cash and sizes each order against the whole account at its open', () => {
    const a = flat('A/USD', [100, 100, 110, 110, 110]);
    const b = flat('B/USD', [50, 50, 50, 50, 50]);
    const report = runPortfolioBacktest(
      scripted({ 'A/USD': { 0: (c) => c.buy({ pct: 0.5 }) }, 'B/USD': { 1: (c) => c.buy({ pct: 0.5 }) } }),
      [a, b],
      HAND,
    );
    const [ta, tb] = report.trades;
    // A fills at bar 1's open 100 with 50% of 10,000: 50 units for 5,000 + 5 fee → cash 4,995.
    expect(ta).toMatchObject({ symbol: 'A/USD', qty: 50, entryPrice: 100, entryBar: 1 });
    // B fills at bar 2's open: equity = 4,995 + 50 × 110 (A's open) = 10,495; half is 5,247.5, but cash
    // is 4,995 and a long never spends more than there is: 4,995 / (50 × 1.001) units.
    expect(tb).toMatchObject({ symbol: 'B/USD', entryPrice: 50, entryBar: 2 });
    expect(tb!.qty).toBeCloseTo(4995 / (50 * 1.001), 9);
    // Both closed at the end at their last closes; equity is cash.
    expect(ta!.exitReason).toBe('end');
    expect(report.metrics.endEquity).toBeCloseTo(10_000 - 5005 - 4995 + 50 * 110 * 0.999 + tb!.qty * 50 * 0.999, 6);
    const [ma, mb] = report.portfolio.markets;
    expect(ma!.pnl + mb!.pnl).toBeCloseTo(report.metrics.endEquity - 10_000, 6);
    expect(ma!.equityCurve.pnl.at(-1)).toBeCloseTo(ma!.pnl, 6);
    expect(report.portfolio.maxPositions).toBe(2);
  });

  it('leaves a missing bar out (no onBar, no fill), fills the order at the market\'s next bar and reports it', () => {
    const a = flat('A/USD', [100, 100, 100, 100, 100, 100]);
    const b = flat('B/USD', [50, 51, undefined, undefined, 53, 54]);
    const seen: string[] = [];
    const strategy = defineStrategy({
      name: 'watcher',
      risk: { maxPositionPct: 0.2 },
      onBar(ctx) {
        seen.push(`${ctx.symbol}@${ctx.index}`);
        if (ctx.symbol === 'B/USD' && ctx.index === 1) ctx.buy();
        if (ctx.symbol === 'A/USD' && ctx.index === 3) {
          const b = ctx.markets!['B/USD']!;
          // B had no bar at this step: its view keeps its last bar, never a made-up one.
          seen.push(`B hasBar ${b.hasBar} close ${b.bar.close} index ${b.index}`);
        }
      },
    });
    const report = runPortfolioBacktest(strategy, [a, b], HAND);
    expect(seen.filter((s) => s.startsWith('B/USD'))).toEqual(['B/USD@0', 'B/USD@1', 'B/USD@2', 'B/USD@3']);
    expect(seen).toContain('B hasBar false close 51 index 1');
    expect(report.trades[0]).toMatchObject({ symbol: 'B/USD', entryBar: 2, entryPrice: 53, entryTime: T0 + 4 * HOUR });
    const mb = report.portfolio.markets[1]!;
    expect(mb).toMatchObject({ bars: 4, missingBars: 2, missingTimes: [T0 + 2 * HOUR, T0 + 3 * HOUR], stepsBeforeFirst: 0, stepsAfterLast: 0 });
    expect(report.portfolio.steps).toBe(6);
  });

  it('lets a pair be traded on both legs through ctx.markets', () => {
    // B moves away from A at bar 2 and back at bar 4: short the rich leg, buy the cheap one, close both.
    const a = flat('A/USD', [100, 100, 100, 100, 100, 100, 100]);
    const b = flat('B/USD', [100, 100, 106, 106, 100, 100, 100]);
    const pairs = defineStrategy({
      name: 'pairs',
      risk: { maxPositionPct: 0.25 },
      onBar(ctx) {
        if (ctx.symbol !== 'B/USD') return;
        const other = ctx.markets!['A/USD']!;
        const spread = ctx.bar.close / other.bar.close - 1;
        if (ctx.position.side === 0 && spread > 0.05) {
          ctx.sell({ reason: 'rich' });
          ctx.state.longA = true;
        } else if (ctx.position.side === -1 && spread < 0.01) ctx.exit({ reason: 'converged' });
      },
    });
    const report = runPortfolioBacktest(pairs, [a, b], HAND);
    expect(report.trades.map((t) => [t.symbol, t.side, t.entryPrice, t.exitPrice, t.exitReason])).toEqual([['B/USD', 'short', 106, 100, 'signal']]);
    expect(report.portfolio.markets[1]!.pnl).toBeGreaterThan(0);
  });
});

describe('portfolio limits', () => {
  const up = (symbol: string, n: number, drift: number, wiggle = 0) =>
    flat(symbol, Array.from({ length: n }, (_, i) => 100 * (1 + drift * i) * (1 + wiggle * Math.sin(i * 1.7))));

  it('refuses an entry past maxPositions', () => {
    const markets = [up('A/USD', 10, 0.01), up('B/USD', 10, 0.01), up('C/USD', 10, 0.01)];
    const buyAll = defineStrategy({ name: 'buy all', risk: { maxPositionPct: 0.1 }, onBar: (ctx) => (ctx.index === 1 ? ctx.buy() : undefined) });
    const report = runPortfolioBacktest(buyAll, markets, { ...HAND, limits: { maxPositions: 2 } });
    expect(report.trades.map((t) => t.symbol)).toEqual(['A/USD', 'B/USD']);
    const refused = report.signals.find((s) => s.symbol === 'C/USD')!;
    expect(refused.ignored).toBe('portfolio: 2 markets already held or ordered (max 2)');
    expect(report.portfolio.gate.refused).toEqual({ 'max positions': 1 });
  });

  it('shrinks an entry to the gross exposure left, and refuses one when none is', () => {
    const markets = [up('A/USD', 10, 0), up('B/USD', 10, 0), up('C/USD', 10, 0)];
    const buyAll = defineStrategy({ name: 'buy all', risk: { maxPositionPct: 0.5 }, onBar: (ctx) => (ctx.index === 1 ? ctx.buy({ pct: 0.4 }) : undefined) });
    const report = runPortfolioBacktest(buyAll, markets, { ...HAND, feeRate: 0, limits: { maxGrossExposure: 0.6 } });
    // A: 40 % of 10,000; B: the 20 % left; C: nothing left.
    expect(report.trades.map((t) => t.symbol)).toEqual(['A/USD', 'B/USD']);
    expect(report.trades[0]!.qty).toBeCloseTo(40, 9);
    expect(report.trades[1]!.qty).toBeCloseTo(20, 9);
    expect(report.signals.find((s) => s.symbol === 'C/USD')!.ignored).toBe('portfolio: gross exposure 60.0% is at its limit 60.0%');
    expect(report.portfolio.gate).toEqual({ refused: { 'gross exposure': 1 }, shrunk: { 'gross exposure': 1 } });
    expect(report.portfolio.maxGrossExposure).toBeCloseTo(0.6, 9);
  });

  it('nets longs against shorts for maxNetExposure', () => {
    const markets = [up('A/USD', 10, 0), up('B/USD', 10, 0), up('C/USD', 10, 0)];
    const strategy = scripted({
      'A/USD': { 1: (c) => c.buy({ pct: 0.3 }) },
      'B/USD': { 1: (c) => c.sell({ pct: 0.3 }) },
      'C/USD': { 1: (c) => c.buy({ pct: 0.3 }) },
    });
    const report = runPortfolioBacktest(strategy, markets, { ...HAND, feeRate: 0, limits: { maxNetExposure: 0.1 } });
    // A: long 30 % → shrunk to 10 % (net +10 %); B: short 30 % would make it −20 %: shrunk to 20 %
    // (net −10 %); C: long 30 % would make it +20 %: shrunk to 20 % (net +10 %).
    expect(report.trades.map((t) => [t.symbol, t.side, Math.round(t.qty * 1e9) / 1e9])).toEqual([['A/USD', 'long', 10], ['B/USD', 'short', 20], ['C/USD', 'long', 20]]);
    expect(report.portfolio.gate.shrunk).toEqual({ 'net exposure': 3 });
  });

  it('refuses a second long on a market moving with one held long, and allows the opposite side', () => {
    // B's returns are A's; C's are A's reversed.
    const wig = (i: number) => 100 * (1 + 0.02 * Math.sin(i * 1.3) + 0.01 * Math.cos(i * 0.7));
    const a = flat('A/USD', Array.from({ length: 60 }, (_, i) => wig(i)));
    const b = flat('B/USD', Array.from({ length: 60 }, (_, i) => wig(i) * 2));
    const c = flat('C/USD', Array.from({ length: 60 }, (_, i) => 20_000 / wig(i)));
    const strategy = scripted({
      'A/USD': { 40: (x) => x.buy() },
      'B/USD': { 45: (x) => x.buy() },
      'C/USD': { 45: (x) => x.buy() },
    });
    const report = runPortfolioBacktest(strategy, [a, b, c], { ...HAND, limits: { maxCorrelation: 0.8, correlationLookback: 30 } });
    expect(report.trades.map((t) => t.symbol)).toEqual(['A/USD', 'C/USD']);
    expect(report.signals.find((s) => s.symbol === 'B/USD')!.ignored).toMatch(/^portfolio: B\/USD long has correlation 1\.00 with the long A\/USD over 30 bars \(max 0\.8\)$/);
  });

  it('correlates the returns both markets have, leaving out those around a missing bar', () => {
    // a's returns: +1 %, −2 %, +3 %, (bar 4 missing), +1 %; b's are twice a's, and a wild one across a's gap.
    const a = { time: [0, 1, 2, 3, 5, 6], close: [100, 101, 98.98, 101.9494, 100, 101] };
    const b = { time: [0, 1, 2, 3, 4, 5, 6], close: [100, 102, 97.92, 103.7952, 200, 100, 102] };
    expect(returnsCorrelation(a, 5, b, 6, 4)).toBeCloseTo(1, 9);
    expect(returnsCorrelation(a, 5, b, 6, 20)).toBeNaN();
  });
});
