import { describe, expect, it } from 'vitest';
import type { Trade } from '../backtest/index.js';
import { createRandom } from '../data/index.js';
import {
  createSearch,
  deflatedSharpe,
  expectedMaxSharpe,
  gridPoints,
  monteCarlo,
  normalCdf,
  normalQuantile,
  overfittingProbability,
  paramSpace,
  pathOf,
  probabilisticSharpe,
  scoreOf,
  snap,
  tradeReturns,
  walkForwardWindows,
  type ParamSet,
  type SearchMethod,
} from './index.js';

describe('the parameter space (README: "the space")', () => {
  const space = paramSpace({
    fast: { value: 21, min: 5, max: 50, step: 1 },
    slow: { value: 55, min: 20, max: 200, step: 5 },
    maxVol: { value: 1.2, min: 0.2, max: 3, step: 0.1 },
    period: { value: 14, min: 5, max: 30 },
    width: { value: 2, min: 1.5, max: 3.5, description: 'no step, not all integers' },
    fee: 3,
    fixed: { value: 7, description: 'no range' },
  });

  it('searches params with a range, keeps the others at their defaults', () => {
    expect(space.dimensions.map((d) => d.name)).toEqual(['fast', 'slow', 'maxVol', 'period', 'width']);
    expect(space.fixed).toEqual({ fee: 3, fixed: 7 });
  });

  it('integers stay integers, a step is honoured, a continuous param is continuous', () => {
    const [fast, slow, maxVol, period, width] = space.dimensions;
    expect(period).toMatchObject({ integer: true, step: 1 });
    expect(width).toMatchObject({ integer: false });
    expect(width!.step).toBeUndefined();
    expect(snap(fast!, 7.6)).toBe(8);
    expect(snap(slow!, 23)).toBe(25);
    expect(snap(slow!, 201)).toBe(200);
    expect(snap(maxVol!, 0.5000001)).toBe(0.5);
    expect(snap(maxVol!, 2.96)).toBe(3);
    expect(snap(width!, 2.345)).toBe(2.345);
    const random = createSearch('random', space, 200, 5).nextBatch();
    for (const p of random) {
      expect(Number.isInteger(p.fast) && Number.isInteger(p.slow) && Number.isInteger(p.period)).toBe(true);
      expect(p.slow! % 5).toBe(0);
      expect(Math.round(p.maxVol! * 10) / 10).toBe(p.maxVol);
      expect(p.maxVol!).toBeGreaterThanOrEqual(0.2);
      expect(p.maxVol!).toBeLessThanOrEqual(3);
    }
  });

  it('refuses a range that is empty, naming the param', () => {
    expect(() => paramSpace({ x: { value: 3, min: 5, max: 5 } }, '/s.strategy.ts')).toThrow(/param 'x' has min 5 and max 5/);
  });

  it('a grid takes every combination when it fits, and thins evenly (ends included) when not', () => {
    const small = paramSpace({ a: { value: 1, min: 1, max: 3 }, b: { value: 0.5, min: 0.5, max: 1, step: 0.25 } });
    expect(gridPoints(small, 100)).toEqual([
      { a: 1, b: 0.5 }, { a: 1, b: 0.75 }, { a: 1, b: 1 },
      { a: 2, b: 0.5 }, { a: 2, b: 0.75 }, { a: 2, b: 1 },
      { a: 3, b: 0.5 }, { a: 3, b: 0.75 }, { a: 3, b: 1 },
    ]);
    // 46 × 37 values; 25 trials: 5 levels each, min and max among them.
    const big = paramSpace({ fast: { value: 21, min: 5, max: 50 }, slow: { value: 55, min: 20, max: 200, step: 5 } });
    const g = gridPoints(big, 25);
    expect(g).toHaveLength(25);
    expect([...new Set(g.map((p) => p.fast))]).toEqual([5, 16, 28, 39, 50]);
    expect([...new Set(g.map((p) => p.slow))]).toEqual([20, 65, 110, 155, 200]);
  });

  it('the same seed gives the same trials; another seed others', () => {
    const a = createSearch('random', space, 20, 9).nextBatch();
    expect(createSearch('random', space, 20, 9).nextBatch()).toEqual(a);
    expect(createSearch('random', space, 20, 10).nextBatch()).not.toEqual(a);
  });
});

describe('objectives and --min-trades', () => {
  const m = { trades: 40, sharpe: 1.5, sortino: null, calmar: 2, totalReturn: 0.3, maxDrawdown: 0.1 } as never;
  it('reads the objective, and fails a trial below --min-trades', () => {
    expect(scoreOf(m, 'sharpe', 30)).toBe(1.5);
    expect(scoreOf(m, 'sortino', 30)).toBe(Infinity);
    expect(scoreOf(m, 'calmar', 30)).toBe(2);
    expect(scoreOf(m, 'return/drawdown', 30)).toBeCloseTo(3, 12);
    expect(scoreOf(m, 'sharpe', 41)).toBeNull();
  });
});

