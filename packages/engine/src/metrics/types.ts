/**
 * Headline numbers of a run. Fractions are fractions (0.12 = 12%), times are milliseconds, money is
 * in the quote currency. A ratio whose denominator is zero while its numerator is positive (profit
 * factor without a losing trade, Sortino without a losing bar, Calmar without a drawdown) would be
 * infinite; JSON has no Infinity, so it is `null` ("unbounded"). Ratios of nothing (no trades, flat
 * equity) are 0. Formulas: packages/engine/src/backtest/README.md.
 */
export interface Metrics {
  startEquity: number;
  endEquity: number;
  totalReturn: number;
  /** null when the run is so short that annualising overflows a double. */
  cagr: number | null;
  sharpe: number;
  /** null when no bar lost money but the mean return is positive. */
  sortino: number | null;
  /** CAGR / maxDrawdown; null when there was no drawdown but CAGR is positive. */
  calmar: number | null;
  /** Deepest peak-to-trough fall of equity, as a positive fraction. */
  maxDrawdown: number;
  /** Longest time spent below a previous equity peak. */
  maxDrawdownDurationMs: number;
  maxDrawdownDurationBars: number;
  trades: number;
  winRate: number;
  /** Gross profit / gross loss; null when trades won but none lost. */
  profitFactor: number | null;
  /** Mean net P&L per trade. */
  expectancy: number;
  /** Mean net P&L of winning trades (pnl > 0). */
  avgWin: number;
  /** Mean net P&L of the other trades: zero or negative. */
  avgLoss: number;
  /** Net P&L of the best and the worst trade. */
  bestTrade: number;
  worstTrade: number;
  maxConsecutiveWins: number;
  maxConsecutiveLosses: number;
  /** Fraction of bars with an open position. */
  exposure: number;
  feesPaid: number;
  avgHoldingMs: number;
  avgHoldingBars: number;
  /** One-bar value at risk and expected shortfall of the equity, as positive fractions of equity. */
  valueAtRisk: {
    /** From the run's own per-bar returns (the empirical tail). */
    historical: TailRisk;
    /** From a normal distribution with the returns' mean and sample standard deviation. */
    parametric: TailRisk;
  };
  /**
   * Pearson correlation of the per-bar returns with a benchmark's over the same bars; present only
   * when a benchmark was given, `null` when fewer than two bars overlap or either side is flat.
   */
  benchmarkCorrelation?: number | null;
}

/**
 * The loss over one bar that is exceeded with probability 5% / 1% (VaR), and the mean loss in
 * that worst 5% / 1% (CVaR, expected shortfall): fractions of equity, a loss positive. A VaR can
 * be negative when even the worst bars gained.
 */
export interface TailRisk {
  var95: number;
  var99: number;
  cvar95: number;
  cvar99: number;
}
