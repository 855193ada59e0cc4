/**
 * One strategy over several markets and one account (README.md here): the markets' bars aligned on
 * time, shared cash, each market with its own positions, stops, targets, indicators and pending
 * orders, each order sized against the whole account's equity. Per market, every rule of
 * backtest/README.md holds as in `runBacktest`, in the same arithmetic, so a one-market portfolio
 * gives the same trades byte for byte (run.test.ts checks it).
 */
import { VoltError, isVoltError } from '../errors.js';
import { SignalBoard, type SignalSet, type SignalValues } from '../signals/index.js';
import { barsPerYear, createRandom, type CandleSeries } from '../data/index.js';
import { createIndicatorFactory, type BarIndicator } from '../indicators/index.js';
import {
  resolveParams,
  strategyRuntimeError,
  type LoadedStrategy,
  type MarketView,
  type OrderRequest,
  type ParamsDef,
  type StrategyContext,
  type StrategyDefinition,
} from '../strategy/index.js';
import { computeMetrics } from '../metrics/index.js';
import {
  BACKTEST_DEFAULTS,
  BarView,
  HistoryWindow,
  MAX_REPORT_SIGNALS,
  PositionState,
  REPORT_SCHEMA_VERSION,
  StopAtr,
  downsampleEquity,
  type BacktestObserver,
  type EntryRequest,
  type ExitReason,
  type Trade,
} from '../backtest/index.js';
import { checkLimits, returnsCorrelation } from './limits.js';
import { BUY, EXIT, Lot, MAX_ORDERS_PER_BAR, MISSING_LISTED, Market, SELL, marketView, type Action, type PendingOrder } from './market.js';
import { alignedTimes, lowerBound, sampleSteps } from './timeline.js';
import type { MarketBreakdown, PortfolioLimits, PortfolioOptions, PortfolioReport, PortfolioSignal } from './types.js';

export { returnsCorrelation } from './limits.js';

const DEFAULT_POSITION_PCT = 0.1;
const PROGRESS_EVERY = 16_384;
const DEFAULT_CORRELATION_LOOKBACK = 50;

const ACTION_NAME = ['buy', 'sell', 'exit'] as const;

type AnyDefinition = StrategyDefinition<ParamsDef, Record<string, BarIndicator>>;

/** `decide` (the agents' panel, portfolio/agents.ts) sees each entry the portfolio limits let through, naming its market. */
export type PortfolioObserver = Pick<BacktestObserver, 'onProgress' | 'onTrade' | 'decide'> & { onSignal?(signal: PortfolioSignal): void };

/** Backtest `strategy` over `markets` (one series per symbol, any times) as one account. */
export function runPortfolioBacktest(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  markets: readonly CandleSeries[],
  options: PortfolioOptions = {},
  observer: PortfolioObserver = {},
): PortfolioReport {
  const loaded: LoadedStrategy = typeof (strategy as LoadedStrategy).definition === 'object' && (strategy as LoadedStrategy).definition !== null
    ? (strategy as LoadedStrategy)
    : { definition: strategy as AnyDefinition };
  const run = new PortfolioRun(loaded, markets, options, observer);
  run.execute();
  return run.report();
}

class PortfolioRun {
  private readonly def: AnyDefinition;
  private readonly path: string | undefined;
  private readonly contentHash: string | undefined;
  private readonly markets: Market[];
  private readonly bySymbol: Record<string, Market> = {};
  private readonly times: Float64Array;
  private readonly capital: number;
  private readonly feeRate: number;
  private readonly slippage: number;
  private readonly seed: number;
  private readonly maxPositionCap: number;
  private readonly equityPoints: number;
  /** The steps the report's curves sample (downsampleEquity's), ascending. */
  private readonly samples: Int32Array;
  private nextSample = 0;
  private readonly limits: PortfolioLimits;
  private readonly params: Record<string, number>;
  private readonly capPct: number;
  private readonly defaultPct: number;
  private readonly fixedStop: number;
  private readonly stopAtrMultiple: number;
  private readonly stopPeriod: number;
  private readonly target: number;
  private readonly pyramiding: boolean;
  private cash = 0;
  private readonly trades: Trade[] = [];
  private readonly signals: PortfolioSignal[] = [];
  private signalsDropped = 0;
  private nextTradeId = 1;
  private stepsInMarket = 0;
  private step = 0;
  /** The market whose onBar is running (orders are its). */
  private active!: Market;
  private readonly equity: Float64Array;
  private readonly ctx: PortfolioContext;
  private readonly refused: Record<string, number> = {};
  private readonly shrunk: Record<string, number> = {};
  private maxGross = 0;
  private maxNet = 0;
  private maxHeld = 0;
  private repeating = false;

