import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { allocateSeries } from './candle.js';
import { createRandom, type Random } from './random.js';
import { timeframeToMs } from './timeframe.js';

/**
 * The deterministic synthetic market: a regime-switching random walk, so that examples and tests
 * meet every kind of weather without a network.
 *
 * - The regime follows a Markov chain: calm → trends → volatile → crash → rebound …
 * - Each regime sets a drift, a volatility level and a jump rate.
 * - Volatility clusters (GARCH(1,1): today's variance remembers yesterday's shock) and jumps feed
 *   back into it, so a crash leaves a turbulent aftermath.
 * - Half of the jumps happen between bars, so opens gap (stops get gapped through).
 * - Volume grows with volatility.
 */

export const REGIMES = ['calm', 'trend-up', 'trend-down', 'volatile', 'crash'] as const;
export type Regime = (typeof REGIMES)[number];

export interface SynthesizeOptions {
  seed: number;
  bars: number;
  /** '1m', '1h', '1d', …: sets bar spacing and the per-bar volatility. */
  timeframe: string;
  /** Open time of the first bar, epoch ms UTC; default 2020-01-01T00:00:00Z. */
  start?: number;
  symbol?: string;
  startPrice?: number;
  /** Annualised volatility of the calm-to-normal market, default 0.6 (crypto-like). */
  annualVolatility?: number;
  /** Typical volume per bar in calm weather, default 1000. */
  baseVolume?: number;
  /** Recorded as the series' source; default `synthetic:SEED`. */
  source?: string;
}

/** A CandleSeries that also says which regime produced each bar (an index into REGIMES). */
export type SyntheticMarket = CandleSeries & { readonly regime: Uint8Array };

export const SYNTHETIC_DEFAULT_START = Date.UTC(2020, 0, 1);

// Per regime, in REGIMES order. Drift and jumps are in units of the bar's base volatility.
const DRIFT = new Float64Array([0, 0.06, -0.06, 0, -0.8]);
const VOL_MULT = new Float64Array([0.6, 0.9, 1.0, 2.0, 3.5]);
const JUMP_PROB = new Float64Array([0.002, 0.003, 0.003, 0.01, 0.05]);
const JUMP_MEAN = new Float64Array([0, 0.5, -0.5, 0, -3]);
const JUMP_SD = new Float64Array([3, 3, 3, 4, 4]);
/** Average stay in each regime, in bars. */
const MEAN_STAY = new Float64Array([500, 350, 300, 150, 25]);
/** Where a regime goes when it ends (rows: from, columns: to; each row sums to 1). */
const NEXT = [
  [0, 0.35, 0.3, 0.3, 0.05],
  [0.45, 0, 0.1, 0.3, 0.15],
  [0.35, 0.1, 0, 0.35, 0.2],
  [0.4, 0.2, 0.2, 0, 0.2],
  [0.2, 0.2, 0, 0.6, 0],
];
const NEXT_CUMULATIVE = new Float64Array(25);
for (let from = 0; from < 5; from++) {
  let sum = 0;
  for (let to = 0; to < 5; to++) {
    sum += NEXT[from]![to]!;
    NEXT_CUMULATIVE[from * 5 + to] = sum;
  }
}

/**
 * The long-run drift per bar (in units of base volatility) of the regime mix, jumps included.
 * Every bar's drift is offset by it, so trends and crashes shape the path but the market as a
 * whole neither melts up nor bleeds out over a million bars.
 */
const LONG_RUN_DRIFT = (() => {
  let share = [1, 0, 0, 0, 0];
  for (let step = 0; step < 5000; step++) {
    const next = [0, 0, 0, 0, 0];
    for (let from = 0; from < 5; from++) {
      const leave = 1 / MEAN_STAY[from]!;
      next[from]! += share[from]! * (1 - leave);
      for (let to = 0; to < 5; to++) next[to]! += share[from]! * leave * NEXT[from]![to]!;
    }
    share = next;
  }
  return share.reduce((sum, p, r) => sum + p * (DRIFT[r]! + JUMP_PROB[r]! * JUMP_MEAN[r]!), 0);
})();

