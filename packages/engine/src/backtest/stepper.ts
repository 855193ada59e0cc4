import { VoltError, isVoltError } from '../errors.js';
import { barsPerYear, createRandom, type CandleSeries } from '../data/index.js';
import { createIndicatorFactory, type BarIndicator } from '../indicators/index.js';
import {
  resolveParams,
  strategyRuntimeError,
  type LoadedStrategy,
  type OrderRequest,
  type ParamsDef,
  type StrategyContext,
  type StrategyDefinition,
} from '../strategy/index.js';
import { computeMetrics } from '../metrics/index.js';
import {
  REPORT_SCHEMA_VERSION,
  type BacktestObserver,
  type BacktestOptions,
  type BacktestReport,
  type EntryRequest,
  type EquityCurve,
  type ExitReason,
  type Signal,
  type Trade,
} from './types.js';
import { BarView, HistoryWindow, PositionState } from './context.js';
import { SignalBoard, type SignalValues } from '../signals/index.js';
import { OptionsDesk } from './options-desk.js';
import type { BookLeg, OptionsView } from '../options/index.js';
import { StopAtr } from './volatility-stop.js';

/** What a run uses when an option is left out. */
export const BACKTEST_DEFAULTS = {
  capital: 10_000,
  feeRate: 0.001,
  slippage: 0.0005,
  seed: 1,
  maxPositionCap: 0.1,
  equityPoints: 1000,
} as const;

/** risk.maxPositionPct when the strategy does not say. */
const DEFAULT_POSITION_PCT = 0.1;
/** Orders one onBar call may queue; more is a runaway loop in the strategy, not a plan. */
const MAX_ORDERS_PER_BAR = 16;
/**
 * Signals a report lists; the run goes on past it (orders still fill) and the report says how many
 * it left out. 22 signals a bar at most (16 orders and the collapsed repeats) times 4,500 bars.
 */
export const MAX_REPORT_SIGNALS = 100_000;
/** Bars per call of the hot loop (see execute). */
const BARS_PER_CALL = 4096;
/** onProgress every 16384 bars: often enough for a progress bar, rare enough to cost nothing. */
const PROGRESS_EVERY = 16_384;

export const BUY = 0;
export const SELL = 1;
export const EXIT = 2;
export type Action = typeof BUY | typeof SELL | typeof EXIT;
export const ACTION_NAME = ['buy', 'sell', 'exit'] as const;

type AnyDefinition = StrategyDefinition<ParamsDef, Record<string, BarIndicator>>;

/** How a market session prices a market fill: walking its order book for the size. */
export interface FillPricer {
  /** Average fill price of `qty` bought (side 1) or sold (−1) now; `reference` is the price the stepper would use. */
  fillPrice(side: 1 | -1, qty: number, reference: number): number;
}

/** A stepper driven by a market session rather than a whole series (see fillNow, watch). */
export interface SessionStepping {
  pricer: FillPricer;
}

/** One position lot: the whole position, or one add when the strategy pyramids. */
class Lot {
  constructor(
    readonly id: number,
    readonly side: 1 | -1,
    readonly qty: number,
    readonly entryBar: number,
    readonly entryTime: number,
    readonly entryPrice: number,
    readonly entryFee: number,
    /** NaN when no stop: every comparison with NaN is false, so the checks need no branch. */
    readonly stop: number,
    readonly target: number,
    readonly confidence: number,
    readonly reason: string,
  ) {}
}

/** An order queued at a close, waiting for the next open. Pooled: one per slot, reused. */
class PendingOrder {
  action: Action = BUY;
  pct = NaN;
  qty = NaN;
  /** A stop or target the reviewing panel moved, as a signed distance from the signal's close. */
  stopOffset = NaN;
  targetOffset = NaN;
  signal: Signal | null = null;
}

export class BarStepper {
  private readonly loaded: LoadedStrategy;
  private readonly def: AnyDefinition;
  private readonly path: string | undefined;
  private readonly contentHash: string | undefined;
  private series: CandleSeries;
  private readonly observer: BacktestObserver;
  private readonly capital: number;
  private readonly feeRate: number;
  private readonly slippage: number;
  private readonly seed: number;
  private readonly maxPositionCap: number;
  private readonly equityPoints: number;
  private readonly benchmark: BacktestOptions['benchmark'];
  /** ctx.options: inactive, and untouched by the bar loop, until the strategy uses it. */
  readonly desk: OptionsDesk;
  private readonly params: Record<string, number>;
  /** Largest position as a fraction of equity: min(risk.maxPositionPct, maxPositionCap). */
  private readonly capPct: number;
  private readonly defaultPct: number;
  private readonly fixedStop: number;
  private readonly stopAtrMultiple: number;
  private readonly target: number;
  private readonly pyramiding: boolean;

