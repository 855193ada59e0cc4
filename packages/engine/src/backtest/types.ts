import type { OptionChainData } from '../data/option-chain.js';
import type { BookLeg, HeldLeg } from '../options/index.js';
import type { Metrics } from '../metrics/types.js';
import type { ParamsDef } from '../strategy/types.js';

export const REPORT_SCHEMA_VERSION = 1;

export type ExitReason = 'signal' | 'stop' | 'takeProfit' | 'reverse' | 'end';

export interface Trade {
  /** 1-based, in order of entry. */
  id: number;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryTime: number;
  entryBar: number;
  /** Fill price after slippage. */
  entryPrice: number;
  exitTime: number;
  exitBar: number;
  exitPrice: number;
  exitReason: ExitReason;
  /** Net of both fills' fees. */
  pnl: number;
  /** pnl relative to the entry notional. */
  pnlPct: number;
  fees: number;
  barsHeld: number;
  confidence: number;
  reason: string;
  /** Stop and target in force at entry, when the strategy set them. */
  stopPrice?: number;
  takeProfitPrice?: number;
}

/** What the strategy asked for at a bar's close, and what became of it. */
export interface Signal {
  bar: number;
  time: number;
  action: 'buy' | 'sell' | 'exit';
  confidence: number;
  reason: string;
  /** The trade it opened or closed, when it filled. */
  tradeId?: number;
  /** Why it did nothing (already in position, no next bar, size zero, …). */
  ignored?: string;
  /**
   * Calls this one signal stands for, when more than one: repeats in one bar refused for the same
   * cause before they could queue (more orders than a bar takes, no next bar) are counted, not listed.
   */
  repeats?: number;
}

export interface BacktestOptions {
  /** Starting cash in quote currency (default 10_000). */
  capital?: number;
  /** Taker fee per fill as a fraction of notional (default 0.001 = 0.1%). */
  feeRate?: number;
  /** Slippage per market fill as a fraction of price, against you (default 0.0005 = 5 bps). */
  slippage?: number;
  /** Override the strategy's params by name. */
  params?: Record<string, number>;
  /** Seed for ctx.random (default 1). */
  seed?: number;
  /** Hard cap on position size as a fraction of equity (default 0.10); the strategy may ask for less. */
  maxPositionCap?: number;
  /** Points kept in the report's equity curve (default 1000); metrics always use every bar. */
  equityPoints?: number;
  /** A series to correlate the run's returns with (`metrics.benchmarkCorrelation`): its closes and their times. */
  benchmark?: { readonly time: ArrayLike<number>; readonly close: ArrayLike<number> };
  /** Recorded option chains for `ctx.options` (`loadOptionChain`); without it, the synthetic chain. */
  optionChain?: OptionChainData;
  /** Outside signals the run replays (`ctx.signals`, and the agents' context): see signals/README.md. */
  signals?: import('../signals/index.js').SignalSet;
}

/**
 * An entry the strategy asked for, as the agents' panel reviews it: built at the signal bar's close
 * from what was known then, only for signals that would open or add to a position.
 */
export interface EntryRequest {
  symbol: string;
  /** The signal bar (its close produced the order). */
  bar: number;
  time: number;
  side: 'long' | 'short';
  /** Size as a fraction of equity after the strategy's own cap (a qty order converted at `price`). */
  pct: number;
  /** The signal bar's close: the reference for stop distances and for the auditor's slippage check. */
  price: number;
  /** Stop and target the strategy's risk spec would set, as prices measured from `price`; NaN when none. */
  stopPrice: number;
  takeProfitPrice: number;
  confidence: number;
  reason: string;
  /** Equity at the signal bar's close. */
  equity: number;
  /**
   * Present for a `ctx.options.open` position: its legs and what it risks, priced at the signal
   * close's chain (bought at the ask, sold at the bid). `pct` is then `maxRisk` / equity (Infinity
   * when unlimited), `side` the sign of its delta (long when ≥ 0), and the gate reviews it as a
   * defined-risk entry: an approved `pct` below the asked one scales the legs down in whole units.
   */
  options?: {
    legs: BookLeg[];
    maxRisk: number;
    maxReward: number;
    probabilityOfProfit: number;
    /** Units of the underlying. */
    delta: number;
    /** Σ |quantity| × (ask − bid) / Σ |quantity| × mid over the legs: crossing the spreads as a share of their value. */
    bidAskPct: number;
    /** `pinningRisk` of its first expiry (needs the chain's open interest; 0 without). */
    pinning: number;
    /** `volatilityCrush` of its first expiry against the next listed one (0 when there is none). */
    volatilityCrush: number;
    /** `dealerGamma(…).share` of its first expiry from the chain's open interest (0 without). */
    dealerGamma: number;
    /** The position's gamma in units of the underlying per 1.00 of its price (the gamma-flip limit reads its sign). */
    gamma: number;
  };
  /** The strategy's indicators as they stood at that close (the run's own objects: read, do not keep). */
  indicators?: Readonly<Record<string, import('../indicators/index.js').BarIndicator>>;
}

