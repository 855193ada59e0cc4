import { describe, expect, it } from 'vitest';
import { RiskGate, describeReview, maxStopDistance, type RiskMarket, type RiskProposal } from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4, 10);
const calm: RiskMarket = { vix: 18, regime: 'normal', volPercentile: 0.5, drawdown: 0 };

function long(over: Partial<RiskProposal> = {}): RiskProposal {
  return { side: 'BUY', pct: 0.05, stopPrice: 98, takeProfitPrice: 106, price: 100, time: T0, equity: 10_000, ...over };
}

describe('the VIX stop table', () => {
  it('2% above VIX 25, 5% below 12, 3% between; the realized-vol regime stands in without VIX', () => {
    expect(maxStopDistance({ ...calm, vix: 30 })).toBe(0.02);
    expect(maxStopDistance({ ...calm, vix: 11 })).toBe(0.05);
    expect(maxStopDistance({ ...calm, vix: 25 })).toBe(0.03);
    expect(maxStopDistance({ ...calm, vix: NaN, regime: 'highVolatility' })).toBe(0.02);
    expect(maxStopDistance({ ...calm, vix: NaN, volPercentile: 0.1 })).toBe(0.05);
    expect(maxStopDistance({ ...calm, vix: NaN })).toBe(0.03);
  });
});

