/**
 * Small helpers shared by example strategies. A strategy may import its own files like this one:
 * volt bundles them with the strategy, and the editor re-runs the backtest when either changes.
 */

/** `fast` was at or below `slow` on the previous bar and is above it now. */
export function crossedAbove(previousFast: number, previousSlow: number, fast: number, slow: number): boolean {
  return previousFast <= previousSlow && fast > slow;
}

/** `fast` was at or above `slow` on the previous bar and is below it now. */
export function crossedBelow(previousFast: number, previousSlow: number, fast: number, slow: number): boolean {
  return previousFast >= previousSlow && fast < slow;
}

/** Maps `x` from [low, high] onto a confidence in [floor, ceiling], clamped. */
export function confidenceBetween(x: number, low: number, high: number, floor = 0.5, ceiling = 0.9): number {
  if (!(high > low)) return floor;
  const t = Math.min(1, Math.max(0, (x - low) / (high - low)));
  return floor + t * (ceiling - floor);
}
