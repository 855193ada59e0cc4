import type { OptionsView } from '../options/index.js';
import type { BarIndicator, IndicatorFactory } from '../indicators/types.js';
import type { Candle } from '../data/candle.js';
import type { SignalValues } from '../signals/types.js';

/** A tunable number. Thresholds belong here, not as literals in `onBar`. */
export interface ParamSpec {
  value: number;
  min?: number;
  max?: number;
  step?: number;
  description?: string;
}

export type ParamsDef = Record<string, number | ParamSpec>;

/** What the strategy code sees: every param resolved to its number. */
export type ResolvedParams<P extends ParamsDef> = { readonly [K in keyof P]: number };

export type StopLossSpec =
  | number
  | {
      kind: 'volatility';
      /** Stop distance in ATRs (default 2). */
      atrMultiple?: number;
      /** ATR period (default 14). */
      period?: number;
    };

export interface RiskSpec {
  /** Fraction of entry price (0.03 = 3%), or a volatility-adaptive stop. */
  stopLoss?: StopLossSpec;
  /** Fraction of entry price. */
  takeProfit?: number;
  /** Largest position as a fraction of equity (default 0.10). */
  maxPositionPct?: number;
}

export interface OrderRequest {
  /** 0–1, how sure the strategy is; journaled and used by the agents. */
  confidence?: number;
  reason?: string;
  /** Size as a fraction of equity (default risk.maxPositionPct, capped by it). */
  pct?: number;
  /** Size as a quantity of the base asset (capped by risk.maxPositionPct). */
  qty?: number;
}

export interface PositionView {
  /** 1 long, -1 short, 0 flat. */
  readonly side: 1 | -1 | 0;
  readonly qty: number;
  readonly entryPrice: number;
  readonly entryTime: number;
  readonly barsHeld: number;
  readonly unrealizedPnl: number;
}

/** The past, newest last: `close(0)` is the current bar, `close(1)` the one before. Never the future. */
export interface HistoryView {
  readonly length: number;
  time(ago: number): number;
  open(ago: number): number;
  high(ago: number): number;
  low(ago: number): number;
  close(ago: number): number;
  volume(ago: number): number;
}

/**
 * One market of a portfolio backtest as every symbol's onBar sees it (`ctx.markets['ETH/USDT']`):
 * its own last bar, position, indicators and past. `hasBar` says whether it had a bar at this step
 * (a missing bar is not filled: `bar` is then its last one).
 */
export interface MarketView<I = Record<string, BarIndicator>> {
  readonly symbol: string;
  readonly hasBar: boolean;
  /** Its own bar index (bars of this market so far − 1). */
  readonly index: number;
  readonly bar: Readonly<Candle>;
  readonly position: PositionView;
  readonly ind: I;
  history(n: number): HistoryView;
  /** Orders on this market, from any market's onBar: they fill at this market's next bar's open. */
  buy(order?: OrderRequest): void;
  sell(order?: OrderRequest): void;
  exit(order?: Omit<OrderRequest, 'pct' | 'qty'>): void;
}

export interface StrategyContext<P extends ParamsDef = ParamsDef, I = Record<string, BarIndicator>> {
  /** The bar that just closed. The object is reused between bars: copy fields you want to keep. */
  readonly bar: Readonly<Candle>;
  /** Index of the current bar in the run. */
  readonly index: number;
  readonly symbol: string;
  readonly params: ResolvedParams<P>;
  readonly ind: I;
  readonly position: PositionView;
  readonly equity: number;
  readonly cash: number;
  /** The last `n` bars including the current one (n is clamped to what exists). */
  history(n: number): HistoryView;
  /** Seeded, deterministic random number in [0, 1): use this, never Math.random. */
  random(): number;
  buy(order?: OrderRequest): void;
  sell(order?: OrderRequest): void;
  exit(order?: Omit<OrderRequest, 'pct' | 'qty'>): void;
  /** Per-strategy scratch state that survives between bars. */
  readonly state: Record<string, unknown>;
  /** Options on the traded symbol: the synthetic chain at this close and multi-leg orders (options/README.md). */
  readonly options: OptionsView;
  /** Portfolio backtests only: every market of the run by symbol, for cross-asset rules (pairs, spreads). */
  readonly markets?: Readonly<Record<string, MarketView<I>>>;
  /** Outside signals at this close: each one's latest value published before it, NaN when none (signals/README.md). */
  readonly signals: SignalValues;
}

export interface StrategyDefinition<P extends ParamsDef = ParamsDef, I = Record<string, BarIndicator>> {
  name: string;
  /** Timeframe the strategy is written for, e.g. '1h'. */
  timeframe?: string;
  symbols?: string[];
  params?: P;
  indicators?: (ind: IndicatorFactory, params: ResolvedParams<P>) => I;
  onBar: (ctx: StrategyContext<P, I>) => void;
  risk?: RiskSpec;
  /** Allow adding to an open position (default false: one position per symbol). */
  pyramiding?: boolean;
}

/** A strategy as loaded from a file: the validated definition plus where it came from. */
export interface LoadedStrategy {
  definition: StrategyDefinition<ParamsDef, Record<string, BarIndicator>>;
  /** Absolute path of the .strategy.ts file, when loaded from one. */
  path?: string;
  /**
   * sha256 (hex) of the source text (journal uses it to tell runs of different code apart). When
   * the strategy imports local files, the hash covers every input's path and text, so editing a
   * helper gives a new hash too.
   */
  contentHash?: string;
  /** Every local file the strategy bundles (itself included), for watchers. */
  inputs?: string[];
}
