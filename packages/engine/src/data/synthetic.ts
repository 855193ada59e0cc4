import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { allocateSeries } from './candle.js';
import { createRandom } from './random.js';
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

// GARCH(1,1) weights: shocks fade with a half-life of about 35 bars.
const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.9;
// A weak pull of the log price back to where it started, so a million bars stay within a few
// multiples of startPrice instead of drifting to 1e-30; half-life ~35,000 bars, far longer than a trend.
const ANCHOR_PULL = 2e-5;
const YEAR_MS = 365 * 86_400_000;

export function synthesize(options: SynthesizeOptions): SyntheticMarket {
  const { seed, bars, timeframe } = options;
  if (!Number.isInteger(bars) || bars < 0) {
    throw new VoltError({ kind: 'usage', message: `bars must be a whole number ≥ 0, got ${bars}`, hint: 'pass e.g. --bars 5000' });
  }
  if (!Number.isFinite(seed)) {
    throw new VoltError({ kind: 'usage', message: `seed must be a number, got ${seed}`, hint: 'pass e.g. --seed 42' });
  }
  const barMs = timeframeToMs(timeframe);
  const start = options.start ?? SYNTHETIC_DEFAULT_START;
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

  const random = createRandom(seed);
  // Box–Muller yields normals in pairs; keep the spare in a local instead of allocating.
  let spare = 0;
  let hasSpare = false;
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const u = 1 - random(); // (0, 1]: log stays finite
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    hasSpare = true;
    return radius * Math.cos(2 * Math.PI * v);
  };

  const anchor = Math.log(startPrice);
  let logPrice = anchor;
  let r = 0; // start calm
  let variance = (sigma * VOL_MULT[0]!) ** 2;
  let lastShock = 0;

  for (let i = 0; i < bars; i++) {
    if (random() * MEAN_STAY[r]! < 1) {
      const u = random();
      let to = 0;
      while (to < 4 && u >= NEXT_CUMULATIVE[r * 5 + to]!) to++;
      r = to;
    }
    regime[i] = r;

    const target = (sigma * VOL_MULT[r]!) ** 2;
    variance = target * (1 - GARCH_ALPHA - GARCH_BETA) + GARCH_ALPHA * lastShock * lastShock + GARCH_BETA * variance;
    const barVol = Math.sqrt(variance);

    let gapJump = 0;
    let barJump = 0;
    if (random() < JUMP_PROB[r]!) {
      const jump = sigma * (JUMP_MEAN[r]! + JUMP_SD[r]! * normal());
      if (random() < 0.5) gapJump = jump;
      else barJump = jump;
    }
    const gap = 0.05 * barVol * normal() + gapJump;
    const shock = barVol * normal() + barJump;
    const drift = DRIFT[r]! * sigma - ANCHOR_PULL * (logPrice - anchor);

    const openLog = logPrice + gap;
    logPrice = openLog + drift + shock;
    lastShock = gap + shock;

    const o = Math.exp(openLog);
    const c = Math.exp(logPrice);
    time[i] = start + i * barMs;
    open[i] = o;
    close[i] = c;
    // Intrabar excursions beyond the body, scaled by the bar's volatility.
    high[i] = (o > c ? o : c) * Math.exp(0.5 * barVol * Math.abs(normal()));
    low[i] = (o < c ? o : c) * Math.exp(-0.5 * barVol * Math.abs(normal()));
    const activity = (barVol + Math.abs(lastShock)) / sigma;
    volume[i] = baseVolume * activity * Math.sqrt(activity) * Math.exp(0.3 * normal());
  }
  return Object.assign(series, { regime });
}
