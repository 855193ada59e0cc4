import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/index.js';
import { sliceSeries, synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { SharedIndicators, withSharedIndicators } from './shared.js';

const series = synthesize({ seed: 5, bars: 4000, timeframe: '1h' });

// Every kind of indicator, every field read, params on periods and widths.
const strategy = defineStrategy({
  name: 'all indicators',
  params: { period: { value: 14, min: 5, max: 30 }, width: { value: 2, min: 1, max: 3, step: 0.5 }, low: { value: 35, min: 20, max: 45 } },
  indicators: (ind, p) => ({
    rsi: ind.rsi(p.period), sma: ind.sma(p.period, 'hl2'), ema: ind.ema(20), macd: ind.macd(12, 26, 9),
    bands: ind.bollinger(p.period, p.width, 'hlc3'), atr: ind.atr(p.period), vol: ind.realizedVol(30, 24 * 365),
  }),
  onBar(ctx) {
    const { rsi, sma, ema, macd, bands, atr, vol } = ctx.ind;
    if (!rsi.ready || !macd.ready || !bands.ready || !vol.ready || !atr.ready) return;
    const read = sma.value + ema.value + macd.macd + macd.signal + macd.histogram + bands.upper + bands.middle + bands.lower + bands.bandwidth + bands.percentB + atr.value + vol.value;
    ctx.state.sum = ((ctx.state.sum as number | undefined) ?? 0) + read;
    if (ctx.position.side === 0 && rsi.value < ctx.params.low && bands.percentB < 0.2) ctx.buy({ reason: `rsi ${rsi.value.toFixed(4)} pb ${bands.percentB.toFixed(6)} w ${bands.bandwidth}` });
    else if (ctx.position.side === 1 && (bands.percentB > 0.8 || macd.histogram < -atr.value)) ctx.exit({ reason: `sum ${ctx.state.sum}` });
  },
});

const TRIALS = [
  { period: 14, width: 2, low: 35 }, { period: 14, width: 2.5, low: 30 }, { period: 20, width: 2, low: 40 },
  { period: 14, width: 1, low: 45 }, { period: 20, width: 3, low: 25 },
];

describe('indicators shared between trials', () => {
  it('give every trial the report it has alone, to the last digit, computing each series once', () => {
    const shared = new SharedIndicators(64 * 1024 * 1024);
    for (const params of TRIALS) {
      const alone = runBacktest(strategy, series, { params });
      const { result, replayed } = withSharedIndicators(shared, series, 'all', () => runBacktest(strategy, series, { params }));
      expect(replayed).toBe(true);
      expect(JSON.stringify(result)).toBe(JSON.stringify(alone));
      expect(result.trades.length).toBeGreaterThan(0);
    }
    // Distinct: rsi/sma/bands/atr for periods 14 and 20 (8), ema, macd, vol: 11 of 35 declarations.
    expect(shared.computed).toBe(11);
    expect(shared.reused).toBe(5 * 7 - 11);
  });

  it('keeps windows apart: the same declaration over other bars is another series', () => {
    const shared = new SharedIndicators(64 * 1024 * 1024);
    const part = sliceSeries(series, series.time[1000], series.time[3000]);
    const params = TRIALS[0]!;
    withSharedIndicators(shared, series, 'all', () => runBacktest(strategy, series, { params }));
    const { result } = withSharedIndicators(shared, part, '1000-3000', () => runBacktest(strategy, part, { params }));
    expect(JSON.stringify(result)).toBe(JSON.stringify(runBacktest(strategy, part, { params })));
    expect(shared.computed).toBe(14);
  });

  it('past its budget computes per trial, with the same results', () => {
    const shared = new SharedIndicators(2 * 8 * series.length);
    const params = TRIALS[2]!;
    const { result } = withSharedIndicators(shared, series, 'all', () => runBacktest(strategy, series, { params }));
    expect(JSON.stringify(result)).toBe(JSON.stringify(runBacktest(strategy, series, { params })));
    expect(shared.bytes).toBeLessThanOrEqual(2 * 8 * series.length);
    expect(shared.computed).toBe(2);
  });

  it('notices a strategy that feeds a declared indicator by hand, so the trial can run unshared', () => {
    const feeding = defineStrategy({
      name: 'hand-fed',
      indicators: (ind) => ({ sma: ind.sma(10) }),
      onBar(ctx) {
        ctx.ind.sma.update(ctx.bar.close);
      },
    });
    const { replayed } = withSharedIndicators(new SharedIndicators(1 << 20), series, 'all', () => runBacktest(feeding, series));
    expect(replayed).toBe(false);
    expect(withSharedIndicators(new SharedIndicators(1 << 20), series, 'all', () => runBacktest(strategy, series)).replayed).toBe(true);
  });

  it('refuses bad arguments as the streaming indicators do', () => {
    const bad = defineStrategy({ name: 'bad', indicators: (ind) => ({ m: ind.macd(26, 12, 9) }), onBar() {} });
    const plain = (() => { try { runBacktest(bad, series); } catch (e) { return (e as Error).message; } })();
    const sharedMessage = (() => { try { withSharedIndicators(new SharedIndicators(1 << 20), series, 'all', () => runBacktest(bad, series)); } catch (e) { return (e as Error).message; } })();
    expect(plain).toContain('the fast period (26) must be shorter than the slow period (12)');
    expect(sharedMessage).toBe(plain);
  });
});
