import type { Metrics } from './types.js';

/** The parts of a closed trade the metrics read (structurally a backtest `Trade`). */
export interface ClosedTrade {
  readonly pnl: number;
  readonly fees: number;
  readonly barsHeld: number;
  readonly entryTime: number;
  readonly exitTime: number;
}

export interface MetricsInput {
  /** Equity at every bar's close, oldest first: every bar, not a downsampled curve. */
  readonly equity: ArrayLike<number>;
  /** Bar times (epoch ms) matching `equity`. */
  readonly time: ArrayLike<number>;
  /** Cash the run started with. */
  readonly startEquity: number;
  /** For annualising: barsPerYear(timeframe) from data/timeframe.ts. */
  readonly barsPerYear: number;
  readonly trades: readonly ClosedTrade[];
  /** Bars whose close found a position open. */
  readonly barsInMarket: number;
}

/**
 * Every headline number of a run, from the per-bar equity and the closed trades. Pure and
 * deterministic; the definitions are written out in backtest/README.md.
 */
export function computeMetrics(input: MetricsInput): Metrics {
  const { equity, time, startEquity, trades } = input;
  const n = equity.length;
  const endEquity = n > 0 ? equity[n - 1]! : startEquity;
  const totalReturn = startEquity > 0 ? endEquity / startEquity - 1 : 0;
  const bpy = input.barsPerYear > 0 && Number.isFinite(input.barsPerYear) ? input.barsPerYear : 0;

  // One pass over every bar: per-bar simple returns between consecutive closes (their sum, sum of
  // squares and downside squares), and the drawdown depth and the longest stretch below a previous
  // peak, from the peak's bar to the bar that regains it (or to the last bar when it never does).
  const m = n - 1;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = n > 0 ? equity[0]! : startEquity;
  let peak = prev;
  let peakBar = 0;
  let below = false;
  let maxDrawdown = 0;
  let ddBars = 0;
  let ddMs = 0;
  for (let i = 1; i < n; i++) {
    const e = equity[i]!;
    const r = prev > 0 ? e / prev - 1 : 0;
    prev = e;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    if (e >= peak) {
      if (below && i - peakBar > ddBars) {
        ddBars = i - peakBar;
        ddMs = time[i]! - time[peakBar]!;
      }
      below = false;
      peak = e;
      peakBar = i;
    } else {
      below = true;
      const dd = peak > 0 ? (peak - e) / peak : 0;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
  }
  if (below && n - 1 - peakBar > ddBars) {
    ddBars = n - 1 - peakBar;
    ddMs = time[n - 1]! - time[peakBar]!;
  }
  const mean = m > 0 ? sum / m : 0;
  // Sample variance from the sums; per-bar returns are small, so the subtraction loses nothing
  // that matters at the precision metrics are read, and a rounding negative is clamped to 0.
  const variance = m > 1 ? (sumSq - sum * mean) / (m - 1) : 0;
  const std = variance > 0 ? Math.sqrt(variance) : 0;
  const downside = m > 0 ? Math.sqrt(downSq / m) : 0;
  const annualiser = Math.sqrt(bpy);
  const sharpe = std > 0 ? (mean / std) * annualiser : 0;
  const sortino = downside > 0 ? (mean / downside) * annualiser : unbounded(mean);

  const years = bpy > 0 ? m / bpy : 0;
  let cagr: number | null = 0;
  if (years > 0) {
    if (endEquity <= 0 || startEquity <= 0) cagr = -1;
    else {
      const c = Math.exp(Math.log(endEquity / startEquity) / years) - 1;
      cagr = Number.isFinite(c) ? c : null;
    }
  }

  const calmar = cagr === null ? null : maxDrawdown > 0 ? cagr / maxDrawdown : unbounded(cagr);

  // Trades: a win is pnl > 0; everything else (break-even included) counts as a loss.
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  let best = 0;
  let worst = 0;
  let streakW = 0;
  let streakL = 0;
  let maxW = 0;
  let maxL = 0;
  let fees = 0;
  let heldBars = 0;
  let heldMs = 0;
  for (let k = 0; k < trades.length; k++) {
    const t = trades[k]!;
    pnlSum += t.pnl;
    fees += t.fees;
    heldBars += t.barsHeld;
    heldMs += t.exitTime - t.entryTime;
    if (k === 0 || t.pnl > best) best = t.pnl;
    if (k === 0 || t.pnl < worst) worst = t.pnl;
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
      streakW++;
      streakL = 0;
      if (streakW > maxW) maxW = streakW;
    } else {
      grossLoss -= t.pnl;
      streakL++;
      streakW = 0;
      if (streakL > maxL) maxL = streakL;
    }
  }
  const count = trades.length;
  const losses = count - wins;
  const profitFactor = grossLoss > 0 ? grossProfit / grossLoss : unbounded(grossProfit);

  return {
    startEquity,
    endEquity,
    totalReturn,
    cagr,
    sharpe,
    sortino,
    calmar,
    maxDrawdown,
    maxDrawdownDurationMs: ddMs,
    maxDrawdownDurationBars: ddBars,
    trades: count,
    winRate: count > 0 ? wins / count : 0,
    profitFactor,
    expectancy: count > 0 ? pnlSum / count : 0,
    avgWin: wins > 0 ? grossProfit / wins : 0,
    avgLoss: losses > 0 ? -grossLoss / losses : 0,
    bestTrade: best,
    worstTrade: worst,
    maxConsecutiveWins: maxW,
    maxConsecutiveLosses: maxL,
    exposure: n > 0 ? input.barsInMarket / n : 0,
    feesPaid: fees,
    avgHoldingMs: count > 0 ? heldMs / count : 0,
    avgHoldingBars: count > 0 ? heldBars / count : 0,
  };
}

/** x / 0: unbounded (null) when x is positive, 0 when there was nothing to divide. */
function unbounded(numerator: number): number | null {
  return numerator > 0 ? null : 0;
}
