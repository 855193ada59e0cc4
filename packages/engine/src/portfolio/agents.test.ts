import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/index.js';
import { seriesFromCandles, type Candle, type CandleSeries } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { backtestWithAgents, type AgentJournal } from '../agents/index.js';
import { runBacktest, type EntryRequest, type EntryVerdict } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
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

  it('does not take the entry the panel refuses on one market, and takes the other market\'s', async () => {
    const without = runPortfolioBacktest(buyAtBar120, [up, down]);
    expect(without.trades.map((t) => t.symbol).sort()).toEqual(['DOWN/USDT', 'UP/USDT']);

    const journal = recorder();
    const { report, summary, bySymbol } = await portfolioWithAgents(buyAtBar120, [up, down], {}, { mode: 'rules', config, journal });
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

  it('reviews after the portfolio limits: an entry the limits refuse never reaches the panel', async () => {
    const journal = recorder();
    const { report, summary } = await portfolioWithAgents(buyAtBar120, [up, down], { limits: { maxPositions: 1 } }, { mode: 'rules', config, journal });
    // UP is first in the step: it takes the one position; DOWN is refused by the limit, not by the panel.
    expect(report.trades.map((t) => t.symbol)).toEqual(['UP/USDT']);
    expect(summary!.proposals).toBe(1);
    expect(report.signals.find((s) => s.symbol === 'DOWN/USDT' && s.action === 'buy')!.ignored).toMatch(/max 1/);
  });

  // Wide stops and targets: the panel's gate and a reviewer below pull them in.
  const wide = defineStrategy({
    name: 'wide stops',
    indicators: (ind) => ({ rsi: ind.rsi(14) }),
    onBar(ctx) {
      const { rsi } = ctx.ind;
      if (!rsi.ready) return;
      if (ctx.position.side === 0 && rsi.value < 35) ctx.buy({ confidence: 0.7, reason: 'oversold' });
      else if (ctx.position.side === 0 && rsi.value > 70) ctx.sell({ confidence: 0.7, reason: 'overbought' });
      else if (ctx.position.side !== 0 && rsi.value > 45 && rsi.value < 55) ctx.exit({ reason: 'back to the middle' });
    },
    risk: { stopLoss: 0.2, takeProfit: 0.3, maxPositionPct: 0.1 },
  });

  it('fills with the stop and target a reviewer moved, as the single-series backtest does', () => {
    const series = synthesize({ seed: 11, bars: 6000, timeframe: '1h' });
    const verdict: EntryVerdict = { approved: true };
    const tighten = {
      decide(e: EntryRequest): EntryVerdict {
        const side = e.side === 'long' ? 1 : -1;
        verdict.stopPrice = e.price * (1 - side * 0.01);
        verdict.takeProfitPrice = e.price * (1 + side * 0.015);
        return verdict;
      },
    };
    const options = { capital: 10_000, feeRate: 0.001, slippage: 0.0005 };
    const single = runBacktest(wide, series, options, tighten);
    const portfolio = runPortfolioBacktest(wide, [series], options, tighten);
    const untouched = runPortfolioBacktest(wide, [series], options);
    expect(single.trades.filter((t) => t.exitReason === 'stop').length).toBeGreaterThan(5);
    expect(single.trades.filter((t) => t.exitReason === 'takeProfit').length).toBeGreaterThan(5);
    expect(JSON.stringify(portfolio.trades)).toBe(JSON.stringify(single.trades));
    expect(untouched.trades.filter((t) => t.exitReason === 'stop').length).toBeLessThan(single.trades.filter((t) => t.exitReason === 'stop').length);
    const first = portfolio.trades[0]!;
    // The moved stop keeps its distance from the signal's close, measured from the fill.
    expect(first.stopPrice! / first.entryPrice).toBeCloseTo(first.side === 'long' ? 0.99 : 1.01, 4);
  });

  it('one market through the rule panel trades as the single-series run with agents does', async () => {
    const series = synthesize({ seed: 4, bars: 5000, timeframe: '1h' });
    const options = { capital: 10_000 };
    const single = await backtestWithAgents(wide, series, options, { mode: 'rules', config: DEFAULT_CONFIG });
    const portfolio = await portfolioWithAgents(wide, [series], options, { mode: 'rules', config: DEFAULT_CONFIG });
    expect(single.summary!.modified).toBeGreaterThan(0);
    expect(JSON.stringify(portfolio.report.trades)).toBe(JSON.stringify(single.report.trades));
    expect(portfolio.summary).toMatchObject({ proposals: single.summary!.proposals, approved: single.summary!.approved, modified: single.summary!.modified, rejected: single.summary!.rejected });
  });

});