describe('RiskGate', () => {
  it('approves a proposal inside every limit unchanged', () => {
    const r = new RiskGate().check(long(), calm);
    expect(r.status).toBe('APPROVED');
    expect(r.pct).toBe(0.05);
    expect(r.stopPrice).toBe(98);
    expect(r.modifications).toEqual([]);
  });

  it('shrinks 15% to the 10% cap and tightens an 8% stop to the 3% the table allows, and says so', () => {
    const gate = new RiskGate({ maxPositionPct: 0.1 });
    const r = gate.check(long({ pct: 0.15, stopPrice: 92 }), calm);
    expect(r.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(r.pct).toBe(0.1);
    expect(r.stopPrice).toBeCloseTo(97, 10);
    expect(r.modifications.map((m) => [m.field, m.from, m.rule])).toEqual([
      ['size', 0.15, 'max-position'],
      ['stop', 92, 'volatility-stop'],
    ]);
    const words = describeReview(r, gate.limits);
    expect(words[0]).toContain('15.0% exceeds the single-position limit; 10.0% instead');
    expect(words[1]).toContain('tightened to 97');
  });

  it('adds a stop where the strategy set none (short side: above the price)', () => {
    const r = new RiskGate().check(long({ side: 'SELL', stopPrice: NaN, takeProfitPrice: NaN }), { ...calm, vix: 30 });
    expect(r.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(r.stopPrice).toBeCloseTo(102, 10);
    expect(r.modifications[0]!.rule).toBe('missing-stop');
  });

  it('rejects a stop on the winning side of the entry', () => {
    const r = new RiskGate().check(long({ stopPrice: 101 }), calm);
    expect(r.status).toBe('REJECTED');
    expect(r.rejection).toBe('stop-wrong-side');
  });

  it('takes agent advice only when it lowers risk', () => {
    const gate = new RiskGate();
    const bigger = gate.check(long(), calm, { pct: 0.5, stopPrice: 90 });
    expect(bigger.status).toBe('APPROVED');
    expect(bigger.pct).toBe(0.05);
    expect(bigger.stopPrice).toBe(98);
    const smaller = gate.check(long(), calm, { pct: 0.02, stopPrice: 99 });
    expect(smaller.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(smaller.pct).toBe(0.02);
    expect(smaller.stopPrice).toBe(99);
  });

  it('stops new entries for the rest of the UTC day once the daily loss limit is reached', () => {
    const gate = new RiskGate({ maxDailyLoss: 0.03 });
    gate.check(long(), calm); // the day starts at 10,000
    gate.recordTradeClosed(-310, T0 + 1000, 10_000);
    expect(gate.check(long({ time: T0 + 2000 }), calm).rejection).toBe('daily-loss');
    const nextDay = gate.check(long({ time: T0 + DAY, equity: 9_690 }), calm);
    expect(nextDay.status).toBe('APPROVED');
  });

  it("shrinks a trade whose worst case would not fit in what is left of today's budget", () => {
    const gate = new RiskGate({ maxDailyLoss: 0.03 });
    gate.check(long(), calm);
    gate.recordTradeClosed(-290, T0 + 1000, 10_000); // 10 left of a 300 budget
    // 10% at a 2% stop risks 20: only 5% fits.
    const r = gate.check(long({ pct: 0.1, time: T0 + 2000 }), calm);
    expect(r.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(r.pct).toBeCloseTo(0.05, 10);
    expect(r.modifications.at(-1)!.rule).toBe('daily-loss-budget');
  });

  it('trips the circuit breaker after N consecutive losses and resets after the cool-down', () => {
    const gate = new RiskGate({ maxConsecutiveLosses: 3, breakerCooldownMs: 6 * 3_600_000, maxDailyLoss: 0.5 });
    for (let k = 0; k < 2; k++) gate.recordTradeClosed(-10, T0 + k, 10_000);
    expect(gate.check(long({ time: T0 + 10 }), calm).status).toBe('APPROVED');
    gate.recordTradeClosed(-10, T0 + 20, 10_000);
    expect(gate.check(long({ time: T0 + 30 }), calm).rejection).toBe('circuit-breaker');
    expect(gate.check(long({ time: T0 + 20 + 6 * 3_600_000 }), calm).status).toBe('APPROVED');
    expect(gate.losingStreak).toBe(0);
  });

  it('a win resets the losing streak', () => {
    const gate = new RiskGate({ maxConsecutiveLosses: 2, maxDailyLoss: 0.5 });
    gate.recordTradeClosed(-10, T0, 10_000);
    gate.recordTradeClosed(5, T0 + 1, 10_000);
    gate.recordTradeClosed(-10, T0 + 2, 10_000);
    expect(gate.check(long({ time: T0 + 3 }), calm).status).toBe('APPROVED');
  });

  it('stops new entries at the drawdown limit', () => {
    expect(new RiskGate({ maxDrawdown: 0.2 }).check(long(), { ...calm, drawdown: 0.21 }).rejection).toBe('max-drawdown');
  });

  it('rejects nonsense sizes and prices', () => {
    const gate = new RiskGate();
    expect(gate.check(long({ pct: NaN }), calm).rejection).toBe('invalid-size');
    expect(gate.check(long({ pct: -0.1 }), calm).rejection).toBe('invalid-size');
    expect(gate.check(long({ price: 0 }), calm).rejection).toBe('invalid-price');
  });
});

describe('RiskGate.checkDefinedRisk (an options position whose worst case is known)', () => {
  it('approves a max loss inside the limits, caps it at the position limit, fits it in the day’s budget', () => {
    expect(new RiskGate().checkDefinedRisk({ maxLossPct: 0.01, time: T0, equity: 10_000 }, calm)).toMatchObject({ status: 'APPROVED', pct: 0.01 });
    const capped = new RiskGate({ maxPositionPct: 0.1, maxDailyLoss: 0.5 }).checkDefinedRisk({ maxLossPct: 0.2, time: T0, equity: 10_000 }, calm);
    expect(capped.pct).toBe(0.1);
    expect(capped.modifications.map((m) => m.rule)).toEqual(['max-position']);
    const gate = new RiskGate({ maxDailyLoss: 0.03 });
    gate.recordTradeClosed(-200, T0 - 1000, 10_000);
    const fitted = gate.checkDefinedRisk({ maxLossPct: 0.05, time: T0, equity: 9_800 }, calm);
    expect(fitted.pct).toBeCloseTo(100 / 9_800, 12); // 300 budget − 200 lost today
    expect(fitted.modifications.map((m) => m.rule)).toEqual(['daily-loss-budget']);
    expect(fitted.stopPrice).toBeNaN();
  });

  it('rejects an unlimited worst case, and in a drawdown', () => {
    expect(new RiskGate().checkDefinedRisk({ maxLossPct: Infinity, time: T0, equity: 10_000 }, calm).rejection).toBe('undefined-max-loss');
    expect(new RiskGate().checkDefinedRisk({ maxLossPct: 0.01, time: T0, equity: 10_000 }, { drawdown: 0.3 }).rejection).toBe('max-drawdown');
  });
});
