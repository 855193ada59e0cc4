/**
 * A protective vertical for a position in the underlying, priced for the hedge optimizer: a put
 * spread under a long (buy the put `near` below the price, sell the one `far` below), a call
 * spread over a short. It fills a reused quote, so pricing one allocates nothing.
 */
import { GreeksBatch, priceInto } from './black-scholes.js';

export interface HedgeQuote {
  kind: 'put spread' | 'call spread';
  /** Strike bought (nearer the price) and sold (further away). */
  longStrike: number;
  shortStrike: number;
  years: number;
  /** Cost per unit of the underlying, and as a fraction of the underlying's price. */
  cost: number;
  costPct: number;
  /** Greeks of one spread per unit of the underlying (theta per day, vega per vol point). */
  delta: number;
  gamma: number;
  thetaPerDay: number;
  vegaPerPoint: number;
  /** The most the spread pays, as a fraction of the price: the distance between its strikes. */
  maxPayoutPct: number;
}

const scratch = new GreeksBatch(2);

export function newHedgeQuote(): HedgeQuote {
  return { kind: 'put spread', longStrike: 0, shortStrike: 0, years: 0, cost: 0, costPct: 0, delta: 0, gamma: 0, thetaPerDay: 0, vegaPerPoint: 0, maxPayoutPct: 0 };
}

/**
 * Price the spread that protects a `long` (or short) position at `price` with vol `vol` (annual
 * fraction): strikes `near` and `far` (fractions, default 5% and 10%) away, `years` to expiry
 * (default 30 days), into `out`.
 */
export function quoteProtectiveSpread(long: boolean, price: number, vol: number, out: HedgeQuote, years = 30 / 365, rate = 0, near = 0.05, far = 0.1): HedgeQuote {
  const call = !long;
  const k1 = long ? price * (1 - near) : price * (1 + near);
  const k2 = long ? price * (1 - far) : price * (1 + far);
  priceInto(call, price, k1, years, rate, 0, vol, false, scratch, 0);
  priceInto(call, price, k2, years, rate, 0, vol, false, scratch, 1);
  out.kind = long ? 'put spread' : 'call spread';
  out.longStrike = k1;
  out.shortStrike = k2;
  out.years = years;
  out.cost = scratch.price[0]! - scratch.price[1]!;
  out.costPct = price > 0 ? out.cost / price : Number.NaN;
  out.delta = scratch.delta[0]! - scratch.delta[1]!;
  out.gamma = scratch.gamma[0]! - scratch.gamma[1]!;
  out.thetaPerDay = (scratch.theta[0]! - scratch.theta[1]!) / 365;
  out.vegaPerPoint = (scratch.vega[0]! - scratch.vega[1]!) / 100;
  out.maxPayoutPct = far - near;
  return out;
}
