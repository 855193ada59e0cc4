/** Headline numbers of a run. Fractions are fractions (0.12 = 12%), times are milliseconds. */
export interface Metrics {
  startEquity: number;
  endEquity: number;
  totalReturn: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  /** Deepest peak-to-trough fall of equity, as a positive fraction. */
  maxDrawdown: number;
  /** Longest time spent below a previous equity peak. */
  maxDrawdownDurationMs: number;
  maxDrawdownDurationBars: number;
  trades: number;
  winRate: number;
  profitFactor: number;
  expectancy: number;
  avgWin: number;
  avgLoss: number;
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
