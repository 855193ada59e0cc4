/** The portfolio limits' checks that need no run state: the limits themselves, and the correlation of two markets' returns. */
import { VoltError } from '../errors.js';
import type { PortfolioLimits } from './types.js';

/**
 * Pearson correlation of two markets' close-to-close returns over the last `lookback` returns both
 * have: a return counts when both markets have its two bars at the same two times (a bar one of
 * them lacks drops the returns on either side of it, nothing is filled). NaN with fewer than half.
 */
export function returnsCorrelation(
  a: { time: ArrayLike<number>; close: ArrayLike<number> },
  ai: number,
  b: { time: ArrayLike<number>; close: ArrayLike<number> },
  bi: number,
  lookback: number,
): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  while (n < lookback && ai >= 1 && bi >= 1) {
    const ta = a.time[ai]!;
    const tb = b.time[bi]!;
    if (ta > tb) {
      ai--;
      continue;
    }
    if (tb > ta) {
      bi--;
      continue;
    }
    if (a.time[ai - 1] === b.time[bi - 1]) {
      const x = a.close[ai]! / a.close[ai - 1]! - 1;
      const y = b.close[bi]! / b.close[bi - 1]! - 1;
      n++;
      sa += x;
      sb += y;
      saa += x * x;
      sbb += y * y;
      sab += x * y;
    }
    ai--;
    bi--;
  }
  if (n < Math.max(3, lookback / 2)) return NaN;
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}

/** The limits as given, each checked: a wrong one is a usage error naming it. */
export function checkLimits(l: PortfolioLimits): PortfolioLimits {
  const bad = (name: string, v: unknown, what: string) =>
    new VoltError({ kind: 'usage', message: `portfolio limit ${name} must be ${what}, got ${String(v)}`, hint: `leave ${name} out for no limit` });
  if (l.maxGrossExposure !== undefined && !(l.maxGrossExposure > 0 && Number.isFinite(l.maxGrossExposure))) throw bad('maxGrossExposure', l.maxGrossExposure, 'a positive fraction of equity (1.5 = 150%)');
  if (l.maxNetExposure !== undefined && !(l.maxNetExposure >= 0 && Number.isFinite(l.maxNetExposure))) throw bad('maxNetExposure', l.maxNetExposure, 'a fraction of equity ≥ 0');
  if (l.maxPositions !== undefined && !(Number.isInteger(l.maxPositions) && l.maxPositions >= 1)) throw bad('maxPositions', l.maxPositions, 'a whole number ≥ 1');
  if (l.maxCorrelation !== undefined && !(l.maxCorrelation >= -1 && l.maxCorrelation <= 1)) throw bad('maxCorrelation', l.maxCorrelation, 'in [-1, 1]');
  if (l.correlationLookback !== undefined && !(Number.isInteger(l.correlationLookback) && l.correlationLookback >= 3)) throw bad('correlationLookback', l.correlationLookback, 'a whole number of bars ≥ 3');
  return { ...l };
}
