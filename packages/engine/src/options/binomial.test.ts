import { describe, expect, it } from 'vitest';
import { priceAmerican, priceOnTree, priceOption, type OptionInput } from './index.js';

describe('American options on the Leisen–Reimer tree', () => {
  it('Hull’s American put (S0 = 50, K = 50, r = 10%, σ = 40%, T = 5 months): 4.28 at 500 steps, as the book’s 500-step tree', () => {
    const o: OptionInput = { right: 'put', spot: 50, strike: 50, years: 5 / 12, rate: 0.1, vol: 0.4 };
    const r = priceOnTree(o, 'american', 501);
    expect(r.price).toBeCloseTo(4.28, 2);
    expect(r.earlyExercisePremium).toBeGreaterThan(0.15); // the European put is worth 4.08
    expect(priceOnTree(o, 'european', 501).price).toBeCloseTo(priceOption(o).price, 4);
  });

  it('converges to Black–Scholes for calls without dividends (early exercise is never optimal)', () => {
    for (const strike of [80, 100, 125]) {
      for (const years of [0.1, 1, 3]) {
        const o: OptionInput = { right: 'call', spot: 100, strike, years, rate: 0.05, vol: 0.3 };
        const bs = priceOption(o);
        const errors = [51, 201, 801].map((n) => Math.abs(priceOnTree(o, 'american', n).price - bs.price));
        expect(errors[1]).toBeLessThan(errors[0]!);
        expect(errors[2]).toBeLessThan(errors[1]!);
        expect(errors[2]).toBeLessThan(1e-4);
        const tree = priceOnTree(o, 'american', 801);
        expect(tree.delta).toBeCloseTo(bs.delta, 3);
        expect(tree.gamma).toBeCloseTo(bs.gamma, 3);
      }
    }
  });

  it('prices early exercise where it matters: puts, and calls on a high-yield underlying', () => {
    const put: OptionInput = { right: 'put', spot: 80, strike: 100, years: 2, rate: 0.08, vol: 0.25 };
    expect(priceOnTree(put).price).toBeGreaterThan(priceOption(put).price + 0.5);
    // never below exercising now
    expect(priceOnTree(put).price).toBeGreaterThanOrEqual(20);
    const call: OptionInput = { right: 'call', spot: 120, strike: 100, years: 2, rate: 0.02, dividendYield: 0.1, vol: 0.2 };
    expect(priceOnTree(call).earlyExercisePremium).toBeGreaterThan(0.5);
  });

  it('rounds an even number of steps up to odd, and refuses too few', () => {
    const o: OptionInput = { right: 'put', spot: 100, strike: 100, years: 1, rate: 0.05, vol: 0.2 };
    expect(priceOnTree(o, 'american', 100).steps).toBe(101);
    expect(() => priceOnTree(o, 'american', 2)).toThrow(/at least 3/);
  });
});

describe('priceAmerican', () => {
  it('gives every greek; for a no-dividend call they are the Black–Scholes greeks', () => {
    const o: OptionInput = { right: 'call', spot: 49, strike: 50, years: 0.3846, rate: 0.05, vol: 0.2 };
    const a = priceAmerican(o, 801);
    const bs = priceOption(o);
    expect(a.price).toBeCloseTo(bs.price, 4);
    expect(a.theta).toBeCloseTo(bs.theta, 2);
    expect(a.vega).toBeCloseTo(bs.vega, 2);
    expect(a.rho).toBeCloseTo(bs.rho, 2);
    expect(a.thetaPerDay).toBeCloseTo(a.theta / 365, 12);
  });

  it('an American put is worth more and less sensitive to rates than its European twin', () => {
    const o: OptionInput = { right: 'put', spot: 50, strike: 50, years: 5 / 12, rate: 0.1, vol: 0.4 };
    const a = priceAmerican(o);
    const e = priceOption(o);
    expect(a.price).toBeGreaterThan(e.price);
    expect(Math.abs(a.rho)).toBeLessThan(Math.abs(e.rho));
    expect(a.vega).toBeGreaterThan(0);
  });
});
