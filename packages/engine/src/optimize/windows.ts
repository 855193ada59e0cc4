/**
 * Walk-forward windows over a series' bars. The bars are cut into `folds + trainRatio` equal
 * blocks; fold k tests on block `trainRatio + k` and trains on the `trainRatio` blocks before it
 * (rolling) or on every block before it (anchored). The last test window takes the remainder.
 */
import { VoltError } from '../errors.js';

export type WindowMode = 'rolling' | 'anchored';

/** Bar index ranges, `end` exclusive, and their times (epoch ms, `to` exclusive; undefined = to the end). */
export interface FoldWindows {
  fold: number;
  train: { start: number; end: number; from: number; to?: number };
  test: { start: number; end: number; from: number; to?: number };
}

/** Fewest bars a window may have: indicators need a warm-up and a test needs trades. */
export const MIN_WINDOW_BARS = 50;

export function walkForwardWindows(time: ArrayLike<number>, folds: number, mode: WindowMode, trainRatio = 3): FoldWindows[] {
  const n = time.length;
  if (!(Number.isInteger(folds) && folds >= 1)) throw new VoltError({ kind: 'usage', message: `--folds must be a whole number of at least 1, got ${folds}` });
  const block = Math.floor(n / (folds + trainRatio));
  if (block < MIN_WINDOW_BARS) {
    throw new VoltError({
      kind: 'usage',
      message: `${folds} folds over ${n} bars leave ${block} bars per test window, fewer than ${MIN_WINDOW_BARS}`,
      hint: `use at most ${Math.max(1, Math.floor(n / MIN_WINDOW_BARS) - trainRatio)} folds, or more data`,
    });
  }
  const at = (start: number, end: number) => ({ start, end, from: time[start]!, ...(end < n ? { to: time[end]! } : {}) });
  const out: FoldWindows[] = [];
  for (let k = 0; k < folds; k++) {
    const testStart = (trainRatio + k) * block;
    const testEnd = k === folds - 1 ? n : testStart + block;
    const trainStart = mode === 'anchored' ? 0 : k * block;
    out.push({ fold: k + 1, train: at(trainStart, testStart), test: at(testStart, testEnd) });
  }
  return out;
}
