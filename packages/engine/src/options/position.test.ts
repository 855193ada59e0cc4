import { describe, expect, it } from 'vitest';
import { createRandom } from '../data/index.js';
import { analyzePosition, priceOption, type PositionInput } from './index.js';

const MONTH = 30 / 365;

/** Standard normal draws from a seeded stream (Box–Muller), for the Monte Carlo checks. */
function normals(seed: number): () => number {
  const u = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** P(P&L > 0) at the first expiry by simulating S_T under the same lognormal model. */
function monteCarloPop(p: PositionInput, pnl: (s: number) => number, horizon: number, paths: number, seed: number): number {
  const z = normals(seed);
  const mu = p.drift ?? p.rate - (p.dividendYield ?? 0);
  let wins = 0;
  for (let i = 0; i < paths; i++) {
    const s = p.spot * Math.exp((mu - 0.5 * p.vol * p.vol) * horizon + p.vol * Math.sqrt(horizon) * z());
    if (pnl(s) > 0) wins++;
  }
  return wins / paths;
}

// The seed's example (a short call spread: PoP ≈ 0.72, max risk 500, max reward 200): sell the
// 105 call for 3.10, buy the 112 for 1.10, a month out, 100 shares a contract, 45% vol.
const shortCallSpread: PositionInput = {
  spot: 100,
  rate: 0,
  vol: 0.45,
  legs: [
    { right: 'call', quantity: -1, strike: 105, years: MONTH, premium: 3.1 },
    { right: 'call', quantity: 1, strike: 112, years: MONTH, premium: 1.1 },
  ],
};

describe('a short call spread (the seed example)', () => {
  const a = analyzePosition(shortCallSpread);

  it('collects 200, risks 500, breaks even at 107, and wins about 72% of the time', () => {
    expect(a.entryCost).toBeCloseTo(-200, 9);
    expect(a.maxReward).toBeCloseTo(200, 9);
    expect(a.maxRisk).toBeCloseTo(500, 9);
    expect(a.breakevens).toEqual([expect.closeTo(107, 9)]);
    expect(a.probabilityOfProfit).toBeCloseTo(0.72, 2);
    expect(a.horizonYears).toBe(MONTH);
  });

  it('PoP is the lognormal P(S_T < 107), and a seeded Monte Carlo of the same model agrees', () => {
    const sd = 0.45 * Math.sqrt(MONTH);
    // P(S_T < 107) with ln S_T ~ N(ln 100 − σ²T/2, σ²T), checked against an N(x) value table:
    // z = (ln 1.07 + σ²T/2)/(σ√T) = 0.5889; N(0.5889) = 0.7220 (between the table's 0.7190 at
    // 0.58 and 0.7224 at 0.59)
    expect((Math.log(1.07) + 0.5 * sd * sd) / sd).toBeCloseTo(0.5889, 4);
    expect(a.probabilityOfProfit).toBeCloseTo(0.722, 3);
    const mc = monteCarloPop(shortCallSpread, (s) => 100 * (2 - Math.max(s - 105, 0) + Math.max(s - 112, 0)), MONTH, 400_000, 17);
    expect(Math.abs(mc - a.probabilityOfProfit)).toBeLessThan(0.004); // ~5 standard errors
  });

  it('greeks are the legs’ greeks times quantity and 100 shares', () => {
    const short = priceOption({ right: 'call', spot: 100, strike: 105, years: MONTH, rate: 0, vol: 0.45 });
    const long = priceOption({ right: 'call', spot: 100, strike: 112, years: MONTH, rate: 0, vol: 0.45 });
    expect(a.greeks.delta).toBeCloseTo(100 * (long.delta - short.delta), 10);
    expect(a.greeks.vega).toBeCloseTo(100 * (long.vega - short.vega), 10);
    expect(a.greeks.thetaPerDay).toBeCloseTo((100 * (long.theta - short.theta)) / 365, 10);
    expect(a.value).toBeCloseTo(100 * (long.price - short.price), 10);
    expect(a.greeks.delta).toBeLessThan(0);
  });

  it('gives the probability of touching the short strike and the breakeven before expiry, checked by simulating paths', () => {
    const [strike, breakeven] = a.touch;
    expect(strike).toMatchObject({ level: 105, why: 'short strike' });
    expect(breakeven).toMatchObject({ level: expect.closeTo(107, 9), why: 'breakeven' });
    // Touching is more likely than finishing beyond (about twice, the reflection principle).
    expect(breakeven!.probability).toBeGreaterThan(1 - a.probabilityOfProfit);
    // Monte Carlo: 50 steps a path, and between steps the Brownian-bridge chance of having
    // crossed, exp(−2(b − x)(b − y)/(σ²Δt)), so coarse steps do not miss touches.
    const z = normals(99);
    const u = createRandom(100);
    const steps = 50;
    const sigma = 0.45;
    const v = (sigma * sigma * MONTH) / steps;
    const level = Math.log(breakeven!.level);
    const paths = 40_000;
    let touched = 0;
    for (let i = 0; i < paths; i++) {
      let x = Math.log(100);
      for (let k = 0; k < steps; k++) {
        const y = x - 0.5 * v + Math.sqrt(v) * z();
        if (y >= level || u() < Math.exp((-2 * (level - x) * (level - y)) / v)) {
          touched++;
          break;
        }
        x = y;
      }
    }
    expect(Math.abs(touched / paths - breakeven!.probability)).toBeLessThan(0.012); // ~5 standard errors
  });
});

describe('the other shapes', () => {
  const base = { spot: 100, rate: 0.03, vol: 0.3 };

  it('iron condor: credit = max reward, width − credit = max risk, breakevens at the short strikes ∓ credit, PoP by Monte Carlo', () => {
    const p: PositionInput = {
      ...base,
      legs: [
        { right: 'put', quantity: 1, strike: 85, years: MONTH, premium: 0.3 },
        { right: 'put', quantity: -1, strike: 92, years: MONTH, premium: 1.1 },
        { right: 'call', quantity: -1, strike: 108, years: MONTH, premium: 1.2 },
        { right: 'call', quantity: 1, strike: 115, years: MONTH, premium: 0.4 },
      ],
    };
    const a = analyzePosition(p);
    expect(a.entryCost).toBeCloseTo(-160, 9);
    expect(a.maxReward).toBeCloseTo(160, 9);
    expect(a.maxRisk).toBeCloseTo(700 - 160, 9);
    expect(a.breakevens.map((b) => Number(b.toFixed(9)))).toEqual([90.4, 109.6]);
    const payoff = (s: number): number => 160 + 100 * (Math.max(85 - s, 0) - Math.max(92 - s, 0) - Math.max(s - 108, 0) + Math.max(s - 115, 0));
    expect(Math.abs(monteCarloPop(p, payoff, MONTH, 200_000, 3) - a.probabilityOfProfit)).toBeLessThan(0.006);
    expect(a.touch.map((t) => t.why)).toEqual(['breakeven', 'short strike', 'short strike', 'breakeven']);
  });

  it('long straddle: risk is the debit, reward unlimited, breakevens strike ± debit', () => {
    const a = analyzePosition({
      ...base,
      legs: [
        { right: 'call', quantity: 2, strike: 100, years: 0.25, premium: 6.2 },
        { right: 'put', quantity: 2, strike: 100, years: 0.25, premium: 5.5 },
      ],
    });
    expect(a.maxRisk).toBeCloseTo(2340, 9);
    expect(a.maxReward).toBe(Infinity);
    expect(a.breakevens.map((b) => Number(b.toFixed(9)))).toEqual([88.3, 111.7]);
    expect(a.greeks.vega).toBeGreaterThan(0);
  });

  it('short strangle: unlimited risk; its PoP is the mass between the breakevens', () => {
    const p: PositionInput = {
      ...base,
      legs: [
        { right: 'put', quantity: -1, strike: 90, years: MONTH, premium: 0.8 },
        { right: 'call', quantity: -1, strike: 110, years: MONTH, premium: 0.9 },
      ],
    };
    const a = analyzePosition(p);
    expect(a.maxRisk).toBe(Infinity);
    expect(a.maxReward).toBeCloseTo(170, 9);
    expect(a.breakevens.map((b) => Number(b.toFixed(9)))).toEqual([88.3, 111.7]);
    const payoff = (s: number): number => 170 - 100 * (Math.max(90 - s, 0) + Math.max(s - 110, 0));
    expect(Math.abs(monteCarloPop(p, payoff, MONTH, 200_000, 5) - a.probabilityOfProfit)).toBeLessThan(0.006);
  });

  it('calendar: valued at the near expiry with the far leg still alive; PoP by Monte Carlo with the far leg priced', () => {
    const p: PositionInput = {
      ...base,
      legs: [
        { right: 'call', quantity: -1, strike: 100, years: MONTH, premium: 3.6 },
        { right: 'call', quantity: 1, strike: 100, years: 3 * MONTH, premium: 6.3 },
      ],
    };
    const a = analyzePosition(p);
    expect(a.horizonYears).toBe(MONTH);
    expect(a.entryCost).toBeCloseTo(270, 9);
    // Most it can lose is the debit (both legs worthless far below, nearly equal far above).
    expect(a.maxRisk).toBeCloseTo(270, 6);
    expect(a.breakevens).toHaveLength(2);
    expect(a.breakevens[0]!).toBeLessThan(100);
    expect(a.breakevens[1]!).toBeGreaterThan(100);
    // The peak is at the strike: the far call's time value there, less the debit.
    const far = priceOption({ right: 'call', spot: 100, strike: 100, years: 2 * MONTH, rate: 0.03, vol: 0.3 }).price;
    expect(a.maxReward).toBeCloseTo(100 * far - 270, 6);
    const payoff = (s: number): number =>
      100 * (priceOption({ right: 'call', spot: s, strike: 100, years: 2 * MONTH, rate: 0.03, vol: 0.3 }).price - Math.max(s - 100, 0)) - 270;
    expect(Math.abs(monteCarloPop(p, payoff, MONTH, 100_000, 8) - a.probabilityOfProfit)).toBeLessThan(0.008);
    // and the breakevens are where that P&L is zero
    for (const b of a.breakevens) expect(Math.abs(payoff(b))).toBeLessThan(1e-6);
  });

  it('covered call: 100 shares and a short call cap the reward; the risk is the stock less the premium', () => {
    const a = analyzePosition({
      ...base,
      legs: [
        { right: 'underlying', quantity: 100, premium: 100 },
        { right: 'call', quantity: -1, strike: 105, years: MONTH, premium: 1.5 },
      ],
    });
    expect(a.maxReward).toBeCloseTo(650, 9);
    expect(a.maxRisk).toBeCloseTo(9850, 9);
    expect(a.breakevens.map((b) => Number(b.toFixed(9)))).toEqual([98.5]);
    expect(a.greeks.delta).toBeGreaterThan(0);
    expect(a.greeks.delta).toBeLessThan(100);
  });

  it('says which leg is wrong', () => {
    expect(() => analyzePosition({ ...base, legs: [] })).toThrow(/at least one leg/);
    expect(() => analyzePosition({ ...base, legs: [{ right: 'call', quantity: 1, strike: -5, years: 1, premium: 1 }] })).toThrow(/leg 1: strike must be positive, got -5/);
    expect(() => analyzePosition({ ...base, legs: [{ right: 'put', quantity: 0, strike: 5, years: 1, premium: 1 }] })).toThrow(/leg 1: quantity must be a non-zero number/);
  });
});
