import { describe, expect, it } from 'vitest';
import { AGENT_ROLES, AgentPanel, AgentReview, ExecutionAgent, MarketContextBuilder, auditExecution, type Agent, type AgentRole, type AgentJournal } from '../../src/agents/index.js';
import { runBacktest } from '../../src/backtest/index.js';
import { seriesFromCandles, type Candle } from '../../src/data/index.js';
import { defineStrategy } from '../../src/strategy/index.js';

describe('auditExecution', () => {
  it('flags slippage over 1% and a fill over 110% of the approved size, nothing at the limits', () => {
    expect(auditExecution({ side: 'BUY', price: 100, pct: 0.1 }, { price: 101, pct: 0.11 })).toEqual([]);
    const issues = auditExecution({ side: 'BUY', price: 100, pct: 0.1 }, { price: 101.5, pct: 0.12 });
    expect(issues.map((i) => [i.type, i.severity])).toEqual([
      ['EXCESSIVE_SLIPPAGE', 'HIGH'],
      ['POSITION_SIZE_VIOLATION', 'CRITICAL'],
    ]);
    expect(issues[0]!.message).toContain('1.50% slippage');
  });
});

describe('the auditor in a backtest', () => {
  it('a gap over 1% between the approved close and the fill goes to the execution agent as a correction, and into the journal', () => {
    const t0 = Date.UTC(2024, 0, 1);
    // Flat at 100, a buy at bar 30's close, and bar 31 opens 2% higher.
    const candles: Candle[] = [];
    for (let i = 0; i < 60; i++) {
      const open = i === 31 ? 102 : i > 31 ? 102 : 100;
      candles.push({ time: t0 + i * 3_600_000, open, high: open * 1.001, low: open * 0.999, close: i >= 31 ? 102 : 100, volume: 5 });
    }
    const series = seriesFromCandles(candles, { symbol: 'GAP/USD', timeframe: '1h', source: 'test' });
    const strategy = defineStrategy({
      name: 'gap',
      risk: { stopLoss: 0.02 },
      onBar(ctx) {
        if (ctx.index === 30) ctx.buy({ pct: 0.05, confidence: 0.9, reason: 'test' });
        if (ctx.index === 40) ctx.exit({ reason: 'done' });
      },
    });
    const yes: Partial<Record<AgentRole, Agent>> = {};
    for (const role of AGENT_ROLES.filter((r) => r !== 'execution')) {
      yes[role] = { role, kind: 'rules', assess: () => ({ decision: 'BUY', confidence: 1, reasoning: 'yes' }) };
    }
    const panel = new AgentPanel({ agents: yes });
    const execution = panel.agents.execution as ExecutionAgent;
    const before = execution.maxBarRange;
    const review = new AgentReview(panel, new MarketContextBuilder(series), { journaled: true });
    const report = runBacktest(strategy, series, {}, review);
    expect(report.trades).toHaveLength(1);
    expect(review.summary.corrections).toBe(1);
    expect(execution.corrections).toBe(1);
    expect(execution.maxBarRange).toBeLessThan(before);

    const messages: Array<{ from: string; to?: string; kind?: string; content: unknown }> = [];
    const decisions: unknown[] = [];
    const journal: AgentJournal = {
      recordDecision: (d) => decisions.push(d) as number,
      recordMessage: (m) => void messages.push(m),
    };
    review.flushTo(journal);
    const correction = messages.find((m) => m.kind === 'CORRECTION')!;
    expect(correction).toMatchObject({ from: 'auditor', to: 'execution_agent' });
    expect(JSON.stringify(correction.content)).toContain('EXCESSIVE_SLIPPAGE');
    expect(decisions).toHaveLength(1);
  });
});
