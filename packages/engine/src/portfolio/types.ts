import type { BacktestOptions, BacktestReport, Signal } from '../backtest/index.js';

/** Portfolio-level limits checked at each entry signal's close (README.md here). Absent: no limit. */
export interface PortfolioLimits {
  /** Σ |position value| / equity after the entry, e.g. 1.5 = 150 %: larger entries are shrunk to fit, refused when full. */
  maxGrossExposure?: number;
  /** |Σ signed position value| / equity after the entry: same. */
  maxNetExposure?: number;
  /** Markets with a position at once: an entry on a flat market past it is refused. */
  maxPositions?: number;
  /**
   * An entry is refused when the rolling correlation of its market's returns with a held market's,
   * times the two sides (+1 long, −1 short), is above this: it would add the same bet again.
   */
  maxCorrelation?: number;
  /** Close-to-close returns both markets have that the correlation looks back over (default 50). */
  correlationLookback?: number;
}

export interface PortfolioOptions extends BacktestOptions {
  limits?: PortfolioLimits;
}

/** A signal of a portfolio run names its market. */
export interface PortfolioSignal extends Signal {
  symbol: string;
}

export interface MarketBreakdown {
  symbol: string;
  source: string;
  timeframe: string;
  /** Its own bars, the first and last. */
  bars: number;
  from: number;
  to: number;
  /** Steps of the run between its first and last bar at which it had no bar (left out, not filled), and the first few times. */
  missingBars: number;
  missingTimes: number[];
  /** Steps before its first bar and after its last (it was not listed yet, or any more). */
  stepsBeforeFirst: number;
  stepsAfterLast: number;
  trades: number;
  wins: number;
  winRate: number;
  /** Net of fees, from its trades. */
  pnl: number;
  fees: number;
  /** Its own bars with a position open, as a share of its bars. */
  exposure: number;
  /** Its P&L (cash flows of its fills + position × last price) at the portfolio curve's sample times. */
  equityCurve: { time: number[]; pnl: number[] };
}

export interface PortfolioReport extends BacktestReport {
  signals: PortfolioSignal[];
  portfolio: {
    symbols: string[];
    /** Steps of the run: every time at which at least one market has a bar. */
    steps: number;
    limits: PortfolioLimits;
    /** Entries the portfolio limits refused or shrank, by rule. */
    gate: { refused: Record<string, number>; shrunk: Record<string, number> };
    /** Largest gross and net exposure seen at a close, as fractions of equity. */
    maxGrossExposure: number;
    maxNetExposure: number;
    /** The most markets held at once. */
    maxPositions: number;
    markets: MarketBreakdown[];
  };
}