  // Initialised as a number so V8 keeps it an unboxed double (it is read every bar).
  private cash = 0;
  /** Signed size over all lots: > 0 long, < 0 short. */
  private posQty = 0;
  private readonly lots: Lot[] = [];
  private readonly trades: Trade[] = [];
  private readonly signals: Signal[] = [];
  /** Signals past MAX_REPORT_SIGNALS, counted rather than listed. */
  private signalsDropped = 0;
  /**
   * This bar's calls refused before they could queue (no next bar, too many orders), one signal per
   * action and reason with a repeat count; the observer hears of them once the bar's onBar returns.
   */
  private readonly repeats: Signal[] = [];
  private readonly pending: PendingOrder[] = [];
  private pendingCount = 0;
  private nextTradeId = 1;
  private barsInMarket = 0;
  /** The bar being stepped (OrderDesk.current). */
  current = 0;
  /**
   * The bar no order can follow: the series' last in a backtest, none (Infinity) in a market session,
   * whose series grows as bars close.
   */
  private readonly lastBar: number;
  /** Time stamped on fills and exits: the fill bar's open time, set before each fill (a typed array: see range). */
  private readonly barTime = new Float64Array(1);
  /** The price fills are marked and sized at: the fill bar's open, or the session's book mid. */
  private fillOpen = 0;
  /**
   * The open, high and low checkRange tests stops against: the whole bar, or a session's bar so
   * far. A typed array, since a double stored in a field or passed to a call can be boxed.
   */
  private readonly range = new Float64Array(3);
  /** Market fills priced by a session (its order book); null in a backtest, which uses slippage. */
  private readonly pricer: FillPricer | null;
  private equity: Float64Array;
  private readonly stopAtr: StopAtr | null;
  private readonly indicators: BarIndicator[];
  private readonly ctx: RunContext;
  private readonly position = new PositionState();
  private readonly bar = new BarView();
  /** Called detached, as a plain function: a strategy's `this` in onBar is undefined, as it always was. */
  private readonly onBar: (ctx: StrategyContext) => void;

  constructor(loaded: LoadedStrategy, series: CandleSeries, options: BacktestOptions, observer: BacktestObserver, session?: SessionStepping) {
    this.loaded = loaded;
    this.def = loaded.definition;
    this.path = loaded.path;
    this.contentHash = loaded.contentHash;
    this.series = series;
    this.observer = observer;
    this.capital = option('capital', options.capital, BACKTEST_DEFAULTS.capital, (x) => x > 0);
    this.feeRate = option('feeRate', options.feeRate, BACKTEST_DEFAULTS.feeRate, (x) => x >= 0 && x < 1);
    this.slippage = option('slippage', options.slippage, BACKTEST_DEFAULTS.slippage, (x) => x >= 0 && x < 1);
    this.seed = option('seed', options.seed, BACKTEST_DEFAULTS.seed, Number.isInteger);
    this.maxPositionCap = option('maxPositionCap', options.maxPositionCap, BACKTEST_DEFAULTS.maxPositionCap, (x) => x > 0 && x <= 1);
    this.equityPoints = option('equityPoints', options.equityPoints, BACKTEST_DEFAULTS.equityPoints, (x) => Number.isInteger(x) && x >= 2);
    this.benchmark = options.benchmark;
    this.desk = new OptionsDesk(series, { barsPerYear: annualBars(series), observer, equity: () => this.ctx.equity, ...(options.optionChain !== undefined ? { chainFile: options.optionChain } : {}) });

    if (series.length === 0 && session === undefined) {
      throw new VoltError({
        kind: 'data',
        message: `no bars to backtest in ${series.source}`,
        file: series.source.startsWith('synthetic:') ? undefined : series.source,
        hint: 'widen --from/--to or check that the file has rows',
      });
    }

    const risk = this.def.risk ?? {};
    const where = this.path;
    const maxPct = risk.maxPositionPct ?? DEFAULT_POSITION_PCT;
    if (!(maxPct > 0 && maxPct <= 1)) throw riskError(where, `risk.maxPositionPct must be a fraction in (0, 1], got ${maxPct}`);
    this.defaultPct = maxPct;
    this.capPct = Math.min(maxPct, this.maxPositionCap);

    const sl = risk.stopLoss;
    this.fixedStop = NaN;
    this.stopAtrMultiple = NaN;
    this.stopAtr = null;
    if (typeof sl === 'number') {
      if (!(sl > 0 && sl < 1)) throw riskError(where, `risk.stopLoss must be a fraction in (0, 1), got ${sl}`);
      this.fixedStop = sl;
    } else if (sl !== undefined) {
      const multiple = sl.atrMultiple ?? 2;
      const period = sl.period ?? 14;
      if (!(multiple > 0)) throw riskError(where, `risk.stopLoss.atrMultiple must be positive, got ${multiple}`);
      if (!(Number.isInteger(period) && period >= 1)) throw riskError(where, `risk.stopLoss.period must be a whole number ≥ 1, got ${period}`);
      this.stopAtrMultiple = multiple;
      this.stopAtr = new StopAtr(period);
    }
    const tp = risk.takeProfit;
    if (tp !== undefined && !(tp > 0)) throw riskError(where, `risk.takeProfit must be a positive fraction, got ${tp}`);
    this.target = tp ?? NaN;
    this.pyramiding = this.def.pyramiding === true;

    this.params = resolveParams(this.def, options.params, where);
    this.cash = this.capital;
    this.lastBar = session === undefined ? series.length - 1 : Infinity;
    this.pricer = session?.pricer ?? null;
    // A session's series keeps room for bars to come: its arrays are longer than its length.
    this.equity = new Float64Array(series.time.length > series.length ? series.time.length : series.length);
    for (let k = 0; k < MAX_ORDERS_PER_BAR; k++) this.pending.push(new PendingOrder());

    const { factory, indicators } = createIndicatorFactory();
    let ind: Record<string, BarIndicator> = {};
    if (this.def.indicators) {
      try {
        ind = this.def.indicators(factory, this.params) ?? {};
      } catch (e) {
        throw strategyRuntimeError(e, loaded, 'in indicators()');
      }
    }
    this.indicators = indicators;
    this.onBar = this.def.onBar as (ctx: StrategyContext) => void;
    this.ctx = new RunContext(this, series, this.params, ind, this.position, this.bar, createRandom(this.seed), new SignalBoard(options.signals, series));
  }

