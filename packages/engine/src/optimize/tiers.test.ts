import { describe, expect, it } from 'vitest';
import { nextTier, tierEvidence, type TierEvidence } from './index.js';

// README.md "Tiers": COLD → WARM at OOS Sharpe ≥ 0.5, ≥ 30 trades, drawdown ≤ 20%, PBO ≤ 50%;
// WARM → HOT at Sharpe ≥ 1, ≥ 100 trades, drawdown ≤ 15%, deflated Sharpe ≥ 0.95 (and paper); WARM → COLD
// below Sharpe 0.25, 30 trades, over 25% drawdown or 60% PBO; HOT → WARM below Sharpe 0.75 or over 20%.
const good: TierEvidence = { outOfSampleSharpe: 1.2, outOfSampleTrades: 140, outOfSampleDrawdown: 0.1, folds: 4, deflatedSharpe: 0.97, overfitting: 0.2 };

describe('tier rules', () => {
  it('promotes one step at a time, saying on what', () => {
    expect(nextTier('COLD', good)).toEqual({ tier: 'WARM', reason: 'promoted: out-of-sample Sharpe 1.20, 140 trades, max drawdown 10% over 4 folds, deflated Sharpe 0.97, PBO 20%' });
    // HOT also needs paper (paper-tiers.test.ts): a qualifying session.
    expect(nextTier('WARM', good)).toBeUndefined();
    expect(nextTier('WARM', good, undefined, [{ session: 1, startedAt: 0, capital: 1000, trades: 20, pnl: 5, drift: { agreement: 0.6, pnlDrift: 20 } }])?.tier).toBe('HOT');
    expect(nextTier('HOT', good)).toBeUndefined();
  });
  it('keeps COLD what misses any bar of WARM', () => {
    expect(nextTier('COLD', { ...good, outOfSampleSharpe: 0.49 })).toBeUndefined();
    expect(nextTier('COLD', { ...good, outOfSampleTrades: 29 })).toBeUndefined();
    expect(nextTier('COLD', { ...good, outOfSampleDrawdown: 0.21 })).toBeUndefined();
    expect(nextTier('COLD', { ...good, overfitting: 0.51 })).toBeUndefined();
  });
  it('HOT needs the deflated Sharpe: many trials with a lucky best stay WARM', () => {
    const paper = [{ session: 1, startedAt: 0, capital: 1000, trades: 30, pnl: 5, drift: { agreement: 1, pnlDrift: 0 } }];
    expect(nextTier('WARM', { ...good, deflatedSharpe: 0.9 }, undefined, paper)).toBeUndefined();
    expect(nextTier('WARM', { ...good, outOfSampleTrades: 99 }, undefined, paper)).toBeUndefined();
  });
  it('retires with every rule it broke', () => {
    expect(nextTier('WARM', { ...good, outOfSampleSharpe: 0.1, outOfSampleDrawdown: 0.3 })).toEqual({
      tier: 'COLD',
      reason: 'retired (Sharpe below 0.25, drawdown over 25%): out-of-sample Sharpe 0.10, 140 trades, max drawdown 30% over 4 folds, deflated Sharpe 0.97, PBO 20%',
    });
    expect(nextTier('HOT', { ...good, outOfSampleSharpe: 0.7 })?.tier).toBe('WARM');
    expect(nextTier('HOT', { ...good, outOfSampleDrawdown: 0.22 })?.reason).toMatch(/^retired \(drawdown over 20%\)/);
  });
  it('reads the evidence from the walk-forward folds: mean Sharpe, all trades, the deepest drawdown', () => {
    const fold = (sharpe: number, trades: number, maxDrawdown: number) => ({ outOfSample: { score: sharpe, metrics: { sharpe, trades, maxDrawdown } } });
    const e = tierEvidence({ walkForward: { folds: [fold(1, 10, 0.05), fold(0.5, 25, 0.12), fold(-0.3, 5, 0.08)] } as never, deflatedSharpe: { probability: 0.4 } as never });
    expect(e).toEqual({ outOfSampleSharpe: expect.closeTo(0.4, 12), outOfSampleTrades: 40, outOfSampleDrawdown: 0.12, folds: 3, deflatedSharpe: 0.4 });
    expect(tierEvidence({})).toBeUndefined();
  });
});
