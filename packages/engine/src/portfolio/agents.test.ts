import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/index.js';
import { seriesFromCandles, type Candle, type CandleSeries } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import type { AgentJournal } from '../agents/index.js';
import { portfolioWithAgents } from './agents.js';
import { runPortfolioBacktest } from './run.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** A steady trend of `step` a bar with a small alternating wiggle (so realized volatility is not zero). */
function trending(symbol: string, step: number, bars = 200): CandleSeries {
  const candles: Candle[] = [];
  let c = 100;
  for (let i = 0; i < bars; i++) {
    c *= 1 + step + (i % 2 === 0 ? 0.001 : -0.001);
    candles.push({ time: T0 + i * HOUR, open: c, high: c * 1.001, low: c * 0.999, close: c, volume: 1 });
  }
  return seriesFromCandles(candles, { symbol, timeframe: '1h', source: `test:${symbol}` });
}

// Both markets are bought at the same bar and sold 20 bars later: only the panel tells them apart.
const buyAtBar120 = defineStrategy({
  name: 'buy both at bar 120',
  onBar(ctx) {
    if (ctx.index === 120 && ctx.position.side === 0) ctx.buy({ pct: 0.1, confidence: 0.8, reason: `buy ${ctx.symbol}` });
    if (ctx.index === 140 && ctx.position.side === 1) ctx.exit({ reason: 'time' });
  },
});

// The trend seat alone decides: the panel backs a buy in an uptrend and refuses one in a downtrend.
const config = {
  agents: { ...DEFAULT_CONFIG.agents, weights: { volatility: 0, hedge: 0, trend: 1 } },
  ollama: DEFAULT_CONFIG.ollama,
  risk: DEFAULT_CONFIG.risk,
};

function recorder(): AgentJournal & { decisions: Parameters<AgentJournal['recordDecision']>[0][] } {
  const decisions: Parameters<AgentJournal['recordDecision']>[0][] = [];
  return { decisions, recordDecision: (d) => decisions.push(d), recordMessage: () => {} };
}

describe('the agents\' panel in a portfolio run', () => {
  const up = trending('UP/USDT', 0.003);
  const down = trending('DOWN/USDT', -0.003);

  it('does not take the entry the panel refuses on one market, and takes the other market\'s', () => {
    const without = runPortfolioBacktest(buyAtBar120, [up, down]);
    expect(without.trades.map((t) => t.symbol).sort()).toEqual(['DOWN/USDT', 'UP/USDT']);

    const journal = recorder();
    const { report, summary, bySymbol } = portfolioWithAgents(buyAtBar120, [up, down], {}, { mode: 'rules', config, journal });
    expect(report.trades.map((t) => t.symbol)).toEqual(['UP/USDT']);
    const refused = report.signals.find((s) => s.symbol === 'DOWN/USDT' && s.action === 'buy')!;
    expect(refused.ignored).toMatch(/^REJECTED/);
    expect(bySymbol['UP/USDT']).toMatchObject({ proposals: 1, rejected: 0 });
    expect(bySymbol['UP/USDT']!.approved + bySymbol['UP/USDT']!.modified).toBe(1);
    expect(bySymbol['DOWN/USDT']).toMatchObject({ proposals: 1, rejected: 1 });
    expect(summary).toMatchObject({ proposals: 2, rejected: 1 });
    // Each journaled decision names its market.
    const rows = journal.decisions.map((d) => [d.symbol, d.status === 'rejected' ? 'rejected' : 'taken', d.tradeNo]);
    expect(rows).toEqual(expect.arrayContaining([['UP/USDT', 'taken', report.trades[0]!.id], ['DOWN/USDT', 'rejected', undefined]]));
    expect(journal.decisions).toHaveLength(2);
  });

  it('reviews after the portfolio limits: an entry the limits refuse never reaches the panel', () => {
    const journal = recorder();
    const { report, summary } = portfolioWithAgents(buyAtBar120, [up, down], { limits: { maxPositions: 1 } }, { mode: 'rules', config, journal });
    // UP is first in the step: it takes the one position; DOWN is refused by the limit, not by the panel.
    expect(report.trades.map((t) => t.symbol)).toEqual(['UP/USDT']);
    expect(summary!.proposals).toBe(1);
    expect(report.signals.find((s) => s.symbol === 'DOWN/USDT' && s.action === 'buy')!.ignored).toMatch(/max 1/);
  });

  it('refuses LLM seats in a portfolio run with a usage error', () => {
    expect(() => portfolioWithAgents(buyAtBar120, [up, down], {}, { mode: 'ollama', config })).toThrow(/rule agents only/);
  });
});
