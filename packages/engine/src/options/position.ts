/**
 * Positions of several legs (verticals, straddles, strangles, iron condors, calendars, covered
 * calls): what they are worth, their greeks, and what can happen by the first expiry — breakevens,
 * maximum reward and risk, the probability of profit and of touching a level, under the lognormal
 * model (README.md, "Positions").
 */
import { VoltError } from '../errors.js';
import { DAYS_PER_YEAR, GreeksBatch, priceInto, priceOption, type OptionRight } from './black-scholes.js';
import { normCdf } from './normal.js';

export interface OptionLeg {
  right: OptionRight;
  /** Contracts: positive long, negative short. */
  quantity: number;
  strike: number;
  /** Years from now to this leg's expiry. */
  years: number;
  /** Entry price per unit of the underlying: paid for a long leg, received for a short one. */
  premium: number;
  /** The leg's own volatility (a calendar's far leg trades at its own); default: the position's. */
  vol?: number;
}

export interface UnderlyingLeg {
  right: 'underlying';
  /** Units of the underlying (shares, coins): positive long, negative short. No multiplier. */
  quantity: number;
  /** Entry price. */
  premium: number;
}

export type PositionLeg = OptionLeg | UnderlyingLeg;

export interface PositionInput {
  legs: readonly PositionLeg[];
  spot: number;
  rate: number;
  dividendYield?: number;
  /** Volatility for valuing the legs and for the probabilities. */
  vol: number;
  /** Units of the underlying per contract (default 100). */
  multiplier?: number;
  /**
   * Expected growth rate of the underlying per year for the probabilities (default rate −
   * dividendYield: the risk-neutral world). Give a real-world drift to ask "how likely", not
   * "how priced".
   */
  drift?: number;
}

export interface PositionGreeks {
  /** In units of the underlying: the position gains `delta` per 1.00 move of the underlying. */
  delta: number;
  gamma: number;
  /** Per year; `thetaPerDay` per calendar day. */
  theta: number;
  thetaPerDay: number;
  /** Per 1.00 of vol; `vegaPerPoint` per vol point. */
  vega: number;
  vegaPerPoint: number;
  /** Per 1.00 of rate. */
  rho: number;
}

export interface TouchProbability {
  level: number;
  why: 'breakeven' | 'short strike';
  /** Probability that the underlying trades at `level` at some time before the horizon. */
  probability: number;
}

export interface PositionAnalysis {
  /** Entry cost in currency: positive a debit paid, negative a credit received. */
  entryCost: number;
  /** What the legs are worth now under the model, in currency. */
  value: number;
  greeks: PositionGreeks;
  /** The first expiry: every figure below is the P&L at that moment. */
  horizonYears: number;
  /** Underlying prices at the horizon where the P&L crosses zero, ascending. */
  breakevens: number[];
  /** Largest gain at the horizon (Infinity when unlimited). */
  maxReward: number;
  /** Largest loss at the horizon, as a positive number (Infinity when unlimited). */
  maxRisk: number;
  /** P(P&L at the horizon > 0) when the underlying is lognormal. */
  probabilityOfProfit: number;
  /** Expected P&L at the horizon under the same model, in currency. */
  expectedPnl: number;
  /** Mean P&L of the outcomes that make money, and mean loss (positive) of those that lose, under the model. */
  averageWin: number;
  averageLoss: number;
  touch: TouchProbability[];
}

const scratch = new GreeksBatch(1);

/** What the position is worth at the horizon if the underlying is then at `s`, minus its entry cost. */
export function pnlAtHorizon(p: Readonly<PositionInput>, s: number, horizonYears: number): number {
  const m = p.multiplier ?? 100;
  const q = p.dividendYield ?? 0;
  let pnl = 0;
  for (const leg of p.legs) {
    if (leg.right === 'underlying') {
      pnl += leg.quantity * (s - leg.premium);
      continue;
    }
    const left = leg.years - horizonYears;
    let worth: number;
    if (left <= 1e-12) worth = leg.right === 'call' ? Math.max(s - leg.strike, 0) : Math.max(leg.strike - s, 0);
    else if (s <= 0) worth = leg.right === 'call' ? 0 : leg.strike * Math.exp(-p.rate * left);
    else {
      priceInto(leg.right === 'call', s, leg.strike, left, p.rate, q, leg.vol ?? p.vol, false, scratch, 0);
      worth = scratch.price[0]!;
    }
    pnl += leg.quantity * m * (worth - leg.premium);
  }
  return pnl;
}

