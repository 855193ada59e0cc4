/**
 * Streaming indicators: one bar in, O(1) work, no allocation. Every indicator can be fed a whole
 * bar through `onBar` (what the backtester does for the indicators a strategy declares); the
 * close-based ones also take a single number through `update`.
 */
export interface BarIndicator {
  onBar(open: number, high: number, low: number, close: number, volume: number): void;
  /** True once enough bars have arrived for `value` to follow the standard definition. */
  readonly ready: boolean;
  /** The main output; NaN until ready. */
  readonly value: number;
  /** Bars needed before the first value. */
  readonly warmup: number;
  reset(): void;
}

/** Which price a close-based indicator reads from a bar. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'hl2' | 'hlc3' | 'ohlc4';

export interface ValueIndicator extends BarIndicator {
  /** Feed one value; returns the new `value` (NaN until ready). */
  update(x: number): number;
}

export interface MacdIndicator extends ValueIndicator {
  /** MACD line (fast EMA − slow EMA); the same as `value`. */
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

export interface BollingerIndicator extends ValueIndicator {
  readonly upper: number;
  /** The middle band (SMA); the same as `value`. */
  readonly middle: number;
  readonly lower: number;
  /** (upper − lower) / middle */
  readonly bandwidth: number;
  /** Where the last input sits in the band: 0 at lower, 1 at upper. */
  readonly percentB: number;
}

export interface AtrIndicator extends BarIndicator {
  update(high: number, low: number, close: number): number;
}

/** What `indicators(ind, params)` receives in a strategy; each call declares one indicator. */
export interface IndicatorFactory {
  sma(period: number, source?: PriceSource): ValueIndicator;
  ema(period: number, source?: PriceSource): ValueIndicator;
  /** Wilder-smoothed RSI. */
  rsi(period?: number, source?: PriceSource): ValueIndicator;
  macd(fast?: number, slow?: number, signal?: number, source?: PriceSource): MacdIndicator;
  /** Population standard deviation. */
  bollinger(period?: number, stdDev?: number, source?: PriceSource): BollingerIndicator;
  /** Wilder-smoothed average true range. */
  atr(period?: number): AtrIndicator;
  /** Standard deviation of log returns over `period` bars, annualised with `barsPerYear` when given. */
  realizedVol(period?: number, barsPerYear?: number): ValueIndicator;
}
