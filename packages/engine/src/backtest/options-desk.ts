/**
 * `ctx.options` for a run: the synthetic chain at each bar, multi-leg orders queued at a close and
 * filled at the next bar's open through the options book, expiries settled at the first open at or
 * after them, the book marked into equity at every close, and per-bar greeks for the report.
 * Inactive — and free — until a strategy first touches `ctx.options`. README.md, "Options".
 */
import { VoltError } from '../errors.js';
import type { CandleSeries } from '../data/index.js';
import { analyzePosition, OptionsBook, syntheticChain, type BookGreeks, type BookLeg, type BookPosition, type ListedOption, type OptionsView } from '../options/index.js';
import type { OptionsReport } from './types.js';

/** Bars of log returns in the realized-volatility estimate that prices the chain. */
const VOL_BARS = 20;
/** Samples kept of the per-bar greeks curves. */
const GREEK_POINTS = 1000;

type Queued = { kind: 'open'; legs: BookLeg[]; reason: string; bar: number } | { kind: 'close'; id: number; bar: number };

export class OptionsDesk implements OptionsView {
  active = false;
  /** The bar whose close the strategy is at (set by the run every bar). */
  current = 0;
  readonly greeks: BookGreeks = { value: 0, delta: 0, gamma: 0, thetaPerDay: 0, vegaPerPoint: 0 };
  private readonly book: OptionsBook;
  private readonly series: CandleSeries;
  private readonly annualiser: number;
  private readonly queue: Queued[] = [];
  private chainBar = -1;
  private chainAtClose: ListedOption[] = [];
  private curves: { delta: Float64Array; gamma: Float64Array; vega: Float64Array; theta: Float64Array; value: Float64Array } | undefined;
  private readonly reasons = new Map<number, string>();
  private firstBar = -1;

  constructor(series: CandleSeries, barsPerYear: number, feePerContract?: number) {
    this.series = series;
    this.annualiser = barsPerYear > 0 ? Math.sqrt(barsPerYear) : Number.NaN;
    this.book = new OptionsBook(feePerContract === undefined ? {} : { feePerContract });
  }

  get positions(): readonly BookPosition[] {
    this.activate();
    return this.book.positions;
  }

  chain(): readonly ListedOption[] {
    this.activate();
    const i = this.current;
    if (this.chainBar !== i) {
      const vol = this.realizedVol(i);
      this.chainAtClose = vol > 0 ? syntheticChain(this.series.time[i]!, this.series.close[i]!, vol) : [];
      this.chainBar = i;
    }
    return this.chainAtClose;
  }

  open(legs: readonly BookLeg[], reason = ''): number {
    this.activate();
    if (!Array.isArray(legs) || legs.length === 0) throw this.orderError('ctx.options.open() needs an array of legs');
    const id = this.book.nextPositionId + this.queue.filter((q) => q.kind === 'open').length;
    this.queue.push({ kind: 'open', legs: legs.map((l) => ({ right: l.right, strike: l.strike, expiry: l.expiry, quantity: l.quantity })), reason, bar: this.current });
    return id;
  }

  close(id: number): void {
    this.activate();
    this.queue.push({ kind: 'close', id, bar: this.current });
  }

  /**
   * At bar i's open: settle what expired, then fill the queue at this open's chain. A new position
   * whose worst case at its first expiry is more than `capPct` × `equity` (or unlimited) is refused,
   * as an order over the size cap would be. Returns the cash moved (+ in).
   */
  beginBar(i: number, equity: number, capPct: number): number {
    this.cashThisBar = this.beginBarCash(i, equity, capPct);
    return this.cashThisBar;
  }

  private beginBarCash(i: number, equity: number, capPct: number): number {
    const time = this.series.time[i]!;
    const price = this.series.open[i]!;
    let cash = this.book.settle(time, price);
    if (this.queue.length > 0) {
      // The chain the fills see: this open's price, volatility as known at the last close.
      const vol = this.realizedVol(i - 1);
      const chain = vol > 0 ? syntheticChain(time, price, vol) : [];
      for (const q of this.queue) {
        if (q.kind === 'open') {
          const refusal = this.refusal(q.legs, chain, time, price, vol, equity, capPct);
          if (refusal !== undefined) {
            this.refused.push({ id: this.book.skipId(), bar: i, time, reason: q.reason, why: refusal.why, maxRisk: refusal.maxRisk, limit: capPct * equity });
            continue;
          }
          const { position, cash: cost } = this.book.open(q.legs, chain, time);
          if (q.reason !== '') this.reasons.set(position.id, q.reason);
          cash -= cost;
        } else {
          cash += this.book.close(q.id, chain);
        }
      }
      this.queue.length = 0;
    }
    return cash;
  }

  /**
   * At bar i's close: value and greeks of what is open (the value goes into equity). `stockQty` is
   * the signed quantity of the underlying held at this close, for the hedge efficiency.
   */
  endBar(i: number, stockQty: number): number {
    const vol = this.realizedVol(i);
    const m = this.book.mark(this.series.time[i]!, this.series.close[i]!, vol > 0 ? vol : this.lastVol);
    if (vol > 0) this.lastVol = vol;
    // Hedge efficiency: over bars where both the underlying and options were held from the last
    // close, how much of the underlying's P&L the options offset.
    if (this.heldQty !== 0 && this.hedging && i > 0) {
      const stockMove = this.heldQty * (this.series.close[i]! - this.series.close[i - 1]!);
      const optionsMove = m.value + this.cashThisBar - this.lastValue;
      this.offset -= stockMove > 0 ? optionsMove : stockMove < 0 ? -optionsMove : 0;
      this.moved += Math.abs(stockMove);
    }
    this.heldQty = stockQty;
    this.hedging = this.book.openLegs > 0;
    this.lastValue = m.value;
    this.cashThisBar = 0;
    Object.assign(this.greeks, m);
    const c = this.curves!;
    c.value[i] = m.value;
    c.delta[i] = m.delta;
    c.gamma[i] = m.gamma;
    c.vega[i] = m.vegaPerPoint;
    c.theta[i] = m.thetaPerDay;
    return m.value;
  }