function check(p: Readonly<PositionInput>): void {
  const bad = (message: string, hint: string): never => {
    throw new VoltError({ kind: 'usage', message, hint });
  };
  if (p.legs.length === 0) bad('a position needs at least one leg', 'add a leg: e.g. short 1 call 105');
  if (!(p.spot > 0)) bad(`position spot must be a positive number, got ${p.spot}`, 'give the underlying price');
  if (!(p.vol > 0) || !Number.isFinite(p.vol)) bad(`position vol must be a positive number, got ${p.vol}`, 'give the volatility as a fraction (0.20 for 20%)');
  if (!Number.isFinite(p.rate)) bad(`position rate must be a number, got ${p.rate}`, 'give the rate as a fraction (0.05 for 5%)');
  if (p.multiplier !== undefined && !(p.multiplier > 0)) bad(`position multiplier must be positive, got ${p.multiplier}`, 'use 100 for US equity options, 1 for crypto');
  p.legs.forEach((leg, i) => {
    const name = `leg ${i + 1}`;
    if (!Number.isFinite(leg.quantity) || leg.quantity === 0) bad(`${name}: quantity must be a non-zero number, got ${leg.quantity}`, 'positive for long, negative for short');
    if (!(leg.premium >= 0) || !Number.isFinite(leg.premium)) bad(`${name}: premium must be 0 or more, got ${leg.premium}`, 'give the price per unit of the underlying');
    if (leg.right === 'underlying') return;
    if (leg.right !== 'call' && leg.right !== 'put') bad(`${name}: right must be call, put or underlying, got '${String((leg as { right: unknown }).right)}'`, 'name the leg call, put or underlying');
    if (!(leg.strike > 0)) bad(`${name}: strike must be positive, got ${leg.strike}`, 'give the strike price');
    if (!(leg.years > 0) || !Number.isFinite(leg.years)) bad(`${name}: years to expiry must be positive, got ${leg.years}`, 'an expired leg is not a position; drop it');
    if (leg.vol !== undefined && !(leg.vol > 0)) bad(`${name}: vol must be positive, got ${leg.vol}`, 'leave it out to use the position vol');
  });
}

/** P(S_T ≤ x) at `years` when ln S_T is normal with the position's drift and vol. */
function lognormalCdf(p: Readonly<PositionInput>, x: number, years: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const mu = p.drift ?? p.rate - (p.dividendYield ?? 0);
  const sd = p.vol * Math.sqrt(years);
  return normCdf((Math.log(x / p.spot) - (mu - 0.5 * p.vol * p.vol) * years) / sd);
}

/**
 * Probability that a geometric Brownian motion from `spot` reaches `level` before `years`, with
 * drift `mu` and vol `sigma` (the reflection principle for Brownian motion with drift).
 */
export function touchProbability(spot: number, level: number, years: number, mu: number, sigma: number): number {
  if (level === spot) return 1;
  const nu = mu - 0.5 * sigma * sigma;
  const sd = sigma * Math.sqrt(years);
  if (level > spot) {
    const b = Math.log(level / spot);
    return normCdf((-b + nu * years) / sd) + Math.exp((2 * nu * b) / (sigma * sigma)) * normCdf((-b - nu * years) / sd);
  }
  const b = Math.log(spot / level);
  return normCdf((-b - nu * years) / sd) + Math.exp((-2 * nu * b) / (sigma * sigma)) * normCdf((-b + nu * years) / sd);
}