  /**
   * The run, in chunks of BARS_PER_CALL bars. Why chunks: a function entered once per run with a
   * million-bar loop starts in V8's interpreter and only reaches optimised code through on-stack
   * replacement, which it loses again whenever a rarely taken path deoptimises it, so every run
   * would spend its first tens of thousands of bars boxing numbers. A method called a few hundred
   * times per run is optimised once and stays so; the chunk boundary is also where progress is told.
   */
  execute(): void {
    const n = this.series.length;
    const observer = this.observer;
    for (let from = 0; from < n; from += BARS_PER_CALL) {
      const to = from + BARS_PER_CALL < n ? from + BARS_PER_CALL : n;
      this.runBars(from, to);
      // Hooks are called as methods, so an observer written as a class keeps its `this`.
      if (observer.onProgress !== undefined && (to % PROGRESS_EVERY === 0 || to === n)) observer.onProgress(to, n);
    }
    this.closeAtEnd();
    // Only pyramided lots can close out of entry order.
    if (this.pyramiding) this.trades.sort((a, b) => a.id - b.id);
  }

  /** Bars [from, to): the hot loop. Nothing in it allocates per bar; lots, trades and signals are per order. */
  private runBars(from: number, to: number): void {
    for (let i = from; i < to; i++) this.step(i);
  }

  /**
   * One bar, the same for a backtest and a market session: the orders queued at the last close fill
   * at this open, stops and targets are checked inside the bar, the indicators take it, equity is
   * marked at its close and onBar runs there.
   */
  step(i: number): void {
    const s = this.series;
    const o = s.open[i]!;
    const h = s.high[i]!;
    const l = s.low[i]!;
    const c = s.close[i]!;
    const v = s.volume[i]!;
    this.current = i;

    // Helpers take the bar index, not prices: a number passed to a call V8 does not inline is
    // boxed on the heap, an index is not.
    if (this.pendingCount > 0) {
      this.barTime[0] = s.time[i]!;
      this.fillOpen = o;
      this.fillPending(i);
    }
    if (this.lots.length > 0) {
      this.barTime[0] = s.time[i]!;
      const range = this.range;
      range[0] = o;
      range[1] = h;
      range[2] = l;
      this.checkStops(i);
    }
    const desk = this.desk;
    desk.current = i;
    if (desk.active) this.cash += desk.beginBar(i, this.cash + this.posQty * o + desk.greeks.value, this.capPct);

    const indicators = this.indicators;
    for (let k = 0; k < indicators.length; k++) indicators[k]!.onBar(o, h, l, c, v);
    if (this.stopAtr !== null) this.stopAtr.update(h, l, c);

    let eq = this.cash;
    if (this.lots.length > 0) {
      eq += this.posQty * c;
      this.barsInMarket++;
      this.markPosition(i);
    } else if (this.position.side !== 0) {
      this.markPosition(i);
    }
    if (desk.active) eq += desk.endBar(i, this.posQty);
    // NaN and ±Infinity are the only numbers x for which x - x is not 0.
    if (eq - eq !== 0) throw this.nonFinite(`equity is ${eq}`, i);
    this.equity[i] = eq;

    const bar = this.bar;
    bar.time = s.time[i]!;
    bar.open = o;
    bar.high = h;
    bar.low = l;
    bar.close = c;
    bar.volume = v;
    const ctx = this.ctx;
    ctx.index = i;
    ctx.equity = eq;
    ctx.cash = this.cash;
    const onBar = this.onBar;
    try {
      onBar(ctx);
    } catch (e) {
      throw this.strategyError(e, i);
    }
    if (this.repeats.length > 0) this.tellRepeats();
  }

  /** The observer hears of a bar's refused repeats once, with their final count. */
  private tellRepeats(): void {
    const observer = this.observer;
    for (const signal of this.repeats) observer.onSignal?.(signal);
    this.repeats.length = 0;
  }

