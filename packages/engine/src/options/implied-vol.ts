/**
 * Implied volatility: the vol at which the model's price equals a quoted price. A European price
 * rises strictly with vol between its discounted intrinsic value (vol 0) and its no-arbitrage
 * maximum (vol → ∞), so a root exists exactly when the quote lies strictly between them; outside
 * that the solver says which side it fell off instead of returning a number. Inside, Newton's
 * method on vega, kept inside a bracket that shrinks every step, falling back to bisection where
 * vega is too small to trust (deep in or out of the money): it always converges.
 */
import { europeanBounds, GreeksBatch, priceInto, type OptionInput } from './black-scholes.js';
import { DEFAULT_TREE_STEPS, priceOnTree, type ExerciseStyle } from './binomial.js';

export type ImpliedVolFailure =
  /** The quote is below the option's discounted intrinsic value: an arbitrage, or a stale quote. */
  | 'below-intrinsic'
  /** The quote equals the intrinsic value: no time value for a volatility to explain (vol 0). */
  | 'no-time-value'
  /** The quote is at or above what the option can be worth at any vol (spot for a call, discounted strike for a put). */
  | 'above-maximum'
  /** No time left (years = 0): every vol gives the same price. */
  | 'expired'
  /** Not a usable option or price (non-positive spot or strike, NaN). */
  | 'invalid-input';

export type ImpliedVolResult =
  | { ok: true; vol: number; iterations: number }
  | { ok: false; reason: ImpliedVolFailure; message: string; intrinsic: number; maximum: number };

export interface ImpliedVolInput extends Omit<OptionInput, 'vol'> {
  /** The quoted option price per unit of the underlying. */
  price: number;
  /** 'american' solves against the Leisen–Reimer tree's price (default 'european': closed form). */
  style?: ExerciseStyle;
  /** Tree steps for an American quote (default 201). */
  steps?: number;
}

/** Highest vol searched: 1000%/√year. Quotes that need more fail as above-maximum in practice. */
const MAX_VOL = 10;
const MAX_ITERATIONS = 100;
const scratch = new GreeksBatch(1);

export function impliedVolatility(o: Readonly<ImpliedVolInput>): ImpliedVolResult {
  const black76 = (o.model ?? 'bsm') === 'black76';
  const q = black76 ? o.rate : (o.dividendYield ?? 0);
  const call = o.right === 'call';
  const fail = (reason: ImpliedVolFailure, message: string, intrinsic = Number.NaN, maximum = Number.NaN): ImpliedVolResult => ({ ok: false, reason, message, intrinsic, maximum });
  if (!(o.spot > 0) || !(o.strike > 0) || !(o.years >= 0) || !Number.isFinite(o.rate + q + o.spot + o.strike + o.years) || !Number.isFinite(o.price)) {
    return fail('invalid-input', 'spot, strike, years, rate and price must be numbers, spot and strike positive');
  }
  if (o.style === 'american') return americanImpliedVolatility(o, fail);
  const { intrinsic, maximum } = europeanBounds({ ...o, vol: 0 });
  const target = o.price;
  // Quotes are rounded; a price within this of a bound is at the bound.
  const tol = 1e-12 * Math.max(1, maximum);
  // Converged when the price is matched to 1e-13 of the option's maximum (a few ulps of a price near 100).
  const priceTol = 0.1 * tol;
  if (o.years === 0) return fail('expired', 'the option has expired (years = 0): its price does not depend on volatility', intrinsic, maximum);
  if (target < intrinsic - tol) return fail('below-intrinsic', `price ${target} is below the intrinsic value ${round(intrinsic)}`, intrinsic, maximum);
  if (target <= intrinsic + tol) return fail('no-time-value', `price ${target} is the intrinsic value ${round(intrinsic)}: no time value, so no volatility`, intrinsic, maximum);
  if (target >= maximum - tol) return fail('above-maximum', `price ${target} is at or above the most the option can be worth (${round(maximum)})`, intrinsic, maximum);

  const valueAt = (vol: number): number => {
    priceInto(call, o.spot, o.strike, o.years, o.rate, q, vol, black76, scratch, 0);
    return scratch.price[0]! - target;
  };
  let lo = 0;
  let hi = MAX_VOL;
  if (valueAt(hi) < 0) return fail('above-maximum', `price ${target} needs a volatility above ${MAX_VOL * 100}%`, intrinsic, maximum);
  // Start where the at-the-money approximation (Brenner–Subrahmanyam) puts it, clamped.
  let vol = Math.min(Math.max((target / (o.spot * Math.exp(-q * o.years))) * Math.sqrt((2 * Math.PI) / o.years), 0.05), 2);
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    const diff = valueAt(vol);
    if (Math.abs(diff) <= priceTol) return { ok: true, vol, iterations: n };
    if (diff > 0) hi = vol;
    else lo = vol;
    const vega = scratch.vega[0]!;
    let next = vol - diff / vega;
    // Newton only when it lands inside the bracket; otherwise halve the bracket.
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * hi) return { ok: true, vol: next, iterations: n };
    vol = next;
  }
  return { ok: true, vol, iterations: MAX_ITERATIONS };
}