  private lastVol = Number.NaN;
  private readonly refused: OptionsReport['refused'] = [];

  /** Why a new position may not open (its worst case over the cap), or undefined when it may. */
  private refusal(legs: readonly BookLeg[], chain: readonly ListedOption[], time: number, spot: number, vol: number, equity: number, capPct: number): { why: string; maxRisk: number } | undefined {
    const priced = [];
    for (const leg of legs) {
      const q = chain.find((x) => x.right === leg.right && x.expiry === leg.expiry && Math.abs(x.strike - leg.strike) < 1e-9 * leg.strike);
      // A leg the chain does not list is the book's error to report, with its words.
      if (q === undefined || !(leg.expiry > time)) return undefined;
      priced.push({ right: leg.right, quantity: leg.quantity, strike: leg.strike, years: (leg.expiry - time) / (365 * 86_400_000), premium: leg.quantity > 0 ? q.ask : q.bid });
    }
    const { maxRisk } = analyzePosition({ legs: priced, spot, rate: 0, vol: vol > 0 ? vol : 0.2, multiplier: this.book.multiplier });
    if (maxRisk === Number.POSITIVE_INFINITY) return { why: 'the position can lose without limit (a short call nothing caps)', maxRisk };
    if (maxRisk > capPct * equity) return { why: `its worst case ${maxRisk.toFixed(2)} is more than ${(capPct * 100).toFixed(1)}% of equity (${(capPct * equity).toFixed(2)})`, maxRisk };
    return undefined;
  }
  private lastValue = 0;
  private cashThisBar = 0;
  private heldQty = 0;
  private hedging = false;
  /** Σ −(options P&L in the direction of the stock's move) and Σ |stock P&L|, over bars the stock was held. */
  private offset = 0;
  private moved = 0;

  /** After the last bar: close what is still open at the last close's chain; returns the cash it brings. */
  closeAll(last: number): number {
    const open = this.book.positions.filter((p) => p.legs.some((l) => l.state === 'open'));
    if (open.length === 0) return 0;
    const vol = this.realizedVol(last) > 0 ? this.realizedVol(last) : this.lastVol;
    const chain = syntheticChain(this.series.time[last]!, this.series.close[last]!, vol);
    let cash = 0;
    for (const p of open) cash += this.book.close(p.id, chain);
    return cash;
  }

  /** Fees the book paid on every fill so far (opening and closing; settlement is free). */
  feesPaid(): number {
    let fees = 0;
    for (const p of this.book.positions) fees += p.fees;
    return fees;
  }

  report(): OptionsReport {
    const n = this.series.length;
    const from = Math.max(0, this.firstBar);
    const count = n - from;
    const points = Math.min(GREEK_POINTS, count);
    const pick: number[] = [];
    for (let k = 0; k < points; k++) pick.push(from + (points === 1 ? 0 : Math.round((k * (count - 1)) / (points - 1))));
    const c = this.curves!;
    const curve = (a: Float64Array) => pick.map((i) => round(a[i]!));
    return {
      positions: this.book.positions.map((p) => ({
        id: p.id,
        openedAt: p.openedAt,
        reason: this.reasons.get(p.id) ?? '',
        legs: p.legs.map((l) => ({ ...l })),
        entryCost: p.entryCost,
        fees: p.fees,
        pnl: p.pnl,
      })),
      refused: this.refused,
      hedgeEfficiency: this.moved > 0 ? round(this.offset / this.moved) : null,
      greeks: { time: pick.map((i) => this.series.time[i]!), value: curve(c.value), delta: curve(c.delta), gamma: curve(c.gamma), vegaPerPoint: curve(c.vega), thetaPerDay: curve(c.theta) },
    };
  }

  private activate(): void {
    if (this.active) return;
    this.active = true;
    this.firstBar = this.current;
    const n = this.series.length;
    this.curves = { delta: new Float64Array(n), gamma: new Float64Array(n), vega: new Float64Array(n), theta: new Float64Array(n), value: new Float64Array(n) };
  }

  /** Sample sd of the last VOL_BARS log returns up to bar i, annualised; NaN before there are enough. */
  private realizedVol(i: number): number {
    if (i < VOL_BARS) return Number.NaN;
    const c = this.series.close;
    let sum = 0;
    let sumSq = 0;
    for (let k = i - VOL_BARS + 1; k <= i; k++) {
      const r = Math.log(c[k]! / c[k - 1]!);
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / VOL_BARS;
    const variance = (sumSq - VOL_BARS * mean * mean) / (VOL_BARS - 1);
    return variance > 0 ? Math.sqrt(variance) * this.annualiser : Number.NaN;
  }

  private orderError(what: string): VoltError {
    return new VoltError({ kind: 'strategy', message: `${what} (bar ${this.current})`, hint: 'give legs like [{ right: "call", strike, expiry, quantity: -1 }] from ctx.options.chain()' });
  }
}

/** JSON keeps these readable: 10 significant digits. */
function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(10)) : 0;
}