  /** A position still open at the end is closed at the last close, so the report's equity is cash. */
  private closeAtEnd(): void {
    const last = this.series.length - 1;
    this.barTime[0] = this.series.time[last]!;
    if (this.desk.active) {
      this.cash += this.desk.closeAll(last);
      this.equity[last] = this.cash + this.posQty * this.series.close[last]!;
    }
    if (this.lots.length === 0) return;
    const c = this.series.close[last]!;
    while (this.lots.length > 0) {
      const lot = this.lots[this.lots.length - 1]!;
      this.closeLot(this.lots.length - 1, last, lot.side === 1 ? c * (1 - this.slippage) : c * (1 + this.slippage), 'end');
    }
    this.equity[last] = this.cash;
    this.markPosition(last);
  }

  /** Called by ctx.buy/sell/exit at a close. */
  queue(action: Action, order: OrderRequest | undefined): void {
    const i = this.current;
    const confidence = order?.confidence ?? 1;
    const reason = order?.reason ?? '';
    if (!(confidence >= 0 && confidence <= 1)) {
      throw this.orderError(action, `confidence must be between 0 and 1, got ${confidence}`);
    }
    let pct = NaN;
    let qty = NaN;
    if (action !== EXIT && order !== undefined) {
      if (order.pct !== undefined && order.qty !== undefined) throw this.orderError(action, 'give pct or qty, not both');
      if (order.pct !== undefined) {
        if (!(order.pct > 0)) throw this.orderError(action, `pct must be a positive fraction of equity, got ${order.pct}`);
        pct = order.pct;
      }
      if (order.qty !== undefined) {
        if (!(order.qty > 0 && Number.isFinite(order.qty))) throw this.orderError(action, `qty must be a positive quantity, got ${order.qty}`);
        qty = order.qty;
      }
    }
    if (action !== EXIT && pct !== pct && qty !== qty) pct = this.defaultPct;

    if (i === this.lastBar) return this.refuse(action, confidence, reason, 'no next bar');
    if (this.pendingCount === MAX_ORDERS_PER_BAR) return this.refuse(action, confidence, reason, `more than ${MAX_ORDERS_PER_BAR} orders in one bar`);
    const signal = this.signal(action, confidence, reason);
    let stopOffset = NaN;
    let targetOffset = NaN;
    if (this.observer.decide !== undefined && action !== EXIT && this.wouldEnter(action)) {
      const request = this.entryRequest(action, pct, qty, signal);
      const verdict = this.observer.decide(request);
      // The verdict object may be reused by the panel: read what we need now.
      if (!verdict.approved) return this.ignore(signal, verdict.note ?? 'rejected by review');
      if (verdict.pct !== undefined && verdict.pct < request.pct) {
        if (!(verdict.pct > 0)) return this.ignore(signal, verdict.note ?? 'size zero after review');
        pct = verdict.pct;
        qty = NaN;
      }
      if (verdict.stopPrice !== undefined && verdict.stopPrice !== request.stopPrice) stopOffset = verdict.stopPrice - request.price;
      if (verdict.takeProfitPrice !== undefined && verdict.takeProfitPrice !== request.takeProfitPrice) {
        targetOffset = verdict.takeProfitPrice - request.price;
      }
    }
    const p = this.pending[this.pendingCount++]!;
    p.action = action;
    p.pct = pct;
    p.qty = qty;
    p.stopOffset = stopOffset;
    p.targetOffset = targetOffset;
    p.signal = signal;
  }

  /** A new signal at this close, listed in the report while there is room. */
  private signal(action: Action, confidence: number, reason: string): Signal {
    // Every key up front, one shape for all signals; JSON leaves out whichever stays undefined.
    const signal: Signal = {
      bar: this.current,
      time: this.series.time[this.current]!,
      action: ACTION_NAME[action],
      confidence,
      reason,
      tradeId: undefined,
      ignored: undefined,
      repeats: undefined,
    };
    if (this.signals.length < MAX_REPORT_SIGNALS) this.signals.push(signal);
    else this.signalsDropped++;
    return signal;
  }

  /**
   * A call refused before it could queue. Repeats in one bar (same action, same cause) become one
   * signal with a count, the first call's confidence and reason: a loop of 10,000 buys is one line.
   */
  private refuse(action: Action, confidence: number, reason: string, why: string): void {
    const name = ACTION_NAME[action];
    for (const seen of this.repeats) {
      if (seen.action === name && seen.ignored === why) {
        seen.repeats = (seen.repeats ?? 1) + 1;
        return;
      }
    }
    const signal = this.signal(action, confidence, reason);
    signal.ignored = why;
    this.repeats.push(signal);
  }

  /** Whether a buy/sell at this close would open or add to a position (and so is reviewed). */
  private wouldEnter(action: Action): boolean {
    const held = this.lots.length > 0 ? this.lots[0]!.side : 0;
    const side = action === BUY ? 1 : -1;
    return held !== side || this.pyramiding;
  }

