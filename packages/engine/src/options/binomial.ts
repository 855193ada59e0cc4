/**
 * American options on a Leisen–Reimer binomial tree (Leisen & Reimer, "Binomial models for option
 * valuation — examining and improving convergence", Applied Mathematical Finance, 1996), with the
 * Peizer–Pratt inversion (method 2). Chosen over Cox–Ross–Rubinstein because CRR's price zig-zags
 * with the number of steps (the strike falls between nodes differently at each n) while LR's
 * converges smoothly and at second order: 201 steps give what CRR needs thousands for. LR needs an
 * odd number of steps; an even one is rounded up.
 *
 * Early exercise matters for puts (always, when rates are positive) and for calls on an
 * underlying that pays a yield; an American call with no yield is worth its European value, and
 * the tree converges to Black–Scholes there (binomial.test.ts).
 */
import { VoltError } from '../errors.js';
import { checkInput, DAYS_PER_YEAR, GreeksBatch, priceInto, type OptionGreeks, type OptionInput } from './black-scholes.js';

export type ExerciseStyle = 'american' | 'european';

export interface TreeResult {
  price: number;
  /** From the tree's first step. */
  delta: number;
  /** From the tree's second step. */
  gamma: number;
  /** American price − the closed-form European price (0 for a European tree, up to tree error). */
  earlyExercisePremium: number;
  steps: number;
}

export const DEFAULT_TREE_STEPS = 201;

/** Node values, reused between calls: a tree allocates only when it is larger than any before. */
let values = new Float64Array(DEFAULT_TREE_STEPS + 2);
const european = new GreeksBatch(1);

/** Peizer–Pratt method 2: the binomial probability that matches N(z) on an n-step tree. */
function peizerPratt(z: number, n: number): number {
  const a = z / (n + 1 / 3 + 0.1 / (n + 1));
  const root = Math.sqrt(0.25 - 0.25 * Math.exp(-a * a * (n + 1 / 6)));
  return z >= 0 ? 0.5 + root : 0.5 - root;
}

export function priceOnTree(o: Readonly<OptionInput>, style: ExerciseStyle = 'american', steps = DEFAULT_TREE_STEPS): TreeResult {
  checkInput(o);
  if (!Number.isInteger(steps) || steps < 3) {
    throw new VoltError({ kind: 'usage', message: `tree steps must be a whole number of at least 3, got ${steps}`, hint: `use ${DEFAULT_TREE_STEPS}` });
  }
  const n = steps % 2 === 0 ? steps + 1 : steps;
  const black76 = (o.model ?? 'bsm') === 'black76';
  const call = o.right === 'call';
  const { spot: s, strike: k, years: t, rate: r, vol: v } = o;
  const q = black76 ? r : (o.dividendYield ?? 0);
  priceInto(call, s, k, t, r, q, v, black76, european, 0);
  const europeanPrice = european.price[0]!;
  if (!(t > 0) || !(v > 0)) {
    // No tree to build: exercise now or hold the riskless forward, whichever is worth more.
    const now = call ? Math.max(s - k, 0) : Math.max(k - s, 0);
    const price = style === 'american' ? Math.max(now, europeanPrice) : europeanPrice;
    return { price, delta: european.delta[0]!, gamma: 0, earlyExercisePremium: price - europeanPrice, steps: n };
  }

  const dt = t / n;
  const sd = v * Math.sqrt(t);
  const d1 = (Math.log(s / k) + (r - q) * t) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const p = peizerPratt(d2, n);
  const growth = Math.exp((r - q) * dt);
  const up = (growth * peizerPratt(d1, n)) / p;
  const down = (growth - p * up) / (1 - p);
  const disc = Math.exp(-r * dt);
  const pu = disc * p;
  const pd = disc * (1 - p);
  const american = style === 'american';

  if (values.length < n + 1) values = new Float64Array(n + 1);
  const ratio = up / down;
  // Expiry: node j has j up-moves.
  let price = s * Math.pow(down, n);
  for (let j = 0; j <= n; j++) {
    values[j] = call ? Math.max(price - k, 0) : Math.max(k - price, 0);
    price *= ratio;
  }
  let v20 = 0;
  let v21 = 0;
  let v22 = 0;
  for (let step = n - 1; step >= 0; step--) {
    let node = s * Math.pow(down, step);
    for (let j = 0; j <= step; j++) {
      let value = pu * values[j + 1]! + pd * values[j]!;
      if (american) {
        const exercise = call ? node - k : k - node;
        if (exercise > value) value = exercise;
      }
      values[j] = value;
      node *= ratio;
    }
    if (step === 2) {
      v20 = values[0]!;
      v21 = values[1]!;
      v22 = values[2]!;
    }
  }
  const v0 = values[0]!;
  // Step-1 values come back from step 2 (values[] now holds step 0).
  const v10 = american ? Math.max(pu * v21 + pd * v20, call ? s * down - k : k - s * down) : pu * v21 + pd * v20;
  const v11 = american ? Math.max(pu * v22 + pd * v21, call ? s * up - k : k - s * up) : pu * v22 + pd * v21;
  const delta = (v11 - v10) / (s * up - s * down);
  const s20 = s * down * down;
  const s21 = s * up * down;
  const s22 = s * up * up;
  const gamma = ((v22 - v21) / (s22 - s21) - (v21 - v20) / (s21 - s20)) / (0.5 * (s22 - s20));
  return { price: v0, delta, gamma, earlyExercisePremium: v0 - europeanPrice, steps: n };
}

export interface AmericanGreeks extends OptionGreeks {
  earlyExercisePremium: number;
  steps: number;
}

/**
 * An American option's price and every greek, in the units of `OptionGreeks`: price, delta and
 * gamma from the tree itself; theta, vega and rho by re-pricing the tree with the input moved a
 * little either way (central differences: a day of time, 0.1 vol point, 1 basis point of rate).
 */
export function priceAmerican(o: Readonly<OptionInput>, steps = DEFAULT_TREE_STEPS): AmericanGreeks {
  const base = priceOnTree(o, 'american', steps);
  const at = (change: Partial<OptionInput>): number => priceOnTree({ ...o, ...change }, 'american', steps).price;
  const dt = Math.min(1 / DAYS_PER_YEAR, o.years / 2);
  const theta = dt > 0 ? -(at({ years: o.years + dt }) - at({ years: o.years - dt })) / (2 * dt) : 0;
  const dv = Math.min(0.001, o.vol / 2);
  const vega = dv > 0 ? (at({ vol: o.vol + dv }) - at({ vol: o.vol - dv })) / (2 * dv) : 0;
  const dr = 1e-4;
  const rho = (at({ rate: o.rate + dr }) - at({ rate: o.rate - dr })) / (2 * dr);
  return {
    price: base.price,
    delta: base.delta,
    gamma: base.gamma,
    theta,
    thetaPerDay: theta / DAYS_PER_YEAR,
    vega,
    vegaPerPoint: vega / 100,
    rho,
    rhoPerPoint: rho / 100,
    earlyExercisePremium: base.earlyExercisePremium,
    steps: base.steps,
  };
}
