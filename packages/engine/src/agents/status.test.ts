import { describe, expect, it } from 'vitest';
import type { DecisionEntry } from '../journal/index.js';
import { agentMetrics } from './status.js';

function decision(action: 'buy' | 'sell', votes: Record<string, ['BUY' | 'SELL' | 'HOLD', number]>, extra: Partial<DecisionEntry> = {}): DecisionEntry {
  const agentResults: DecisionEntry['agentResults'] = {};
  for (const [name, [d, c]] of Object.entries(votes)) agentResults[name] = { decision: d, confidence: c };
  return {
    id: 1, runId: 1, seq: 1, strategyName: 's', time: 0, bar: 0, symbol: 'X', action, confidence: 0.5, reason: '', status: 'approved',
    ignored: null, tradeNo: null, agentResults, consensus: null, recommendations: [], outcome: null, ...extra,
  };
}

describe('agentMetrics', () => {
  it('counts proposals, approvals (votes for the side), average confidence and the win rate of backed trades', () => {
    const gate = (rejectedBy?: string) => ({ decision: 'BUY' as const, vote_breakdown: {}, risk_review: { status: 'x' }, outcome: rejectedBy ? { rejected_by: rejectedBy } : {} });
    const m = agentMetrics([
      decision('buy', { trend_analyzer: ['BUY', 0.8], auditor: ['HOLD', 0.4] }, { outcome: 'CORRECT', consensus: gate() }),
      decision('sell', { trend_analyzer: ['SELL', 0.6], auditor: ['SELL', 0.6] }, { outcome: 'STOPPED', status: 'modified', consensus: gate() }),
      decision('buy', { trend_analyzer: ['SELL', 0.7], auditor: ['BUY', 0.5] }, { status: 'rejected', consensus: gate('risk_gate') }),
      decision('buy', { trend_analyzer: ['BUY', 0.9], auditor: ['BUY', 0.9] }, { status: 'rejected' }),
    ]);
    expect(m.agents.trend_analyzer).toEqual({ proposals: 4, approvals: 3, avgConfidence: 0.75, winRate: 0.5 });
    expect(m.agents.auditor).toEqual({ proposals: 4, approvals: 3, avgConfidence: 0.6, winRate: 0 });
    expect(m.gate).toEqual({ reviews: 3, rejections: 1, modifications: 1 });
  });
});
