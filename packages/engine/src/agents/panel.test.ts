import { describe, expect, it } from 'vitest';
import { loadVixSeries, MarketContextBuilder, classifyRegime, VixSeries } from './context.js';
import { AgentPanel } from './panel.js';
import { TrackRecord } from './track-record.js';
import { AGENT_ROLES, type Agent, type AgentRole, type Assessment, type MarketContext, type MarketRegime, type Proposal, type TradeDecision } from './types.js';
import { SIGNAL_NAMES } from '../signals/index.js';
import { sharedDataFile } from '../../../../test-support/shared-data.js';

/** An agent that always says the same thing. */
function says(role: AgentRole, decision: TradeDecision, confidence: number, modifications?: Assessment['modifications']): Agent {
  const a: Assessment = { decision, confidence, reasoning: `scripted ${decision}`, ...(modifications ? { modifications } : {}) };
  return { role, kind: 'rules', assess: () => a };
}

function panelSaying(confidence: number, decision: TradeDecision = 'BUY'): AgentPanel {
  const agents: Partial<Record<AgentRole, Agent>> = {};
  for (const role of AGENT_ROLES) agents[role] = says(role, decision, confidence);
  return new AgentPanel({ agents });
}

const proposal: Proposal = {
  symbol: 'BTC/USD', side: 'BUY', pct: 0.05, stopPrice: 98, takeProfitPrice: 106, confidence: 0.7, reason: 'test',
  bar: 10, time: Date.UTC(2024, 0, 2), price: 100, equity: 10_000,
};

function market(regime: MarketRegime): MarketContext {
  const threshold = { normal: 0.55, highVolatility: 0.7, crash: 0.8 }[regime];
  return {
    symbol: 'BTC/USD', bar: 10, time: proposal.time, price: 100, lastReturn: 0, momentum: 0.01, trendSpread: 0.002,
    realizedVol: 0.01, volPercentile: 0.5, barRange: 0.01, volume: 1, vix: NaN, regime, threshold, drawdown: 0,
    signals: new Float64Array(SIGNAL_NAMES.length).fill(NaN), outsideScore: NaN, blend: { technical: 0.6, outside: 0.4 },
  } as MarketContext;
}