  /** The entry as the panel sees it at the signal's close; stops measured from that close. */
  private entryRequest(action: Action, pct: number, qty: number, signal: Signal): EntryRequest {
    const side: 1 | -1 = action === BUY ? 1 : -1;
    const price = this.series.close[this.current]!;
    const equity = this.ctx.equity;
    let size = pct === pct ? pct : equity > 0 ? (qty * price) / equity : 0;
    if (size > this.capPct) size = this.capPct;
    let stopPrice = NaN;
    if (this.fixedStop === this.fixedStop) stopPrice = price * (1 - side * this.fixedStop);
    else if (this.stopAtr !== null && this.stopAtr.value > 0) stopPrice = price - side * this.stopAtrMultiple * this.stopAtr.value;
    const takeProfitPrice = this.target === this.target ? price * (1 + side * this.target) : NaN;
    return {
      symbol: this.series.symbol,
      bar: signal.bar,
      time: signal.time,
      side: side === 1 ? 'long' : 'short',
      pct: size,
      price,
      stopPrice,
      takeProfitPrice,
      confidence: signal.confidence,
      reason: signal.reason,
      equity,
      indicators: this.ctx.ind,
    };
  }

  /** Orders queued at the previous close, in the order the strategy gave them, at this open. */
  private fillPending(i: number): void {
    const o = this.fillOpen;
    for (let k = 0; k < this.pendingCount; k++) {
      const p = this.pending[k]!;
      const signal = p.signal!;
      p.signal = null;
      const held = this.lots.length > 0 ? this.lots[0]!.side : 0;
      if (p.action === EXIT) {
        if (held === 0) {
          this.ignore(signal, 'no position');
          continue;
        }
        signal.tradeId = this.closeAll(i, o, 'signal');
      } else {
        const side: 1 | -1 = p.action === BUY ? 1 : -1;
        if (held === -side) this.closeAll(i, o, 'reverse');
        else if (held === side && !this.pyramiding) {
          this.ignore(signal, side === 1 ? 'already long' : 'already short');
          continue;
        }
        const outcome = this.openLot(i, o, side, p, signal);
        if (typeof outcome === 'string') {
          this.ignore(signal, outcome);
          continue;
        }
        signal.tradeId = outcome;
      }
      this.observer.onSignal?.(signal);
    }
    this.pendingCount = 0;
  }

  /** Opens a lot at this open; returns its trade id, or why it could not. */
  private openLot(i: number, o: number, side: 1 | -1, p: PendingOrder, signal: Signal): number | string {
    // Equity at this open, before the fill: the figure a trader sizes against.
    const equityNow = this.cash + this.posQty * o;
    if (!(equityNow > 0)) return 'no equity left';
    let fill = side === 1 ? o * (1 + this.slippage) : o * (1 - this.slippage);
    if (this.pricer !== null) {
      // The book is walked for the size the order would have at the open, then sized at that price.
      const wanted = p.qty === p.qty ? p.qty : ((p.pct < this.capPct ? p.pct : this.capPct) * equityNow) / o;
      fill = this.pricer.fillPrice(side, wanted, o);
    }
    const maxQty = (this.capPct * equityNow) / fill;
    let qty = p.qty === p.qty ? p.qty : ((p.pct < this.capPct ? p.pct : this.capPct) * equityNow) / fill;
    if (qty > maxQty) qty = maxQty;
    if (this.pyramiding && this.lots.length > 0) {
      const room = maxQty - Math.abs(this.posQty) * (o / fill);
      if (!(room > 0)) return 'position at max size';
      if (qty > room) qty = room;
    }
    // A long is paid in cash: never spend more than there is (fee included).
    if (side === 1 && qty * fill * (1 + this.feeRate) > this.cash) qty = this.cash / (fill * (1 + this.feeRate));
    if (!(qty > 0)) return 'size zero';

    const notional = qty * fill;
    const fee = notional * this.feeRate;
    this.cash += side === 1 ? -(notional + fee) : notional - fee;
    this.posQty += side * qty;

    let stop = NaN;
    if (p.stopOffset === p.stopOffset) stop = fill + p.stopOffset;
    else if (this.fixedStop === this.fixedStop) stop = fill * (1 - side * this.fixedStop);
    else if (this.stopAtr !== null) {
      // ATR as of the signal bar's close: what was known when the order was decided.
      const distance = this.stopAtrMultiple * this.stopAtr.value;
      if (distance > 0) stop = fill - side * distance;
    }
    let target = this.target === this.target ? fill * (1 + side * this.target) : NaN;
    if (p.targetOffset === p.targetOffset) target = fill + p.targetOffset;
    const id = this.nextTradeId++;
    this.lots.push(
      new Lot(id, side, qty, i, this.barTime[0]!, fill, fee, stop, target, signal.confidence, signal.reason),
    );
    return id;
  }

  /**
   * Stops and targets inside bar i, from its open. Order of events: a gap through the stop (open
   * beyond it) fills at the open; a gap through the target fills at the open too; otherwise the
   * stop is checked against the low (long) or high (short) before the target, because a bar's
   * range does not say which came first and assuming the worst is the honest choice.
   */
  private checkStops(i: number): void {
    const o = this.range[0]!;
    const h = this.range[1]!;
    const l = this.range[2]!;
    for (let k = this.lots.length - 1; k >= 0; k--) {
      const lot = this.lots[k]!;
      const stop = lot.stop;
      const target = lot.target;
      if (lot.side === 1) {
        if (o <= stop) this.stopOut(k, i, true);
        else if (o >= target) this.closeLot(k, i, o, 'takeProfit');
        else if (l <= stop) this.stopOut(k, i, false);
        else if (h >= target) this.closeLot(k, i, target, 'takeProfit');
      } else {
        if (o >= stop) this.stopOut(k, i, true);
        else if (o <= target) this.closeLot(k, i, o, 'takeProfit');
        else if (h >= stop) this.stopOut(k, i, false);
        else if (l <= target) this.closeLot(k, i, target, 'takeProfit');
      }
    }
  }