export function analyzePosition(p: Readonly<PositionInput>): PositionAnalysis {
  check(p);
  const m = p.multiplier ?? 100;
  const q = p.dividendYield ?? 0;
  const options = p.legs.filter((l): l is OptionLeg => l.right !== 'underlying');
  const horizon = options.length > 0 ? Math.min(...options.map((l) => l.years)) : 0;

  let entryCost = 0;
  let value = 0;
  const greeks: PositionGreeks = { delta: 0, gamma: 0, theta: 0, thetaPerDay: 0, vega: 0, vegaPerPoint: 0, rho: 0 };
  for (const leg of p.legs) {
    if (leg.right === 'underlying') {
      entryCost += leg.quantity * leg.premium;
      value += leg.quantity * p.spot;
      greeks.delta += leg.quantity;
      continue;
    }
    const units = leg.quantity * m;
    const g = priceOption({ right: leg.right, spot: p.spot, strike: leg.strike, years: leg.years, rate: p.rate, dividendYield: q, vol: leg.vol ?? p.vol });
    entryCost += units * leg.premium;
    value += units * g.price;
    greeks.delta += units * g.delta;
    greeks.gamma += units * g.gamma;
    greeks.theta += units * g.theta;
    greeks.vega += units * g.vega;
    greeks.rho += units * g.rho;
  }
  greeks.thetaPerDay = greeks.theta / DAYS_PER_YEAR;
  greeks.vegaPerPoint = greeks.vega / 100;

  const f = (s: number): number => pnlAtHorizon(p, s, horizon);
  // Slope of the P&L far above every strike: calls and the underlying move one for one there
  // (a later-expiring call by e^(−q·τ)); puts are worthless.
  let slopeUp = 0;
  for (const leg of p.legs) {
    if (leg.right === 'underlying') slopeUp += leg.quantity;
    else if (leg.right === 'call') slopeUp += leg.quantity * m * Math.exp(-q * Math.max(leg.years - horizon, 0));
  }
  const sameExpiry = options.every((l) => Math.abs(l.years - horizon) <= 1e-12);
  const strikes = [...new Set(options.map((l) => l.strike))].sort((a, b) => a - b);

  // The points where the P&L can turn: the strikes when every leg expires together (the P&L is
  // then linear between them); otherwise a fine log-spaced grid over ±12 standard deviations.
  let points: number[];
  if (sameExpiry) points = [0, ...strikes];
  else {
    const far = p.vol * Math.sqrt(Math.max(...options.map((l) => l.years)));
    const lo = Math.log(Math.min(p.spot, strikes[0]!)) - 12 * far;
    const hi = Math.log(Math.max(p.spot, strikes[strikes.length - 1]!)) + 12 * far;
    const n = 4000;
    points = [0];
    for (let i = 0; i <= n; i++) points.push(Math.exp(lo + ((hi - lo) * i) / n));
    points.push(...strikes);
    points.sort((a, b) => a - b);
  }
  const values = points.map(f);
  const top = points[points.length - 1]!;
  const topValue = values[values.length - 1]!;
  const flat = Math.abs(slopeUp) < 1e-9;
  const maxReward = !flat && slopeUp > 0 ? Number.POSITIVE_INFINITY : Math.max(...values);
  const worst = Math.min(...values);
  const maxRisk = !flat && slopeUp < 0 ? Number.POSITIVE_INFINITY : Math.max(-worst, 0);

  const breakevens: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = values[i - 1]!;
    const b = values[i]!;
    if (a === 0 && i > 1 && points[i - 1]! > 0) breakevens.push(points[i - 1]!);
    if ((a < 0 && b > 0) || (a > 0 && b < 0)) breakevens.push(sameExpiry ? linearRoot(points[i - 1]!, a, points[i]!, b) : bisect(f, points[i - 1]!, points[i]!, a));
  }
  if (!flat && (topValue < 0) === (slopeUp > 0) && topValue !== 0) {
    // The P&L crosses zero beyond the last point, along its final slope (exact when legs expire together).
    const beyond = top - topValue / slopeUp;
    breakevens.push(sameExpiry ? beyond : bisect(f, top, beyond * 2, topValue));
  }

  // PoP: the probability mass of the intervals between breakevens where the P&L is positive.
  const edges = [0, ...breakevens, Number.POSITIVE_INFINITY];
  let probabilityOfProfit = 0;
  for (let i = 1; i < edges.length; i++) {
    const lo = edges[i - 1]!;
    const hi = edges[i]!;
    const inside = Number.isFinite(hi) ? (lo + hi) / 2 : Math.max(lo * 2, top * 2, p.spot * 2);
    if (f(inside) > 0) probabilityOfProfit += lognormalCdf(p, hi, horizon) - lognormalCdf(p, lo, horizon);
  }

  const mu = p.drift ?? p.rate - q;
  const touch: TouchProbability[] = [
    ...breakevens.map((level) => ({ level, why: 'breakeven' as const, probability: touchProbability(p.spot, level, horizon, mu, p.vol) })),
    ...[...new Set(options.filter((l) => l.quantity < 0).map((l) => l.strike))].map((level) => ({ level, why: 'short strike' as const, probability: touchProbability(p.spot, level, horizon, mu, p.vol) })),
  ].sort((a, b) => a.level - b.level);

  const outcomes = integrate(p, f, horizon);
  return { entryCost, value, greeks, horizonYears: horizon, breakevens, maxReward, maxRisk, probabilityOfProfit, ...outcomes, touch };
}

function linearRoot(x0: number, y0: number, x1: number, y1: number): number {
  return x0 - (y0 * (x1 - x0)) / (y1 - y0);
}

function bisect(f: (s: number) => number, lo: number, hi: number, flo: number): number {
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    const v = f(mid);
    if (v === 0) return mid;
    if (v < 0 === flo < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Expectations of the P&L at the horizon: the midpoint rule over ±10 standard deviations of
 * ln S_T, 4000 cells (the P&L is piecewise smooth, so this is accurate to well under a cent).
 */
function integrate(p: Readonly<PositionInput>, f: (s: number) => number, horizon: number): { expectedPnl: number; averageWin: number; averageLoss: number } {
  const mu = p.drift ?? p.rate - (p.dividendYield ?? 0);
  const sd = p.vol * Math.sqrt(horizon);
  const mean = Math.log(p.spot) + (mu - 0.5 * p.vol * p.vol) * horizon;
  const n = 4000;
  const width = 20 / n;
  const norm = width / Math.sqrt(2 * Math.PI);
  let gains = 0;
  let losses = 0;
  let winMass = 0;
  let lossMass = 0;
  for (let i = 0; i < n; i++) {
    const z = -10 + (i + 0.5) * width;
    const w = Math.exp(-0.5 * z * z) * norm;
    const pnl = f(Math.exp(mean + sd * z));
    if (pnl > 0) {
      gains += pnl * w;
      winMass += w;
    } else if (pnl < 0) {
      losses -= pnl * w;
      lossMass += w;
    }
  }
  return { expectedPnl: gains - losses, averageWin: winMass > 0 ? gains / winMass : 0, averageLoss: lossMass > 0 ? losses / lossMass : 0 };
}
