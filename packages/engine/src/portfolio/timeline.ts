/** The run's steps: the markets' times aligned, where a market's bars fall in them, and the steps the report samples. */
import type { CandleSeries } from '../data/index.js';

/** downsampleEquity's sample indices over `n` steps: at most `points`, the first and the last always. */
export function sampleSteps(n: number, points: number): Int32Array {
  const count = n <= points ? n : points;
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = count === n ? k : Math.round((k * (n - 1)) / (count - 1));
  return out;
}

/** Every time at which some market has a bar, ascending, once. */
export function alignedTimes(series: readonly CandleSeries[]): Float64Array {
  const first = series[0]!.time;
  // Markets of one venue and timeframe usually share every time: no merge needed.
  if (series.every((s) => sameTimes(s.time, first))) return first;
  const all = new Set<number>();
  for (const s of series) for (let i = 0; i < s.length; i++) all.add(s.time[i]!);
  return Float64Array.from(all).sort();
}

function sameTimes(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
