/** Journal entries (engine shapes) as the review requests' results: runs, a run, a trade with its decisions. */
import type { AgentMessageEntry, DecisionEntry, RunDetail, TradeEntry } from '@volt/engine';
import type { GateChange, ReviewTradeEntry, RunDetailResult, TradeDecision, TradeReview, TradeVote } from '../protocol.js';
import { runEntry, tradeEntry, type NotePaths } from './journal.js';

export function reviewTrade(t: TradeEntry, notes?: NotePaths): ReviewTradeEntry {
  return {
    ...tradeEntry(t, notes),
    tradeNo: t.tradeNo,
    side: t.side,
    qty: t.qty,
    exitTime: t.exitTime,
    exitReason: t.exitReason,
    pnlPct: t.pnlPct,
    stopPrice: t.stopPrice,
    takeProfitPrice: t.takeProfitPrice,
    fees: t.fees,
    reason: t.reason,
    review: t.review ? reviewOf(t.review) : null,
  };
}

export function reviewOf(r: NonNullable<TradeEntry['review']>): TradeReview {
  return { outcome: r.outcome, rating: r.rating, tags: [...r.tags], review: r.review, updatedAt: r.updatedAt };
}

export function runDetail(run: RunDetail, trades: readonly TradeEntry[], notes?: NotePaths): RunDetailResult {
  const curve = run.equityCurve;
  return {
    run: {
      ...runEntry(run, notes),
      status: run.status,
      params: run.params,
      metrics: run.metrics as unknown as Record<string, number> | null,
      symbol: run.symbol,
      timeframe: run.timeframe,
      dataFrom: run.dataFrom,
      dataTo: run.dataTo,
      error: run.error,
    },
    equity: curve ? { time: [...curve.time], equity: [...curve.equity], drawdown: [...curve.drawdown] } : { time: [], equity: [], drawdown: [] },
    trades: [...trades].sort((a, b) => a.tradeNo - b.tradeNo).map((t) => reviewTrade(t, notes)),
    ...(run.optionsGreeks ? { options: run.optionsGreeks } : {}),
  };
}

/** A decision with the votes, the consensus and what the risk gate changed (kept in consensus_decision.risk_review). */
export function tradeDecision(d: DecisionEntry): TradeDecision {
  const votes: TradeVote[] = Object.entries(d.agentResults).map(([agent, r]) => ({
    agent,
    decision: r.decision,
    confidence: r.confidence,
    reasoning: typeof r.reasoning === 'string' ? r.reasoning : '',
    ...(typeof r.kind === 'string' ? { kind: r.kind } : {}),
    ...(typeof r.weight === 'number' ? { weight: r.weight } : {}),
  }));
  const c = d.consensus;
  const review = c && typeof c.risk_review === 'object' && c.risk_review !== null ? (c.risk_review as { modifications?: unknown }) : undefined;
  const gateChanges: GateChange[] = Array.isArray(review?.modifications)
    ? (review.modifications as GateChange[]).filter((m) => typeof m === 'object' && m !== null && typeof m.field === 'string')
    : [];
  return {
    seq: d.seq,
    time: d.time,
    bar: d.bar,
    action: d.action,
    confidence: d.confidence,
    reason: d.reason,
    status: d.status,
    votes,
    consensus: c ? { decision: c.decision, ...(typeof c.score === 'number' ? { score: c.score } : {}), breakdown: { ...(c.vote_breakdown as Record<string, number>) } } : null,
    gateChanges,
    recommendations: d.recommendations.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))),
  };
}

/** The auditor's corrections of a run's fills, one line per issue. */
export function auditorNotes(messages: readonly AgentMessageEntry[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.from !== 'auditor') continue;
    const issues = (m.content as { issues?: { message?: unknown }[] } | null)?.issues;
    if (Array.isArray(issues)) for (const i of issues) if (typeof i?.message === 'string') out.push(`${new Date(m.time).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${i.message}`);
  }
  return out;
}