  constructor(private readonly loaded: LoadedStrategy, series: readonly CandleSeries[], options: PortfolioOptions, private readonly observer: PortfolioObserver) {
    this.def = loaded.definition;
    this.path = loaded.path;
    this.contentHash = loaded.contentHash;
    this.capital = option('capital', options.capital, BACKTEST_DEFAULTS.capital, (x) => x > 0);
    this.feeRate = option('feeRate', options.feeRate, BACKTEST_DEFAULTS.feeRate, (x) => x >= 0 && x < 1);
    this.slippage = option('slippage', options.slippage, BACKTEST_DEFAULTS.slippage, (x) => x >= 0 && x < 1);
    this.seed = option('seed', options.seed, BACKTEST_DEFAULTS.seed, Number.isInteger);
    this.maxPositionCap = option('maxPositionCap', options.maxPositionCap, BACKTEST_DEFAULTS.maxPositionCap, (x) => x > 0 && x <= 1);
    this.limits = checkLimits(options.limits ?? {});

    if (series.length === 0) throw new VoltError({ kind: 'usage', message: 'a portfolio backtest needs at least one market', hint: 'give --symbols A,B or symbols: [...] in the strategy' });
    const seen = new Set<string>();
    for (const s of series) {
      if (seen.has(s.symbol)) throw new VoltError({ kind: 'usage', message: `the portfolio names ${s.symbol} twice`, hint: 'give each market once' });
      seen.add(s.symbol);
      if (s.length === 0) throw new VoltError({ kind: 'data', message: `no bars to backtest in ${s.source} (${s.symbol})`, hint: 'widen --from/--to or check that the file has rows' });
    }
    this.times = alignedTimes(series);
    const steps = this.times.length;
    this.equityPoints = option('equityPoints', options.equityPoints, BACKTEST_DEFAULTS.equityPoints, (x) => Number.isInteger(x) && x >= 2);
    this.samples = sampleSteps(steps, this.equityPoints);
    this.markets = series.map((s) => new Market(s, this.samples.length));
    for (const m of this.markets) {
      this.bySymbol[m.symbol] = m;
      m.buy = (order) => this.queueOn(m, BUY, order);
      m.sell = (order) => this.queueOn(m, SELL, order);
      m.exit = (order) => this.queueOn(m, EXIT, order);
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
    this.stopPeriod = 0;
    if (typeof sl === 'number') {
      if (!(sl > 0 && sl < 1)) throw riskError(where, `risk.stopLoss must be a fraction in (0, 1), got ${sl}`);
      this.fixedStop = sl;
    } else if (sl !== undefined) {
      const multiple = sl.atrMultiple ?? 2;
      const period = sl.period ?? 14;
      if (!(multiple > 0)) throw riskError(where, `risk.stopLoss.atrMultiple must be positive, got ${multiple}`);
      if (!(Number.isInteger(period) && period >= 1)) throw riskError(where, `risk.stopLoss.period must be a whole number ≥ 1, got ${period}`);
      this.stopAtrMultiple = multiple;
      this.stopPeriod = period;
    }
    const tp = risk.takeProfit;
    if (tp !== undefined && !(tp > 0)) throw riskError(where, `risk.takeProfit must be a positive fraction, got ${tp}`);
    this.target = tp ?? NaN;
    this.pyramiding = this.def.pyramiding === true;
    this.params = resolveParams(this.def, options.params, where);
    this.cash = this.capital;
    this.equity = new Float64Array(steps);

    // Each market gets its own indicators: indicators() runs once per market.
    for (const m of this.markets) {
      const { factory, indicators } = createIndicatorFactory();
      if (this.def.indicators) {
        try {
          m.ind = this.def.indicators(factory, this.params) ?? {};
        } catch (e) {
          throw strategyRuntimeError(e, loaded, `in indicators() for ${m.symbol}`);
        }
      }
      m.indicators = indicators;
      if (this.stopPeriod > 0) m.stopAtr = new StopAtr(this.stopPeriod);
    }
    this.ctx = new PortfolioContext(this, this.params, this.bySymbol, createRandom(this.seed), options.signals);
  }

  execute(): void {
    const n = this.times.length;
    for (let from = 0; from < n; from += 4096) {
      const to = from + 4096 < n ? from + 4096 : n;
      this.runSteps(from, to);
      if (this.observer.onProgress !== undefined && (to % PROGRESS_EVERY === 0 || to === n)) this.observer.onProgress(to, n);
    }
    this.trades.sort((a, b) => a.id - b.id);
  }

  private runSteps(from: number, to: number): void {
    const markets = this.markets;
    const k = markets.length;
    const times = this.times;
    const equity = this.equity;
    const ctx = this.ctx;
    const onBar = this.def.onBar as (ctx: StrategyContext) => void;
    for (let step = from; step < to; step++) {
      const t = times[step]!;
      this.step = step;
      // Which markets have a bar now; their opens are the prices every fill of this step sees.
      for (let j = 0; j < k; j++) {
        const m = markets[j]!;
        const cursor = m.cursor;
        if (cursor < m.length && m.time[cursor] === t) {
          m.hasBar = true;
          m.index = cursor;
          m.cursor = cursor + 1;
          m.mark = m.open[cursor]!;
        } else {
          m.hasBar = false;
          if (m.index >= 0 && cursor < m.length) {
            m.missing++;
            if (m.missingTimes.length < MISSING_LISTED) m.missingTimes.push(t);
          }
        }
      }
      for (let j = 0; j < k; j++) {
        const m = markets[j]!;
        if (!m.hasBar) continue;
        if (m.pendingCount > 0) this.fillPending(m);
        if (m.lots.length > 0) this.checkStops(m);
      }
      let held = 0;
      let eq = this.cash;
      for (let j = 0; j < k; j++) {
        const m = markets[j]!;
        if (m.hasBar) {
          const i = m.index;
          const o = m.open[i]!;
          const h = m.high[i]!;
          const l = m.low[i]!;
          const c = m.close[i]!;
          const v = m.volume[i]!;
          const ind = m.indicators;
          for (let q = 0; q < ind.length; q++) ind[q]!.onBar(o, h, l, c, v);
          if (m.stopAtr !== null) m.stopAtr.update(h, l, c);
          m.mark = c;
          if (m.lots.length > 0) {
            m.barsInMarket++;
            this.markPosition(m);
          } else if (m.position.side !== 0) {
            this.markPosition(m);
          }
          const b = m.bar;
          b.time = t;
          b.open = o;
          b.high = h;
          b.low = l;
          b.close = c;
          b.volume = v;
        }
        if (m.lots.length > 0) {
          eq += m.posQty * m.mark;
          held++;
        }
      }
      if (held > 0) this.stepsInMarket++;
      if (held > this.maxHeld) this.maxHeld = held;
      if (eq - eq !== 0) throw this.nonFinite(`equity is ${eq}`, step);
      equity[step] = eq;
      if (held > 0) this.noteExposure(eq);

      ctx.equity = eq;
      ctx.cash = this.cash;
      for (let j = 0; j < k; j++) {
        const m = markets[j]!;
        if (!m.hasBar) continue;
        this.active = m;
        ctx.aim(m);
        try {
          onBar(ctx);
        } catch (e) {
          throw this.strategyError(e, m);
        }
        if (this.repeating) this.tellRepeats();
      }
      // A market whose series ends here closes what it holds at its last close, as a run ends.
      let ended = false;
      for (let j = 0; j < k; j++) {
        const m = markets[j]!;
        if (m.hasBar && m.cursor === m.series.length && m.lots.length > 0) {
          this.closeAtEnd(m);
          ended = true;
        }
      }
      if (ended) equity[step] = this.markedEquity();
      if (step === this.samples[this.nextSample]) {
        for (let j = 0; j < k; j++) {
          const m = markets[j]!;
          m.pnlSamples[this.nextSample] = m.cashFlow + (m.lots.length > 0 ? m.posQty * m.mark : 0);
        }
        this.nextSample++;
      }
    }
  }

  private markedEquity(): number {
    let eq = this.cash;
    for (const m of this.markets) if (m.lots.length > 0) eq += m.posQty * m.mark;
    return eq;
  }

  private noteExposure(eq: number): void {
    let gross = 0;
    let net = 0;
    for (const m of this.markets) {
      if (m.lots.length === 0) continue;
      const value = m.posQty * m.mark;
      gross += value < 0 ? -value : value;
      net += value;
    }
    if (eq > 0) {
      if (gross / eq > this.maxGross) this.maxGross = gross / eq;
      const n = Math.abs(net) / eq;
      if (n > this.maxNet) this.maxNet = n;
    }
  }

  /** Refused repeats are told once the onBar that made them returns (they may be on another market). */
  private tellRepeats(): void {
    for (const m of this.markets) {
      for (const signal of m.repeats) this.observer.onSignal?.(signal);
      m.repeats.length = 0;
    }
    this.repeating = false;
  }

  private closeAtEnd(m: Market): void {
    const c = m.series.close[m.index]!;
    while (m.lots.length > 0) {
      const lot = m.lots[m.lots.length - 1]!;
      this.closeLot(m, m.lots.length - 1, lot.side === 1 ? c * (1 - this.slippage) : c * (1 + this.slippage), 'end');
    }
    this.markPosition(m);
  }

  /** ctx.buy/sell/exit: an order on the market whose onBar is running. */
  queue(action: Action, order: OrderRequest | undefined): void {
    this.queueOn(this.active, action, order);
  }

  /** An order on `m` at this close (ctx.markets[sym].buy …), for its next bar's open. */
  queueOn(m: Market, action: Action, order: OrderRequest | undefined): void {
    const confidence = order?.confidence ?? 1;
    const reason = order?.reason ?? '';
    if (!(confidence >= 0 && confidence <= 1)) throw this.orderError(m, action, `confidence must be between 0 and 1, got ${confidence}`);
    let pct = NaN;
    let qty = NaN;
    if (action !== EXIT && order !== undefined) {
      if (order.pct !== undefined && order.qty !== undefined) throw this.orderError(m, action, 'give pct or qty, not both');
      if (order.pct !== undefined) {
        if (!(order.pct > 0)) throw this.orderError(m, action, `pct must be a positive fraction of equity, got ${order.pct}`);
        pct = order.pct;
      }
      if (order.qty !== undefined) {
        if (!(order.qty > 0 && Number.isFinite(order.qty))) throw this.orderError(m, action, `qty must be a positive quantity, got ${order.qty}`);
        qty = order.qty;
      }
    }
    if (action !== EXIT && pct !== pct && qty !== qty) pct = this.defaultPct;
    if (m.index === m.series.length - 1) return this.refuse(m, action, confidence, reason, 'no next bar');
    if (m.pendingCount === MAX_ORDERS_PER_BAR) return this.refuse(m, action, confidence, reason, `more than ${MAX_ORDERS_PER_BAR} orders in one bar`);
    const signal = this.signal(m, action, confidence, reason);
    let exposure = 0;
    let stopOffset = NaN;
    let targetOffset = NaN;
    if (action !== EXIT && this.wouldEnter(m, action)) {
      const side: 1 | -1 = action === BUY ? 1 : -1;
      const price = m.series.close[m.index]!;
      const eq = this.ctx.equity;
      let size = pct === pct ? pct : eq > 0 ? (qty * price) / eq : 0;
      if (size > this.capPct) size = this.capPct;
      const verdict = this.gate(m, side, size);
      if (typeof verdict === 'string') return this.ignore(signal, verdict);
      if (verdict < size) {
        pct = verdict;
        qty = NaN;
        size = verdict;
      }
      // The panel reviews what the portfolio limits allow, so an approval it journals is one the limits took.
      if (this.observer.decide !== undefined) {
        const request = this.entryRequest(m, side, size, price, eq, signal);
        const review = this.observer.decide(request);
        // The verdict object may be reused by the panel: read what we need now.
        if (!review.approved) return this.ignore(signal, review.note ?? 'rejected by review');
        if (review.pct !== undefined && review.pct < size) {
          if (!(review.pct > 0)) return this.ignore(signal, review.note ?? 'size zero after review');
          pct = review.pct;
          qty = NaN;
          size = review.pct;
        }
        // A stop or target the panel moved is kept as a distance from this close, applied from the fill (the stepper's rule).
        if (review.stopPrice !== undefined && review.stopPrice !== request.stopPrice) stopOffset = review.stopPrice - request.price;
        if (review.takeProfitPrice !== undefined && review.takeProfitPrice !== request.takeProfitPrice) targetOffset = review.takeProfitPrice - request.price;
      }
      exposure = side * size;
    }
    const p = m.pending[m.pendingCount++]!;
    p.action = action;
    p.pct = pct;
    p.qty = qty;
    p.exposure = exposure;
    p.stopOffset = stopOffset;
    p.targetOffset = targetOffset;
    p.signal = signal;
  }

  /**
   * The portfolio limits on an entry of `size` (fraction of equity) on `m`: the size allowed, or why
   * none. Positions and entries queued and not yet filled both count.
   */
  private gate(m: Market, side: 1 | -1, size: number): number | string {
    const L = this.limits;
    if (L.maxGrossExposure === undefined && L.maxNetExposure === undefined && L.maxPositions === undefined && L.maxCorrelation === undefined) return size;
    const eq = this.ctx.equity;
    const heldSide = m.lots.length > 0 ? m.lots[0]!.side : 0;
    if (L.maxPositions !== undefined && heldSide === 0) {
      let count = 0;
      for (const x of this.markets) if (x !== m && (x.lots.length > 0 || hasQueuedEntry(x))) count++;
      if (hasQueuedEntry(m)) count++;
      if (count >= L.maxPositions) return this.refuse_('max positions', `portfolio: ${count} markets already held or ordered (max ${L.maxPositions})`);
    }
    if (L.maxCorrelation !== undefined && heldSide === 0) {
      const lookback = L.correlationLookback ?? DEFAULT_CORRELATION_LOOKBACK;
      for (const x of this.markets) {
        if (x === m || x.lots.length === 0) continue;
        const rho = returnsCorrelation(m, m.index, x, x.index, lookback);
        if (rho === rho && side * x.lots[0]!.side * rho > L.maxCorrelation) {
          return this.refuse_('correlation', `portfolio: ${m.symbol} ${side === 1 ? 'long' : 'short'} has correlation ${rho.toFixed(2)} with the ${x.lots[0]!.side === 1 ? 'long' : 'short'} ${x.symbol} over ${lookback} bars (max ${L.maxCorrelation})`);
        }
      }
    }
    if (!(eq > 0)) return size;
    let gross = 0;
    let net = 0;
    for (const x of this.markets) {
      // A reversal closes what the market holds first: only the other markets' positions count then.
      if (x.lots.length > 0 && !(x === m && heldSide === -side)) {
        const value = (x.posQty * x.mark) / eq;
        gross += value < 0 ? -value : value;
        net += value;
      }
      for (let q = 0; q < x.pendingCount; q++) {
        const e = x.pending[q]!.exposure;
        gross += e < 0 ? -e : e;
        net += e;
      }
    }
    let allowed = size;
    if (L.maxGrossExposure !== undefined) {
      const room = L.maxGrossExposure - gross;
      if (!(room > 1e-9)) return this.refuse_('gross exposure', `portfolio: gross exposure ${pctText(gross)} is at its limit ${pctText(L.maxGrossExposure)}`);
      if (room < allowed) {
        allowed = room;
        this.shrunk['gross exposure'] = (this.shrunk['gross exposure'] ?? 0) + 1;
      }
    }
    if (L.maxNetExposure !== undefined) {
      const room = L.maxNetExposure - side * net;
      if (!(room > 1e-9)) return this.refuse_('net exposure', `portfolio: net exposure ${pctText(net)} is at its limit ${pctText(L.maxNetExposure)}`);
      if (room < allowed) {
        allowed = room;
        this.shrunk['net exposure'] = (this.shrunk['net exposure'] ?? 0) + 1;
      }
    }
    return allowed;
  }

  /** The entry as the panel sees it at the signal's close (stops as the lot would get them, measured from that close). */
  private entryRequest(m: Market, side: 1 | -1, size: number, price: number, equity: number, signal: PortfolioSignal): EntryRequest {
    let stopPrice = NaN;
    if (this.fixedStop === this.fixedStop) stopPrice = price * (1 - side * this.fixedStop);
    else if (m.stopAtr !== null && m.stopAtr.value > 0) stopPrice = price - side * this.stopAtrMultiple * m.stopAtr.value;
    return {
      symbol: m.symbol,
      bar: m.index,
      time: signal.time,
      side: side === 1 ? 'long' : 'short',
      pct: size,
      price,
      stopPrice,
      takeProfitPrice: this.target === this.target ? price * (1 + side * this.target) : NaN,
      confidence: signal.confidence,
      reason: signal.reason,
      equity,
      indicators: m.ind,
    };
  }

  private refuse_(rule: string, why: string): string {
    this.refused[rule] = (this.refused[rule] ?? 0) + 1;
    return why;
  }

  private signal(m: Market, action: Action, confidence: number, reason: string): PortfolioSignal {
    const signal: PortfolioSignal = {
      symbol: m.symbol,
      bar: m.index,
      time: m.series.time[m.index]!,
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

  private refuse(m: Market, action: Action, confidence: number, reason: string, why: string): void {
    const name = ACTION_NAME[action];
    for (const seen of m.repeats) {
      if (seen.action === name && seen.ignored === why) {
        seen.repeats = (seen.repeats ?? 1) + 1;
        return;
      }
    }
    const signal = this.signal(m, action, confidence, reason);
    signal.ignored = why;
    m.repeats.push(signal);
    this.repeating = true;
  }

  private wouldEnter(m: Market, action: Action): boolean {
    const held = m.lots.length > 0 ? m.lots[0]!.side : 0;
    return held !== (action === BUY ? 1 : -1) || this.pyramiding;
  }

  private fillPending(m: Market): void {
    const o = m.series.open[m.index]!;
    for (let k = 0; k < m.pendingCount; k++) {
      const p = m.pending[k]!;
      const signal = p.signal!;
      p.signal = null;
      p.exposure = 0;
      const held = m.lots.length > 0 ? m.lots[0]!.side : 0;
      if (p.action === EXIT) {
        if (held === 0) {
          this.ignore(signal, 'no position');
          continue;
        }
        signal.tradeId = this.closeAll(m, o, 'signal');
      } else {
        const side: 1 | -1 = p.action === BUY ? 1 : -1;
        if (held === -side) this.closeAll(m, o, 'reverse');
        else if (held === side && !this.pyramiding) {
          this.ignore(signal, side === 1 ? 'already long' : 'already short');
          continue;
        }
        const outcome = this.openLot(m, o, side, p, signal);
        if (typeof outcome === 'string') {
          this.ignore(signal, outcome);
          continue;
        }
        signal.tradeId = outcome;
      }
      this.observer.onSignal?.(signal);
    }
    m.pendingCount = 0;
  }

  private openLot(m: Market, o: number, side: 1 | -1, p: PendingOrder, signal: PortfolioSignal): number | string {
    const fill = side === 1 ? o * (1 + this.slippage) : o * (1 - this.slippage);
    // The whole account at this open, before the fill: this market at its open, the others at
    // their latest price (their open when they have a bar now).
    const equityNow = this.markedEquity();
    if (!(equityNow > 0)) return 'no equity left';
    const maxQty = (this.capPct * equityNow) / fill;
    let qty = p.qty === p.qty ? p.qty : ((p.pct < this.capPct ? p.pct : this.capPct) * equityNow) / fill;
    if (qty > maxQty) qty = maxQty;
    if (this.pyramiding && m.lots.length > 0) {
      const room = maxQty - Math.abs(m.posQty) * (o / fill);
      if (!(room > 0)) return 'position at max size';
      if (qty > room) qty = room;
    }
    if (side === 1 && qty * fill * (1 + this.feeRate) > this.cash) qty = this.cash / (fill * (1 + this.feeRate));
    if (!(qty > 0)) return 'size zero';
    const notional = qty * fill;
    const fee = notional * this.feeRate;
    const flow = side === 1 ? -(notional + fee) : notional - fee;
    this.cash += flow;
    m.cashFlow += flow;
    m.posQty += side * qty;
    let stop = NaN;
    if (p.stopOffset === p.stopOffset) stop = fill + p.stopOffset;
    else if (this.fixedStop === this.fixedStop) stop = fill * (1 - side * this.fixedStop);
    else if (m.stopAtr !== null) {
      const distance = this.stopAtrMultiple * m.stopAtr.value;
      if (distance > 0) stop = fill - side * distance;
    }
    let target = this.target === this.target ? fill * (1 + side * this.target) : NaN;
    if (p.targetOffset === p.targetOffset) target = fill + p.targetOffset;
    const id = this.nextTradeId++;
    m.lots.push(new Lot(id, side, qty, m.index, m.series.time[m.index]!, fill, fee, stop, target, signal.confidence, signal.reason));
    return id;
  }

  private checkStops(m: Market): void {
    const s = m.series;
    const i = m.index;
    const o = s.open[i]!;
    const h = s.high[i]!;
    const l = s.low[i]!;
    const slip = this.slippage;
    for (let k = m.lots.length - 1; k >= 0; k--) {
      const lot = m.lots[k]!;
      const stop = lot.stop;
      const target = lot.target;
      if (lot.side === 1) {
        if (o <= stop) this.closeLot(m, k, o * (1 - slip), 'stop');
        else if (o >= target) this.closeLot(m, k, o, 'takeProfit');
        else if (l <= stop) this.closeLot(m, k, stop * (1 - slip), 'stop');
        else if (h >= target) this.closeLot(m, k, target, 'takeProfit');
      } else {
        if (o >= stop) this.closeLot(m, k, o * (1 + slip), 'stop');
        else if (o <= target) this.closeLot(m, k, o, 'takeProfit');
        else if (h >= stop) this.closeLot(m, k, stop * (1 + slip), 'stop');
        else if (l <= target) this.closeLot(m, k, target, 'takeProfit');
      }
    }
  }

  private closeAll(m: Market, o: number, reason: ExitReason): number {
    let id = 0;
    while (m.lots.length > 0) {
      const k = m.lots.length - 1;
      const lot = m.lots[k]!;
      id = lot.id;
      this.closeLot(m, k, lot.side === 1 ? o * (1 - this.slippage) : o * (1 + this.slippage), reason);
    }
    return id;
  }

  private closeLot(m: Market, k: number, price: number, reason: ExitReason): void {
    const lot = m.lots[k]!;
    m.lots.splice(k, 1);
    const notional = lot.qty * price;
    const fee = notional * this.feeRate;
    const flow = lot.side === 1 ? notional - fee : -(notional + fee);
    this.cash += flow;
    m.cashFlow += flow;
    m.posQty = m.lots.length === 0 ? 0 : m.posQty - lot.side * lot.qty;
    const fees = lot.entryFee + fee;
    const pnl = lot.side * (price - lot.entryPrice) * lot.qty - fees;
    const i = m.index;
    const trade: Trade = {
      id: lot.id,
      symbol: m.symbol,
      side: lot.side === 1 ? 'long' : 'short',
      qty: lot.qty,
      entryTime: lot.entryTime,
      entryBar: lot.entryBar,
      entryPrice: lot.entryPrice,
      exitTime: m.series.time[i]!,
      exitBar: i,
      exitPrice: price,
      exitReason: reason,
      pnl,
      pnlPct: pnl / (lot.entryPrice * lot.qty),
      fees,
      barsHeld: i - lot.entryBar,
      confidence: lot.confidence,
      reason: lot.reason,
      stopPrice: lot.stop === lot.stop ? lot.stop : undefined,
      takeProfitPrice: lot.target === lot.target ? lot.target : undefined,
    };
    m.trades++;
    if (pnl > 0) m.wins++;
    m.pnl += pnl;
    m.fees += fees;
    this.trades.push(trade);
    this.observer.onTrade?.(trade);
  }

  private markPosition(m: Market): void {
    const c = m.series.close[m.index]!;
    const view = m.position;
    const lots = m.lots;
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
    view.barsHeld = m.index - first.entryBar;
    view.unrealizedPnl = first.side * (c * qty - cost);
  }

  private ignore(signal: PortfolioSignal, why: string): void {
    signal.ignored = why;
    this.observer.onSignal?.(signal);
  }

  private strategyError(e: unknown, m: Market): VoltError {
    if (isVoltError(e)) return e;
    const when = new Date(m.series.time[m.index]!).toISOString();
    return strategyRuntimeError(e, this.loaded, `in onBar for ${m.symbol} at bar ${m.index}, ${when}`);
  }

  private nonFinite(what: string, step: number): VoltError {
    const at = step < 0 ? 'at the end of the run' : `at ${new Date(this.times[step]!).toISOString()}`;
    return new VoltError({
      kind: 'data',
      message: `${this.def.name}: the portfolio backtest went out of range ${at}: ${what} (cash ${this.cash})`,
      hint: 'prices or capital this far apart overflow a double: quote the data in another unit, or use a smaller --capital',
    });
  }

  private orderError(m: Market, action: Action, what: string): VoltError {
    return new VoltError({
      kind: 'strategy',
      message: `${this.def.name}: ctx.${ACTION_NAME[action]}() for ${m.symbol} at bar ${m.index} (${new Date(m.series.time[m.index]!).toISOString()}): ${what}`,
      file: this.path,
      hint: 'pass { pct } as a fraction of equity (0.05 = 5%) or { qty } in units of the asset, and confidence in [0, 1]',
    });
  }

  report(): PortfolioReport {
    const times = this.times;
    const n = times.length;
    const first = this.markets[0]!.series;
    const single = this.markets.length === 1;
    const metrics = computeMetrics({
      equity: this.equity,
      time: times,
      startEquity: this.capital,
      barsPerYear: annualBars(first.timeframe, times),
      trades: this.trades,
      barsInMarket: this.stepsInMarket,
    });
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number' && value - value !== 0) throw this.nonFinite(`metric ${name} is ${value}`, -1);
    }
    const curve = downsampleEquity(times, this.equity, this.equityPoints);
    const timeframes = new Set(this.markets.map((m) => m.series.timeframe));
    const markets: MarketBreakdown[] = this.markets.map((m) => {
      const s = m.series;
      const firstStep = lowerBound(times, s.time[0]!);
      const lastStep = lowerBound(times, s.time[s.length - 1]!);
      return {
        symbol: m.symbol,
        source: s.source,
        timeframe: s.timeframe,
        bars: s.length,
        from: s.time[0]!,
        to: s.time[s.length - 1]!,
        missingBars: m.missing,
        missingTimes: m.missingTimes,
        stepsBeforeFirst: firstStep,
        stepsAfterLast: n - 1 - lastStep,
        trades: m.trades,
        wins: m.wins,
        winRate: m.trades > 0 ? m.wins / m.trades : 0,
        pnl: m.pnl,
        fees: m.fees,
        exposure: m.barsInMarket / s.length,
        equityCurve: { time: curve.time, pnl: Array.from(m.pnlSamples) },
      };
    });
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      strategy: {
        name: this.def.name,
        ...(this.path !== undefined ? { path: this.path } : {}),
        ...(this.contentHash !== undefined ? { contentHash: this.contentHash } : {}),
        params: { ...this.params },
      },
      data: {
        symbol: single ? first.symbol : this.markets.map((m) => m.symbol).join(','),
        timeframe: timeframes.size === 1 ? first.timeframe : 'mixed',
        source: single ? first.source : this.markets.map((m) => m.series.source).join(','),
        from: times[0]!,
        to: times[n - 1]!,
        bars: n,
      },
      config: { capital: this.capital, feeRate: this.feeRate, slippage: this.slippage, seed: this.seed, maxPositionCap: this.maxPositionCap },
      metrics,
      trades: this.trades,
      signals: this.signals,
      ...(this.signalsDropped > 0 ? { signalsDropped: this.signalsDropped } : {}),
      equityCurve: curve,
      portfolio: {
        symbols: this.markets.map((m) => m.symbol),
        steps: n,
        limits: this.limits,
        gate: { refused: this.refused, shrunk: this.shrunk },
        maxGrossExposure: this.maxGross,
        maxNetExposure: this.maxNet,
        maxPositions: this.maxHeld,
        markets,
      },
    };
  }
}

/**
 * ctx of a portfolio run: one object, aimed at each market in turn before its onBar (`ctx.symbol`,
 * `ctx.bar`, `ctx.position`, `ctx.ind`, `ctx.history`, `ctx.index` are that market's);
 * `ctx.markets` holds every market; equity and cash are the account's.
 */
class PortfolioContext implements StrategyContext {
  index = 0;
  equity = 0;
  cash = 0;
  symbol = '';
  bar: BarView = new BarView();
  position: PositionState = new PositionState();
  ind: Record<string, BarIndicator> = {};
  readonly state: Record<string, unknown> = {};
  readonly history: (n: number) => HistoryWindow;
  readonly random: () => number;
  readonly buy: (order?: OrderRequest) => void;
  readonly sell: (order?: OrderRequest) => void;
  readonly exit: (order?: Omit<OrderRequest, 'pct' | 'qty'>) => void;
  readonly options: StrategyContext['options'];
  /** The aimed market's `ctx.signals`: each market's values line up with its own bars' closes. */
  signals: SignalValues;
  /** Every market as the strategy sees it (marketView): not the Market, which holds its whole series and its orders. */
  readonly markets: Readonly<Record<string, MarketView>>;
  readonly #signalViews = new Map<Market, SignalValues>();
  #aimed: Market | undefined;

