/**
 * What a strategy can reach from `ctx` holds nothing of a later bar. The lookahead check (VOLT205)
 * and the synthesizer's mirrored future test a strategy's behaviour; this tests the objects behind
 * `ctx` themselves: walked property by property (TypeScript's `private` fields included, as a
 * strategy could name them), none holds an array the run's length, and each route a strategy could
 * take to a later bar (an internal field, a method the run calls, `ctx.index` overwritten) reads
 * the current bar or nothing.
 */
import { describe, expect, it } from 'vitest';
import { synthesize, type CandleSeries } from '../data/index.js';
import { SharedIndicators, withSharedIndicators } from '../indicators/index.js';
import { runPortfolioBacktest } from '../portfolio/index.js';
import { defineStrategy, type StrategyContext } from '../strategy/index.js';
import type { SignalSet } from '../signals/index.js';
import { runBacktest } from './index.js';

const BARS = 1500;
const series = synthesize({ seed: 11, bars: BARS, timeframe: '1h' });

/** Paths from `root` to an array or typed array of at least `length` elements. */
function longArrays(root: unknown, length: number): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const stack: [unknown, string][] = [[root, 'ctx']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v) || Array.isArray(v)) {
      const n = (v as ArrayLike<unknown>).length;
      if (n >= length) found.push(`${path} (${n})`);
      if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${path}[${i}]`]));
      continue;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push([x, `${path}.get(${String(k)})`]);
    }
    for (const key of Reflect.ownKeys(v)) {
      let x: unknown;
      try {
        x = (v as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      stack.push([x, `${path}.${String(key)}`]);
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto && proto !== Object.prototype && proto !== Function.prototype) stack.push([proto, `${path}.<prototype>`]);
  }
  return found;
}

function signalSet(s: CandleSeries): SignalSet {
  // One value a bar, published at the bar's open (so seen at its close): a later bar's is the future.
  const time = Float64Array.from(s.time);
  return { fear_greed: { name: 'fear_greed', source: 'test', time, published: time, value: Float64Array.from(s.close, (_, i) => i), maxStaleMs: 86_400_000 } };
}

/** A strategy that, at bar AT, walks ctx and tries every route to a later bar it knows of. */
const AT = 700;
function prober(found: { arrays: string[]; peeks: Record<string, unknown> }) {
  return defineStrategy({
    name: 'prober',
    timeframe: '1h',
    indicators: (ind) => ({ rsi: ind.rsi(14), macd: ind.macd(12, 26, 9), bands: ind.bollinger(20, 2) }),
    onBar(ctx: StrategyContext) {
      if (ctx.index !== AT) return;
      ctx.options.chain();
      ctx.history(10);
      found.arrays = longArrays(ctx, BARS);
      const any = ctx as unknown as Record<string, any>;
      const peeks: Record<string, unknown> = {};
      const window = ctx.history(1) as unknown as Record<string, any>;
      peeks.closeColumn = window.c;
      peeks.aimedAhead = (window.aim as (...a: number[]) => { close(ago: number): number })(AT + 5, 1).close(0);
      peeks.signalNow = ctx.signals.fear_greed;
      const rsi = ctx.ind.rsi as unknown as Record<string, any>;
      const rsiNow = rsi.value;
      rsi.onBar(ctx.bar.open, ctx.bar.high, ctx.bar.low, ctx.bar.close, ctx.bar.volume);
      peeks.rsiAfterOwnOnBar = rsi.value === rsiNow ? 'unchanged' : 'moved';
      try {
        any.options.current = AT + 5;
      } catch {
        // frozen: strict code is told so
      }
      peeks.deskCurrent = any.options.current;
      any.index = AT + 5;
      peeks.historyAfterIndexWrite = ctx.history(1).close(0);
      peeks.signalAfterIndexWrite = ctx.signals.fear_greed;
      found.peeks = peeks;
    },
  });
}

describe('nothing a strategy can reach holds a later bar', () => {
  it('in a one-market backtest: no column of the series behind ctx, and every route reads this bar', () => {
    const found = { arrays: [] as string[], peeks: {} as Record<string, unknown> };
    runBacktest(prober(found), series, { signals: signalSet(series) });
    expect(found.arrays).toEqual([]);
    expect(found.peeks).toEqual({
      closeColumn: undefined,
      aimedAhead: series.close[AT],
      signalNow: AT,
      // A streaming indicator takes what it is fed (this bar again): its own data, not a later bar's.
      rsiAfterOwnOnBar: 'moved',
      deskCurrent: undefined,
      historyAfterIndexWrite: series.close[AT],
      signalAfterIndexWrite: AT,
    });
  });

  it('in a sweep’s shared indicators: the recorded columns are out of reach, and a replay fed by the strategy does not move on', () => {
    const found = { arrays: [] as string[], peeks: {} as Record<string, unknown> };
    const shared = new SharedIndicators(64 * 1024 * 1024);
    const { replayed } = withSharedIndicators(shared, series, 'all', () => runBacktest(prober(found), series, {}));
    expect(shared.computed).toBe(3);
    expect(found.arrays).toEqual([]);
    expect(found.peeks.rsiAfterOwnOnBar).toBe('unchanged');
    // Its own onBar call is hand-feeding: the trial is run again without sharing.
    expect(replayed).toBe(false);
  });

  it('in a portfolio: ctx.markets shows each market, not the run’s record of it', () => {
    const other = synthesize({ seed: 12, bars: BARS, timeframe: '1h', symbol: 'ETH/USDT' });
    let arrays: string[] = ['not reached'];
    let ahead: unknown;
    const strategy = defineStrategy({
      name: 'portfolio prober',
      timeframe: '1h',
      onBar(ctx) {
        if (ctx.index !== AT || ctx.symbol !== series.symbol) return;
        ctx.history(5);
        arrays = longArrays(ctx, BARS);
        const eth = ctx.markets!['ETH/USDT'] as unknown as Record<string, any>;
        try {
          eth.index = AT + 5;
        } catch {
          // a getter without a setter: strict code is told so
        }
        ahead = eth.history(1).close(0);
      },
    });
    runPortfolioBacktest(strategy, [series, other], {});
    expect(arrays).toEqual([]);
    expect(ahead).toBe(other.close[AT]);
  });
});
