import { describe, expect, it } from 'vitest';
import { chainSkew, ivPercentile, ivRank, priceOption, type ChainQuote } from './index.js';

describe('IV rank and IV percentile', () => {
  // A year that ranged 15%–40%, now at 35%.
  const iv = [0.2, 0.15, 0.4, 0.3, 0.25, 0.18, 0.22, 0.35];

  it('rank: where the reading sits between the window’s low and high', () => {
    expect(ivRank(iv)).toBeCloseTo((100 * (0.35 - 0.15)) / (0.4 - 0.15), 12); // 80
    expect(ivRank(iv, 2)).toBe(100);
    expect(ivRank(iv, 1)).toBe(0);
    expect(ivRank([0.2, 0.2, 0.2])).toBe(50);
  });

  it('percentile: the share of earlier readings below it', () => {
    expect(ivPercentile(iv)).toBeCloseTo((100 * 6) / 7, 12); // all but 0.40
    expect(ivPercentile(iv, 1)).toBe(0);
    expect(ivPercentile([0.2])).toBeNaN();
  });

  it('a window shorter than the history forgets what fell out of it, and skips missing readings', () => {
    // Over the last 3 readings (0.18, 0.22, 0.35) 0.35 is the top.
    expect(ivRank(iv, iv.length - 1, 3)).toBe(100);
    expect(ivPercentile(iv, iv.length - 1, 3)).toBe(100);
    expect(ivRank([0.1, Number.NaN, 0.3, 0.2])).toBeCloseTo(50, 12);
    expect(ivRank([0.1, 0.2, Number.NaN])).toBeNaN();
  });
});

describe('25-delta risk reversal and butterfly from a chain', () => {
  const market = { spot: 100, years: 0.25, rate: 0.02 };
  /** A smile: vol by strike, richer on the put side. */
  const smile = (k: number): number => 0.2 + 0.3 * Math.log(k / 100) ** 2 - 0.1 * Math.log(k / 100);
  const strikes = Array.from({ length: 41 }, (_, i) => 70 + i * 1.5);
  const chain: ChainQuote[] = strikes.flatMap((strike) => [
    { right: 'call' as const, strike, iv: smile(strike) },
    { right: 'put' as const, strike, iv: smile(strike) },
  ]);

  it('reads the skew of the smile: puts over calls, rich wings', () => {
    const s = chainSkew(chain, market);
    expect(s.riskReversal25).toBeLessThan(0);
    expect(s.butterfly25).toBeGreaterThan(0);
    expect(s.atm).toBeCloseTo(smile(s.forward), 3);
    // the 25-delta call's vol is the smile at the strike where a call's delta is 0.25 at that vol
    const call = priceOption({ right: 'call', spot: 100, strike: findStrike(0.25), years: 0.25, rate: 0.02, vol: s.call25 });
    expect(call.delta).toBeCloseTo(0.25, 2);
  });

  it('a flat smile has no risk reversal and no butterfly, from prices as well as vols', () => {
    const flat: ChainQuote[] = strikes.flatMap((strike) =>
      (['call', 'put'] as const).map((right) => ({ right, strike, price: priceOption({ right, spot: 100, strike, years: 0.25, rate: 0.02, vol: 0.3 }).price })),
    );
    const s = chainSkew(flat, market);
    expect(s.riskReversal25).toBeCloseTo(0, 8);
    expect(s.butterfly25).toBeCloseTo(0, 8);
    expect(s.atm).toBeCloseTo(0.3, 8);
  });

  it('says which side of the chain is missing', () => {
    const calls = chain.filter((c) => c.right === 'call' || c.strike > 95);
    expect(() => chainSkew(calls, market)).toThrow(/the chain's puts do not reach both sides of -0.25 delta/);
    expect(() => chainSkew([{ right: 'call', strike: 100 }], market)).toThrow(/neither iv nor price/);
  });

  function findStrike(delta: number): number {
    let lo = 100;
    let hi = 200;
    for (let i = 0; i < 100; i++) {
      const k = (lo + hi) / 2;
      if (priceOption({ right: 'call', spot: 100, strike: k, years: 0.25, rate: 0.02, vol: smile(k) }).delta > delta) lo = k;
      else hi = k;
    }
    return (lo + hi) / 2;
  }
});
