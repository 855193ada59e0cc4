/**
 * Where implied volatility stands: IV rank and IV percentile against its own history, and the
 * smile of one expiry as the desk quotes it (25-delta risk reversal and butterfly).
 */
import { VoltError } from '../errors.js';
import { priceOption, type OptionRight } from './black-scholes.js';
import { impliedVolatility } from './implied-vol.js';

/** A year of daily readings: the usual window for IV rank and percentile. */
export const IV_LOOKBACK = 252;

/**
 * IV rank, 0–100: where the reading at `end` sits between the lowest and highest of the `lookback`
 * readings ending there (itself included): 100 × (iv − min) / (max − min). 50 when the window is
 * flat, NaN when the reading is missing. NaN readings in the window are skipped.
 */
export function ivRank(iv: ArrayLike<number>, end = iv.length - 1, lookback = IV_LOOKBACK): number {
  const current = iv[end];
  if (current === undefined || !(current === current)) return Number.NaN;
  let lo = current;
  let hi = current;
  for (let i = Math.max(0, end - lookback + 1); i < end; i++) {
    const x = iv[i]!;
    if (!(x === x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return hi > lo ? 100 * ((current - lo) / (hi - lo)) : 50;
}

/**
 * IV percentile, 0–100: the share of the `lookback − 1` readings before `end` that were below the
 * reading at `end`. Unlike rank it is not moved by one extreme day. NaN when the reading is
 * missing or there is no earlier reading.
 */
export function ivPercentile(iv: ArrayLike<number>, end = iv.length - 1, lookback = IV_LOOKBACK): number {
  const current = iv[end];
  if (current === undefined || !(current === current)) return Number.NaN;
  let below = 0;
  let count = 0;
  for (let i = Math.max(0, end - lookback + 1); i < end; i++) {
    const x = iv[i]!;
    if (!(x === x)) continue;
    count++;
    if (x < current) below++;
  }
  return count > 0 ? (100 * below) / count : Number.NaN;
}

/** One quote of a chain: its implied vol, or a price to solve for one (mid when both bid and ask). */
export interface ChainQuote {
  right: OptionRight;
  strike: number;
  /** Implied volatility as a fraction; solved from `price` when absent. */
  iv?: number;
  price?: number;
}

export interface ChainSkew {
  /** Vol of the 25-delta call, the 25-delta put and at the money (strike = forward), as fractions. */
  call25: number;
  put25: number;
  atm: number;
  /** call25 − put25: negative when puts are bid over calls (the usual equity skew). */
  riskReversal25: number;
  /** (call25 + put25) / 2 − atm: the smile's curvature, positive when the wings are rich. */
  butterfly25: number;
  forward: number;
}

/**
 * The 25-delta risk reversal and butterfly of one expiry. Each quote's delta comes from its own
 * implied vol (BSM, spot delta with the yield); the 25-delta vols are interpolated linearly in
 * delta between the two quotes around ±0.25 (calls for the call side, puts for the put side), the
 * at-the-money vol linearly in strike at the forward from the out-of-the-money quotes (puts below,
 * calls above). A side the chain does not reach around 0.25 delta is an error naming it.
 */
export function chainSkew(chain: readonly ChainQuote[], market: { spot: number; years: number; rate: number; dividendYield?: number }): ChainSkew {
  const q = market.dividendYield ?? 0;
  const forward = market.spot * Math.exp((market.rate - q) * market.years);
  const points = chain.map((c, i) => {
    let vol = c.iv;
    if (vol === undefined) {
      if (c.price === undefined) throw new VoltError({ kind: 'data', message: `chain quote ${i + 1} (${c.right} ${c.strike}) has neither iv nor price`, hint: 'give each quote an iv or a price' });
      const r = impliedVolatility({ right: c.right, spot: market.spot, strike: c.strike, years: market.years, rate: market.rate, dividendYield: q, price: c.price });
      if (!r.ok) throw new VoltError({ kind: 'data', message: `chain quote ${i + 1} (${c.right} ${c.strike} at ${c.price}): ${r.message}`, hint: 'drop the quote or fix its price' });
      vol = r.vol;
    }
    const delta = priceOption({ right: c.right, spot: market.spot, strike: c.strike, years: market.years, rate: market.rate, dividendYield: q, vol }).delta;
    return { right: c.right, strike: c.strike, vol, delta };
  });
  const at = (right: OptionRight, target: number): number => {
    const side = points.filter((p) => p.right === right).sort((a, b) => a.delta - b.delta);
    for (let i = 1; i < side.length; i++) {
      const a = side[i - 1]!;
      const b = side[i]!;
      if (a.delta <= target && target <= b.delta) return b.delta === a.delta ? a.vol : a.vol + ((target - a.delta) / (b.delta - a.delta)) * (b.vol - a.vol);
    }
    throw new VoltError({ kind: 'data', message: `the chain's ${right}s do not reach both sides of ${target} delta`, hint: `add ${right}s further ${right === 'call' ? 'above' : 'below'} and nearer the money` });
  };
  const call25 = at('call', 0.25 * Math.exp(-q * market.years));
  const put25 = at('put', -0.25 * Math.exp(-q * market.years));
  const otm = points.filter((p) => (p.right === 'put' ? p.strike <= forward : p.strike >= forward)).sort((a, b) => a.strike - b.strike);
  let atm = Number.NaN;
  for (let i = 1; i < otm.length; i++) {
    const a = otm[i - 1]!;
    const b = otm[i]!;
    if (a.strike <= forward && forward <= b.strike) {
      atm = b.strike === a.strike ? (a.vol + b.vol) / 2 : a.vol + ((forward - a.strike) / (b.strike - a.strike)) * (b.vol - a.vol);
      break;
    }
  }
  if (!(atm === atm)) throw new VoltError({ kind: 'data', message: `the chain has no strikes on both sides of the forward ${forward.toFixed(4)}`, hint: 'add a put at or below and a call at or above the forward' });
  return { call25, put25, atm, riskReversal25: call25 - put25, butterfly25: (call25 + put25) / 2 - atm, forward };
}