  /**
   * Lot k stopped out: a market order once touched, at the open when it gapped through, else at the
   * stop, less slippage (or the session's book). Takes no price: a double passed to a call V8 does
   * not inline is boxed, and checkStops runs every bar.
   */
  private stopOut(k: number, i: number, gap: boolean): void {
    const lot = this.lots[k]!;
    const price = gap ? this.range[0]! : lot.stop;
    const slip = this.slippage;
    const fill = this.pricer !== null ? this.pricer.fillPrice(-lot.side as 1 | -1, lot.qty, price) : lot.side === 1 ? price * (1 - slip) : price * (1 + slip);
    this.closeLot(k, i, fill, 'stop');
  }

  // ----------------------------------------------------------------------------------------------
  // What a market session drives besides step(): its bars close in real time, so the orders of a
  // close are filled at once (the next bar's open is now) and stops are watched inside the forming bar.

  /**
   * Fills the orders queued at the last close now, as bar `bar` (the one that has just opened) at
   * `time`, sized and marked at `reference` (the book's mid), priced by the session's pricer.
   */
  fillNow(bar: number, time: number, reference: number): void {
    if (this.pendingCount === 0) return;
    this.barTime[0] = time;
    this.fillOpen = reference;
    this.fillPending(bar);
  }

  /** Stops and targets against the bar forming so far (its first trade, highest and lowest since). */
  watch(bar: number, time: number, open: number, high: number, low: number): void {
    if (this.lots.length === 0) return;
    this.barTime[0] = time;
    this.range[0] = open;
    this.range[1] = high;
    this.range[2] = low;
    this.checkStops(bar);
  }

  /** A strategy call made elsewhere (the sandbox), queued here at the current close: same checks, same panel. */
  order(action: 'buy' | 'sell' | 'exit', request: OrderRequest | undefined): void {
    this.queue(action === 'buy' ? BUY : action === 'sell' ? SELL : EXIT, request);
  }

  /** What the strategy is shown at the last close, for a strategy that runs elsewhere. */
  get cashNow(): number {
    return this.cash;
  }
  get equityNow(): number {
    return this.ctx.equity;
  }
  get positionNow(): PositionState {
    return this.position;
  }
  /** Signed size held: > 0 long, < 0 short. */
  get heldQty(): number {
    return this.posQty;
  }
  /** Open lots, as the session shows and journals them. */
  openLots(): readonly { id: number; side: 1 | -1; qty: number; entryBar: number; entryPrice: number; entryTime: number; entryFee: number; stop: number; target: number }[] {
    return this.lots;
  }
  get closedTrades(): readonly Trade[] {
    return this.trades;
  }
  get allSignals(): readonly Signal[] {
    return this.signals;
  }
  /** Orders queued at the last close and not filled yet. */
  get pendingOrders(): number {
    return this.pendingCount;
  }

  /** Room for more bars: a session's series grew into new arrays. */
  rebind(series: CandleSeries): void {
    this.series = series;
    this.ctx.rebind(series);
    if (this.equity.length < series.time.length) {
      const more = new Float64Array(series.time.length);
      more.set(this.equity);
      this.equity = more;
    }
  }

  /** Closes every lot at this open as a market order; returns the id of the last trade closed. */
  private closeAll(i: number, o: number, reason: ExitReason): number {
    let id = 0;
    while (this.lots.length > 0) {
      const k = this.lots.length - 1;
      const lot = this.lots[k]!;
      id = lot.id;
      const price = this.pricer !== null ? this.pricer.fillPrice(-lot.side as 1 | -1, lot.qty, o) : lot.side === 1 ? o * (1 - this.slippage) : o * (1 + this.slippage);
      this.closeLot(k, i, price, reason);
    }
    return id;
  }

  private closeLot(k: number, i: number, price: number, reason: ExitReason): void {
    const lot = this.lots[k]!;
    this.lots.splice(k, 1);
    const notional = lot.qty * price;
    const fee = notional * this.feeRate;
    this.cash += lot.side === 1 ? notional - fee : -(notional + fee);
    this.posQty = this.lots.length === 0 ? 0 : this.posQty - lot.side * lot.qty;
    const fees = lot.entryFee + fee;
    const pnl = lot.side * (price - lot.entryPrice) * lot.qty - fees;
    const trade: Trade = {
      id: lot.id,
      symbol: this.series.symbol,
      side: lot.side === 1 ? 'long' : 'short',
      qty: lot.qty,
      entryTime: lot.entryTime,
      entryBar: lot.entryBar,
      entryPrice: lot.entryPrice,
      exitTime: this.barTime[0]!,
      exitBar: i,
      exitPrice: price,
      exitReason: reason,
      pnl,
      pnlPct: pnl / (lot.entryPrice * lot.qty),
      fees,
      barsHeld: i - lot.entryBar,
      confidence: lot.confidence,
      reason: lot.reason,
      // One literal shape for every trade (cheaper than adding keys later); JSON leaves out the
      // undefined ones, so a trade without a stop or target has no such key in the report.
      stopPrice: lot.stop === lot.stop ? lot.stop : undefined,
      takeProfitPrice: lot.target === lot.target ? lot.target : undefined,
    };
    this.trades.push(trade);
    this.observer.onTrade?.(trade);
  }

