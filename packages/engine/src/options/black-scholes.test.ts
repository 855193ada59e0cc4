import { describe, expect, it } from 'vitest';
import { GreeksBatch, OptionBatch, priceBatch, priceOption, type OptionInput } from './index.js';
import { VoltError } from '../errors.js';

// Textbook values: J. C. Hull, Options, Futures, and Other Derivatives (9th/10th ed.). Hull rounds
// to the cent (prices) or three figures (greeks); the tests ask for the same places.
describe('Black–Scholes–Merton against Hull', () => {
  it('the worked example of the BSM chapter: S0 = 42, K = 40, r = 10%, σ = 20%, T = 0.5 → c = 4.76, p = 0.81', () => {
    const base = { spot: 42, strike: 40, years: 0.5, rate: 0.1, vol: 0.2 };
    expect(priceOption({ ...base, right: 'call' }).price).toBeCloseTo(4.76, 2);
    expect(priceOption({ ...base, right: 'put' }).price).toBeCloseTo(0.81, 2);
  });

  it('the Greek-letters chapter’s 20-week call (S0 = 49, K = 50, r = 5%, σ = 20%, T = 0.3846): every greek in its unit', () => {
    const g = priceOption({ right: 'call', spot: 49, strike: 50, years: 0.3846, rate: 0.05, vol: 0.2 });
    expect(g.price).toBeCloseTo(2.4, 2); // "$2.40 per option": the bank's $240,000 for 100,000
    expect(g.delta).toBeCloseTo(0.522, 3);
    expect(g.gamma).toBeCloseTo(0.066, 3);
    expect(g.theta).toBeCloseTo(-4.31, 2); // per year
    expect(g.thetaPerDay).toBeCloseTo(-0.0118, 4); // per calendar day
    expect(g.vega).toBeCloseTo(12.1, 1); // per 1.00 of vol
    expect(g.vegaPerPoint).toBeCloseTo(0.121, 3); // per vol point
    expect(g.rho).toBeCloseTo(8.91, 2); // per 1.00 of rate
    expect(g.rhoPerPoint).toBeCloseTo(0.0891, 4);
  });

  it('the index-option example with a dividend yield: S0 = 930, K = 900, r = 8%, q = 3%, σ = 20%, T = 2 months → c = 51.83', () => {
    expect(priceOption({ right: 'call', spot: 930, strike: 900, years: 2 / 12, rate: 0.08, dividendYield: 0.03, vol: 0.2 }).price).toBeCloseTo(51.83, 2);
  });

  it('Black-76, the futures-option example: F0 = 20, K = 20, r = 9%, σ = 25%, T = 4 months → p = 1.12', () => {
    expect(priceOption({ right: 'put', spot: 20, strike: 20, years: 4 / 12, rate: 0.09, vol: 0.25, model: 'black76' }).price).toBeCloseTo(1.12, 2);
  });
});

const GRID: Omit<OptionInput, 'right'>[] = [];
for (const strike of [60, 90, 100, 110, 150]) {
  for (const years of [1 / 365, 0.1, 1, 5]) {
    for (const [rate, dividendYield] of [[0.05, 0], [0.03, 0.06], [-0.005, 0.01]] as const) {
      for (const vol of [0.08, 0.35, 1.2]) GRID.push({ spot: 100, strike, years, rate, dividendYield, vol });
    }
  }
}

describe('put–call parity', () => {
  it('C − P = S·e^(−qT) − K·e^(−rT) over strikes, maturities, rates, yields and vols (BSM)', () => {
    for (const o of GRID) {
      const c = priceOption({ ...o, right: 'call' }).price;
      const p = priceOption({ ...o, right: 'put' }).price;
      const forward = o.spot * Math.exp(-(o.dividendYield ?? 0) * o.years) - o.strike * Math.exp(-o.rate * o.years);
      expect(c - p).toBeCloseTo(forward, 10);
    }
  });

  it('C − P = (F − K)·e^(−rT) for Black-76', () => {
    for (const o of GRID) {
      const b = { ...o, model: 'black76' as const };
      const c = priceOption({ ...b, right: 'call' }).price;
      const p = priceOption({ ...b, right: 'put' }).price;
      expect(c - p).toBeCloseTo((o.spot - o.strike) * Math.exp(-o.rate * o.years), 10);
    }
  });
});

