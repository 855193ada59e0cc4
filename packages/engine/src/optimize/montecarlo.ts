/**
 * Monte Carlo of the trade sequence: the same trades in another order (shuffle: the return stays,
 * the drawdown moves) and drawn with replacement (bootstrap: both move). Each trade is its return
 * on the equity before it, compounded; the path inside a trade is not seen.
 */
import { createRandom } from '../data/index.js';
import type { Trade } from '../backtest/index.js';
import { quantile } from './stats.js';

export interface Distribution {
  p5: number;
  p50: number;
  p95: number;
  mean: number;
}

export interface MonteCarloResult {
  runs: number;
  trades: number;
  seed: number;
  shuffle: { maxDrawdown: Distribution };
  bootstrap: { totalReturn: Distribution; maxDrawdown: Distribution; probabilityOfLoss: number };
}

/** Each trade's return on the equity before it, in the order trades closed. */
export function tradeReturns(trades: readonly Trade[], capital: number): Float64Array {
  const ordered = [...trades].sort((a, b) => a.exitTime - b.exitTime || a.id - b.id);
  const out = new Float64Array(ordered.length);
  let equity = capital;
  ordered.forEach((t, i) => {
    out[i] = equity > 0 ? t.pnl / equity : 0;
    equity += t.pnl;
  });
  return out;
}

/** Total return and deepest fall of equity compounding `returns` in order (trade by trade). */
export function pathOf(returns: ArrayLike<number>): { totalReturn: number; maxDrawdown: number } {
  let equity = 1;
  let peak = 1;
  let worst = 0;
  for (let i = 0; i < returns.length; i++) {
    equity *= 1 + returns[i]!;
    if (equity > peak) peak = equity;
    const dd = (peak - equity) / peak;
    if (dd > worst) worst = dd;
  }
  return { totalReturn: equity - 1, maxDrawdown: worst };
}

export function monteCarlo(returns: ArrayLike<number>, runs = 1000, seed = 1): MonteCarloResult {
  const random = createRandom(seed);
  const n = returns.length;
  const work = new Float64Array(n);
  const shuffledDd = new Float64Array(runs);
  const bootReturn = new Float64Array(runs);
  const bootDd = new Float64Array(runs);
  let losses = 0;
  for (let r = 0; r < runs; r++) {
    // Fisher–Yates over a copy.
    for (let i = 0; i < n; i++) work[i] = returns[i]!;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = work[i]!;
      work[i] = work[j]!;
      work[j] = t;
    }
    shuffledDd[r] = pathOf(work).maxDrawdown;
    for (let i = 0; i < n; i++) work[i] = returns[Math.floor(random() * n)]!;
    const boot = pathOf(work);
    bootReturn[r] = boot.totalReturn;
    bootDd[r] = boot.maxDrawdown;
    if (boot.totalReturn < 0) losses++;
  }
  return {
    runs,
    trades: n,
    seed,
    shuffle: { maxDrawdown: distribution(shuffledDd) },
    bootstrap: { totalReturn: distribution(bootReturn), maxDrawdown: distribution(bootDd), probabilityOfLoss: runs > 0 ? losses / runs : 0 },
  };
}

function distribution(values: Float64Array): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p5: quantile(sorted, 0.05), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), mean: sorted.length > 0 ? sum / sorted.length : NaN };
}
