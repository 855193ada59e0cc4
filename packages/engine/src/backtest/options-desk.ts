/**
 * `ctx.options` for a run: the chain at each bar (a chain file's snapshot, or the synthetic chain),
 * multi-leg orders reviewed at the close by the agents' panel and risk gate like every entry, queued
 * and filled at the next bar's open through the options book, expiries settled at the first open at
 * or after them, the book marked into equity at every close, and per-bar greeks for the report.
 * Inactive — and free — until a strategy first touches `ctx.options`. README.md, "Options".
 */
import { VoltError } from '../errors.js';
import { chainSnapshotAt, type CandleSeries, type ChainSnapshot, type OptionChainData } from '../data/index.js';
import {
  analyzePosition,
  GreeksBatch,
  impliedVolatility,
  OptionBatch,
  OptionsBook,
  dealerGamma,
  pinningRisk,
  volatilityCrush,
  priceBatch,
  syntheticChain,
  type BookGreeks,
  type BookLeg,
  type BookPosition,
  type ListedOption,
  type OptionsView,
} from '../options/index.js';
import type { BacktestObserver, EntryRequest, OptionsReport } from './types.js';

const YEAR_MS = 365 * 86_400_000;

export interface DeskSettings {
  barsPerYear: number;
  feePerContract?: number;
  /** The run's observer: its `decide` (the agents' panel) reviews each position at the signal close. */
  observer?: BacktestObserver;
  /** Equity at the close the strategy is at (the panel sizes against it). */
  equity?: () => number;
  /** Recorded chains; without them, the synthetic chain. */
  chainFile?: OptionChainData;
}

/** Bars of log returns in the realized-volatility estimate that prices the chain. */
const VOL_BARS = 20;
/** Samples kept of the per-bar greeks curves. */
const GREEK_POINTS = 1000;

