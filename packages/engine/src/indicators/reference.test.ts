/**
 * Agreement with an independent implementation (the `technicalindicators` package) on the real
 * candles in ../shared/data, to 1e-9 relative, past warm-up. Where that package's conventions differ
 * from Volt's standard definitions, the comparison is aligned explicitly and says why.
 */
import { readFileSync } from 'node:fs';
import {
  ATR,
  AverageGain,
  AverageLoss,
  BollingerBands,
  EMA,
  MACD,
  RSI,
  SMA,
} from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { Atr, Bollinger, Ema, Macd, RealizedVol, Rsi, Sma } from './index.js';

const TOLERANCE = 1e-9;

interface Bars {
  high: number[];
  low: number[];
  close: number[];
}

function jsonBars(name: string): Bars {
  const rows = JSON.parse(readFileSync(sharedDataFile(name), 'utf8')) as number[][];
  return {
    high: rows.map((r) => r[2]!),
    low: rows.map((r) => r[3]!),
    close: rows.map((r) => r[4]!),
  };
}

/** Bitfinex publishes newest first (with a few rows out of order): sort by date, oldest first. */
function bitfinexBars(): Bars {
  const lines = readFileSync(sharedDataFile('bitfinex-1h-btc-usd.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const rows = lines.map((line) => line.split(',')).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return {
    high: rows.map((r) => Number(r[3])),
    low: rows.map((r) => Number(r[4])),
    close: rows.map((r) => Number(r[5])),
  };
}

/** VIX: CRLF, no volume, 1990–91 close-only bars (O=H=L=C) — flat stretches for ATR. */
function vixBars(): Bars {
  const lines = readFileSync(sharedDataFile('vix-daily.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const rows = lines.map((line) => line.split(','));
  return {
    high: rows.map((r) => Number(r[2])),
    low: rows.map((r) => Number(r[3])),
    close: rows.map((r) => Number(r[4])),
  };
}

const DATASETS: [string, () => Bars][] = [
  ['ETH_BTC-5m.json', () => jsonBars('ETH_BTC-5m.json')],
  ['LTC_BTC-5m.json', () => jsonBars('LTC_BTC-5m.json')],
  ['UNITTEST_BTC-1m.json', () => jsonBars('UNITTEST_BTC-1m.json')],
  ['bitfinex-1h-btc-usd.csv', bitfinexBars],
  ['vix-daily.csv', vixBars],
];

/**
 * Collects the worst relative difference over a run and checks it once (one expect per series
 * keeps the test fast on 30k-bar files). `floor` is the magnitude below which a difference is
 * measured against `floor` instead of the value itself: for lines that cross zero (MACD) it is the
 * price, the unit those lines are quoted in.
 */
class Agreement {
  worst = 0;
  where = -1;
  compared = 0;
  private detail = '';

  check(index: number, actual: number, expected: number, floor = 0): void {
    this.compared++;
    const scale = Math.max(Math.abs(expected), floor);
    const diff = Math.abs(actual - expected);
    const rel = scale === 0 ? diff : diff / scale;
    if (!(rel <= this.worst)) {
      this.worst = rel;
      this.where = index;
      this.detail = `bar ${index}: volt ${actual} vs reference ${expected}`;
    }
  }

  expectWithin(label: string, tolerance = TOLERANCE): void {
    expect(this.compared, `${label}: nothing compared`).toBeGreaterThan(100);
    expect(this.worst, `${label}: worst relative difference at ${this.detail}`).toBeLessThanOrEqual(tolerance);
  }
}

describe.each(DATASETS)('indicators agree with technicalindicators on %s', (_name, load) => {
  const bars = load();
  const { close, high, low } = bars;
  const n = close.length;

  it.each([5, 20, 200])('SMA(%i)', (period) => {
    const ref = SMA.calculate({ period, values: close });
    const sma = new Sma(period);
    const agreement = new Agreement();
    for (let t = 0; t < n; t++) {
      const v = sma.update(close[t]!);
      if (t < period - 1) expect(v).toBeNaN();
      else agreement.check(t, v, ref[t - period + 1]!);
    }
    expect(ref.length).toBe(n - period + 1);
    agreement.expectWithin(`SMA(${period})`);
  });

  it.each([9, 50])('EMA(%i), seeded with the SMA of the first period', (period) => {
    const ref = EMA.calculate({ period, values: close });
    const ema = new Ema(period);
    const agreement = new Agreement();
    for (let t = 0; t < n; t++) {
      const v = ema.update(close[t]!);
      if (t >= period - 1) agreement.check(t, v, ref[t - period + 1]!);
    }
    expect(ref.length).toBe(n - period + 1);
    agreement.expectWithin(`EMA(${period})`);
  });

  it.each([14, 2])('RSI(%i), Wilder smoothing', (period) => {
    // technicalindicators rounds its RSI to 2 decimals, so 1e-9 is checked against the RSI built
    // from its unrounded Wilder averages (AverageGain/AverageLoss, the parts its RSI is made of),
    // and the rounded output is checked to within its rounding. When both averages are 0 (a
    // dead-flat stretch) it says 100; Volt says 50 (neither overbought nor oversold): those bars
    // are compared separately.
    const gains = AverageGain.calculate({ period, values: close });
    const losses = AverageLoss.calculate({ period, values: close });
    const rounded = RSI.calculate({ period, values: close });
    const rsi = new Rsi(period);
    const agreement = new Agreement();
    let worstRounded = 0;
    for (let t = 0; t < n; t++) {
      const v = rsi.update(close[t]!);
      if (t < period) {
        expect(v).toBeNaN();
        continue;
      }
      const g = gains[t - period]!;
      const l = losses[t - period]!;
      if (g === 0 && l === 0) {
        expect(v).toBe(50);
        continue;
      }
      agreement.check(t, v, 100 - 100 / (1 + g / l));
      agreement.check(t, rsi.averageGain, g, Math.abs(l));
      agreement.check(t, rsi.averageLoss, l, Math.abs(g));
      worstRounded = Math.max(worstRounded, Math.abs(v - rounded[t - period]!));
    }
    expect(gains.length).toBe(n - period);
    agreement.expectWithin(`RSI(${period})`);
    expect(worstRounded).toBeLessThanOrEqual(0.005 + 1e-9);
  });

  it.each([
    [12, 26, 9],
    [5, 35, 5],
  ])('MACD(%i, %i, %i), EMA lines and EMA signal', (fastPeriod, slowPeriod, signalPeriod) => {
    // technicalindicators defaults to SMA lines and an SMA signal; the standard MACD (and Volt's)
    // uses EMAs for both, which it offers through SimpleMAOscillator/SimpleMASignal = false. Its EMAs
    // are seeded with an SMA exactly as Volt's. Its MACD line starts at bar slow − 1 and its signal
    // signal − 1 values later, which is where Volt's MACD becomes ready.
    const ref = MACD.calculate({
      values: close,
      fastPeriod,
      slowPeriod,
      signalPeriod,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    const macd = new Macd(fastPeriod, slowPeriod, signalPeriod);
    expect(macd.warmup).toBe(slowPeriod + signalPeriod - 1);
    const agreement = new Agreement();
    for (let t = 0; t < n; t++) {
      macd.update(close[t]!);
      if (t < macd.warmup - 1) {
        expect(macd.ready).toBe(false);
        expect(macd.value).toBeNaN();
        expect(macd.signal).toBeNaN();
        continue;
      }
      expect(macd.ready).toBe(true);
      const r = ref[t - slowPeriod + 1]!;
      // The MACD line crosses zero: differences are measured in units of the price it is quoted in.
      const price = Math.abs(close[t]!);
      agreement.check(t, macd.macd, r.MACD!, price);
      agreement.check(t, macd.signal, r.signal!, price);
      agreement.check(t, macd.histogram, r.histogram!, price);
    }
    expect(ref.length).toBe(n - slowPeriod + 1);
    agreement.expectWithin(`MACD(${fastPeriod},${slowPeriod},${signalPeriod})`);
  });

  it.each([
    [20, 2],
    [10, 1.5],
  ])('Bollinger(%i, %f), population standard deviation', (period, stdDev) => {
    const ref = BollingerBands.calculate({ period, stdDev, values: close });
    const bands = new Bollinger(period, stdDev);
    const agreement = new Agreement();
    let collapsed = 0;
    for (let t = 0; t < n; t++) {
      bands.update(close[t]!);
      if (t < period - 1) {
        expect(bands.value).toBeNaN();
        continue;
      }
      const r = ref[t - period + 1]!;
      agreement.check(t, bands.middle, r.middle);
      agreement.check(t, bands.upper, r.upper);
      agreement.check(t, bands.lower, r.lower);
      if (bands.upper === bands.lower) {
        // A flat window: Volt's bands collapse exactly onto the price and %B is 0.5 (mid-band).
        // The reference's running-sum mean is a rounding away from the price, so its bands are a
        // hair apart and its %B is noise; only that hair is checked.
        collapsed++;
        expect(bands.percentB).toBe(0.5);
        expect((r.upper - r.lower) / r.middle).toBeLessThan(TOLERANCE);
      } else {
        // %B divides by the band width; a narrow band magnifies the rounding in both
        // implementations' bands alike, so it is compared on the 0..1 scale it is read on.
        agreement.check(t, bands.percentB, r.pb, 1);
      }
    }
    expect(ref.length).toBe(n - period + 1);
    agreement.expectWithin(`Bollinger(${period},${stdDev})`);
    // The 1m altcoin file has flat stretches: the collapsed-band path really runs there.
    if (_name === 'UNITTEST_BTC-1m.json' && period === 10) expect(collapsed).toBeGreaterThan(0);
  });

  it.each([14, 5])('ATR(%i), Wilder smoothing', (period) => {
    // technicalindicators has no true range for the first bar (no previous close) and so seeds its
    // ATR with true ranges 2..period+1; Volt takes high − low as the first bar's true range (the
    // standard definition) and seeds with bars 1..period. To compare like with like the reference
    // is given one extra bar in front whose close is the midpoint of bar 1, which makes its true
    // range for bar 1 exactly max(h − l, (h − l)/2, (h − l)/2) = high − low.
    const mid = (high[0]! + low[0]!) / 2;
    const ref = ATR.calculate({
      period,
      high: [mid, ...high],
      low: [mid, ...low],
      close: [mid, ...close],
    });
    const atr = new Atr(period);
    const agreement = new Agreement();
    for (let t = 0; t < n; t++) {
      const v = atr.update(high[t]!, low[t]!, close[t]!);
      if (t < period - 1) expect(v).toBeNaN();
      else agreement.check(t, v, ref[t - period + 1]!);
    }
    expect(ref.length).toBe(n - period + 1);
    agreement.expectWithin(`ATR(${period})`);
  });

  it.each([
    [20, undefined],
    [60, 365],
  ])('realized volatility(%i, barsPerYear %s) against a two-pass sample std dev', (period, barsPerYear) => {
    // technicalindicators has no realized volatility: the reference is computed here, the slow
    // obvious way (log returns, two-pass mean and sample variance over each window).
    const returns = close.map((c, t) => (t === 0 ? NaN : Math.log(c / close[t - 1]!)));
    const vol = new RealizedVol(period, barsPerYear);
    const agreement = new Agreement();
    for (let t = 0; t < n; t++) {
      const v = vol.update(close[t]!);
      if (t < period) {
        expect(v).toBeNaN();
        continue;
      }
      let mean = 0;
      for (let i = t - period + 1; i <= t; i++) mean += returns[i]!;
      mean /= period;
      let ss = 0;
      for (let i = t - period + 1; i <= t; i++) ss += (returns[i]! - mean) ** 2;
      const expected = Math.sqrt(ss / (period - 1)) * Math.sqrt(barsPerYear ?? 1);
      agreement.check(t, v, expected);
    }
    agreement.expectWithin(`realizedVol(${period})`);
  });
});