/** Lowest vol the American search starts from: a quote the tree explains below it has no time value to speak of. */
const MIN_VOL = 1e-4;

/**
 * An American quote: the tree's price rises with vol from what the option is worth at no
 * volatility (exercise now, or hold the riskless forward) towards its bound (spot for a call,
 * strike for a put), continuously for a fixed number of steps but without a closed-form vega, so
 * the root is found by the Illinois variant of regula falsi inside a bracket that shrinks every
 * step (superlinear, and never leaves the bracket). Each step prices one tree.
 */
function americanImpliedVolatility(
  o: Readonly<ImpliedVolInput>,
  fail: (reason: ImpliedVolFailure, message: string, intrinsic?: number, maximum?: number) => ImpliedVolResult,
): ImpliedVolResult {
  const steps = o.steps ?? DEFAULT_TREE_STEPS;
  const option = { right: o.right, spot: o.spot, strike: o.strike, years: o.years, rate: o.rate, dividendYield: o.dividendYield ?? 0, model: o.model ?? 'bsm', vol: 0 } as const;
  const now = o.right === 'call' ? Math.max(o.spot - o.strike, 0) : Math.max(o.strike - o.spot, 0);
  const maximum = o.right === 'call' ? o.spot : o.strike;
  const target = o.price;
  const tol = 1e-12 * Math.max(1, maximum);
  // A tree price is good to its discretisation (~1e-5 at 201 steps); matching it much closer than that is free and keeps round trips exact.
  const priceTol = 1e-11 * Math.max(1, maximum);
  if (o.years === 0) return fail('expired', 'the option has expired (years = 0): its price does not depend on volatility', now, maximum);
  const atZero = priceOnTree(option, 'american', steps).price;
  const floor = Math.max(now, atZero);
  if (target < now - tol) return fail('below-intrinsic', `price ${target} is below what exercising now pays (${round(now)}): an American option is never worth less`, floor, maximum);
  if (target < floor - tol) return fail('below-intrinsic', `price ${target} is below the option's value at no volatility (${round(floor)})`, floor, maximum);
  if (target <= floor + tol) return fail('no-time-value', `price ${target} is what the option is worth at no volatility (${round(floor)}): no time value, so no volatility`, floor, maximum);
  if (target >= maximum - tol) return fail('above-maximum', `price ${target} is at or above the most an American ${o.right} can be worth (${round(maximum)})`, floor, maximum);

  const valueAt = (vol: number): number => priceOnTree({ ...option, vol }, 'american', steps).price - target;
  let lo = MIN_VOL;
  let hi = MAX_VOL;
  let fLo = valueAt(lo);
  let fHi = valueAt(hi);
  if (fLo >= 0) return fail('no-time-value', `price ${target} is explained by a volatility below ${MIN_VOL * 100}%: no time value to speak of`, floor, maximum);
  if (fHi < 0) return fail('above-maximum', `price ${target} needs a volatility above ${MAX_VOL * 100}%`, floor, maximum);
  let side = 0;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    let vol = (lo * fHi - hi * fLo) / (fHi - fLo);
    if (!(vol > lo && vol < hi)) vol = 0.5 * (lo + hi);
    const diff = valueAt(vol);
    if (Math.abs(diff) <= priceTol || hi - lo <= 1e-14 * hi) return { ok: true, vol, iterations: n };
    if (diff > 0) {
      hi = vol;
      fHi = diff;
      // Illinois: the end that stayed twice running has its value halved, so the secant moves it.
      if (side === 1) fLo *= 0.5;
      side = 1;
    } else {
      lo = vol;
      fLo = diff;
      if (side === -1) fHi *= 0.5;
      side = -1;
    }
  }
  return { ok: true, vol: 0.5 * (lo + hi), iterations: MAX_ITERATIONS };
}

function round(x: number): number {
  return Number(x.toPrecision(10));
}
