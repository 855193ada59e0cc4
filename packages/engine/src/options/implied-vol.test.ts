import { describe, expect, it } from 'vitest';
import { europeanBounds, impliedVolatility, priceOnTree, priceOption, type OptionInput } from './index.js';

describe('implied volatility', () => {
  it('recovers the vol that priced the option, across moneyness, maturities, models and vols', () => {
    let cases = 0;
    for (const model of ['bsm', 'black76'] as const) {
      for (const right of ['call', 'put'] as const) {
        for (const strike of [50, 80, 95, 100, 105, 120, 200]) {
          for (const years of [7 / 365, 0.25, 1, 3]) {
            for (const vol of [0.05, 0.2, 0.6, 1.5]) {
              const o: OptionInput = { right, spot: 100, strike, years, rate: 0.04, dividendYield: 0.02, vol, model };
              const price = priceOption(o).price;
              // A price with no time value to speak of carries no vol information: skip those
              // (deep ITM / far OTM at low vol); the solver reports them, tested below.
              const { intrinsic } = europeanBounds(o);
              if (price - intrinsic < 1e-8) continue;
              const r = impliedVolatility({ ...o, price });
              if (!r.ok) throw new Error(`${JSON.stringify(o)}: ${r.message}`);
              // The solver matches the price to 1e-13 of the option's maximum; the vol is as exact as that allows.
              const vega = priceOption(o).vega;
              const { maximum } = europeanBounds(o);
              expect(Math.abs(r.vol - vol)).toBeLessThan(Math.max(1e-9, (2e-13 * Math.max(1, maximum)) / vega));
              expect(r.iterations).toBeLessThan(60);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(300);
  });

  it('solves a market quote: the 20-week call at $2.40 is a 20% vol', () => {
    const r = impliedVolatility({ right: 'call', spot: 49, strike: 50, years: 0.3846, rate: 0.05, price: 2.4 });
    expect(r.ok && r.vol).toBeCloseTo(0.2, 3);
  });

  const put = { right: 'put' as const, spot: 90, strike: 100, years: 0.5, rate: 0.05 };
  const intrinsic = 100 * Math.exp(-0.025) - 90;

  it('says the quote is below intrinsic', () => {
    const r = impliedVolatility({ ...put, price: intrinsic - 0.01 });
    expect(r).toMatchObject({ ok: false, reason: 'below-intrinsic' });
    expect(!r.ok && r.intrinsic).toBeCloseTo(intrinsic, 12);
  });

  it('says the quote has no time value', () => {
    expect(impliedVolatility({ ...put, price: intrinsic })).toMatchObject({ ok: false, reason: 'no-time-value' });
  });

  it('says the quote is above the no-arbitrage maximum', () => {
    expect(impliedVolatility({ ...put, price: 100 })).toMatchObject({ ok: false, reason: 'above-maximum' });
    expect(impliedVolatility({ right: 'call', spot: 100, strike: 100, years: 1, rate: 0, price: 100.5 })).toMatchObject({ ok: false, reason: 'above-maximum' });
  });

  it('says an expired option has no vol, and refuses a bad input', () => {
    expect(impliedVolatility({ ...put, years: 0, price: 10 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(impliedVolatility({ ...put, spot: -5, price: 10 })).toMatchObject({ ok: false, reason: 'invalid-input' });
  });
});

describe('implied volatility of an American quote (solved against the Leisen–Reimer tree)', () => {
  it('recovers the vol that priced the American option on the tree, across moneyness, maturities and rights', () => {
    let cases = 0;
    for (const right of ['call', 'put'] as const) {
      for (const strike of [70, 95, 100, 110, 140]) {
        for (const years of [30 / 365, 0.5, 2]) {
          for (const vol of [0.1, 0.3, 0.8]) {
            const o: OptionInput = { right, spot: 100, strike, years, rate: 0.06, dividendYield: 0.03, vol };
            const price = priceOnTree(o, 'american').price;
            const zero = priceOnTree({ ...o, vol: 0 }, 'american').price;
            const now = right === 'call' ? Math.max(100 - strike, 0) : Math.max(strike - 100, 0);
            // As for European quotes: a price with next to no time value carries no vol information.
            if (price - Math.max(now, zero) < 1e-6) continue;
            const r = impliedVolatility({ ...o, price, style: 'american' });
            if (!r.ok) throw new Error(`${JSON.stringify(o)}: ${r.message}`);
            expect(Math.abs(r.vol - vol)).toBeLessThan(1e-7);
            expect(r.iterations).toBeLessThan(40);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(60);
  });

  it('differs from the European solver where early exercise is worth something (a deep in-the-money put)', () => {
    // Hull's American put (Example 21.1: S 50, K 50, r 10%, σ 40%, 5 months) moved in the money.
    const o: OptionInput = { right: 'put', spot: 40, strike: 50, years: 5 / 12, rate: 0.1, vol: 0.4 };
    const price = priceOnTree(o, 'american').price;
    const american = impliedVolatility({ ...o, price, style: 'american' });
    const european = impliedVolatility({ ...o, price });
    expect(american.ok && american.vol).toBeCloseTo(0.4, 7);
    // The European reading puts the whole early-exercise premium into volatility.
    expect(european.ok && european.vol).toBeGreaterThan(0.45);
  });

  const deep = { right: 'put' as const, spot: 50, strike: 100, years: 1, rate: 0.1 };

  it('says why when there is no vol: below what exercise pays, no time value, above the bound, expired', () => {
    // Exercising now pays 50; a quote under it is an arbitrage (for a European put it would not be: its floor is 100e^-0.1 - 50 = 40.48).
    const below = impliedVolatility({ ...deep, price: 49.9, style: 'american' });
    expect(below).toMatchObject({ ok: false, reason: 'below-intrinsic' });
    expect(impliedVolatility({ ...deep, price: 49.9 }).ok).toBe(true);
    expect(!below.ok && below.message).toMatch(/exercising now pays \(50\)/);
    expect(impliedVolatility({ ...deep, price: 50, style: 'american' })).toMatchObject({ ok: false, reason: 'no-time-value' });
    expect(impliedVolatility({ ...deep, price: 100, style: 'american' })).toMatchObject({ ok: false, reason: 'above-maximum', maximum: 100 });
    expect(impliedVolatility({ ...deep, years: 0, price: 50, style: 'american' })).toMatchObject({ ok: false, reason: 'expired' });
    expect(impliedVolatility({ ...deep, spot: 0, price: 50, style: 'american' })).toMatchObject({ ok: false, reason: 'invalid-input' });
  });
});
