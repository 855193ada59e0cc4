import type { Signal } from './types.js';

/** Where two runs of one strategy first signal differently. */
export interface SignalDifference {
  bar: number;
  /** The first run's signal at `bar`, e.g. 'buy (confidence 0.6)', or 'no signal'. */
  full: string;
  /** The other run's (on cut, mirrored or the same data). */
  other: string;
}

/**
 * The first signal at or before bar `upTo` that two runs disagree on (bar, action or confidence),
 * or undefined: the lookahead checks' comparison (the sandbox's cut, the synthesizer's mirror and
 * second run).
 */
export function firstSignalDifference(full: readonly Signal[], other: readonly Signal[], upTo: number): SignalDifference | undefined {
  const a = full.filter((s) => s.bar <= upTo);
  const b = other.filter((s) => s.bar <= upTo);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x && y && x.bar === y.bar && x.action === y.action && x.confidence === y.confidence) continue;
    const at = Math.min(x?.bar ?? Infinity, y?.bar ?? Infinity);
    const describe = (s: Signal | undefined) => (s && s.bar === at ? `${s.action} (confidence ${s.confidence})` : 'no signal');
    return { bar: at, full: describe(x), other: describe(y) };
  }
  return undefined;
}