describe('greeks against finite differences of the price', () => {
  const price = (o: OptionInput): number => priceOption(o).price;
  for (const model of ['bsm', 'black76'] as const) {
    for (const right of ['call', 'put'] as const) {
      it(`${model} ${right}s: delta, gamma, theta, vega, rho`, () => {
        for (const base of GRID) {
          if (base.years < 0.05) continue; // a day from expiry the second difference is all rounding
          const o: OptionInput = { ...base, right, model };
          const g = priceOption(o);
          const hs = o.spot * 1e-4;
          const up = price({ ...o, spot: o.spot + hs });
          const down = price({ ...o, spot: o.spot - hs });
          const mid = g.price;
          const scale = Math.max(1, mid);
          expect(g.delta).toBeCloseTo((up - down) / (2 * hs), 6);
          expect(g.gamma).toBeCloseTo((up - 2 * mid + down) / (hs * hs), 4);
          const ht = 1e-5;
          // theta: price change as calendar time passes = −∂/∂(years)
          expect(g.theta / scale).toBeCloseTo(-(price({ ...o, years: o.years + ht }) - price({ ...o, years: o.years - ht })) / (2 * ht) / scale, 5);
          const hv = 1e-5;
          expect(g.vega / scale).toBeCloseTo((price({ ...o, vol: o.vol + hv }) - price({ ...o, vol: o.vol - hv })) / (2 * hv) / scale, 5);
          const hr = 1e-6;
          expect(g.rho / scale).toBeCloseTo((price({ ...o, rate: o.rate + hr }) - price({ ...o, rate: o.rate - hr })) / (2 * hr) / scale, 4);
          expect(g.thetaPerDay).toBeCloseTo(g.theta / 365, 14);
          expect(g.vegaPerPoint).toBeCloseTo(g.vega / 100, 14);
        }
      });
    }
  }
});

describe('the batch path', () => {
  it('gives exactly what priceOption gives, option by option', () => {
    const input = new OptionBatch(GRID.length * 2);
    GRID.forEach((o, j) => {
      for (const [k, call] of [[2 * j, 1], [2 * j + 1, 0]] as const) {
        input.call[k] = call;
        input.spot[k] = o.spot;
        input.strike[k] = o.strike;
        input.years[k] = o.years;
        input.rate[k] = o.rate;
        input.dividendYield[k] = o.dividendYield ?? 0;
        input.vol[k] = o.vol;
      }
    });
    const out = new GreeksBatch(input.size);
    priceBatch(input, out);
    GRID.forEach((o, j) => {
      for (const [k, right] of [[2 * j, 'call'], [2 * j + 1, 'put']] as const) {
        const g = priceOption({ ...o, right });
        expect([out.price[k], out.delta[k], out.gamma[k], out.theta[k], out.vega[k], out.rho[k]]).toEqual([g.price, g.delta, g.gamma, g.theta, g.vega, g.rho]);
      }
    });
  });

  it('marks an unusable option NaN and prices its neighbours', () => {
    const input = new OptionBatch(3);
    input.call.set([1, 1, 1]);
    input.spot.set([100, -1, 100]);
    input.strike.set([100, 100, 100]);
    input.years.set([1, 1, 1]);
    input.vol.set([0.2, 0.2, Number.NaN]);
    const out = new GreeksBatch(3);
    priceBatch(input, out);
    expect(out.price[0]).toBeGreaterThan(0);
    expect(out.price[1]).toBeNaN();
    expect(out.price[2]).toBeNaN();
  });

  it('refuses an output smaller than the input', () => {
    expect(() => priceBatch(new OptionBatch(3), new GreeksBatch(2))).toThrow(/holds 2 options, the input 3/);
  });
});

describe('edges', () => {
  it('at expiry an option is its intrinsic value, delta 1 or 0, no gamma or vega', () => {
    const g = priceOption({ right: 'put', spot: 90, strike: 100, years: 0, rate: 0.05, vol: 0.3 });
    expect(g).toMatchObject({ price: 10, delta: -1, gamma: 0, vega: 0 });
    expect(priceOption({ right: 'call', spot: 90, strike: 100, years: 0, rate: 0.05, vol: 0.3 }).price).toBe(0);
  });

  it('at zero vol an option is its discounted forward intrinsic value', () => {
    const g = priceOption({ right: 'call', spot: 100, strike: 100, years: 1, rate: 0.05, vol: 0 });
    expect(g.price).toBeCloseTo(100 - 100 * Math.exp(-0.05), 12);
    expect(g.delta).toBe(1);
  });

  it('says which input is wrong', () => {
    expect(() => priceOption({ right: 'call', spot: 0, strike: 100, years: 1, rate: 0, vol: 0.2 })).toThrow(VoltError);
    expect(() => priceOption({ right: 'call', spot: 100, strike: 100, years: 1, rate: 0, vol: -0.2 })).toThrow(/option vol must be 0 or more, got -0.2/);
  });
});
