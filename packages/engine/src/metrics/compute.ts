import type { Metrics, TailRisk } from './types.js';

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
  /**
   * A benchmark to correlate the returns with (an index, the asset itself): its closes and their
   * times, ascending. Each bar of the run takes the benchmark's last close at or before its time.
   */
  readonly benchmark?: { readonly time: ArrayLike<number>; readonly close: ArrayLike<number> };
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

  const metrics: Metrics = {
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
    valueAtRisk: { historical: historicalTail(equity), parametric: parametricTail(mean, std) },
  };
  if (input.benchmark !== undefined) metrics.benchmarkCorrelation = correlationToBenchmark(equity, time, input.benchmark);
  return metrics;
}

// Standard normal quantiles and densities at 95% and 99%.
const Z95 = 1.6448536269514722;
const Z99 = 2.3263478740408408;
const PDF_Z95 = 0.10313564037537128;
const PDF_Z99 = 0.026652142203458;

/** Normal VaR = σ·z − μ; CVaR = σ·φ(z)/(1 − α) − μ. No returns: zeros. */
function parametricTail(mean: number, std: number): TailRisk {
  return {
    var95: zero(std * Z95 - mean),
    var99: zero(std * Z99 - mean),
    cvar95: zero((std * PDF_Z95) / 0.05 - mean),
    cvar99: zero((std * PDF_Z99) / 0.01 - mean),
  };
}

/**
 * Empirical VaR and CVaR of the per-bar returns: with the m returns ascending, k = ⌈(1 − α)·m⌉;
 * VaR = −(the k-th smallest return), CVaR = −(the mean of the k smallest). Found by selection, not
 * a sort: linear time, and the run is long.
 */
function historicalTail(equity: ArrayLike<number>): TailRisk {
  const m = equity.length - 1;
  if (m < 1) return { var95: 0, var99: 0, cvar95: 0, cvar99: 0 };
  const r = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const prev = equity[i]!;
    r[i] = prev > 0 ? equity[i + 1]! / prev - 1 : 0;
  }
  const k95 = Math.ceil(0.05 * m - 1e-9);
  const k99 = Math.ceil(0.01 * m - 1e-9);
  // Select the k95 smallest into r[0..k95), then within them the k99 smallest.
  select(r, 0, m - 1, k95 - 1);
  const var95 = -r[k95 - 1]!;
  let tail95 = 0;
  for (let i = 0; i < k95; i++) tail95 += r[i]!;
  select(r, 0, k95 - 1, k99 - 1);
  const var99 = -r[k99 - 1]!;
  let tail99 = 0;
  for (let i = 0; i < k99; i++) tail99 += r[i]!;
  return { var95: zero(var95), var99: zero(var99), cvar95: zero(-tail95 / k95), cvar99: zero(-tail99 / k99) };
}

/** -0 reads oddly in a report. */
function zero(x: number): number {
  return x === 0 ? 0 : x;
}

/**
 * Hoare's selection: afterwards a[k] holds the value it would hold sorted, everything before it is
 * ≤ and everything after ≥. Median-of-three pivots, no randomness, so a report stays identical.
 */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Order a[lo], a[mid], a[hi] and take the middle as the pivot.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * Pearson correlation of the run's per-bar returns with the benchmark's over the same intervals.
 * The benchmark is read as of each bar's time (its last close at or before it); intervals before
 * its first close are left out.
 */
function correlationToBenchmark(equity: ArrayLike<number>, time: ArrayLike<number>, benchmark: NonNullable<MetricsInput['benchmark']>): number | null {
  const n = equity.length;
  let j = -1;
  let prevBench = Number.NaN;
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    while (j + 1 < benchmark.time.length && benchmark.time[j + 1]! <= time[i]!) j++;
    const b = j >= 0 ? benchmark.close[j]! : Number.NaN;
    if (i > 0 && prevBench > 0 && b > 0 && equity[i - 1]! > 0) {
      const x = equity[i]! / equity[i - 1]! - 1;
      const y = b / prevBench - 1;
      count++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
    prevBench = b;
  }
  if (count < 2) return null;
  const cov = sxy - (sx * sy) / count;
  const vx = sxx - (sx * sx) / count;
  const vy = syy - (sy * sy) / count;
  if (!(vx > 0) || !(vy > 0)) return null;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy)));
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