describe('walk-forward windows (README: "walk-forward")', () => {
  // 700 bars, 4 folds, train = 3 test blocks: 7 blocks of 100 bars.
  const time = Array.from({ length: 700 }, (_, i) => 1_000 + i * 10);
  it('rolling: each fold trains on the 3 blocks before its test block', () => {
    const w = walkForwardWindows(time, 4, 'rolling');
    expect(w.map((f) => [f.train.start, f.train.end, f.test.start, f.test.end])).toEqual([
      [0, 300, 300, 400],
      [100, 400, 400, 500],
      [200, 500, 500, 600],
      [300, 600, 600, 700],
    ]);
    expect(w[0]!.train).toMatchObject({ from: 1_000, to: 4_000 });
    expect(w[0]!.test).toMatchObject({ from: 4_000, to: 5_000 });
    expect(w[3]!.test.to).toBeUndefined();
  });
  it('anchored: each fold trains on everything before its test block', () => {
    const w = walkForwardWindows(time, 4, 'anchored');
    expect(w.map((f) => [f.train.start, f.train.end, f.test.start, f.test.end])).toEqual([
      [0, 300, 300, 400],
      [0, 400, 400, 500],
      [0, 500, 500, 600],
      [0, 600, 600, 700],
    ]);
  });
  it('the last test window takes the bars that do not divide evenly', () => {
    const w = walkForwardWindows(Array.from({ length: 745 }, (_, i) => i), 4, 'rolling');
    expect(w[3]!.test).toMatchObject({ start: 636, end: 745 });
  });
  it('refuses folds that leave too few bars, saying how many would fit', () => {
    expect(() => walkForwardWindows(time, 20, 'rolling')).toThrow(/20 folds over 700 bars leave 30 bars per test window/);
  });
});

describe('the normal distribution', () => {
  it('agrees with tables', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263479, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 6);
  });
});

describe('deflated Sharpe ratio (Bailey & López de Prado 2014, their worked example)', () => {
  // Annualised SR 2.5 over 5 years of daily returns (T = 1250), 100 trials whose Sharpes have an
  // annualised variance of 0.5, skew −3, kurtosis 10. Per day: SR = 2.5/√250 = 0.158114, V = 0.002.
  // E[max SR] = √0.002 × (0.422784 × Φ⁻¹(0.99) + 0.577216 × Φ⁻¹(1 − 1/(100e)))
  //           = 0.044721 × (0.422784 × 2.326348 + 0.577216 × 2.679905) = 0.11317 (the paper: 0.1132).
  // DSR = Φ((0.158114 − 0.113179) × √1249 / √(1 + 3 × 0.158114 + 9/4 × 0.158114²)) = Φ(1.28367) = 0.9004.
  it('reproduces E[max SR] = 0.1132 and DSR = 0.9004', () => {
    const benchmark = expectedMaxSharpe(100, 0.5 / 250);
    expect(benchmark).toBeCloseTo(0.1132, 4);
    expect(probabilisticSharpe(2.5 / Math.sqrt(250), benchmark, 1250, -3, 10)).toBeCloseTo(0.9004, 3);
  });
  it('one trial is not deflated: the benchmark is 0', () => {
    expect(expectedMaxSharpe(1, 0.01)).toBe(0);
  });
  it('from returns: a strong, steady best survives few trials, not many noisy ones', () => {
    const random = createRandom(3);
    const best = Array.from({ length: 500 }, () => 0.001 + 0.01 * (random() - 0.5));
    const steady = deflatedSharpe(best, [0.1, 0.11, 0.09]);
    expect(steady.probability).toBeGreaterThan(0.99);
    const noisy = deflatedSharpe(best, Array.from({ length: 1000 }, () => random() - 0.5));
    expect(noisy.expectedMaxSharpe).toBeGreaterThan(steady.sharpe);
    expect(noisy.probability).toBeLessThan(0.05);
  });
});