  constructor(run: PortfolioRun, readonly params: Record<string, number>, markets: Readonly<Record<string, Market>>, rng: () => number, signals: SignalSet | undefined) {
    for (const m of Object.values(markets)) this.#signalViews.set(m, new SignalBoard(signals, m.series).view(() => m.index));
    this.signals = this.#signalViews.values().next().value!;
    this.markets = Object.freeze(Object.fromEntries(Object.entries(markets).map(([symbol, m]) => [symbol, marketView(m)])));
    this.history = (n: number) => this.#aimed!.history(n);
    this.random = rng;
    this.buy = (order) => run.queue(BUY, order);
    this.sell = (order) => run.queue(SELL, order);
    this.exit = (order) => run.queue(EXIT, order);
    const refuse = (): never => {
      throw new VoltError({ kind: 'strategy', message: 'ctx.options is not available in a portfolio backtest', hint: 'backtest the options strategy on one market (--data), or trade the underlyings here' });
    };
    this.options = { chain: refuse, open: refuse, close: refuse, get positions() { return refuse(); }, get greeks() { return refuse(); } };
  }

  aim(m: Market): void {
    this.#aimed = m;
    this.signals = this.#signalViews.get(m)!;
    this.index = m.index;
    this.symbol = m.symbol;
    this.bar = m.bar;
    this.position = m.position;
    this.ind = m.ind;
  }
}

function hasQueuedEntry(m: Market): boolean {
  for (let q = 0; q < m.pendingCount; q++) if (m.pending[q]!.action !== EXIT) return true;
  return false;
}

function pctText(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
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

function annualBars(timeframe: string, times: Float64Array): number {
  if (timeframe !== 'unknown') {
    try {
      return barsPerYear(timeframe);
    } catch {
      // fall through to the spacing
    }
  }
  const n = times.length;
  if (n < 2) return 0;
  const span = times[n - 1]! - times[0]!;
  return span > 0 ? ((n - 1) * 365 * 86_400_000) / span : 0;
}
