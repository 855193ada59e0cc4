import { describe, expect, it } from 'vitest';
import { RiskGate } from '../risk/index.js';
import { analyzePosition, bidAskPct, dealerGamma, earlyAssignmentRisk, pinningRisk, priceOption, sizePosition, volatilityCrush } from './index.js';

describe('options risk flags', () => {
  it('pinning: the share of open interest within 1% of spot, only in the last days', () => {
    const chain = [
      { strike: 95, openInterest: 1000 },
      { strike: 100, openInterest: 6000 },
      { strike: 101, openInterest: 1000 },
      { strike: 105, openInterest: 2000 },
    ];
    expect(pinningRisk(chain, 100.4, 2)).toBeCloseTo(0.7, 12); // 100 and 101 are within 1% of 100.4
    expect(pinningRisk(chain, 100.4, 12)).toBe(0);
    expect(pinningRisk([], 100, 1)).toBe(0);
  });

  it('volatility crush: the front IV falls to the forward vol once the event is out', () => {
    // Front 7 days at 60%, back 35 days at 35%: σ_after² = (0.35²·35 − 0.6²·7)/28 → σ_after ≈ 20.6%
    const c = volatilityCrush({ iv: 0.6, years: 7 / 365 }, { iv: 0.35, years: 35 / 365 });
    const after = Math.sqrt((0.35 ** 2 * 35 - 0.6 ** 2 * 7) / 28);
    expect(c.ivAfter).toBeCloseTo(after, 12);
    expect(c.crush).toBeCloseTo(1 - after / 0.6, 12);
    expect(c.eventMove).toBeCloseTo(Math.sqrt((0.36 - after ** 2) * (7 / 365)), 12);
    // No event priced: a flat term structure does not crush
    expect(volatilityCrush({ iv: 0.3, years: 0.1 }, { iv: 0.3, years: 0.3 }).crush).toBeCloseTo(0, 12);
    expect(() => volatilityCrush({ iv: 0.3, years: 0.3 }, { iv: 0.3, years: 0.1 })).toThrow(/back expiry after the front/);
  });

  it('early assignment: a deep ITM put whose time value is below the interest on its strike', () => {
    const deep = earlyAssignmentRisk({ right: 'put', strike: 100, years: 0.5, vol: 0.2 }, { spot: 70, rate: 0.05 });
    const value = priceOption({ right: 'put', spot: 70, strike: 100, years: 0.5, rate: 0.05, vol: 0.2 }).price;
    // European value below intrinsic: no time value at all, assignment all but certain
    expect(value).toBeLessThan(30);
    expect(deep).toBe(1);
    const near = earlyAssignmentRisk({ right: 'put', strike: 100, years: 0.5, vol: 0.3 }, { spot: 98, rate: 0.05 });
    expect(near).toBe(0); // plenty of time value
    expect(earlyAssignmentRisk({ right: 'call', strike: 100, years: 0.5, vol: 0.2 }, { spot: 90, rate: 0.05 })).toBe(0);
    // An ITM call before a 3.00 dividend with ~0.4 of time value left
    const call = earlyAssignmentRisk({ right: 'call', strike: 80, years: 0.05, vol: 0.2 }, { spot: 100, rate: 0.0, dividend: 3 });
    expect(call).toBeGreaterThan(0.9);
  });

  it('liquidity: the spread as a fraction of the mid', () => {
    expect(bidAskPct(1.9, 2.1)).toBeCloseTo(0.1, 12);
    expect(bidAskPct(2.1, 1.9)).toBeNaN();
  });

  it('dealer gamma: long when call open interest dominates near spot, with the level where it flips', () => {
    const market = { spot: 100, years: 20 / 365, rate: 0 };
    const chain = [
      { right: 'put' as const, strike: 90, openInterest: 20_000, iv: 0.3 },
      { right: 'call' as const, strike: 105, openInterest: 20_000, iv: 0.3 },
    ];
    const g = dealerGamma(chain, market);
    const callGamma = priceOption({ right: 'call', spot: 100, strike: 105, years: 20 / 365, rate: 0, vol: 0.3 }).gamma;
    const putGamma = priceOption({ right: 'put', spot: 100, strike: 90, years: 20 / 365, rate: 0, vol: 0.3 }).gamma;
    expect(g.netGamma).toBeCloseTo((callGamma - putGamma) * 20_000 * 100 * 100 * 100 * 0.01, 6);
    expect(g.sign).toBe(1);
    // The scale-free figure the gate reads: net over gross, −1 to 1; none without open interest.
    expect(g.share).toBeCloseTo((callGamma - putGamma) / (callGamma + putGamma), 12);
    expect(dealerGamma(chain.map((o) => ({ ...o, openInterest: 0 })), market).share).toBe(0);
    // Between the two strikes the gammas balance: the flip
    expect(g.flipLevel).toBeGreaterThan(90);
    expect(g.flipLevel).toBeLessThan(100);
    const pg = (s: number) =>
      priceOption({ right: 'call', spot: s, strike: 105, years: 20 / 365, rate: 0, vol: 0.3 }).gamma - priceOption({ right: 'put', spot: s, strike: 90, years: 20 / 365, rate: 0, vol: 0.3 }).gamma;
    expect(Math.abs(pg(g.flipLevel))).toBeLessThan(1e-4);
  });
});

