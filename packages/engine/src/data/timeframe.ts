import { VoltError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** '5m' → 300000. Throws a usage error naming the accepted forms. */
export function timeframeToMs(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  if (!m) {
    throw new VoltError({
      kind: 'usage',
      message: `unknown timeframe '${tf}'`,
      hint: "use a number and a unit: 1m, 5m, 15m, 1h, 4h, 1d, 1w",
    });
  }
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  // A bar of no length puts every bar at one instant; one longer than a millennium is a typo.
  if (!(ms > 0 && ms <= MAX_TIMEFRAME_MS)) {
    throw new VoltError({
      kind: 'usage',
      message: `timeframe '${tf}' ${ms > 0 ? 'is longer than 1000 years' : 'has no length'}: a bar must last at least 1s`,
      hint: "use a number ≥ 1 and a unit: 1m, 5m, 15m, 1h, 4h, 1d, 1w",
    });
  }
  return ms;
}

const MAX_TIMEFRAME_MS = 1000 * 365 * 86_400_000;

/** 300000 → '5m'; spacing that is no whole unit gives 'unknown'. */
export function msToTimeframe(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    const u = UNIT_MS[unit]!;
    if (ms >= u && ms % u === 0) return `${ms / u}${unit}`;
  }
  return 'unknown';
}

/** Bars per year, for annualising Sharpe, Sortino and CAGR (crypto trades every day). */
export function barsPerYear(tf: string): number {
  return (365 * 86_400_000) / timeframeToMs(tf);
}