  /** Refreshes ctx.position at a close. */
  private markPosition(i: number): void {
    const c = this.series.close[i]!;
    const view = this.position;
    const lots = this.lots;
    if (lots.length === 0) {
      view.side = 0;
      view.qty = 0;
      view.entryPrice = NaN;
      view.entryTime = NaN;
      view.barsHeld = 0;
      view.unrealizedPnl = 0;
      return;
    }
    const first = lots[0]!;
    let qty = 0;
    let cost = 0;
    for (let k = 0; k < lots.length; k++) {
      qty += lots[k]!.qty;
      cost += lots[k]!.qty * lots[k]!.entryPrice;
    }
    view.side = first.side;
    view.qty = qty;
    view.entryPrice = cost / qty;
    view.entryTime = first.entryTime;
    view.barsHeld = i - first.entryBar;
    view.unrealizedPnl = first.side * (c * qty - cost);
  }

  private ignore(signal: Signal, why: string): void {
    signal.ignored = why;
    this.observer.onSignal?.(signal);
  }

  /** A throw from onBar, placed on the strategy's own line, naming the bar it happened at. */
  private strategyError(e: unknown, i: number): VoltError {
    if (isVoltError(e)) return e;
    const when = new Date(this.series.time[i]!).toISOString();
    return strategyRuntimeError(e, this.loaded, `in onBar at bar ${i}, ${when}`);
  }

  /**
   * The run's arithmetic left the numbers (prices or capital so far apart that a size or a P&L
   * overflowed): an error, never a report that prints Infinity or NaN.
   */
  private nonFinite(what: string, i: number): VoltError {
    const s = this.series;
    const at = i < 0 ? 'at the end of the run' : `at bar ${i} (${new Date(s.time[i]!).toISOString()}, close ${s.close[i]})`;
    return new VoltError({
      kind: 'data',
      message: `${this.def.name}: the backtest went out of range ${at}: ${what} (cash ${this.cash}, position ${this.posQty})`,
      file: s.source.startsWith('synthetic:') ? undefined : s.source,
      hint: 'prices or capital this far apart overflow a double: quote the data in another unit, or use a smaller --capital',
    });
  }

  private orderError(action: Action, what: string): VoltError {
    const i = this.current;
    return new VoltError({
      kind: 'strategy',
      message: `${this.def.name}: ctx.${ACTION_NAME[action]}() at bar ${i} (${new Date(this.series.time[i]!).toISOString()}): ${what}`,
      file: this.path,
      hint: 'pass { pct } as a fraction of equity (0.05 = 5%) or { qty } in units of the asset, and confidence in [0, 1]',
    });
  }

  report(): BacktestReport {
    const s = this.series;
    const n = s.length;
    const metrics = computeMetrics({
      equity: this.equity,
      time: s.time,
      startEquity: this.capital,
      barsPerYear: annualBars(s),
      trades: this.trades,
      barsInMarket: this.barsInMarket,
      ...(this.benchmark !== undefined ? { benchmark: this.benchmark } : {}),
    });
    // Options fees are fees too: feesPaid counts every fill the run paid for.
    if (this.desk.active) metrics.feesPaid += this.desk.feesPaid();
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number' && value - value !== 0) throw this.nonFinite(`metric ${name} is ${value}`, -1);
    }
    for (const t of this.trades) {
      if (t.pnl - t.pnl !== 0 || t.qty - t.qty !== 0) throw this.nonFinite(`trade ${t.id} has qty ${t.qty} and P&L ${t.pnl}`, t.exitBar);
    }
    const strategy: BacktestReport['strategy'] = {
      name: this.def.name,
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.contentHash !== undefined ? { contentHash: this.contentHash } : {}),
      params: { ...this.params },
    };
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      strategy,
      data: { symbol: s.symbol, timeframe: s.timeframe, source: s.source, from: s.time[0]!, to: s.time[n - 1]!, bars: n },
      config: {
        capital: this.capital,
        feeRate: this.feeRate,
        slippage: this.slippage,
        seed: this.seed,
        maxPositionCap: this.maxPositionCap,
      },
      metrics,
      trades: this.trades,
      signals: this.signals,
      ...(this.signalsDropped > 0 ? { signalsDropped: this.signalsDropped } : {}),
      equityCurve: downsampleEquity(s.time, this.equity, this.equityPoints),
      ...(this.desk.active ? { options: this.desk.report() } : {}),
    };
  }
}

