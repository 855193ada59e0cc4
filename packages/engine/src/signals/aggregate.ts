import { SIGNAL_SOURCES } from './sources.js';

/** How much the technical reading and the outside signals count in a blended score; they need not sum to 1. */
export interface SignalBlend {
  technical: number;
  outside: number;
}

export const DEFAULT_SIGNAL_BLEND: Readonly<SignalBlend> = { technical: 0.6, outside: 0.4 };

/**
 * The outside signals' joint opinion of buying, −1 to +1: the mean of each available source's
 * score (`SignalSource.score`), NaN when none has a value. `values[k]` is SIGNAL_SOURCES[k]'s.
 */
export function outsideScore(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < SIGNAL_SOURCES.length; k++) {
    const v = values[k]!;
    if (v !== v) continue;
    sum += SIGNAL_SOURCES[k]!.score(v);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/**
 * technical·wₜ + outside·wₒ over wₜ + wₒ, both in −1..+1. Without outside values the technical
 * score stands alone (a run without signals scores as before).
 */
export function blendScores(technical: number, outside: number, blend: Readonly<SignalBlend> = DEFAULT_SIGNAL_BLEND): number {
  if (outside !== outside || !(blend.outside > 0)) return technical;
  if (technical !== technical || !(blend.technical > 0)) return outside;
  return (technical * blend.technical + outside * blend.outside) / (blend.technical + blend.outside);
}

/** The outside values in words, for an agent's reasoning: "fear & greed 22 (extreme fear), DeFi TVL +1.2% on the day". */
export function describeSignals(values: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let k = 0; k < SIGNAL_SOURCES.length; k++) {
    const v = values[k]!;
    if (v === v) parts.push(SIGNAL_SOURCES[k]!.describe(v));
  }
  return parts.join(', ');
}
