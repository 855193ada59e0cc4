import { createRandom, type Candle } from '../data/index.js';
import { BarSignals } from '../signals/index.js';
import { VoltError, isVoltError } from '../errors.js';
import { createIndicatorFactory, type BarIndicator } from '../indicators/index.js';
import { resolveParams, strategyRuntimeError, type LoadedStrategy, type OrderRequest, type StrategyContext } from '../strategy/index.js';
import { BarView, PositionState } from '../backtest/context.js';
import { OptionsDesk } from '../backtest/options-desk.js';
import { ACTION_NAME, RunContext, annualBars, type Action, type OrderDesk } from '../backtest/stepper.js';
import { LiveSeries } from './series.js';

/** What the trusted side tells the strategy at a close: its own ledger's figures. */
export interface SeatView {
  equity: number;
  cash: number;
  side: 1 | -1 | 0;
  qty: number;
  entryPrice: number;
  entryTime: number;
  barsHeld: number;
  unrealizedPnl: number;
  /** Every outside signal's value at this bar's close, SIGNAL_NAMES order (NaN: none seen); absent when the session has none. */
  signals?: Float64Array;
}

/** One ctx.buy/sell/exit call, as plain data, for the trusted side to check and queue. */
export interface SeatOrder {
  action: 'buy' | 'sell' | 'exit';
  order?: OrderRequest;
}

/**
 * The strategy's half of a market session: its indicators, its `ctx` and its `onBar`, and
 * nothing else. It owns no money: position, equity and cash come from the trusted side's ledger at
 * each close (SeatView), and what the strategy asks for goes back as plain orders (SeatOrder) that
 * the trusted side checks, sizes and gates again. In the sandbox this is all that runs; the same
 * class runs in-process in tests.
 */
export class StrategySeat implements OrderDesk {
  readonly series: LiveSeries;
  readonly desk: OptionsDesk;
  /** The bar the strategy decides at (OrderDesk.current). */
  current = -1;
  private readonly indicators: BarIndicator[];
  private readonly ctx: RunContext;
  private readonly position = new PositionState();
  private readonly bar = new BarView();
  private readonly onBar: (ctx: StrategyContext) => void;
  private readonly outside: BarSignals;
  private orders: SeatOrder[] = [];

  constructor(
    private readonly loaded: LoadedStrategy,
    meta: { symbol: string; timeframe: string; source: string },
    options: { params?: Record<string, number>; seed?: number } = {},
  ) {
    const def = loaded.definition;
    this.series = new LiveSeries(meta.symbol, meta.timeframe, meta.source);
    this.desk = new OptionsDesk(this.series, { barsPerYear: annualBars(this.series) });
    const params = resolveParams(def, options.params, loaded.path);
    const { factory, indicators } = createIndicatorFactory();
    let ind: Record<string, BarIndicator> = {};
    if (def.indicators) {
      try {
        ind = (def.indicators(factory, params as never) ?? {}) as Record<string, BarIndicator>;
      } catch (e) {
        throw strategyRuntimeError(e, loaded, 'in indicators()');
      }
    }
    this.indicators = indicators;
    this.onBar = def.onBar as (ctx: StrategyContext) => void;
    // ctx.signals reads the values the trusted side aligned to each bar's close (SeatView.signals).
    this.outside = new BarSignals(this.series);
    this.ctx = new RunContext(this, this.series, params, ind, this.position, this.bar, createRandom(options.seed ?? 1), this.outside);
  }

  queue(action: Action, order: OrderRequest | undefined): void {
    // A copy: the strategy may reuse its order object on the next call.
    this.orders.push(order === undefined ? { action: ACTION_NAME[action] } : { action: ACTION_NAME[action], order: { ...order } });
  }

  /** One closed bar: the indicators take it, onBar runs at its close; returns what the strategy asked for. */
  decide(c: Candle, view: SeatView): SeatOrder[] {
    if (this.series.append(c)) this.ctx.rebind(this.series);
    const i = this.series.length - 1;
    this.current = i;
    for (const ind of this.indicators) ind.onBar(c.open, c.high, c.low, c.close, c.volume);
    const bar = this.bar;
    bar.time = c.time;
    bar.open = c.open;
    bar.high = c.high;
    bar.low = c.low;
    bar.close = c.close;
    bar.volume = c.volume;
    const p = this.position;
    p.side = view.side;
    p.qty = view.qty;
    p.entryPrice = view.entryPrice;
    p.entryTime = view.entryTime;
    p.barsHeld = view.barsHeld;
    p.unrealizedPnl = view.unrealizedPnl;
    this.outside.set(i, view.signals);
    this.ctx.index = i;
    this.ctx.equity = view.equity;
    this.ctx.cash = view.cash;
    this.desk.current = i;
    this.orders = [];
    try {
      this.onBar(this.ctx);
    } catch (e) {
      if (isVoltError(e)) throw e;
      throw strategyRuntimeError(e, this.loaded, `in onBar at bar ${i}, ${new Date(c.time).toISOString()}`);
    }
    if (this.desk.active) {
      throw new VoltError({
        kind: 'strategy',
        message: `${this.loaded.definition.name}: ctx.options is not traded in paper or live sessions`,
        file: this.loaded.path,
        hint: 'backtest options strategies with `volt backtest`; sessions trade the underlying only',
      });
    }
    return this.orders;
  }
}
