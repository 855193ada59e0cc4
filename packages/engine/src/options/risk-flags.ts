/**
 * The options desk's risk flags, each one number with one definition (README.md, "Risk flags"):
 * pinning, volatility crush, early assignment, liquidity, and the dealers' gamma (with the spot
 * level where it flips sign). The risk gate acts on them through `RiskGate.checkDefinedRisk`.
 */
import { VoltError } from '../errors.js';
import { GreeksBatch, priceInto, priceOption, type OptionRight } from './black-scholes.js';

export interface OpenInterestQuote {
  right: OptionRight;
  strike: number;
  /** Contracts open. */
  openInterest: number;
  /** Implied vol as a fraction (for gamma). */
  iv: number;
}

/**
 * Pinning, 0–1: the share of an expiry's open interest at strikes within `band` (default ±1%) of
 * spot, counted only in the last `withinDays` (default 5) days before expiry; 0 before that or with
 * no open interest. Near 1, hedging flows tend to hold the price at those strikes into the close.
 */
export function pinningRisk(chain: readonly Pick<OpenInterestQuote, 'strike' | 'openInterest'>[], spot: number, daysToExpiry: number, band = 0.01, withinDays = 5): number {
  if (daysToExpiry > withinDays) return 0;
  let total = 0;
  let near = 0;
  for (const q of chain) {
    if (!(q.openInterest > 0)) continue;
    total += q.openInterest;
    if (Math.abs(q.strike / spot - 1) <= band) near += q.openInterest;
  }
  return total > 0 ? near / total : 0;
}

export interface VolatilityCrush {
  /** Expected fractional drop of the front expiry's IV once the event is past: 1 − σ_after / σ_front. */
  crush: number;
  /** IV the front expiry should trade at after the event: the forward vol between the two expiries. */
  ivAfter: number;
  /** The one-standard-deviation move the event is priced for, as a fraction of spot. */
  eventMove: number;
}

/**
 * Volatility crush around an event (earnings, a data release) that falls before the front expiry.
 * The back expiry holds the same event, so the variance between the two expiries is event-free:
 * σ_after² = (σ_back²·T_back − σ_front²·T_front) / (T_back − T_front); the event's own variance is
 * (σ_front² − σ_after²)·T_front.
 */
export function volatilityCrush(front: { iv: number; years: number }, back: { iv: number; years: number }): VolatilityCrush {
  if (!(back.years > front.years) || !(front.years > 0)) {
    throw new VoltError({ kind: 'usage', message: `volatility crush needs a back expiry after the front one (front ${front.years}, back ${back.years} years)`, hint: 'give the front and the next expiry' });
  }
  const forwardVariance = (back.iv * back.iv * back.years - front.iv * front.iv * front.years) / (back.years - front.years);
  // A back month cheaper than the event-free front leaves no room for an event: nothing to crush.
  const ivAfter = forwardVariance > 0 ? Math.min(Math.sqrt(forwardVariance), front.iv) : front.iv;
  const eventVariance = Math.max(0, (front.iv * front.iv - ivAfter * ivAfter) * front.years);
  return { crush: 1 - ivAfter / front.iv, ivAfter, eventMove: Math.sqrt(eventVariance) };
}

/**
 * Early-assignment risk of a short American leg, 0–1: 1 − time value / what exercising early
 * earns the holder, floored at 0. A call holder earns the dividend (paid before expiry) by
 * exercising; a put holder earns interest on the strike, K·(1 − e^(−rT)). Out of the money: 0.
 * At 1 the time value is gone and assignment is likely; above 0 the holder is being paid to wait
 * less than exercising pays.
 */
export function earlyAssignmentRisk(leg: { right: OptionRight; strike: number; years: number; vol: number }, market: { spot: number; rate: number; dividendYield?: number; dividend?: number }): number {
  const intrinsic = leg.right === 'call' ? market.spot - leg.strike : leg.strike - market.spot;
  if (!(intrinsic > 0)) return 0;
  const value = priceOption({ right: leg.right, spot: market.spot, strike: leg.strike, years: leg.years, rate: market.rate, dividendYield: market.dividendYield ?? 0, vol: leg.vol }).price;
  const timeValue = Math.max(0, value - intrinsic);
  const reward = leg.right === 'call' ? (market.dividend ?? 0) : leg.strike * (1 - Math.exp(-market.rate * leg.years));
  if (!(reward > 0)) return 0;
  return Math.max(0, 1 - timeValue / reward);
}

