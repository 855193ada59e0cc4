import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgentPanel, AgentReview, AGENT_ROLES, MarketContextBuilder, type Agent, type AgentRole, type Assessment } from '../../src/agents/index.js';
import { runBacktest, type EntryRequest, type Trade } from '../../src/backtest/index.js';
import { sliceSeries, type CandleSeries } from '../../src/data/index.js';
import { maxStopDistance } from '../../src/risk/index.js';
import { ethBtc, greedyMomentum } from './fixtures.js';

const DAY = 86_400_000;
let series: CandleSeries;
beforeAll(() => {
  series = sliceSeries(ethBtc(), undefined, ethBtc().time[2000]);
});

/** Anything an agent (an LLM especially) might say, including asks to go bigger and looser. */
const answer = fc.record({
  decision: fc.constantFrom('BUY', 'SELL', 'HOLD'),
  confidence: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1, 5, -1, Number.NaN)),
  pct: fc.option(fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constant(Number.NaN)), { nil: undefined }),
  stopScale: fc.option(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { nil: undefined }),
});
type Answer = typeof answer extends fc.Arbitrary<infer T> ? T : never;

/** A seat that reads its answers off a script, in turn. */
function scripted(role: AgentRole, script: Answer[]): Agent {
  let k = 0;
  return {
    role,
    kind: 'llm',
    assess(p) {
      const a = script[k++ % script.length]!;
      const out: Assessment = { decision: a.decision as Assessment['decision'], confidence: a.confidence, reasoning: 'scripted' };
      if (a.pct !== undefined || a.stopScale !== undefined) {
        out.modifications = {};
        if (a.pct !== undefined) out.modifications.pct = a.pct;
        if (a.stopScale !== undefined) out.modifications.stopPrice = p.price * a.stopScale;
      }
      return out;
    },
  };
}

describe('the risk gate cannot be talked past', () => {
  it('for any sequence of agent answers, no executed position breaches the limits', () => {
    let trades = 0;
    fc.assert(
      fc.property(
        fc.record({
          scripts: fc.array(fc.array(answer, { minLength: 1, maxLength: 12 }), { minLength: AGENT_ROLES.length, maxLength: AGENT_ROLES.length }),
          maxPositionPct: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
          maxDailyLoss: fc.oneof(fc.double({ min: 0.0005, max: 0.03, noNaN: true }), fc.double({ min: 0.03, max: 0.5, noNaN: true })),
          maxConsecutiveLosses: fc.integer({ min: 1, max: 6 }),
          breakerHours: fc.integer({ min: 1, max: 24 }),
        }),
        ({ scripts, maxPositionPct, maxDailyLoss, maxConsecutiveLosses, breakerHours }) => {
          const agents: Partial<Record<AgentRole, Agent>> = {};
          AGENT_ROLES.forEach((role, i) => (agents[role] = scripted(role, scripts[i]!)));
          const limits = { maxPositionPct, maxDailyLoss, maxConsecutiveLosses, breakerCooldownMs: breakerHours * 3_600_000 };
          const context = new MarketContextBuilder(series);
          const review = new AgentReview(new AgentPanel({ agents, limits }), context);
          const asked = new Map<number, EntryRequest>();
          const report = runBacktest(greedyMomentum(), series, { maxPositionCap: 1 }, {
            decide: (entry) => {
              asked.set(entry.bar, { ...entry });
              return review.decide(entry);
            },
            onSignal: review.onSignal,
            onTrade: review.onTrade,
          });
          const closed: Trade[] = [];
          for (const t of report.trades) {
            const signalBar = t.entryBar - 1;
            const entry = asked.get(signalBar)!;
            expect(entry).toBeDefined();
            // Size: never above the hard cap (flat before each entry, so equity at the open is the close's).
            expect((t.qty * t.entryPrice) / entry.equity).toBeLessThanOrEqual(maxPositionPct * (1 + 1e-9));
            // Stop: always set, never wider than the volatility table at the signal bar.
            const market = context.at(signalBar);
            expect(t.stopPrice).toBeDefined();
            expect(Math.abs(t.stopPrice! - t.entryPrice) / entry.price).toBeLessThanOrEqual(maxStopDistance(market) + 1e-9);
            // Circuit breaker and daily loss, recomputed from the trades closed before the signal.
            const before = report.trades.filter((x) => x.exitTime <= entry.time && x.id < t.id);
            // Every N losses in a row trip the breaker for the cool-down, then the count starts afresh.
            let streak = 0;
            let trippedUntil = -Infinity;
            for (const x of [...before].sort((a, b) => a.exitTime - b.exitTime || a.id - b.id)) {
              if (x.pnl >= 0) streak = 0;
              else if (++streak >= maxConsecutiveLosses) {
                trippedUntil = Math.max(trippedUntil, x.exitTime + limits.breakerCooldownMs);
                streak = 0;
              }
            }
            expect(entry.time).toBeGreaterThanOrEqual(trippedUntil);
            const today = Math.floor(entry.time / DAY);
            const todayPnl = before.filter((x) => Math.floor(x.exitTime / DAY) === today).reduce((s, x) => s + x.pnl, 0);
            expect(todayPnl).toBeGreaterThan(-maxDailyLoss * (entry.equity - todayPnl) * 1.0001);
            closed.push(t);
          }
          trades += closed.length;
        },
      ),
      { numRuns: 40, seed: 5 },
    );
    // The property is about fills: make sure the scripts produced plenty of them.
    expect(trades).toBeGreaterThan(100);
  });
});
