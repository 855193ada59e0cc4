/** One number format for a change in a fraction, in the lens as in every other face: `+2.1 pp`. */
import { describe, expect, it } from 'vitest';
import { lensTitle, percentagePoints } from '../src/service/backtest.js';
import type { BacktestSummary } from '../src/protocol.js';

const summary: BacktestSummary = {
  strategy: 'RSI', symbol: 'BTC/USDT', timeframe: '1h', data: 'synthetic:42', bars: 100, from: 0, to: 1,
  sharpe: 1.21, maxDrawdown: 0.082, trades: 42, winRate: 0.55, totalReturn: 0.124, durationMs: 1, finishedAt: 1,
};

describe('percentage points', () => {
  it('signed, one decimal, a space before pp, and no "-0.0"', () => {
    expect([0.021, -0.004, 0, -0.0004, 0.0004, 0.12345].map(percentagePoints)).toEqual(['+2.1 pp', '-0.4 pp', '±0.0 pp', '±0.0 pp', '±0.0 pp', '+12.3 pp']);
  });

  it('the lens title uses it for every fraction', () => {
    expect(lensTitle(summary, { sharpe: 0.15, maxDrawdown: -0.01, trades: 3, winRate: 0.02, totalReturn: 0.021 })).toBe(
      'Sharpe 1.21 (+0.15) · Max DD 8.2% (-1.0 pp) · 42 trades (+3) · Win 55% (+2.0 pp) · Return +12.4% (+2.1 pp)',
    );
  });
});