type Queued =
  | { kind: 'open'; legs: BookLeg[]; reason: string; bar: number; refused?: { why: string; maxRisk: number; limit: number } }
  | { kind: 'close'; id: number; bar: number };

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

  private readonly observer: BacktestObserver | undefined;
  private readonly equityNow: () => number;
  private readonly file: OptionChainData | undefined;
  /** The last IV each contract was quoted at in the chain file (marks a leg its snapshot leaves out). */
  private readonly lastIv = new Map<string, number>();

  constructor(series: CandleSeries, settings: DeskSettings) {
    this.series = series;
    this.annualiser = settings.barsPerYear > 0 ? Math.sqrt(settings.barsPerYear) : Number.NaN;
    this.book = new OptionsBook(settings.feePerContract === undefined ? {} : { feePerContract: settings.feePerContract });
    this.observer = settings.observer;
    this.equityNow = settings.equity ?? (() => Number.NaN);
    this.file = settings.chainFile;
  }

  get positions(): readonly BookPosition[] {
    this.activate();
    return this.book.positions;
  }

  chain(): readonly ListedOption[] {
    this.activate();
    const i = this.current;
    if (this.chainBar !== i) {
      if (this.file !== undefined) {
        // A snapshot taken before the next bar opens is known at this close.
        this.chainAtClose = this.fileChain(this.series.time[i]!, this.series.close[i]!, this.barEnd(i), true);
      } else {
        const vol = this.realizedVol(i);
        this.chainAtClose = vol > 0 ? syntheticChain(this.series.time[i]!, this.series.close[i]!, vol) : [];
      }
      this.chainBar = i;
    }
    return this.chainAtClose;
  }

  /** The chain file's snapshot at `asOf` as listed options at `time` and `spot`: IVs solved from the mid where the file gives none. */
  private fileChain(time: number, spot: number, asOf: number, strictlyBefore: boolean): ListedOption[] {
    const snap = chainSnapshotAt(this.file!, asOf, strictlyBefore);
    if (snap === undefined) return [];
    const out: ListedOption[] = [];
    for (const q of snap.quotes) {
      if (!(q.expiry > time)) continue;
      const years = (q.expiry - time) / YEAR_MS;
      const mid = 0.5 * (q.bid + q.ask);
      let iv = q.iv;
      if (!(iv > 0)) {
        const solved = impliedVolatility({ right: q.right, spot, strike: q.strike, years, rate: this.book.rate, price: mid });
        iv = solved.ok ? solved.vol : Number.NaN;
      }
      let delta = Number.NaN;
      if (iv > 0) {
        this.one.spot[0] = spot;
        this.one.strike[0] = q.strike;
        this.one.years[0] = years;
        this.one.rate[0] = this.book.rate;
        this.one.vol[0] = iv;
        this.one.call[0] = q.right === 'call' ? 1 : 0;
        priceBatch(this.one, this.oneOut);
        delta = this.oneOut.delta[0]!;
        this.lastIv.set(contractKey(q), iv);
      }
      out.push({ right: q.right, strike: q.strike, expiry: q.expiry, years, iv, bid: q.bid, ask: q.ask, mid, delta, openInterest: q.openInterest });
    }
    return out;
  }

  private readonly one = new OptionBatch(1);
  private readonly oneOut = new GreeksBatch(1);

  /** When bar i ends: the next bar's open (the last bar: one spacing after its own). */
  private barEnd(i: number): number {
    const t = this.series.time;
    if (i + 1 < t.length) return t[i + 1]!;
    return i > 0 ? t[i]! + (t[i]! - t[i - 1]!) : t[i]! + 1;
  }

  /** The chain fills see at bar i's open: the file's snapshot at that moment, or the synthetic chain at the open's price. */
  private chainAtOpen(i: number, vol: number): ListedOption[] {
    const time = this.series.time[i]!;
    const price = this.series.open[i]!;
    if (this.file !== undefined) return this.fileChain(time, price, time, false);
    return vol > 0 ? syntheticChain(time, price, vol) : [];
  }

  open(legs: readonly BookLeg[], reason = ''): number {
    this.activate();
    if (!Array.isArray(legs) || legs.length === 0) throw this.orderError('ctx.options.open() needs an array of legs');
    const id = this.book.nextPositionId + this.queue.filter((q) => q.kind === 'open').length;
    const order: Queued = { kind: 'open', legs: legs.map((l) => ({ right: l.right, strike: l.strike, expiry: l.expiry, quantity: l.quantity })), reason, bar: this.current };
    if (this.observer?.decide !== undefined) this.review(order);
    this.queue.push(order);
    return id;
  }

  /**
   * The agents' panel and risk gate on a position, at the signal close as for every entry: priced
   * at this close's chain, its worst case is its size. A refusal is kept with the order (it takes
   * its id at the fill, so ids stay as promised); a smaller approved size scales the legs down in
   * whole units of the position's smallest form.
   */
  private review(order: Extract<Queued, { kind: 'open' }>): void {
    const i = this.current;
    const chain = this.chain();
    const time = this.series.time[i]!;
    const spot = this.series.close[i]!;
    const priced = [];
    // Liquidity: what crossing every leg's spread costs, as a share of the legs' mid value.
    let spread = 0;
    let value = 0;
    for (const leg of order.legs) {
      const q = chain.find((x) => x.right === leg.right && x.expiry === leg.expiry && Math.abs(x.strike - leg.strike) < 1e-9 * leg.strike);
      // A leg the chain does not list is the book's error at the fill, in its words.
      if (q === undefined || !(leg.expiry > time) || !Number.isFinite(leg.quantity) || leg.quantity === 0) return;
      priced.push({ right: leg.right, quantity: leg.quantity, strike: leg.strike, years: (leg.expiry - time) / YEAR_MS, premium: leg.quantity > 0 ? q.ask : q.bid, ...(q.iv > 0 ? { vol: q.iv } : {}) });
      spread += Math.abs(leg.quantity) * (q.ask - q.bid);
      value += Math.abs(leg.quantity) * q.mid;
    }
    const bidAskPct = value > 0 ? spread / value : Number.POSITIVE_INFINITY;
    const { pinning, volatilityCrush: crush, dealerGamma: dealers } = expiryFlags(chain, order.legs, spot, time, this.book.rate, this.book.multiplier);
    const vol = this.file !== undefined ? medianIv(chain) : this.realizedVol(i);
    const a = analyzePosition({ legs: priced, spot, rate: this.book.rate, vol: vol > 0 ? vol : 0.2, multiplier: this.book.multiplier });
    const equity = this.equityNow();
    const pct = equity > 0 ? a.maxRisk / equity : Number.POSITIVE_INFINITY;
    const request: EntryRequest = {
      symbol: this.series.symbol,
      bar: i,
      time,
      side: a.greeks.delta >= 0 ? 'long' : 'short',
      pct,
      price: spot,
      stopPrice: Number.NaN,
      takeProfitPrice: Number.NaN,
      confidence: 1,
      reason: order.reason,
      equity,
      options: { legs: order.legs.map((l) => ({ ...l })), maxRisk: a.maxRisk, maxReward: a.maxReward, probabilityOfProfit: a.probabilityOfProfit, delta: a.greeks.delta, bidAskPct, pinning, volatilityCrush: crush, dealerGamma: dealers, gamma: a.greeks.gamma },
    };
    const verdict = this.observer!.decide!(request);
    const maxRisk = Number.isFinite(a.maxRisk) ? a.maxRisk : Number.POSITIVE_INFINITY;
    if (!verdict.approved) {
      order.refused = { why: verdict.note ?? 'rejected by review', maxRisk, limit: 0 };
      return;
    }
    if (verdict.pct !== undefined && verdict.pct < pct) {
      const unit = gcdOf(order.legs.map((l) => Math.abs(l.quantity)));
      const units = Math.floor((unit * verdict.pct) / pct + 1e-9);
      if (units === 0) {
        order.refused = { why: `${verdict.note ?? 'APPROVED_WITH_MODIFICATIONS'}: one unit of the position risks ${round(maxRisk / unit)}, more than the ${round(verdict.pct * equity)} allowed`, maxRisk, limit: verdict.pct * equity };
        return;
      }
      for (const leg of order.legs) leg.quantity = (leg.quantity / unit) * units;
    }
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
      const chain = this.chainAtOpen(i, vol);
      for (const q of this.queue) {
        if (q.kind === 'open') {
          if (q.refused !== undefined) {
            this.refused.push({ id: this.book.skipId(), bar: q.bar, time: this.series.time[q.bar]!, reason: q.reason, why: q.refused.why, maxRisk: Number.isFinite(q.refused.maxRisk) ? q.refused.maxRisk : null, limit: q.refused.limit });
            continue;
          }
          const refusal = this.refusal(q.legs, chain, time, price, this.file !== undefined ? medianIv(chain) : vol, equity, capPct);
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
    this.tellClosed(time);
    return cash;
  }

  /** The observer hears of each position that has ended since it last heard (the gate's daily loss and breaker count it). */
  private tellClosed(time: number): void {
    const observer = this.observer;
    if (observer?.onOptionsClosed === undefined) return;
    for (const p of this.book.positions) {
      if (p.pnl !== p.pnl || this.toldIds.has(p.id)) continue;
      this.toldIds.add(p.id);
      observer.onOptionsClosed(p.pnl, time);
    }
  }
  private readonly toldIds = new Set<number>();

  /**
   * At bar i's close: value and greeks of what is open (the value goes into equity). `stockQty` is
   * the signed quantity of the underlying held at this close, for the hedge efficiency.
   */
  endBar(i: number, stockQty: number): number {
    const vol = this.realizedVol(i);
    const m = this.file !== undefined ? this.markOnFile(i) : this.book.mark(this.series.time[i]!, this.series.close[i]!, vol > 0 ? vol : this.lastVol);
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
    let chain: ListedOption[];
    if (this.file !== undefined) {
      chain = this.fileChain(this.series.time[last]!, this.series.close[last]!, this.barEnd(last), true);
      // A leg the last snapshot leaves out closes at its mark (bid = ask = the model's value at its last IV).
      const time = this.series.time[last]!;
      for (const p of open) {
        for (const l of p.legs) {
          if (l.state !== 'open' || chain.some((q) => q.right === l.right && q.expiry === l.expiry && q.strike === l.strike)) continue;
          const value = this.legValue(l, time, this.series.close[last]!);
          chain.push({ right: l.right, strike: l.strike, expiry: l.expiry, years: (l.expiry - time) / YEAR_MS, iv: Number.NaN, bid: value, ask: value, mid: value, delta: Number.NaN, openInterest: Number.NaN });
        }
      }
    } else {
      const vol = this.realizedVol(last) > 0 ? this.realizedVol(last) : this.lastVol;
      chain = syntheticChain(this.series.time[last]!, this.series.close[last]!, vol);
    }
    let cash = 0;
    for (const p of open) cash += this.book.close(p.id, chain);
    return cash;
  }

  /** The book at bar i's close on the chain file: each leg at its quoted IV, else the last IV it had, else its entry's. */
  private markOnFile(i: number): BookGreeks {
    const time = this.series.time[i]!;
    const spot = this.series.close[i]!;
    // A new snapshot updates the last IV of each contract held (only those: marking is per bar).
    const snap = chainSnapshotAt(this.file!, this.barEnd(i), true);
    if (snap !== undefined && snap !== this.markedSnapshot) {
      this.markedSnapshot = snap;
      for (const p of this.book.positions) {
        for (const leg of p.legs) {
          if (leg.state !== 'open') continue;
          const q = snap.quotes.find((x) => x.right === leg.right && x.expiry === leg.expiry && x.strike === leg.strike);
          if (q === undefined || !(q.expiry > time)) continue;
          let iv = q.iv;
          if (!(iv > 0)) {
            const solved = impliedVolatility({ right: q.right, spot, strike: q.strike, years: (q.expiry - time) / YEAR_MS, rate: this.book.rate, price: 0.5 * (q.bid + q.ask) });
            iv = solved.ok ? solved.vol : Number.NaN;
          }
          if (iv > 0) this.lastIv.set(contractKey(q), iv);
        }
      }
    }
    return this.book.markWith(time, spot, (leg, years) => this.ivOf(leg, years, spot));
  }
  private markedSnapshot: ChainSnapshot | undefined;

  private ivOf(leg: Readonly<BookLeg & { entry: number }>, years: number, spot: number): number {
    const known = this.lastIv.get(contractKey(leg));
    if (known !== undefined) return known;
    const solved = impliedVolatility({ right: leg.right, spot, strike: leg.strike, years, rate: this.book.rate, price: leg.entry });
    return solved.ok ? solved.vol : 0;
  }

  private legValue(leg: Readonly<BookLeg & { entry: number }>, time: number, spot: number): number {
    const years = Math.max(0, (leg.expiry - time) / YEAR_MS);
    this.one.spot[0] = spot;
    this.one.strike[0] = leg.strike;
    this.one.years[0] = years;
    this.one.rate[0] = this.book.rate;
    this.one.vol[0] = this.ivOf(leg, years, spot);
    this.one.call[0] = leg.right === 'call' ? 1 : 0;
    priceBatch(this.one, this.oneOut);
    return this.oneOut.price[0]!;
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
      chain: this.file !== undefined ? this.file.source : 'synthetic',
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

/**
 * Pinning, volatility crush and dealers' gamma of the position's first expiry, from the chain:
 * pinning and dealers' gamma from its open interest (0 when the chain has none, as the synthetic
 * one), crush from the at-the-money IVs of that expiry and the next one listed (0 when there is no
 * next one, or the IVs are missing).
 */
function expiryFlags(
  chain: readonly ListedOption[],
  legs: readonly BookLeg[],
  spot: number,
  time: number,
  rate: number,
  multiplier: number,
): { pinning: number; volatilityCrush: number; dealerGamma: number } {
  const front = Math.min(...legs.map((l) => l.expiry));
  const quotes = chain.filter((q) => q.expiry === front);
  const pinning = pinningRisk(
    quotes.map((q) => ({ strike: q.strike, openInterest: q.openInterest })),
    spot,
    (front - time) / 86_400_000,
  );
  // A quote with no IV (its mid below intrinsic) has no gamma to count.
  const dealers = dealerGamma(
    quotes.filter((q) => q.iv > 0).map((q) => ({ right: q.right, strike: q.strike, openInterest: q.openInterest, iv: q.iv })),
    { spot, years: (front - time) / YEAR_MS, rate, multiplier },
  ).share;
  const next = chain.find((q) => q.expiry > front)?.expiry;
  let crush = 0;
  if (next !== undefined) {
    const atm = (expiry: number): number => {
      const list = chain.filter((q) => q.expiry === expiry && q.iv > 0);
      if (list.length === 0) return Number.NaN;
      const k = list.reduce((b, q) => (Math.abs(q.strike - spot) < Math.abs(b.strike - spot) ? q : b)).strike;
      const at = list.filter((q) => q.strike === k);
      return at.reduce((sum, q) => sum + q.iv, 0) / at.length;
    };
    const f = atm(front);
    const b = atm(next);
    if (f > 0 && b > 0) crush = volatilityCrush({ iv: f, years: (front - time) / YEAR_MS }, { iv: b, years: (next - time) / YEAR_MS }).crush;
  }
  return { pinning, volatilityCrush: crush, dealerGamma: dealers };
}

function contractKey(q: Readonly<{ right: string; strike: number; expiry: number }>): string {
  return `${q.right}|${q.strike}|${q.expiry}`;
}

/** The chain's median IV: the vol a position on a recorded chain is analysed at (each leg keeps its own). */
function medianIv(chain: readonly ListedOption[]): number {
  const ivs = chain.map((q) => q.iv).filter((v) => v > 0).sort((a, b) => a - b);
  return ivs.length === 0 ? Number.NaN : ivs[ivs.length >> 1]!;
}

function gcdOf(xs: readonly number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return xs.reduce((g, x) => (Number.isInteger(x) ? gcd(g, x) : 1), 0) || 1;
}

/** JSON keeps these readable: 10 significant digits. */
function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(10)) : 0;
}
