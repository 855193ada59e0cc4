/**
 * The pieces an options backtest stands on: a synthetic option chain priced from the underlying's
 * price and volatility with a stated smile and bid-ask, and a book that opens and closes multi-leg
 * positions at bid/ask with a fee per contract, marks them, and settles them at expiry (short legs
 * in the money are assigned, cash-settled at the settlement price). Deterministic: no clock, no
 * randomness. README.md, "Chains and the options book".
 */
import { VoltError } from '../errors.js';
import { DAYS_PER_YEAR, GreeksBatch, priceInto, type OptionRight } from './black-scholes.js';

const DAY_MS = 86_400_000;
const YEAR_MS = DAYS_PER_YEAR * DAY_MS;

export interface SmileSpec {
  /** Implied over realized: σ_atm = realized × (1 + volPremium) (default 0.1). */
  volPremium: number;
  /** Slope of vol in log-moneyness ln(K/F) (default −0.1: puts bid over calls). */
  skew: number;
  /** Curvature in log-moneyness (default 0.3: wings rich). */
  curvature: number;
  /** Lowest vol quoted (default 0.05). */
  floor: number;
}

export const DEFAULT_SMILE: Readonly<SmileSpec> = { volPremium: 0.1, skew: -0.1, curvature: 0.3, floor: 0.05 };

/** σ(K) = max(floor, σ_atm + skew·m + curvature·m²), m = ln(K/F). */
export function smileVol(atm: number, strike: number, forward: number, smile: Readonly<SmileSpec> = DEFAULT_SMILE): number {
  const m = Math.log(strike / forward);
  return Math.max(smile.floor, atm + smile.skew * m + smile.curvature * m * m);
}

export interface ChainSpec {
  /** Weekly expiries listed (Fridays 08:00 UTC, as on Deribit; default 8). */
  weeks?: number;
  /** Strikes each side of the money (default 10). */
  strikesEachSide?: number;
  /** Strike spacing as a fraction of spot before rounding to a 1-2-2.5-5 step (default 0.025). */
  strikeSpacing?: number;
  /** Half the bid-ask as a fraction of the mid (default 0.02), at least `minTick`. */
  halfSpreadPct?: number;
  /** Smallest price step (default 0.01 per unit). */
  minTick?: number;
  rate?: number;
  smile?: Partial<SmileSpec>;
}

export interface ListedOption {
  right: OptionRight;
  strike: number;
  /** Expiry, epoch ms UTC. */
  expiry: number;
  years: number;
  iv: number;
  bid: number;
  ask: number;
  mid: number;
  delta: number;
  /** Contracts open, when the chain says (a chain file's `open_interest`); NaN otherwise. */
  openInterest: number;
}

