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
}
