/** One market of a portfolio run: its series, where the run is in it, and what it holds and has queued. */
import type { CandleSeries } from '../data/index.js';
import type { BarIndicator } from '../indicators/index.js';
import type { MarketView, OrderRequest } from '../strategy/index.js';
import { BarView, HistoryWindow, PositionState, type StopAtr } from '../backtest/index.js';
import type { PortfolioSignal } from './types.js';

/** Orders one onBar call may queue per market, as in a single run. */
export const MAX_ORDERS_PER_BAR = 16;
/** Missing bars listed by time per market; the rest are counted. */
export const MISSING_LISTED = 5;

export const BUY = 0;
export const SELL = 1;
export const EXIT = 2;
export type Action = typeof BUY | typeof SELL | typeof EXIT;

export class Lot {
  constructor(
    readonly id: number,
    readonly side: 1 | -1,
    readonly qty: number,
    readonly entryBar: number,
    readonly entryTime: number,
    readonly entryPrice: number,
    readonly entryFee: number,
    readonly stop: number,
    readonly target: number,
    readonly confidence: number,
    readonly reason: string,
  ) {}
}

export class PendingOrder {
  action: Action = BUY;
  pct = NaN;
  qty = NaN;
  /** Signed fraction of equity this entry adds (0 for exits): the gate counts what is queued. */
  exposure = 0;
  /** A stop or target the panel moved, from the fill price (NaN: the strategy's own), as in the stepper. */
  stopOffset = NaN;
  targetOffset = NaN;
  signal: PortfolioSignal | null = null;
}

/** One market of the run: its series, where the run is in it, and everything it holds. */
export class Market implements MarketView {
  readonly symbol: string;
  hasBar = false;
  index = -1;
  readonly bar = new BarView();
  readonly position = new PositionState();
  ind: Record<string, BarIndicator> = {};
  readonly history: (n: number) => HistoryWindow;
  buy: (order?: OrderRequest) => void = () => undefined;
  sell: (order?: OrderRequest) => void = () => undefined;
  exit: (order?: Omit<OrderRequest, 'pct' | 'qty'>) => void = () => undefined;
  indicators: BarIndicator[] = [];
  stopAtr: StopAtr | null = null;
  /** Next bar of the series to come. */
  cursor = 0;
  // Doubles from the start (-0, NaN): a field that starts as the small integer 0 changes its
  // representation on the first price written to it, and V8 then migrates every market's object.
  /** The latest price known: the open while a step's fills happen, the close after. */
  mark = NaN;
  posQty = -0;
  readonly lots: Lot[] = [];
  readonly pending: PendingOrder[] = [];
  pendingCount = 0;
  readonly repeats: PortfolioSignal[] = [];
  barsInMarket = 0;
  /** Cash its fills paid and received: its P&L is this + posQty × mark. */
  cashFlow = -0;
  trades = 0;
  wins = 0;
  pnl = -0;
  fees = -0;
  missing = 0;
  readonly missingTimes: number[] = [];
  /** Its P&L at the account curve's sample steps (few: the loop writes one value a sample, not a bar). */
  readonly pnlSamples: Float64Array;

  // The series' columns, held here so the step loop reads them in one load, not two.
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly length: number;

  constructor(readonly series: CandleSeries, samples: number) {
    this.symbol = series.symbol;
    this.time = series.time;
    this.open = series.open;
    this.high = series.high;
    this.low = series.low;
    this.close = series.close;
    this.volume = series.volume;
    this.length = series.length;
    const window = new HistoryWindow(series, () => this.index);
    this.history = (n: number) => window.aim(n);
    for (let k = 0; k < MAX_ORDERS_PER_BAR; k++) this.pending.push(new PendingOrder());
    this.pnlSamples = new Float64Array(samples);
  }
}

/**
 * `ctx.markets[symbol]`: what a strategy may see of a market, read through to it. The Market itself
 * holds its whole series (the future), its lots and its queued orders, none of which a strategy
 * should reach; its index here is the run's, which the strategy cannot move.
 */
export function marketView(m: Market): MarketView {
  return Object.freeze({
    symbol: m.symbol,
    get hasBar() {
      return m.hasBar;
    },
    get index() {
      return m.index;
    },
    bar: m.bar,
    position: m.position,
    get ind() {
      return m.ind;
    },
    history: (n: number) => m.history(n),
    buy: (order?: OrderRequest) => m.buy(order),
    sell: (order?: OrderRequest) => m.sell(order),
    exit: (order?: Omit<OrderRequest, 'pct' | 'qty'>) => m.exit(order),
  });
}
