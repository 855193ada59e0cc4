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

  // One pass over every bar (see EquityPass), in chunks so the loop runs optimised from the start.
  const m = n - 1;
  const pass = new EquityPass(n > 0 ? equity[0]! : startEquity);
  // An empty first call runs the stores after add's loop once, so the optimised loop V8 builds
  // while the first real chunk runs already knows them and is not thrown away at its end.
  pass.add(equity, time, 1, 1);
  for (let from = 1; from < n; from += BARS_PER_CALL) pass.add(equity, time, from, from + BARS_PER_CALL < n ? from + BARS_PER_CALL : n);
  const { sum, sumSq, downSq, maxDrawdown } = pass;
  let { ddBars, ddMs } = pass;
  if (pass.below && n - 1 - pass.peakBar > ddBars) {
    ddBars = n - 1 - pass.peakBar;
    ddMs = time[n - 1]! - time[pass.peakBar]!;
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
/** Bars per call of the per-bar pass: a function entered once with a million-bar loop would start
 * in V8's interpreter and box every number until on-stack replacement catches up. */
const BARS_PER_CALL = 4096;

/**
 * The per-bar half of the metrics: sums of the simple returns between consecutive closes (plain,
 * squared, and squared when negative), the deepest drawdown, and the longest stretch below a
 * previous peak, from the peak's bar to the bar that regains it.
 */
class EquityPass {
  sum = 0;
  sumSq = 0;
  downSq = 0;
  maxDrawdown = 0;
  ddBars = 0;
  ddMs = 0;
  peakBar = 0;
  below = false;
  // Initialised as numbers, so V8 keeps these fields as unboxed doubles.
  private prev = 0;
  private peak = 0;

  constructor(first: number) {
    this.prev = first;
    this.peak = first;
  }

  add(equity: ArrayLike<number>, time: ArrayLike<number>, from: number, to: number): void {
    let { sum, sumSq, downSq, maxDrawdown, ddBars, ddMs, peakBar, below, prev, peak } = this;
    for (let i = from; i < to; i++) {
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
    this.sum = sum;
    this.sumSq = sumSq;
    this.downSq = downSq;
    this.maxDrawdown = maxDrawdown;
    this.ddBars = ddBars;
    this.ddMs = ddMs;
    this.peakBar = peakBar;
    this.below = below;
    this.prev = prev;
    this.peak = peak;
  }
}

function unbounded(numerator: number): number | null {
  return numerator > 0 ? null : 0;
}
