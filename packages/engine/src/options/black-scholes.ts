/**
 * European options in closed form: Black–Scholes–Merton on a spot with a continuous dividend
 * yield, and Black-76 on a futures (or forward) price. One kernel prices both and writes the price
 * and every greek into typed arrays, so the batch path allocates nothing per option and the
 * single-option call is the same code with a batch of one.
 *
 * Units (README.md): years are calendar years (365 days); rates and yields are continuously
 * compounded per year; volatility is per √year as a fraction (0.20 = 20 vol points).
 */
import { VoltError } from '../errors.js';
import { normCdf, normPdf } from './normal.js';

export type OptionRight = 'call' | 'put';
/** `bsm`: spot with dividend yield; `black76`: the underlying is a futures price, discounted at `rate`. */
export type PricingModel = 'bsm' | 'black76';

export interface OptionInput {
  right: OptionRight;
  /** The underlying's price: the spot (bsm) or the futures price (black76). */
  spot: number;
  strike: number;
  /** Time to expiry in years (365-day). */
  years: number;
  /** Risk-free rate, continuously compounded, per year (0.05 = 5%). */
  rate: number;
  /** Continuous dividend yield per year (bsm only; default 0). */
  dividendYield?: number;
  /** Volatility per √year (0.20 = 20%). */
  vol: number;
  model?: PricingModel;
}

/** An option's value and greeks, per one unit of the underlying (multiply by the contract size). */
export interface OptionGreeks {
  price: number;
  /** ∂price/∂underlying. */
  delta: number;
  /** ∂²price/∂underlying², per 1.00 of underlying price. */
  gamma: number;
  /** ∂price/∂t per year of calendar time passing (negative for a long option, mostly). */
  theta: number;
  /** theta / 365: what one calendar day costs. */
  thetaPerDay: number;
  /** ∂price/∂vol per 1.00 of volatility (from 20% to 120%). */
  vega: number;
  /** vega / 100: per vol point (from 20% to 21%). */
  vegaPerPoint: number;
  /** ∂price/∂rate per 1.00 of rate. */
  rho: number;
  /** rho / 100: per percentage point of rate. */
  rhoPerPoint: number;
}

export const DAYS_PER_YEAR = 365;

/**
 * Inputs of many options, one typed array per field. `call[i]` is 1 for a call, 0 for a put.
 * Fill them in place and reuse the batch: pricing it allocates nothing.
 */
export class OptionBatch {
  readonly size: number;
  readonly call: Uint8Array;
  readonly spot: Float64Array;
  readonly strike: Float64Array;
  readonly years: Float64Array;
  readonly rate: Float64Array;
  readonly dividendYield: Float64Array;
  readonly vol: Float64Array;
  constructor(size: number) {
    this.size = size;
    this.call = new Uint8Array(size);
    this.spot = new Float64Array(size);
    this.strike = new Float64Array(size);
    this.years = new Float64Array(size);
    this.rate = new Float64Array(size);
    this.dividendYield = new Float64Array(size);
    this.vol = new Float64Array(size);
  }
}

/** Outputs of a batch: theta per year, vega and rho per 1.00 (divide by 365 and 100 for the others). */
export class GreeksBatch {
  readonly size: number;
  readonly price: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly theta: Float64Array;
  readonly vega: Float64Array;
  readonly rho: Float64Array;
  constructor(size: number) {
    this.size = size;
    this.price = new Float64Array(size);
    this.delta = new Float64Array(size);
    this.gamma = new Float64Array(size);
    this.theta = new Float64Array(size);
    this.vega = new Float64Array(size);
    this.rho = new Float64Array(size);
  }
}

/**
 * Price every option of `input` into `out` (same size or larger). An option with an unusable
 * input (a price or strike ≤ 0, a negative vol or time, NaN) gets NaN everywhere; at expiry
 * (years = 0) or zero vol it is worth its (discounted) intrinsic value.
 */
export function priceBatch(input: OptionBatch, out: GreeksBatch, model: PricingModel = 'bsm'): void {
  if (out.size < input.size) {
    throw new VoltError({ kind: 'usage', message: `greeks batch holds ${out.size} options, the input ${input.size}`, hint: 'allocate the output with the input size' });
  }
  const black76 = model === 'black76';
  for (let i = 0; i < input.size; i++) {
    const r = input.rate[i]!;
    priceInto(input.call[i] === 1, input.spot[i]!, input.strike[i]!, input.years[i]!, r, black76 ? r : input.dividendYield[i]!, input.vol[i]!, black76, out, i);
  }
}

const one = new GreeksBatch(1);