describe('probability of backtest overfitting by CSCV', () => {
  // Each block is two returns, mean m ± 0.02: within a half, the higher sum of block means has the
  // higher Sharpe (the spread of the means moves the deviation by under 1%).
  const trial = (means: number[]) => means.flatMap((m) => [m * 0.001 + 0.02, m * 0.001 - 0.02]);

  it('a trial best in one half and worst in the other: every split is overfit (PBO 1)', () => {
    const r = overfittingProbability([trial([10, 0]), trial([0, 10])], 2);
    expect(r).toMatchObject({ probability: 1, splits: 2, blocks: 2 });
  });
  it('a trial best everywhere: no split is overfit (PBO 0)', () => {
    expect(overfittingProbability([trial([10, 10]), trial([0, 0])], 2).probability).toBe(0);
  });
  it('three trials over four blocks, worked by hand: 2 of 6 splits overfit', () => {
    // Block means (×0.001): A 1 1 2 5, B 4 6 0 4, C 0 1 1 2. Sums per half, best in-sample → its
    // out-of-sample rank of 3 (ω = rank/4, overfit when rank ≤ 2):
    //   IS {0,1}: A2 B10 C1 → B; OOS {2,3}: A7 B4 C3 → rank 2, overfit
    //   IS {0,2}: A3 B4 C1 → B; OOS {1,3}: A6 B10 C3 → rank 3
    //   IS {1,2}: A3 B6 C2 → B; OOS {0,3}: A6 B8 C2 → rank 3
    //   IS {0,3}: A6 B8 C2 → B; OOS {1,2}: A3 B6 C2 → rank 3
    //   IS {1,3}: A6 B10 C3 → B; OOS {0,2}: A3 B4 C1 → rank 3
    //   IS {2,3}: A7 B4 C3 → A; OOS {0,1}: A2 B10 C1 → rank 2, overfit
    const r = overfittingProbability([trial([1, 1, 2, 5]), trial([4, 6, 0, 4]), trial([0, 1, 1, 2])], 4);
    expect(r.splits).toBe(6);
    expect(r.probability).toBeCloseTo(2 / 6, 12);
    expect(r.meanRank).toBeCloseTo((2 + 3 + 3 + 3 + 3 + 2) / 6 / 4, 12);
  });
  it('pure noise overfits about half the time', () => {
    const random = createRandom(11);
    const noise = Array.from({ length: 40 }, () => Array.from({ length: 320 }, () => random() - 0.5));
    const r = overfittingProbability(noise, 16);
    expect(r.splits).toBe(12870);
    expect(r.probability).toBeGreaterThan(0.3);
    expect(r.probability).toBeLessThan(0.7);
  });
});

describe('Monte Carlo of the trade sequence', () => {
  const trades = [100, -50, 200, -150, 80].map((pnl, i) => ({ id: i + 1, pnl, exitTime: i }) as Trade);
  it("turns trades into returns on the equity before each: 100/10000, −50/10100, …", () => {
    const r = tradeReturns(trades, 10_000);
    expect(Array.from(r)).toEqual([100 / 10_000, -50 / 10_100, 200 / 10_050, -150 / 10_250, 80 / 10_100]);
    // Compounded back, the returns give the backtest's end equity: 10,180.
    expect(pathOf(r).totalReturn).toBeCloseTo(0.018, 12);
  });
  it('a shuffle keeps the return and moves the drawdown; the same seed gives the same figures', () => {
    const r = tradeReturns(trades, 10_000);
    const a = monteCarlo(r, 500, 7);
    expect(a).toEqual(monteCarlo(r, 500, 7));
    expect(a.shuffle.maxDrawdown.p5).toBeLessThan(a.shuffle.maxDrawdown.p95);
    // The worst order puts both losses together: (1 − 50/10100)(1 − 150/10250) fall.
    expect(a.shuffle.maxDrawdown.p95).toBeLessThanOrEqual(1 - (1 - 50 / 10_100) * (1 - 150 / 10_250) + 0.01);
    expect(a.bootstrap.totalReturn.p5).toBeLessThan(0.018);
    expect(a.bootstrap.totalReturn.p95).toBeGreaterThan(0.018);
    expect(a.bootstrap.probabilityOfLoss).toBeGreaterThan(0);
  });
});

describe('TPE against random search, same budget, on a known function', () => {
  // A narrow peak at fast = 37, slow = 140, width = 2.7 in a space of 46 × 37 × continuous values.
  const space = paramSpace({
    fast: { value: 20, min: 5, max: 50 },
    slow: { value: 60, min: 20, max: 200, step: 5 },
    width: { value: 2.5, min: 1, max: 4 },
  });
  const f = (p: ParamSet) => -(((p.fast! - 37) / 45) ** 2 + ((p.slow! - 140) / 180) ** 2 + ((p.width! - 2.7) / 3) ** 2);
  const bestOf = (method: SearchMethod, seed: number, budget: number) => {
    const s = createSearch(method, space, budget, seed);
    let best = -Infinity;
    for (let batch = s.nextBatch(); batch.length > 0; batch = s.nextBatch()) {
      for (const p of batch) {
        const y = f(p);
        best = Math.max(best, y);
        s.tell(p, y);
      }
    }
    return best;
  };
  it('finds a better optimum on average over 20 seeds with 60 trials each', () => {
    let tpe = 0;
    let random = 0;
    let wins = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const t = bestOf('tpe', seed, 60);
      const r = bestOf('random', seed, 60);
      tpe += t / 20;
      random += r / 20;
      if (t > r) wins++;
    }
    // Regret (distance from the peak's 0): measured 0.0020 for TPE, 0.0253 for random.
    expect(-tpe).toBeLessThan(-random / 4);
    expect(wins).toBeGreaterThanOrEqual(16);
  });
});