/** A 1-2-2.5-5 × 10^k step near `x`: strikes traders would recognise. */
export function niceStep(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** The next `weeks` Fridays at 08:00 UTC strictly after `time`. */
export function weeklyExpiries(time: number, weeks: number): number[] {
  const out: number[] = [];
  const day = Math.floor(time / DAY_MS) * DAY_MS;
  const weekday = new Date(day).getUTCDay(); // 5 = Friday
  let friday = day + ((5 - weekday + 7) % 7) * DAY_MS + 8 * 3_600_000;
  if (friday <= time) friday += 7 * DAY_MS;
  for (let k = 0; k < weeks; k++) out.push(friday + 7 * k * DAY_MS);
  return out;
}

const scratch = new GreeksBatch(1);

/**
 * The chain at `time` for an underlying at `spot` whose realized volatility is `realizedVol`
 * (annualised): every weekly expiry × strike × right, priced by BSM on the smile, with a bid and an
 * ask around the mid. Sorted by expiry, strike, calls first.
 */
export function syntheticChain(time: number, spot: number, realizedVol: number, spec: ChainSpec = {}): ListedOption[] {
  if (!(spot > 0) || !(realizedVol > 0)) {
    throw new VoltError({ kind: 'usage', message: `a synthetic chain needs a positive spot and volatility, got ${spot} and ${realizedVol}`, hint: 'wait until the volatility estimate has warmed up' });
  }
  const smile = { ...DEFAULT_SMILE, ...spec.smile };
  const rate = spec.rate ?? 0;
  const step = niceStep(spot * (spec.strikeSpacing ?? 0.025));
  const centre = Math.round(spot / step) * step;
  const each = spec.strikesEachSide ?? 10;
  const half = spec.halfSpreadPct ?? 0.02;
  const tick = spec.minTick ?? 0.01;
  const atm = realizedVol * (1 + smile.volPremium);
  const out: ListedOption[] = [];
  for (const expiry of weeklyExpiries(time, spec.weeks ?? 8)) {
    const years = (expiry - time) / YEAR_MS;
    const forward = spot * Math.exp(rate * years);
    for (let k = -each; k <= each; k++) {
      const strike = centre + k * step;
      if (!(strike > 0)) continue;
      const iv = smileVol(atm, strike, forward, smile);
      for (const right of ['call', 'put'] as const) {
        priceInto(right === 'call', spot, strike, years, rate, 0, iv, false, scratch, 0);
        const mid = scratch.price[0]!;
        const spread = Math.max(tick, half * mid);
        const bid = Math.max(0, roundTo(mid - spread, tick));
        const ask = Math.max(tick, roundTo(mid + spread, tick));
        out.push({ right, strike, expiry, years, iv, bid, ask, mid, delta: scratch.delta[0]!, openInterest: Number.NaN });
      }
    }
  }
  return out;
}

function roundTo(x: number, tick: number): number {
  return Math.round(x / tick) * tick;
}

export interface BookLeg {
  right: OptionRight;
  strike: number;
  expiry: number;
  /** Contracts: + bought, − sold. */
  quantity: number;
}

export interface HeldLeg extends BookLeg {
  /** Fill price per unit: the ask for a buy, the bid for a sale. */
  entry: number;
  /** How it ended: open, closed, expired worthless, exercised (long ITM) or assigned (short ITM). */
  state: 'open' | 'closed' | 'expired' | 'exercised' | 'assigned';
  /** Per unit, when it ended. */
  exit: number;
}

export interface BookPosition {
  id: number;
  legs: HeldLeg[];
  openedAt: number;
  /** Cash paid (+) or received (−) at the open, fees included. */
  entryCost: number;
  fees: number;
  /** Realized P&L once every leg has ended, fees included; NaN while open. */
  pnl: number;
}

export interface BookOptions {
  /** Units of the underlying per contract (default 100). */
  multiplier?: number;
  /** Fee per contract per fill (default 0.65); settlement at expiry is free. */
  feePerContract?: number;
  rate?: number;
}

export interface BookGreeks {
  value: number;
  delta: number;
  gamma: number;
  thetaPerDay: number;
  vegaPerPoint: number;
}

/**
 * Positions of option legs. `open` and `close` take the chain at the moment (fills at its bid and
 * ask) and return the cash they move; `settle` pays out what expired; `mark` values what is open.
 * Cash itself is the caller's (the backtester's account).
 */
export class OptionsBook {
  readonly multiplier: number;
  readonly feePerContract: number;
  readonly rate: number;
  readonly positions: BookPosition[] = [];
  private nextId = 1;

  /** Legs still open, kept as legs open and end. */
  openLegs = 0;

  /** The id the next `open` will give. */
  get nextPositionId(): number {
    return this.nextId;
  }

  /** Give up the next id (an order refused before it opened keeps the id it was promised). */
  skipId(): number {
    return this.nextId++;
  }

  constructor(options: BookOptions = {}) {
    this.multiplier = options.multiplier ?? 100;
    this.feePerContract = options.feePerContract ?? 0.65;
    this.rate = options.rate ?? 0;
  }

  /** Open the legs at the chain's bid/ask; returns the position and the cash it costs (+ paid, − received). */
  open(legs: readonly BookLeg[], chain: readonly ListedOption[], time: number): { position: BookPosition; cash: number } {
    if (legs.length === 0) throw new VoltError({ kind: 'strategy', message: 'an options order needs at least one leg', hint: 'give legs like { right: "call", strike, expiry, quantity: -1 }' });
    const held: HeldLeg[] = legs.map((leg, i) => {
      if (!Number.isFinite(leg.quantity) || leg.quantity === 0) {
        throw new VoltError({ kind: 'strategy', message: `options leg ${i + 1}: quantity must be a non-zero number of contracts, got ${leg.quantity}`, hint: '+ to buy, − to sell' });
      }
      const quote = find(chain, leg);
      if (quote === undefined) {
        throw new VoltError({ kind: 'strategy', message: `options leg ${i + 1}: no ${leg.right} ${leg.strike} expiring ${new Date(leg.expiry).toISOString()} in the chain`, hint: 'pick strikes and expiries from ctx.options.chain()' });
      }
      return { ...leg, entry: leg.quantity > 0 ? quote.ask : quote.bid, state: 'open', exit: Number.NaN };
    });
    const fees = this.fees(held);
    const premium = held.reduce((sum, l) => sum + l.quantity * this.multiplier * l.entry, 0);
    const position: BookPosition = { id: this.nextId++, legs: held, openedAt: time, entryCost: premium + fees, fees, pnl: Number.NaN };
    this.positions.push(position);
    this.openLegs += held.length;
    return { position, cash: premium + fees };
  }

  /** Close what is still open of a position at the chain's bid/ask; returns the cash it brings (+ received). */
  close(id: number, chain: readonly ListedOption[]): number {
    const position = this.positions.find((p) => p.id === id);
    if (position === undefined) throw new VoltError({ kind: 'strategy', message: `no options position ${id}`, hint: 'close an id that ctx.options.open returned' });
    let cash = 0;
    const closing = position.legs.filter((l) => l.state === 'open');
    for (const leg of closing) {
      const quote = find(chain, leg);
      if (quote === undefined) throw new VoltError({ kind: 'strategy', message: `options position ${id}: ${leg.right} ${leg.strike} is no longer quoted`, hint: 'it may have expired; settle() pays it out' });
      leg.exit = leg.quantity > 0 ? quote.bid : quote.ask;
      leg.state = 'closed';
      this.openLegs--;
      cash += leg.quantity * this.multiplier * leg.exit;
    }
    const fees = this.fees(closing);
    position.fees += fees;
    cash -= fees;
    this.finish(position);
    return cash;
  }

  /** Pay out every leg that expires at or before `time`, at `spot`; returns the cash (+ received). */
  settle(time: number, spot: number): number {
    let cash = 0;
    for (const position of this.positions) {
      let touched = false;
      for (const leg of position.legs) {
        if (leg.state !== 'open' || leg.expiry > time) continue;
        const intrinsic = leg.right === 'call' ? Math.max(spot - leg.strike, 0) : Math.max(leg.strike - spot, 0);
        leg.exit = intrinsic;
        leg.state = intrinsic > 0 ? (leg.quantity > 0 ? 'exercised' : 'assigned') : 'expired';
        this.openLegs--;
        cash += leg.quantity * this.multiplier * intrinsic;
        touched = true;
      }
      if (touched) this.finish(position);
    }
    return cash;
  }

  /** Open legs valued at the smile's mid for `spot` and `realizedVol` (as the chain prices them), and their greeks. */
  mark(time: number, spot: number, realizedVol: number, smile: Partial<SmileSpec> = {}): BookGreeks {
    const s = { ...DEFAULT_SMILE, ...smile };
    const atm = realizedVol * (1 + s.volPremium);
    return this.markWith(time, spot, (leg, years) => smileVol(atm, leg.strike, spot * Math.exp(this.rate * years), s));
  }

  /** Open legs valued by BSM at the vol `volOf` gives each (a chain file's quoted IV, say), and their greeks. */
  markWith(time: number, spot: number, volOf: (leg: Readonly<HeldLeg>, years: number) => number): BookGreeks {
    const out: BookGreeks = { value: 0, delta: 0, gamma: 0, thetaPerDay: 0, vegaPerPoint: 0 };
    for (const position of this.positions) {
      for (const leg of position.legs) {
        if (leg.state !== 'open') continue;
        const years = Math.max(0, (leg.expiry - time) / YEAR_MS);
        const iv = volOf(leg, years);
        priceInto(leg.right === 'call', spot, leg.strike, years, this.rate, 0, iv, false, scratch, 0);
        const units = leg.quantity * this.multiplier;
        out.value += units * scratch.price[0]!;
        out.delta += units * scratch.delta[0]!;
        out.gamma += units * scratch.gamma[0]!;
        out.thetaPerDay += (units * scratch.theta[0]!) / DAYS_PER_YEAR;
        out.vegaPerPoint += (units * scratch.vega[0]!) / 100;
      }
    }
    return out;
  }

  private fees(legs: readonly BookLeg[]): number {
    return legs.reduce((sum, l) => sum + Math.abs(l.quantity) * this.feePerContract, 0);
  }

  private finish(position: BookPosition): void {
    if (position.legs.some((l) => l.state === 'open')) return;
    const proceeds = position.legs.reduce((sum, l) => sum + l.quantity * this.multiplier * l.exit, 0);
    position.pnl = proceeds - position.legs.reduce((sum, l) => sum + l.quantity * this.multiplier * l.entry, 0) - position.fees;
  }
}

function find(chain: readonly ListedOption[], leg: Readonly<BookLeg>): ListedOption | undefined {
  return chain.find((q) => q.right === leg.right && q.expiry === leg.expiry && Math.abs(q.strike - leg.strike) < 1e-9 * leg.strike);
}

/**
 * `ctx.options` in a backtest: the chain at the bar's close, and multi-leg orders that fill at the
 * next bar's open like every other order.
 */
export interface OptionsView {
  /** The synthetic chain at this bar's close; empty while the volatility estimate warms up (20 bars). */
  chain(): readonly ListedOption[];
  /** Queue a position for the next bar's open (bid/ask of that bar's chain, fees); returns the id it will have. */
  open(legs: readonly BookLeg[], reason?: string): number;
  /** Queue closing what is open of a position, at the next bar's open. */
  close(id: number): void;
  /** Every position so far, open and ended (read-only: the book's own records). */
  readonly positions: readonly BookPosition[];
  /** Value and greeks of what is open, at this bar's close. */
  readonly greeks: Readonly<BookGreeks>;
}