/** Price one option: its value and every greek with the units of `OptionGreeks`. */
export function priceOption(o: Readonly<OptionInput>): OptionGreeks {
  const model = o.model ?? 'bsm';
  checkInput(o);
  const q = model === 'black76' ? o.rate : (o.dividendYield ?? 0);
  priceInto(o.right === 'call', o.spot, o.strike, o.years, o.rate, q, o.vol, model === 'black76', one, 0);
  const theta = one.theta[0]!;
  const vega = one.vega[0]!;
  const rho = one.rho[0]!;
  return {
    price: one.price[0]!,
    delta: one.delta[0]!,
    gamma: one.gamma[0]!,
    theta,
    thetaPerDay: theta / DAYS_PER_YEAR,
    vega,
    vegaPerPoint: vega / 100,
    rho,
    rhoPerPoint: rho / 100,
  };
}

/** The no-arbitrage bounds of a European price: [discounted intrinsic, the most it can be worth]. */
export function europeanBounds(o: Readonly<OptionInput>): { intrinsic: number; maximum: number } {
  const q = (o.model ?? 'bsm') === 'black76' ? o.rate : (o.dividendYield ?? 0);
  const s = o.spot * Math.exp(-q * o.years);
  const k = o.strike * Math.exp(-o.rate * o.years);
  return o.right === 'call' ? { intrinsic: Math.max(s - k, 0), maximum: s } : { intrinsic: Math.max(k - s, 0), maximum: k };
}

export function checkInput(o: Readonly<OptionInput>): void {
  const bad = (field: string, why: string): never => {
    throw new VoltError({ kind: 'usage', message: `option ${field} ${why}`, hint: `give a ${field} ${field === 'vol' ? 'as a fraction (0.20 for 20%)' : 'that is a positive number'}` });
  };
  if (o.right !== 'call' && o.right !== 'put') bad('right', `must be call or put, got '${String(o.right)}'`);
  if (!(o.spot > 0) || !Number.isFinite(o.spot)) bad('spot', `must be a positive number, got ${o.spot}`);
  if (!(o.strike > 0) || !Number.isFinite(o.strike)) bad('strike', `must be a positive number, got ${o.strike}`);
  if (!(o.years >= 0) || !Number.isFinite(o.years)) bad('years', `must be 0 or more, got ${o.years}`);
  if (!Number.isFinite(o.rate)) bad('rate', `must be a number, got ${o.rate}`);
  if (o.dividendYield !== undefined && !Number.isFinite(o.dividendYield)) bad('dividendYield', `must be a number, got ${o.dividendYield}`);
  if (!(o.vol >= 0) || !Number.isFinite(o.vol)) bad('vol', `must be 0 or more, got ${o.vol}`);
}

/** The kernel (exported for the solver and the tree, not from index.ts): BSM with yield q (Black-76 is q = r on the futures price, with rho = −T·price). */
export function priceInto(call: boolean, s: number, k: number, t: number, r: number, q: number, v: number, black76: boolean, out: GreeksBatch, i: number): void {
  if (!(s > 0) || !(k > 0) || !(t >= 0) || !(v >= 0) || !Number.isFinite(r + q + s + k + t + v)) {
    out.price[i] = out.delta[i] = out.gamma[i] = out.theta[i] = out.vega[i] = out.rho[i] = Number.NaN;
    return;
  }
  const dq = Math.exp(-q * t);
  const dr = Math.exp(-r * t);
  const sdq = s * dq;
  const kdr = k * dr;
  const sd = v * Math.sqrt(t);
  if (!(sd > 0)) {
    // No uncertainty left: the option is its discounted forward intrinsic value.
    const itm = call ? sdq > kdr : kdr > sdq;
    const price = itm ? (call ? sdq - kdr : kdr - sdq) : 0;
    out.price[i] = price;
    out.delta[i] = itm ? (call ? dq : -dq) : 0;
    out.gamma[i] = 0;
    out.vega[i] = 0;
    out.theta[i] = itm ? (call ? q * sdq - r * kdr : r * kdr - q * sdq) : 0;
    out.rho[i] = black76 ? -t * price : itm ? (call ? t * kdr : -t * kdr) : 0;
    return;
  }
  const d1 = (Math.log(s / k) + (r - q) * t) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const pdf = normPdf(d1);
  const decay = (-sdq * pdf * v) / (2 * Math.sqrt(t));
  let price: number;
  if (call) {
    const n1 = normCdf(d1);
    const n2 = normCdf(d2);
    price = sdq * n1 - kdr * n2;
    out.delta[i] = dq * n1;
    out.theta[i] = decay - r * kdr * n2 + q * sdq * n1;
    out.rho[i] = black76 ? -t * price : t * kdr * n2;
  } else {
    const n1 = normCdf(-d1);
    const n2 = normCdf(-d2);
    price = kdr * n2 - sdq * n1;
    out.delta[i] = -dq * n1;
    out.theta[i] = decay + r * kdr * n2 - q * sdq * n1;
    out.rho[i] = black76 ? -t * price : -t * kdr * n2;
  }
  out.price[i] = price;
  out.gamma[i] = (dq * pdf) / (s * sd);
  out.vega[i] = sdq * pdf * Math.sqrt(t);
}