/** Liquidity: the bid-ask spread as a fraction of the mid, (ask − bid) / ((ask + bid) / 2). */
export function bidAskPct(bid: number, ask: number): number {
  const mid = (ask + bid) / 2;
  if (!(mid > 0) || !(ask >= bid)) return Number.NaN;
  return (ask - bid) / mid;
}

export interface DealerGamma {
  /** Dealers' net gamma exposure at spot, in currency per 1% move of the underlying. */
  netGamma: number;
  /**
   * netGamma as a share of the gross (Σ |OI·Γ| of every quote, same units), −1 to 1: −1 when every
   * dealer gamma near spot is short, +1 when every one is long; 0 without open interest. The figure
   * the risk gate's `minDealerGamma` reads: scale-free, so one limit fits any underlying.
   */
  share: number;
  /** +1 when dealers are long gamma (their hedging damps moves), −1 when short (it feeds them). */
  sign: 1 | -1;
  /** The spot level within ±25% where the net gamma changes sign nearest to spot; NaN when it does not. */
  flipLevel: number;
}

const scratch = new GreeksBatch(1);

/**
 * Dealers' gamma from open interest, with the common convention that customers buy puts and sell
 * calls, so dealers are long the calls' gamma and short the puts': net = Σ_calls OI·Γ − Σ_puts
 * OI·Γ, times multiplier × S² × 1% (the delta change, in currency, for a 1% move).
 */
export function dealerGamma(chain: readonly OpenInterestQuote[], market: { spot: number; years: number; rate: number; dividendYield?: number; multiplier?: number }): DealerGamma {
  const m = market.multiplier ?? 100;
  const q = market.dividendYield ?? 0;
  const at = (s: number): number => {
    let net = 0;
    for (const o of chain) {
      if (!(o.openInterest > 0)) continue;
      priceInto(o.right === 'call', s, o.strike, market.years, market.rate, q, o.iv, false, scratch, 0);
      const g = scratch.gamma[0]!;
      net += (o.right === 'call' ? 1 : -1) * o.openInterest * (g === g ? g : 0);
    }
    return net * m * s * s * 0.01;
  };
  const netGamma = at(market.spot);
  let gross = 0;
  for (const o of chain) {
    if (!(o.openInterest > 0)) continue;
    priceInto(o.right === 'call', market.spot, o.strike, market.years, market.rate, q, o.iv, false, scratch, 0);
    const g = scratch.gamma[0]!;
    gross += o.openInterest * (g === g ? g : 0);
  }
  gross *= m * market.spot * market.spot * 0.01;
  let flipLevel = Number.NaN;
  // Walk out from spot both ways in 0.5% steps; the nearest sign change is the flip.
  const steps = 50;
  let prevUp = netGamma;
  let prevDown = netGamma;
  for (let i = 1; i <= steps && !(flipLevel === flipLevel); i++) {
    const up = market.spot * (1 + 0.005 * i);
    const down = market.spot * (1 - 0.005 * i);
    const gu = at(up);
    const gd = at(down);
    if ((gd < 0) !== (prevDown < 0)) flipLevel = interpolate(market.spot * (1 - 0.005 * (i - 1)), prevDown, down, gd);
    else if ((gu < 0) !== (prevUp < 0)) flipLevel = interpolate(market.spot * (1 + 0.005 * (i - 1)), prevUp, up, gu);
    prevUp = gu;
    prevDown = gd;
  }
  return { netGamma, share: gross > 0 ? netGamma / gross : 0, sign: netGamma < 0 ? -1 : 1, flipLevel };
}

function interpolate(x0: number, y0: number, x1: number, y1: number): number {
  return y1 === y0 ? x0 : x0 - (y0 * (x1 - x0)) / (y1 - y0);
}