/** The panel's answer. A refusal leaves the signal unfilled with `ignored` set from `note`. */
export interface EntryVerdict {
  approved: boolean;
  /** Approved size as a fraction of equity; never larger than the request's. */
  pct?: number;
  /** Approved stop and target as prices; the fill keeps their distance from `price`. */
  stopPrice?: number;
  takeProfitPrice?: number;
  /** Why it was refused or changed, e.g. 'REJECTED by risk_gate: daily loss limit reached'. */
  note?: string;
}

/** Hooks for whoever records or displays a run while it happens (journal, progress bar). */
export interface BacktestObserver {
  /**
   * Consulted before an entry fills (the agents' panel and risk gate). Synchronous so the bar loop
   * stays deterministic; the verdict object may be reused between calls. Exits are never reviewed.
   */
  decide?(entry: EntryRequest): EntryVerdict;
  onSignal?(signal: Signal): void;
  onTrade?(trade: Trade): void;
  /** An options position ended (every leg closed, expired, exercised or assigned): its P&L, fees included, and when. */
  onOptionsClosed?(pnl: number, time: number): void;
  /** Called every few thousand bars. */
  onProgress?(barsDone: number, barsTotal: number): void;
}

export interface EquityCurve {
  time: number[];
  equity: number[];
  /** Drawdown from the running peak over every bar, as a positive fraction: at each sample, the
   * deepest since the previous sample (so the curve's deepest point is the run's max drawdown). */
  drawdown: number[];
}

/** The one document a run produces; `--json` prints exactly this. */
export interface BacktestReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  strategy: {
    name: string;
    path?: string;
    contentHash?: string;
    params: Record<string, number>;
  };
  data: {
    symbol: string;
    timeframe: string;
    source: string;
    from: number;
    to: number;
    bars: number;
  };
  config: Required<Omit<BacktestOptions, 'params' | 'equityPoints' | 'benchmark' | 'optionChain' | 'signals'>>;
  metrics: Metrics;
  trades: Trade[];
  /** At most MAX_REPORT_SIGNALS, in the order the strategy gave them. */
  signals: Signal[];
  /** Signals left out of `signals` past MAX_REPORT_SIGNALS (absent when none were). */
  signalsDropped?: number;
  equityCurve: EquityCurve;
  /** Present when the strategy used `ctx.options`: its positions and the book's greeks per bar. */
  options?: OptionsReport;
}

export interface OptionsReport {
  /** Where the chain came from: 'synthetic', or the chain file. */
  chain: string;
  positions: {
    id: number;
    /** When its legs filled (the bar after the order). */
    openedAt: number;
    reason: string;
    legs: HeldLeg[];
    /** Cash paid (+) or received (−) at the open, fees included. */
    entryCost: number;
    fees: number;
    /** Realized P&L once every leg has ended (closed, expired, exercised or assigned); null while open. */
    pnl: number | null;
  }[];
  /** Orders refused: by the agents' panel or risk gate at the signal close (`why` is its note, `limit` the allowed loss, 0 when refused outright), or at the fill with a worst case at the first expiry over the size cap × equity, or unlimited. */
  refused: { id: number; bar: number; time: number; reason: string; why: string; maxRisk: number | null; limit: number }[];
  /**
   * How much of the underlying position's P&L the options offset, over the bars that began with
   * both the underlying and option legs held: −Σ (options P&L × sign of the stock's P&L) /
   * Σ |stock P&L|, close to close (options P&L = change of the book's mark + its cash flows in the
   * bar). 1 is a perfect hedge, 0 none, negative adds to the moves; null when they never overlapped.
   */
  hedgeEfficiency: number | null;
  /** The open book at each close, sampled (at most 1000 points from the first use): value in currency, delta in units of the underlying, gamma, vega per vol point, theta per day. */
  greeks: { time: number[]; value: number[]; delta: number[]; gamma: number[]; vegaPerPoint: number[]; thetaPerDay: number[] };
}

export type { ParamsDef };