describe('weighted consensus against the regime threshold', () => {
  it.each([
    // confidence of a unanimous panel → approved in normal / high volatility / crash
    [0.6, [true, false, false]],
    [0.75, [true, true, false]],
    [0.85, [true, true, true]],
  ] as const)('unanimous BUY at %s', (confidence, expected) => {
    const got = (['normal', 'highVolatility', 'crash'] as const).map((regime) => panelSaying(confidence).decide(proposal, market(regime)).approved);
    expect(got).toEqual(expected);
  });

  it('weights 0.40 / 0.35 / 0.25: volatility and hedge outvote trend, and a rejection names the consensus', () => {
    const agents = {
      volatility: says('volatility', 'BUY', 0.9),
      hedge: says('hedge', 'BUY', 0.9),
      trend: says('trend', 'SELL', 0.9),
    };
    const d = new AgentPanel({ agents }).decide(proposal, market('normal'));
    // (0.40·0.9 + 0.35·0.9 − 0.25·0.9) / 1.0 = 0.45 < 0.55
    expect(d.score).toBeCloseTo(0.45, 10);
    expect(d.approved).toBe(false);
    expect(d.rejectedBy).toBe('consensus');
    expect(d.consensus).toBe('HOLD');
    expect(d.breakdown).toEqual({ BUY: 5, SELL: 1, HOLD: 0 });

    const heavierTrend = new AgentPanel({ agents: { ...agents, trend: says('trend', 'HOLD', 0.9) } }).decide(proposal, market('normal'));
    expect(heavierTrend.score).toBeCloseTo(0.675, 10);
    expect(heavierTrend.approved).toBe(true);
  });

  it('config weights change the outcome: trend alone decides when it carries all the weight', () => {
    const agents = { volatility: says('volatility', 'HOLD', 0.9), hedge: says('hedge', 'HOLD', 0.9), trend: says('trend', 'BUY', 0.8) };
    expect(new AgentPanel({ agents }).decide(proposal, market('normal')).approved).toBe(false);
    expect(new AgentPanel({ agents, weights: { volatility: 0, hedge: 0, trend: 1 } }).decide(proposal, market('normal')).approved).toBe(true);
  });

  it('the risk gate has the last word on an approved vote', () => {
    const d = panelSaying(0.95).decide({ ...proposal, pct: 0.15, stopPrice: 90 }, market('normal'));
    expect(d.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(d.review!.pct).toBe(0.1);
    expect(d.review!.stopPrice).toBeCloseTo(97, 10);
  });

  it('an agent asking for more size or a looser stop gets neither', () => {
    const agents: Partial<Record<AgentRole, Agent>> = {};
    for (const role of AGENT_ROLES) agents[role] = says(role, 'BUY', 1, { pct: 0.9, stopPrice: 50 });
    const d = new AgentPanel({ agents }).decide(proposal, market('normal'));
    expect(d.review!.pct).toBe(0.05);
    expect(d.review!.stopPrice).toBe(98);
  });

  it('the decision record has the DESIGN.md shape', () => {
    const panel = panelSaying(0.9);
    const ctx = market('normal');
    const record = panel.toRecord(panel.decide({ ...proposal, pct: 0.15 }, ctx), { ...proposal, pct: 0.15 }, ctx);
    expect(record.timestamp).toBe('2024-01-02T00:00:00.000Z');
    expect(record.agent_results.volatility_assessor).toMatchObject({ decision: 'BUY', confidence: 0.9 });
    expect(record.consensus_decision).toMatchObject({ decision: 'BUY', vote_breakdown: { BUY: 6, SELL: 0, HOLD: 0 } });
    expect(record.outcome.status).toBe('APPROVED_WITH_MODIFICATIONS');
    expect(record.recommendations[0]).toContain('single-position limit');
  });
});

describe('track record', () => {
  it('is a bounded multiplier: 1.0 with no history, never beyond 0.5–1.5', () => {
    const t = new TrackRecord();
    expect(t.multiplier('trend')).toBe(1);
    const trendBit = 1 << AGENT_ROLES.indexOf('trend');
    for (let k = 0; k < 1000; k++) t.record(trendBit, true);
    expect(t.multiplier('trend')).toBeLessThan(1.5);
    expect(t.multiplier('trend')).toBeGreaterThan(1.49);
    expect(t.multiplier('volatility')).toBeGreaterThan(0.5);
    expect(t.multiplier('volatility')).toBeLessThan(0.51);
  });

  it('shifts the vote: a panel whose trend analyzer keeps being right listens to it more', () => {
    const agents = { volatility: says('volatility', 'HOLD', 0.9), hedge: says('hedge', 'BUY', 0.9), trend: says('trend', 'BUY', 0.9) };
    const panel = new AgentPanel({ agents });
    const before = panel.decide(proposal, market('normal')).score;
    const mask = (1 << AGENT_ROLES.indexOf('hedge')) | (1 << AGENT_ROLES.indexOf('trend'));
    for (let k = 0; k < 20; k++) panel.tradeClosed(10, proposal.time + k, 10_000, mask);
    const after = panel.decide(proposal, market('normal')).score;
    expect(after).toBeGreaterThan(before);
  });
});

describe('regimes', () => {
  it('from VIX: above 25 high volatility, 35 and up crash; else realized-vol percentiles', () => {
    expect(classifyRegime(14, NaN)).toBe('normal');
    expect(classifyRegime(26, NaN)).toBe('highVolatility');
    expect(classifyRegime(40, 0.1)).toBe('crash');
    expect(classifyRegime(NaN, 0.5)).toBe('normal');
    expect(classifyRegime(NaN, 0.85)).toBe('highVolatility');
    expect(classifyRegime(NaN, 0.99)).toBe('crash');
  });

  it('reads the real VIX file: calm 2017, Volmageddon in February 2018, no look-ahead into the same day', async () => {
    const vix = await loadVixSeries(sharedDataFile('vix-daily.csv'));
    expect(vix.levelAt(Date.UTC(2017, 10, 15, 12))).toBeLessThan(12);
    // 2018-02-05 closed at 37.32; a bar on the 5th still sees the 2nd's close, the 6th sees the spike.
    const on5th = vix.levelAt(Date.UTC(2018, 1, 5, 20));
    const on6th = vix.levelAt(Date.UTC(2018, 1, 6, 12));
    expect(on5th).toBeLessThan(20);
    expect(on6th).toBeGreaterThan(35);
    expect(classifyRegime(on6th, NaN)).toBe('crash');
    expect(vix.levelAt(Date.UTC(1980, 0, 1))).toBeNaN();
    expect(vix.levelAt(Date.UTC(2030, 0, 1))).toBeNaN();
  });

  it('MarketContextBuilder takes the regime from VIX when configured, else from realized volatility', async () => {
    const n = 400;
    const close = new Float64Array(n);
    // Quiet, then wild: just after the change, volatility ranks at the top of its own history.
    for (let i = 0; i < n; i++) close[i] = 100 * (1 + (i < 300 ? 0.001 : 0.03) * (i % 2 === 0 ? 1 : -1));
    const t0 = Date.UTC(2018, 1, 6);
    const series = {
      symbol: 'X', timeframe: '1h', source: 'test', length: n,
      time: Float64Array.from({ length: n }, (_, i) => t0 + i * 3_600_000),
      open: close, high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close, volume: new Float64Array(n).fill(1),
    };
    const byVol = new MarketContextBuilder(series).at(310);
    expect(byVol.regime).toBe('crash');
    expect(byVol.threshold).toBe(0.8);
    const calmVix = new VixSeries(Float64Array.of(t0 - 2 * 86_400_000), Float64Array.of(11), 'test');
    const byVix = new MarketContextBuilder(series, { vix: calmVix }).at(10);
    expect(byVix.vix).toBe(11);
    expect(byVix.regime).toBe('normal');
  });
});