/**
 * ctx: one object per run. The methods are own arrow functions made once, so a strategy may
 * destructure them (`const { buy } = ctx`) and they still act on this run.
 */
/** Where ctx.buy/sell/exit go: the stepper itself, or a market session's seat that passes them on. */
export interface OrderDesk {
  queue(action: Action, order: OrderRequest | undefined): void;
  readonly desk: OptionsDesk;
  /** The bar the run is at: what ctx.history and ctx.signals read up to. */
  readonly current: number;
}

/**
 * `ctx.options`: the desk's five members and nothing else. The desk itself holds the series (the
 * future), the bar it prices at and the book's internals, all of which a strategy could otherwise
 * read or set; the greeks are a copy, as the run marks equity with the desk's own.
 */
function optionsView(desk: OptionsDesk): OptionsView {
  // One copy refreshed at each read: a strategy reading the greeks every bar allocates nothing.
  const greeks = { ...desk.greeks };
  return Object.freeze({
    chain: () => desk.chain(),
    open: (legs: readonly BookLeg[], reason?: string) => desk.open(legs, reason),
    close: (id: number) => desk.close(id),
    get positions() {
      return desk.positions;
    },
    get greeks() {
      return Object.assign(greeks, desk.greeks);
    },
  });
}

export class RunContext implements StrategyContext {
  index = 0;
  equity = 0;
  cash = 0;
  readonly symbol: string;
  readonly state: Record<string, unknown> = {};
  readonly history: (n: number) => HistoryWindow;
  readonly random: () => number;
  readonly buy: (order?: OrderRequest) => void;
  readonly sell: (order?: OrderRequest) => void;
  readonly exit: (order?: Omit<OrderRequest, 'pct' | 'qty'>) => void;
  readonly options: OptionsView;
  readonly signals: SignalValues;
  readonly #window: HistoryWindow;

  constructor(
    run: OrderDesk,
    series: CandleSeries,
    readonly params: Record<string, number>,
    readonly ind: Record<string, BarIndicator>,
    readonly position: PositionState,
    readonly bar: BarView,
    rng: () => number,
    signals: SignalBoard,
  ) {
    this.symbol = series.symbol;
    // The bar is the run's (`run.current`), not `this.index`: a strategy may write ctx.index.
    const at = () => run.current;
    const window = new HistoryWindow(series, at);
    this.#window = window;
    this.history = (n: number) => window.aim(n);
    this.random = rng;
    this.buy = (order) => run.queue(BUY, order);
    this.sell = (order) => run.queue(SELL, order);
    this.exit = (order) => run.queue(EXIT, order);
    this.options = optionsView(run.desk);
    this.signals = signals.view(at);
  }

  /** A market session's series moved to larger arrays. */
  rebind(series: CandleSeries): void {
    this.#window.rebind(series);
  }
}

function option(name: string, value: number | undefined, fallback: number, valid: (x: number) => boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    throw new VoltError({ kind: 'usage', message: `backtest option ${name} is out of range: ${String(value)}`, hint: `leave ${name} out for the default ${fallback}` });
  }
  return value;
}

function riskError(file: string | undefined, message: string): VoltError {
  return new VoltError({ kind: 'strategy', message, file, hint: 'fix the risk block of defineStrategy' });
}

/** Bars per year from the timeframe, or from the average spacing when the timeframe is irregular. */
export function annualBars(s: CandleSeries): number {
  if (s.timeframe !== 'unknown') {
    try {
      return barsPerYear(s.timeframe);
    } catch {
      // fall through to the spacing
    }
  }
  const n = s.length;
  if (n < 2) return 0;
  const span = s.time[n - 1]! - s.time[0]!;
  return span > 0 ? ((n - 1) * 365 * 86_400_000) / span : 0;
}

/**
 * At most `points` evenly spaced samples of the per-bar equity (always the first and last bar).
 * Drawdown is measured from the running peak over every bar, not just the samples, and each sample
 * carries the deepest drawdown of the bars since the one before: a chart of the curve reaches the
 * report's max drawdown even when its trough falls between samples. Not downsampled (`n <= points`),
 * that is each bar's own drawdown.
 */
export function downsampleEquity(time: Float64Array, equity: Float64Array, points: number): EquityCurve {
  const n = equity.length;
  const count = n <= points ? n : points;
  const out: EquityCurve = { time: new Array<number>(count), equity: new Array<number>(count), drawdown: new Array<number>(count) };
  let peak = -Infinity;
  let scanned = 0;
  for (let k = 0; k < count; k++) {
    const i = count === n ? k : Math.round((k * (n - 1)) / (count - 1));
    // One short scan per sample over the bars it stands for.
    let deepest = 0;
    for (; scanned <= i; scanned++) {
      const e = equity[scanned]!;
      if (e > peak) peak = e;
      const dd = peak > 0 ? (peak - e) / peak : 0;
      if (dd > deepest) deepest = dd;
    }
    out.time[k] = time[i]!;
    out.equity[k] = equity[i]!;
    out.drawdown[k] = deepest;
  }
  return out;
}