describe('the risk gate acts on the flags', () => {
  const spread = analyzePosition({
    spot: 100,
    rate: 0,
    vol: 0.45,
    legs: [
      { right: 'call', quantity: -1, strike: 105, years: 30 / 365, premium: 3.1 },
      { right: 'call', quantity: 1, strike: 112, years: 30 / 365, premium: 1.1 },
    ],
  });
  const size = (flags: object, limits = {}) => sizePosition({ analysis: spread, equity: 100_000, gate: new RiskGate(limits), time: 0, flags });

  it('rejects an entry whose flag is over its limit, and says which', () => {
    expect(size({ bidAskPct: 0.25 }).reasons).toEqual([expect.stringMatching(/bid-ask spread is wider than 10.0% of its mid/)]);
    expect(size({ pinning: 0.8 }).reasons[0]).toMatch(/may pin at a strike/);
    expect(size({ volatilityCrush: 0.45 }).reasons[0]).toMatch(/IV is priced to drop more than 30.0%/);
    expect(size({ earlyAssignment: 0.9 }).reasons[0]).toMatch(/assignment is likely/);
    expect(size({ bidAskPct: 0.25 }).units).toBe(0);
    expect(size({ dealerGamma: -0.4, positionGamma: -0.7 }, { minDealerGamma: 0 }).reasons[0]).toMatch(/short gamma and dealers' net gamma is below 0 of their gross/);
  });

  it('gamma flip: only a short-gamma position, only when dealers are further short than the limit; never by default', () => {
    expect(size({ dealerGamma: -0.4, positionGamma: -0.7 }).units).toBeGreaterThan(0);
    expect(size({ dealerGamma: -0.4, positionGamma: 0.7 }, { minDealerGamma: 0 }).units).toBeGreaterThan(0);
    expect(size({ dealerGamma: 0.2, positionGamma: -0.7 }, { minDealerGamma: 0 }).units).toBeGreaterThan(0);
    expect(size({ dealerGamma: -0.4, positionGamma: -0.7 }, { minDealerGamma: -0.5 }).units).toBeGreaterThan(0);
  });

  it('passes flags under the limits, and the limits are configurable', () => {
    expect(size({ bidAskPct: 0.05, pinning: 0.2 }).units).toBeGreaterThan(0);
    expect(size({ bidAskPct: 0.25 }, { maxBidAskPct: 0.3 }).units).toBeGreaterThan(0);
  });
});
