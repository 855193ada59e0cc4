import { describe, expect, it } from 'vitest';
import { RiskGate } from '../risk/index.js';
import { analyzePosition, kellyFraction, sizePosition, type PositionInput } from './index.js';

const MONTH = 30 / 365;
const T0 = Date.UTC(2024, 2, 4, 15);
const spread: PositionInput = {
  spot: 100,
  rate: 0,
  vol: 0.45,
  legs: [
    { right: 'call', quantity: -1, strike: 105, years: MONTH, premium: 3.1 },
    { right: 'call', quantity: 1, strike: 112, years: MONTH, premium: 1.1 },
  ],
};

describe('Kelly on PoP', () => {
  it('is the textbook p − (1 − p)·risk/reward when every win is the max reward and every loss the max risk', () => {
    // the seed example: PoP 0.72, risk 500, reward 200 → 0.72 − 0.28 × 2.5 = 0.02
    expect(kellyFraction(0.72, 200, 500, 500)).toBeCloseTo(0.02, 12);
    expect(kellyFraction(0.5, 100, 100, 100)).toBe(0);
    expect(kellyFraction(0.6, 0, 100, 100)).toBe(-1);
  });
});

describe('sizePosition', () => {
  const a = analyzePosition(spread);

  it('stakes half Kelly of equity at maximum risk, in whole spreads', () => {
    const gate = new RiskGate({ maxDailyLoss: 0.5, maxPositionPct: 0.5 });
    const s = sizePosition({ analysis: a, equity: 1_000_000, gate, time: T0 });
    expect(s.kelly).toBeCloseTo(kellyFraction(a.probabilityOfProfit, a.averageWin, a.averageLoss, 500), 12);
    expect(s.kelly).toBeGreaterThan(0);
    expect(s.requestedRiskPct).toBeCloseTo(s.kelly / 2, 12);
    expect(s.allowedRiskPct).toBe(s.requestedRiskPct);
    expect(s.units).toBe(Math.floor((s.requestedRiskPct * 1_000_000) / 500));
    expect(s.riskAmount).toBe(s.units * 500);
    expect(s.reasons).toEqual([]);
  });

  it('is capped by the risk gate: the worst case must fit in the day’s loss budget', () => {
    const gate = new RiskGate({ maxDailyLoss: 0.001, maxPositionPct: 0.5 }); // 1,000 of 1,000,000
    const s = sizePosition({ analysis: a, equity: 1_000_000, gate, time: T0, kellyFraction: 1 });
    expect(s.allowedRiskPct).toBeCloseTo(0.001, 12);
    expect(s.units).toBe(2); // 2 × 500 = the 1,000 budget
    expect(s.reasons[0]).toMatch(/today's loss budget/);
  });

  it('refuses what the gate refuses: a tripped breaker, a drawdown, an unlimited worst case, no edge', () => {
    const gate = new RiskGate();
    for (let i = 0; i < 5; i++) gate.recordTradeClosed(-10, T0 - 1000 + i, 100_000);
    expect(sizePosition({ analysis: a, equity: 100_000, gate, time: T0 }).reasons[0]).toMatch(/circuit breaker/);
    expect(sizePosition({ analysis: a, equity: 100_000, gate: new RiskGate(), time: T0, drawdown: 0.3 }).reasons[0]).toMatch(/drawdown/);
    const naked = analyzePosition({ ...spread, legs: [spread.legs[0]!] });
    const s = sizePosition({ analysis: naked, equity: 100_000, gate: new RiskGate(), time: T0 });
    expect(s.units).toBe(0);
    expect(s.reasons[0]).toMatch(/lose without limit/);
    // Sold too cheap: 0.50 of credit for 6.50 of risk with the same odds has no edge.
    const cheap = analyzePosition({ ...spread, legs: [{ ...spread.legs[0]!, premium: 1.6 } as never, spread.legs[1]!] });
    expect(sizePosition({ analysis: cheap, equity: 100_000, gate: new RiskGate(), time: T0 }).reasons[0]).toMatch(/^no edge: Kelly -/);
  });
});