// GARCH(1,1) weights: shocks fade with a half-life of about 35 bars.
const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.9;
// A weak pull of the log price back to where it started, scaled by the variance so that on any
// timeframe the price stays within a few multiples of startPrice (instead of drifting to 1e-30 over
// a million bars); on 1h bars its half-life is ~17,000 bars, far longer than any trend.
const ANCHOR_PULL_PER_VARIANCE = 1;
const YEAR_MS = 365 * 86_400_000;
const POWERS_OF_TEN = new Float64Array(Array.from({ length: 23 }, (_, k) => 10 ** k));
const BLOCK = 1024;

function fillUniforms(random: Random, into: Float64Array): void {
  for (let k = 0; k < into.length; k++) into[k] = random();
}

/** Standard normals by Marsaglia's polar method, two per accepted pair. */
function fillNormals(random: Random, into: Float64Array): void {
  for (let k = 0; k < into.length; k += 2) {
    let a: number;
    let b: number;
    let q: number;
    do {
      a = 2 * random() - 1;
      b = 2 * random() - 1;
      q = a * a + b * b;
    } while (q >= 1 || q === 0);
    const scale = Math.sqrt((-2 * Math.log(q)) / q);
    into[k] = a * scale;
    into[k + 1] = b * scale;
  }
}

/**
 * Prices quoted with six significant digits, as on an exchange. One grid per bar (set by its open)
 * keeps the rounding monotonic, so high ≥ max(open, close) ≥ min(open, close) ≥ low survive it.
 * Dividing by a whole power of ten (never multiplying by 0.1…) keeps the decimals short and exact.
 */
function quotePrices(s: CandleSeries): void {
  const { open, high, low, close } = s;
  for (let i = 0; i < s.length; i++) {
    const digits = 5 - Math.floor(Math.log10(open[i]!));
    const scale = POWERS_OF_TEN[digits < 0 ? -digits : digits] ?? 10 ** Math.abs(digits);
    if (digits >= 0) {
      open[i] = Math.round(open[i]! * scale) / scale;
      high[i] = Math.round(high[i]! * scale) / scale;
      low[i] = Math.round(low[i]! * scale) / scale;
      close[i] = Math.round(close[i]! * scale) / scale;
    } else {
      open[i] = Math.round(open[i]! / scale) * scale;
      high[i] = Math.round(high[i]! / scale) * scale;
      low[i] = Math.round(low[i]! / scale) * scale;
      close[i] = Math.round(close[i]! / scale) * scale;
    }
  }
}

/**
 * Most bars one synthetic market may have. Each bar holds six numbers in memory (48 bytes) and the
 * backtest keeps one more: 10 million bars is about 560 MB and 2 s to make (19 years of 1m bars);
 * 100 million would not fit in this machine's memory.
 */
export const MAX_SYNTHETIC_BARS = 10_000_000;

/** 9999-12-31T23:59:59.999Z: the last time an ISO date shows with four digits of year. */
const LAST_PRINTABLE_TIME = 253_402_300_799_999;

export function tooManyBars(bars: number, spec?: string): VoltError {
  return new VoltError({
    kind: 'usage',
    message: `${spec === undefined ? '' : `bad data spec '${spec}': `}${bars} bars is more than a synthetic market holds (at most ${MAX_SYNTHETIC_BARS.toLocaleString('en-US')}: each bar takes about 56 bytes of memory)`,
    hint: `ask for ${MAX_SYNTHETIC_BARS.toLocaleString('en-US')} bars or fewer, or a longer timeframe`,
  });
}

