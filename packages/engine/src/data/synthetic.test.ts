import { describe, expect, it } from 'vitest';
import { createRandom } from './random.js';
import { REGIMES, synthesize, SYNTHETIC_DEFAULT_START, type SyntheticMarket } from './synthetic.js';
import { parseSyntheticSpec, resolveDataSpec, resolveDataSpecSync } from './spec.js';
import { candlesToCsv, candlesToJson } from './write.js';
import { parseCandles } from './load.js';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { VoltError } from '../errors.js';

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function logReturns(m: SyntheticMarket): Float64Array {
  const r = new Float64Array(m.length - 1);
  for (let i = 1; i < m.length; i++) r[i - 1] = Math.log(m.close[i]! / m.close[i - 1]!);
  return r;
}

describe('createRandom', () => {
  it('repeats a stream for a seed, and different seeds give different streams', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(createRandom(2 ** 32 + 42)()).not.toBe(createRandom(42)());
  });

  it('is uniform on [0, 1)', () => {
    const random = createRandom(7);
    const buckets = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random();
      min = Math.min(min, x);
      max = Math.max(max, x);
      buckets[Math.floor(x * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe('synthesize', () => {
  const market = synthesize({ seed: 42, bars: 50_000, timeframe: '1h' });

  it('gives identical arrays for the same seed and different ones for another seed', () => {
    const again = synthesize({ seed: 42, bars: 50_000, timeframe: '1h' });
    for (const field of ['time', 'open', 'high', 'low', 'close', 'volume', 'regime'] as const) {
      expect(Buffer.from(again[field].buffer).equals(Buffer.from(market[field].buffer))).toBe(true);
    }
    const other = synthesize({ seed: 43, bars: 50_000, timeframe: '1h' });
    expect(Buffer.from(other.close.buffer).equals(Buffer.from(market.close.buffer))).toBe(false);
  });

  it('makes valid candles: positive, high above and low below open and close, bars evenly spaced', () => {
    expect(market.length).toBe(50_000);
    expect(market.symbol).toBe('SYNTH');
    expect(market.timeframe).toBe('1h');
    expect(market.source).toBe('synthetic:42');
    expect(market.time[0]).toBe(SYNTHETIC_DEFAULT_START);
    for (let i = 0; i < market.length; i++) {
      const o = market.open[i]!;
      const c = market.close[i]!;
      if (!(market.low[i]! > 0 && market.low[i]! <= Math.min(o, c) && market.high[i]! >= Math.max(o, c) && market.volume[i]! > 0)) {
        throw new Error(`bar ${i} is not a valid candle`);
      }
      if (i > 0 && market.time[i]! - market.time[i - 1]! !== 3_600_000) throw new Error(`bar ${i} is not 1h after the previous`);
    }
  });

  it('visits every regime, and each behaves as named', () => {
    const bars = new Array<number>(REGIMES.length).fill(0);
    const drift = new Array<number>(REGIMES.length).fill(0);
    const absMove = new Array<number>(REGIMES.length).fill(0);
    for (let i = 0; i < market.length; i++) {
      const r = market.regime[i]!;
      const move = Math.log(market.close[i]! / market.open[i]!);
      bars[r]!++;
      drift[r]! += move;
      absMove[r]! += Math.abs(move);
    }
    const mean = (x: number[], r: number) => x[r]! / bars[r]!;
    for (let r = 0; r < REGIMES.length; r++) expect(bars[r], REGIMES[r]).toBeGreaterThan(200);
    const [calm, up, down, volatile, crash] = [0, 1, 2, 3, 4];
    expect(mean(drift, up)).toBeGreaterThan(0);
    expect(mean(drift, down)).toBeLessThan(0);
    expect(mean(drift, crash)).toBeLessThan(mean(drift, down));
    expect(mean(absMove, volatile)).toBeGreaterThan(2 * mean(absMove, calm));
    expect(mean(absMove, crash)).toBeGreaterThan(mean(absMove, volatile));
  });

  it('visits every regime within the default 5000 bars for most seeds', () => {
    let complete = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const seen = new Set(synthesize({ seed, bars: 5000, timeframe: '1h' }).regime);
      if (seen.size === REGIMES.length) complete++;
    }
    expect(complete).toBeGreaterThanOrEqual(10);
  });

  it('clusters volatility and has fat tails (jumps)', () => {
    const r = logReturns(market);
    const squared = r.map((x) => x * x);
    expect(correlation(squared.subarray(1), squared.subarray(0, -1))).toBeGreaterThan(0.1);
    // Within one regime too: the GARCH memory, not only the regime switches, makes the clusters.
    const calm: number[] = [];
    for (let i = 1; i < r.length; i++) if (market.regime[i] === 0 && market.regime[i + 1] === 0) calm.push(r[i]!);
    const calmSq = calm.map((x) => x * x);
    expect(correlation(calmSq.slice(1), calmSq.slice(0, -1))).toBeGreaterThan(0.1);
    let m2 = 0;
    let m4 = 0;
    for (const x of r) {
      m2 += x * x;
      m4 += x ** 4;
    }
    const kurtosis = (m4 / r.length) / (m2 / r.length) ** 2;
    expect(kurtosis).toBeGreaterThan(5);
  });

  it('gaps at the open sometimes, as markets do through stops', () => {
    let bigGaps = 0;
    for (let i = 1; i < market.length; i++) if (Math.abs(Math.log(market.open[i]! / market.close[i - 1]!)) > 0.02) bigGaps++;
    expect(bigGaps).toBeGreaterThan(10);
  });

  it('trades more when the market moves more', () => {
    const range = new Float64Array(market.length);
    for (let i = 0; i < market.length; i++) range[i] = Math.log(market.high[i]! / market.low[i]!);
    expect(correlation(range, market.volume)).toBeGreaterThan(0.5);
  });

  it('scales volatility with the timeframe', () => {
    const stdev = (m: SyntheticMarket) => {
      const r = logReturns(m);
      return Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length);
    };
    const daily = stdev(synthesize({ seed: 1, bars: 20_000, timeframe: '1d' }));
    const hourly = stdev(synthesize({ seed: 1, bars: 20_000, timeframe: '1h' }));
    expect(daily / hourly).toBeGreaterThan(3);
    expect(daily / hourly).toBeLessThan(8);
  });

  it('honours start, symbol and start price, and refuses nonsense', () => {
    const m = synthesize({ seed: 1, bars: 3, timeframe: '5m', start: 1_000_000, symbol: 'ABC', startPrice: 20_000 });
    expect(Array.from(m.time)).toEqual([1_000_000, 1_300_000, 1_600_000]);
    expect(m.symbol).toBe('ABC');
    expect(m.open[0]).toBeGreaterThan(19_000);
    expect(m.open[0]).toBeLessThan(21_000);
    expect(synthesize({ seed: 1, bars: 0, timeframe: '1h' }).length).toBe(0);
    expect(() => synthesize({ seed: 1, bars: -1, timeframe: '1h' })).toThrow(VoltError);
    expect(() => synthesize({ seed: 1, bars: 10, timeframe: '1x' })).toThrow(/unknown timeframe/);
    expect(() => synthesize({ seed: 1, bars: 10, timeframe: '1h', startPrice: 0 })).toThrow(/start price/);
  });
});

describe('data specs', () => {
  it('reads synthetic:SEED[:BARS[:TIMEFRAME]] with defaults of 5000 bars of 1h', () => {
    expect(parseSyntheticSpec('synthetic:7')).toEqual({ seed: 7, bars: 5000, timeframe: '1h' });
    expect(parseSyntheticSpec('synthetic:7:300:5m')).toEqual({ seed: 7, bars: 300, timeframe: '5m' });
    expect(parseSyntheticSpec('data/btc.csv')).toBeUndefined();
    for (const bad of ['synthetic:', 'synthetic:x', 'synthetic:1:0', 'synthetic:1:10:1x', 'synthetic:1:10:1h:9']) {
      expect(() => parseSyntheticSpec(bad), bad).toThrow(VoltError);
    }
  });

  it('gives the synthetic market or the file', async () => {
    const s = resolveDataSpecSync('synthetic:7:300:5m');
    expect([s.length, s.timeframe, s.source]).toEqual([300, '5m', 'synthetic:7:300:5m']);
    expect(Array.from((await resolveDataSpec('synthetic:7:300:5m')).close)).toEqual(Array.from(s.close));
    const file = await resolveDataSpec(sharedDataFile('ETH_BTC-5m.json'));
    expect(file.length).toBe(5760);
    const repairs: string[] = [];
    const vix = resolveDataSpecSync('vix-daily.csv', { cwd: sharedDataFile('vix-daily.csv').replace(/vix-daily\.csv$/, ''), lenient: true, onRepairs: (r) => repairs.push(...r) });
    expect(vix.length).toBe(9235);
    expect(repairs).toHaveLength(1);
  });
});

describe('writing candles', () => {
  const m = synthesize({ seed: 3, bars: 25_001, timeframe: '15m' });

  it.each([
    ['csv', candlesToCsv, 'out.csv'],
    ['json', candlesToJson, 'out.json'],
  ] as const)('round-trips exactly through %s', (_name, write, file) => {
    const text = Array.from(write(m)).join('');
    const { series } = parseCandles(text, file);
    expect(series.length).toBe(m.length);
    expect(series.timeframe).toBe('15m');
    for (const field of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(Buffer.from(series[field].buffer).equals(Buffer.from(m[field].buffer)), field).toBe(true);
    }
  });
});
