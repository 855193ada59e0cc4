import { describe, expect, it } from 'vitest';
import { VoltError } from '../errors.js';
import {
  Atr,
  Bollinger,
  createIndicatorFactory,
  Ema,
  Macd,
  RealizedVol,
  Rsi,
  Sma,
  type BarIndicator,
  type PriceSource,
} from './index.js';

/** Deterministic random walk (mulberry32 + Box–Muller), so a failure reproduces. */
function randomWalk(bars: number, seed: number, start: number, stepVol: number): Float64Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(bars);
  let price = start;
  for (let i = 0; i < bars; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    price *= Math.exp(stepVol * g);
    out[i] = price;
  }
  return out;
}

function naiveMeanStd(xs: ArrayLike<number>, end: number, period: number, ddof: number): [number, number] {
  let mean = 0;
  for (let i = end - period + 1; i <= end; i++) mean += xs[i]!;
  mean /= period;
  let ss = 0;
  for (let i = end - period + 1; i <= end; i++) ss += (xs[i]! - mean) ** 2;
  return [mean, Math.sqrt(ss / (period - ddof))];
}

function relative(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

describe('hand-computed values', () => {
  it('SMA(3) is the mean of the last three values', () => {
    const sma = new Sma(3);
    expect([1, 2, 3, 4, 10].map((x) => sma.update(x))).toEqual([NaN, NaN, 2, 3, 17 / 3]);
  });

  it('EMA(3) starts from the SMA of the first three values, then α = 0.5', () => {
    const ema = new Ema(3);
    expect([1, 2, 3, 5, 1].map((x) => ema.update(x))).toEqual([NaN, NaN, 2, 3.5, 2.25]);
  });

  it("RSI(2) seeds with simple averages of the first two changes, then Wilder's smoothing", () => {
    const rsi = new Rsi(2);
    // changes +2, −1 → avgGain 1, avgLoss 0.5 → RSI 66.67; then +3 → gain (1+3)/2 = 2, loss 0.25
    const out = [10, 12, 11, 14].map((x) => rsi.update(x));
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(200 / 3, 12);
    expect(out[3]).toBeCloseTo((100 * 2) / 2.25, 12);
  });

  it('RSI is 100 with only gains, 0 with only losses, 50 in a dead-flat market', () => {
    const up = new Rsi(3);
    const down = new Rsi(3);
    const flat = new Rsi(3);
    for (let i = 0; i < 6; i++) {
      up.update(100 + i);
      down.update(100 - i);
      flat.update(100);
    }
    expect([up.value, down.value, flat.value]).toEqual([100, 0, 50]);
  });

  it('ATR takes high − low as the first true range and seeds with the mean of the first period', () => {
    const atr = new Atr(3);
    expect(atr.update(11, 9, 10)).toBeNaN(); // TR 2 (no previous close)
    expect(atr.update(12, 11, 11.5)).toBeNaN(); // TR max(1, 2, 1) = 2
    expect(atr.update(10.5, 10, 10)).toBe(5.5 / 3); // TR max(0.5, 1, 1.5) = 1.5 → (2 + 2 + 1.5) / 3
    expect(atr.update(10, 10, 10)).toBeCloseTo(11 / 9, 14); // TR 0 → (5.5/3 · 2 + 0) / 3
  });

  it('MACD lines are EMA differences and the signal an SMA-seeded EMA of the MACD line', () => {
    const closes = [1, 3, 2, 5, 4, 6, 8, 7];
    const macd = new Macd(2, 3, 2);
    const fast = new Ema(2);
    const slow = new Ema(3);
    const signal = new Ema(2);
    for (const c of closes) {
      macd.update(c);
      const line = fast.update(c) - slow.update(c);
      if (slow.ready) signal.update(line);
      if (signal.ready) {
        expect(macd.macd).toBe(line);
        expect(macd.signal).toBe(signal.value);
        expect(macd.histogram).toBe(line - signal.value);
      } else {
        expect(macd.value).toBeNaN();
      }
    }
    expect(macd.warmup).toBe(4);
  });

  it('Bollinger uses the population standard deviation', () => {
    const bands = new Bollinger(4, 2);
    for (const x of [2, 4, 4, 6]) bands.update(x);
    // mean 4, population variance (4 + 0 + 0 + 4) / 4 = 2
    expect(bands.middle).toBe(4);
    expect(bands.upper).toBeCloseTo(4 + 2 * Math.SQRT2, 14);
    expect(bands.lower).toBeCloseTo(4 - 2 * Math.SQRT2, 14);
    expect(bands.bandwidth).toBeCloseTo((4 * Math.SQRT2) / 4, 14);
    expect(bands.percentB).toBeCloseTo((6 - bands.lower) / (bands.upper - bands.lower), 14);
  });

  it('realized volatility is the sample std dev of log returns, annualised by √barsPerYear', () => {
    const closes = [100, 101, 99, 102];
    const returns = [Math.log(1.01), Math.log(99 / 101), Math.log(102 / 99)];
    const [, sd] = naiveMeanStd(returns, 2, 3, 1);
    const perBar = new RealizedVol(3);
    const yearly = new RealizedVol(3, 365);
    for (const c of closes) {
      perBar.update(c);
      yearly.update(c);
    }
    expect(perBar.warmup).toBe(4);
    expect(perBar.value).toBeCloseTo(sd, 15);
    expect(yearly.value).toBeCloseTo(sd * Math.sqrt(365), 13);
  });
});

describe('warm-up, ready and reset', () => {
  const closes = randomWalk(300, 7, 100, 0.02);
  const bar = (i: number) => {
    const c = closes[i]!;
    return [c * 0.999, c * 1.01, c * 0.99, c, 1000] as const;
  };
  const declared = () => {
    const { factory, indicators } = createIndicatorFactory();
    factory.sma(20);
    factory.ema(20);
    factory.rsi();
    factory.macd();
    factory.bollinger();
    factory.atr();
    factory.realizedVol();
    return indicators;
  };

  it('each indicator is NaN and not ready until exactly `warmup` bars have arrived', () => {
    const indicators = declared();
    expect(indicators.map((x) => x.warmup)).toEqual([20, 20, 15, 34, 20, 14, 21]);
    for (let i = 0; i < 60; i++) {
      for (const x of indicators) x.onBar(...bar(i));
      for (const x of indicators) {
        const due = i + 1 >= x.warmup;
        expect(x.ready, `${x.constructor.name} after ${i + 1} bars`).toBe(due);
        expect(Number.isNaN(x.value), `${x.constructor.name} after ${i + 1} bars`).toBe(!due);
      }
    }
  });

  it('reset starts over: the second pass gives exactly the first pass', () => {
    const indicators = declared();
    const run = () => {
      const seen: number[] = [];
      for (let i = 0; i < closes.length; i++) {
        for (const x of indicators) x.onBar(...bar(i));
        for (const x of indicators) seen.push(x.value);
      }
      return seen;
    };
    const first = run();
    for (const x of indicators) x.reset();
    for (const x of indicators) {
      expect(x.ready).toBe(false);
      expect(x.value).toBeNaN();
    }
    expect(run()).toEqual(first);
  });

  it('onBar reads the declared price source', () => {
    const sources: [PriceSource, (o: number, h: number, l: number, c: number) => number][] = [
      ['open', (o) => o],
      ['high', (_o, h) => h],
      ['low', (_o, _h, l) => l],
      ['close', (_o, _h, _l, c) => c],
      ['hl2', (_o, h, l) => (h + l) / 2],
      ['hlc3', (_o, h, l, c) => (h + l + c) / 3],
      ['ohlc4', (o, h, l, c) => (o + h + l + c) / 4],
    ];
    for (const [source, pick] of sources) {
      const fromBars = new Ema(5, source);
      const fromValues = new Ema(5);
      for (let i = 0; i < 30; i++) {
        const [o, h, l, c, v] = bar(i);
        fromBars.onBar(o, h, l, c, v);
        fromValues.update(pick(o, h, l, c));
      }
      expect(fromBars.value, source).toBe(fromValues.value);
    }
  });
});

describe('the factory records what a strategy declares', () => {
  it('returns the indicators in declaration order so the backtester can feed them in one loop', () => {
    const { factory, indicators } = createIndicatorFactory();
    const rsi = factory.rsi(14);
    const macd = factory.macd(12, 26, 9);
    const bands = factory.bollinger(20, 2);
    expect(indicators).toEqual([rsi, macd, bands]);
    const closes = randomWalk(100, 3, 50, 0.01);
    for (const c of closes) for (const x of indicators) x.onBar(c, c, c, c, 0);
    const direct = new Rsi(14);
    for (const c of closes) direct.update(c);
    expect(rsi.value).toBe(direct.value);
    expect(macd.ready && bands.ready).toBe(true);
  });

  it('uses the standard defaults: RSI 14, MACD 12/26/9, Bollinger 20/2, ATR 14, realized vol 20', () => {
    const { factory } = createIndicatorFactory();
    expect(factory.rsi().warmup).toBe(15);
    const macd = factory.macd() as Macd;
    expect([macd.fastPeriod, macd.slowPeriod, macd.signalPeriod]).toEqual([12, 26, 9]);
    const bands = factory.bollinger() as Bollinger;
    expect([bands.period, bands.stdDev]).toEqual([20, 2]);
    expect(factory.atr().warmup).toBe(14);
    expect(factory.realizedVol().warmup).toBe(21);
  });

  const bad: [string, (f: ReturnType<typeof createIndicatorFactory>['factory']) => BarIndicator, RegExp][] = [
    ['sma(0)', (f) => f.sma(0), /sma: period must be a whole number of bars ≥ 1, got 0/],
    ['ema(2.5)', (f) => f.ema(2.5), /ema: period must be a whole number of bars ≥ 1, got 2.5/],
    ['rsi(NaN)', (f) => f.rsi(NaN), /rsi: period .* got NaN/],
    ['sma("20")', (f) => f.sma('20' as unknown as number), /sma: period .* got "20"/],
    ['macd(26, 12)', (f) => f.macd(26, 12, 9), /macd: the fast period \(26\) must be shorter than the slow period \(12\)/],
    ['macd(12, 12)', (f) => f.macd(12, 12, 9), /fast period \(12\) must be shorter/],
    ['macd signal 0', (f) => f.macd(12, 26, 0), /macd: signal period .* got 0/],
    ['bollinger(20, 0)', (f) => f.bollinger(20, 0), /bollinger: stdDev must be a finite number > 0, got 0/],
    ['bollinger(-5)', (f) => f.bollinger(-5), /bollinger: period .* got -5/],
    ['atr(0)', (f) => f.atr(0), /atr: period .* got 0/],
    ['realizedVol(1)', (f) => f.realizedVol(1), /realizedVol: period must be a whole number of bars ≥ 2, got 1/],
    ['realizedVol(20, -1)', (f) => f.realizedVol(20, -1), /realizedVol: barsPerYear must be a finite number > 0/],
    ['sma(20, "vwap")', (f) => f.sma(20, 'vwap' as PriceSource), /sma: unknown price source "vwap"/],
  ];

  it.each(bad)('%s is refused with a strategy error that says what to do', (_label, declare, message) => {
    const { factory, indicators } = createIndicatorFactory();
    let error: unknown;
    try {
      declare(factory);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VoltError);
    const voltError = error as VoltError;
    expect(voltError.kind).toBe('strategy');
    expect(voltError.message).toMatch(message);
    expect(voltError.hint).toMatch(/e\.g\. ind\.\w+\(|Use one of 'open'/);
    expect(indicators).toHaveLength(0);
  });
});

describe('no drift over long runs', () => {
  it('SMA, Bollinger and realized volatility match a two-pass computation to 1e-9 over 200k bars', () => {
    // A high price with small moves is the hard case for running sums (large mean, small spread);
    // the second half switches to a much quieter market so a narrow window follows a wide one.
    const loud = randomWalk(100_000, 11, 30_000, 0.002);
    const quiet = randomWalk(100_000, 12, 1, 0.00002);
    const closes = new Float64Array(200_000);
    closes.set(loud);
    for (let i = 0; i < quiet.length; i++) closes[100_000 + i] = loud[loud.length - 1]! * quiet[i]!;
    const period = 20;
    const sma = new Sma(period);
    const bands = new Bollinger(period, 2);
    const vol = new RealizedVol(period);
    const returns = new Float64Array(closes.length);
    let worst = 0;
    let checked = 0;
    for (let t = 0; t < closes.length; t++) {
      const c = closes[t]!;
      sma.update(c);
      bands.update(c);
      vol.update(c);
      returns[t] = t === 0 ? NaN : Math.log(c / closes[t - 1]!);
      // Every bar near the regime switch, sampled elsewhere (keeps the test quick).
      if (t < period + 1 || (t % 37 !== 0 && Math.abs(t - 100_000) > 200)) continue;
      const [mean, sd] = naiveMeanStd(closes, t, period, 0);
      const [, volSd] = naiveMeanStd(returns, t, period, 1);
      worst = Math.max(
        worst,
        relative(sma.value, mean),
        relative(bands.middle, mean),
        relative(bands.upper - bands.middle, 2 * sd),
        relative(vol.value, volSd),
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(5000);
    expect(worst).toBeLessThanOrEqual(1e-9);
  });

  it('a flat market gives exactly zero spread, however volatile the bars before it', () => {
    const bands = new Bollinger(10, 2);
    const vol = new RealizedVol(10);
    const closes = [...randomWalk(500, 5, 0.1, 0.05), ...new Array<number>(30).fill(0.07)];
    for (const c of closes) {
      bands.update(c);
      vol.update(c);
    }
    expect(bands.upper).toBe(0.07);
    expect(bands.lower).toBe(0.07);
    expect(bands.percentB).toBe(0.5);
    expect(vol.value).toBe(0);
  });
});
