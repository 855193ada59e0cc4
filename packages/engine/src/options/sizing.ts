/**
 * How many of a position to open: the Kelly criterion on its probability of profit and its
 * average win and loss under the lognormal model, scaled down (half Kelly by default), then
 * capped by the risk gate like every order (`RiskGate.checkDefinedRisk`).
 */
import { describeModification, describeRejection, type OptionsRiskFlags, type RiskGate } from '../risk/index.js';
import type { PositionAnalysis } from './position.js';

export interface SizingInput {
  /** The analysis of one unit of the position (the legs as given). */
  analysis: Readonly<PositionAnalysis>;
  equity: number;
  gate: RiskGate;
  /** When the order is placed (the gate's daily budget and breaker are per UTC day). */
  time: number;
  /** Fraction below the equity peak (default 0). */
  drawdown?: number;
  /** The share of full Kelly to stake (default 0.5: half Kelly, the usual hedge against a wrong model). */
  kellyFraction?: number;
  /** The position's risk flags (risk-flags.ts); the gate rejects one over its limit. */
  flags?: OptionsRiskFlags;
}

export interface PositionSize {
  /** How many units of the position to open (0: do not trade). */
  units: number;
  /** Full Kelly: the fraction of equity to put at maximum risk. Negative when the position has no edge. */
  kelly: number;
  /** kellyFraction × kelly, as a fraction of equity at maximum risk. */
  requestedRiskPct: number;
  /** What the gate allowed, as a fraction of equity at maximum risk. */
  allowedRiskPct: number;
  /** units × maximum risk, in currency. */
  riskAmount: number;
  reasons: string[];
}

/**
 * Kelly for a bet that wins `averageWin` with probability p and loses `averageLoss` otherwise,
 * staked in units of the maximum risk M: f* = p / (L/M) − (1 − p) / (W/M), the fraction of equity
 * to put at maximum risk. With W = max reward and L = M it is the textbook p − (1 − p)·M/W.
 */
export function kellyFraction(pop: number, averageWin: number, averageLoss: number, maxRisk: number): number {
  if (!(averageWin > 0)) return -1;
  if (!(averageLoss > 0)) return 1;
  return Math.min(1, (pop * maxRisk) / averageLoss - ((1 - pop) * maxRisk) / averageWin);
}

export function sizePosition(s: Readonly<SizingInput>): PositionSize {
  const a = s.analysis;
  const share = s.kellyFraction ?? 0.5;
  const out: PositionSize = { units: 0, kelly: Number.NaN, requestedRiskPct: 0, allowedRiskPct: 0, riskAmount: 0, reasons: [] };
  if (!Number.isFinite(a.maxRisk)) {
    out.reasons.push(describeRejection('undefined-max-loss', s.gate.limits));
    return out;
  }
  if (!(a.maxRisk > 0)) {
    out.reasons.push('the position cannot lose at the horizon: nothing for Kelly or the gate to size against');
    return out;
  }
  out.kelly = kellyFraction(a.probabilityOfProfit, a.averageWin, a.averageLoss, a.maxRisk);
  if (!(out.kelly > 0)) {
    out.reasons.push(`no edge: Kelly ${out.kelly.toFixed(3)} at PoP ${a.probabilityOfProfit.toFixed(3)}, average win ${a.averageWin.toFixed(2)}, average loss ${a.averageLoss.toFixed(2)}`);
    return out;
  }
  out.requestedRiskPct = share * out.kelly;
  const review = s.gate.checkDefinedRisk({ maxLossPct: out.requestedRiskPct, time: s.time, equity: s.equity }, { drawdown: s.drawdown ?? 0 }, s.flags);
  if (review.rejection !== null) {
    out.reasons.push(describeRejection(review.rejection, s.gate.limits));
    return out;
  }
  for (const m of review.modifications) {
    const cut = `max loss cut from ${percent(m.from)} to ${percent(m.to)} of equity`;
    out.reasons.push(m.rule === 'max-position' ? `${cut}: the single-position limit` : m.rule === 'daily-loss-budget' ? `${cut} so the worst case fits in today's loss budget` : describeModification(m, review.maxStopDistance));
  }
  out.allowedRiskPct = review.pct;
  // A hair of tolerance so 3 × 500 against a budget of exactly 1500 is 3, not 2.
  out.units = Math.floor((review.pct * s.equity) / a.maxRisk + 1e-9);
  out.riskAmount = out.units * a.maxRisk;
  if (out.units === 0) out.reasons.push(`one unit risks ${a.maxRisk.toFixed(2)}, more than the ${(review.pct * s.equity).toFixed(2)} allowed`);
  return out;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x * 100 < 1 ? 2 : 1)}%`;
}