export function synthesize(options: SynthesizeOptions): SyntheticMarket {
  const { seed, bars, timeframe } = options;
  if (!Number.isInteger(bars) || bars < 0) {
    throw new VoltError({ kind: 'usage', message: `bars must be a whole number ≥ 0, got ${bars}`, hint: 'pass e.g. --bars 5000' });
  }
  if (bars > MAX_SYNTHETIC_BARS) throw tooManyBars(bars);
  if (!Number.isFinite(seed)) {
    throw new VoltError({ kind: 'usage', message: `seed must be a number, got ${seed}`, hint: 'pass e.g. --seed 42' });
  }
  const barMs = timeframeToMs(timeframe);
  const start = options.start ?? SYNTHETIC_DEFAULT_START;
  if (!(start + (bars - 1) * barMs <= LAST_PRINTABLE_TIME)) {
    throw new VoltError({
      kind: 'usage',
      message: `${bars} bars of ${timeframe} from ${new Date(start).toISOString().slice(0, 10)} run past the year 9999`,
      hint: 'ask for fewer bars or a shorter timeframe',
    });
  }
  const startPrice = options.startPrice ?? 100;
  if (!(startPrice > 0)) {
    throw new VoltError({ kind: 'usage', message: `start price must be positive, got ${startPrice}`, hint: 'pass e.g. --start-price 100' });
  }
  const baseVolume = options.baseVolume ?? 1000;
  const sigma = (options.annualVolatility ?? 0.6) * Math.sqrt(barMs / YEAR_MS);

  const series = allocateSeries(bars, {
    symbol: options.symbol ?? 'SYNTH',
    timeframe,
    source: options.source ?? `synthetic:${seed}`,
  });
  const regime = new Uint8Array(bars);
  const { time, open, high, low, close, volume } = series;

  // Random numbers come from blocks refilled between bars: a function returning a double that is
  // not inlined boxes it, and this loop is too big for the compiler to inline every draw.
  const random = createRandom(seed);
  const uniforms = new Float64Array(BLOCK);
  const normals = new Float64Array(BLOCK);
  let u = BLOCK;
  let z = BLOCK;

  const anchor = Math.log(startPrice);
  const anchorPull = ANCHOR_PULL_PER_VARIANCE * sigma * sigma;
  let logPrice = anchor;
  let r = 0; // start calm
  let variance = (sigma * VOL_MULT[0]!) ** 2;
  let lastShock = 0;

  for (let i = 0; i < bars; i++) {
    // A bar takes at most 3 uniforms and 6 normals.
    if (u > BLOCK - 3) {
      fillUniforms(random, uniforms);
      u = 0;
    }
    if (z > BLOCK - 6) {
      fillNormals(random, normals);
      z = 0;
    }
    if (uniforms[u++]! * MEAN_STAY[r]! < 1) {
      const pick = uniforms[u++]!;
      let to = 0;
      while (to < 4 && pick >= NEXT_CUMULATIVE[r * 5 + to]!) to++;
      r = to;
    }
    regime[i] = r;

    const target = (sigma * VOL_MULT[r]!) ** 2;
    variance = target * (1 - GARCH_ALPHA - GARCH_BETA) + GARCH_ALPHA * lastShock * lastShock + GARCH_BETA * variance;
    const barVol = Math.sqrt(variance);

    let gapJump = 0;
    let barJump = 0;
    const jumpDraw = uniforms[u++]!;
    if (jumpDraw < JUMP_PROB[r]!) {
      const jump = sigma * (JUMP_MEAN[r]! + JUMP_SD[r]! * normals[z++]!);
      // Half the jumps happen while the market is closed to the bar: the open gaps.
      if (jumpDraw < 0.5 * JUMP_PROB[r]!) gapJump = jump;
      else barJump = jump;
    }
    const gap = 0.05 * barVol * normals[z++]! + gapJump;
    const shock = barVol * normals[z++]! + barJump;
    const drift = (DRIFT[r]! - LONG_RUN_DRIFT) * sigma - anchorPull * (logPrice - anchor);

    const openLog = logPrice + gap;
    logPrice = openLog + drift + shock;
    lastShock = gap + shock;

    const o = Math.exp(openLog);
    const c = Math.exp(logPrice);
    time[i] = start + i * barMs;
    open[i] = o;
    close[i] = c;
    // Intrabar excursions beyond the body, scaled by the bar's volatility.
    high[i] = (o > c ? o : c) * Math.exp(0.5 * barVol * Math.abs(normals[z++]!));
    low[i] = (o < c ? o : c) * Math.exp(-0.5 * barVol * Math.abs(normals[z++]!));
    const activity = (barVol + Math.abs(lastShock)) / sigma;
    volume[i] = Math.round(100 * baseVolume * activity * Math.sqrt(activity) * Math.exp(0.3 * normals[z++]!)) / 100;
  }
  quotePrices(series);
  return Object.assign(series, { regime });
}
