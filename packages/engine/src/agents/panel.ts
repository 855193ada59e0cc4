import { SIGNAL_NAMES } from '../signals/index.js';
import { RiskGate, describeModification, describeRejection, type RiskAdvice, type RiskLimits, type RiskReview, type RiskStatusName } from '../risk/index.js';
import { auditExecution, type ApprovedEntry, type AuditIssue, type ExecutedEntry } from './auditor.js';
import { ExecutionAgent, ruleAgents } from './rules.js';
import { TrackRecord, type TrackRecordBounds, type TrackRecordRow } from './track-record.js';
import {
  AGENT_NAMES,
  AGENT_ROLES,
  DEFAULT_WEIGHTS,
  type Agent,
  type AgentMessage,
  type AgentRole,
  type AgentWeights,
  type Assessment,
  type AsyncAgent,
  type DecisionRecord,
  type MarketContext,
  type MarketRegime,
  type Proposal,
  type TradeDecision,
} from './types.js';

/** One seat's vote as the panel keeps it (copied out of the agent's reused answer). */
export interface AgentVote {
  role: AgentRole;
  kind: 'rules' | 'llm';
  decision: TradeDecision;
  confidence: number;
  reasoning: string;
  /** Voting weight after the track-record multiplier. */
  weight: number;
}

/** The panel's verdict on one proposal. Reused by the next `decide`: copy or `toRecord` what you keep. */
export interface PanelDecision {
  approved: boolean;
  status: RiskStatusName;
  /** Who said no: the vote fell short of the regime threshold, or the risk gate refused. */
  rejectedBy: 'consensus' | 'risk_gate' | null;
  consensus: TradeDecision;
  /** Weighted support for the proposal's side, 0–1. */
  score: number;
  threshold: number;
  votes: AgentVote[];
  breakdown: Record<TradeDecision, number>;
  /** The gate's review; null when the vote already said no. */
  review: RiskReview | null;
  /** Roles that backed the trade, as a bit mask over AGENT_ROLES (for the track record). */
  supportMask: number;
  /** The regime it was decided in: the track record it is judged into. */
  regime: MarketRegime;
}

export interface PanelOptions {
  weights?: AgentWeights;
  limits?: Partial<RiskLimits>;
  /** Replace a seat (an LLM agent's cached answers, a test's scripted agent). */
  agents?: Partial<Record<AgentRole, Agent>>;
  /** Bounds of the track-record multiplier (default 0.5–1.5). */
  trackRecord?: Partial<TrackRecordBounds>;
  /** Records to start from (the journal's for this market, or a training window's). */
  seed?: readonly TrackRecordRow[];
}

/**
 * The agents, their weights, their track record and the risk gate, in one place. `decide` is the
 * hot path: votes, a weighted score against the regime threshold, then the gate. It allocates
 * nothing when the rule agents vote.
 */
export class AgentPanel {
  readonly agents: Record<AgentRole, Agent>;
  readonly weights: Readonly<Record<AgentRole, number>>;
  readonly gate: RiskGate;
  readonly trackRecord: TrackRecord;
  private readonly decision: PanelDecision;
  private readonly advice: RiskAdvice = {};

  constructor(options: PanelOptions = {}) {
    const rules = ruleAgents();
    this.agents = { ...rules, ...definedAgents(options.agents) };
    const weights = { ...DEFAULT_WEIGHTS };
    for (const role of AGENT_ROLES) {
      const w = options.weights?.[role];
      if (typeof w === 'number' && Number.isFinite(w) && w >= 0) weights[role] = w;
    }
    this.weights = weights;
    this.gate = new RiskGate(options.limits);
    this.trackRecord = new TrackRecord(options.trackRecord);
    if (options.seed) this.trackRecord.seed(options.seed);
    this.decision = {
      approved: false,
      status: 'REJECTED',
      rejectedBy: null,
      consensus: 'HOLD',
      score: 0,
      threshold: 0,
      votes: AGENT_ROLES.map((role) => ({ role, kind: 'rules', decision: 'HOLD', confidence: 0, reasoning: '', weight: 0 })),
      breakdown: { BUY: 0, SELL: 0, HOLD: 0 },
      review: null,
      supportMask: 0,
      regime: 'normal',
    };
  }

  /**
   * Ask the LLM seats first (concurrently, each falling back to its rule agent), then decide with
   * their answers: the path for live and paper trading, where a proposal can wait for a model.
   */
  async decideAsync(
    proposal: Readonly<Proposal>,
    context: Readonly<MarketContext>,
    seats: readonly AsyncAgent[],
    signal?: AbortSignal,
  ): Promise<PanelDecision> {
    const p = { ...proposal };
    const c = { ...context };
    const answers: Partial<Record<AgentRole, Assessment>> = {};
    const kinds: Partial<Record<AgentRole, 'rules' | 'llm'>> = {};
    await Promise.all(
      seats.map(async (seat) => {
        answers[seat.role] = await seat.assess(p, c, signal);
        kinds[seat.role] = seat.kind;
      }),
    );
    return this.decide(p, c, answers, kinds);
  }

  /**
   * Ask every seat, weigh the votes, then let the gate have the last word. `answers` stand in for
   * the seats they name (answers already had from an LLM).
   */
  decide(
    proposal: Readonly<Proposal>,
    context: Readonly<MarketContext>,
    answers?: Partial<Record<AgentRole, Assessment>>,
    kinds?: Partial<Record<AgentRole, 'rules' | 'llm'>>,
  ): PanelDecision {
    const d = this.decision;
    const advice = this.advice;
    advice.pct = undefined;
    advice.stopPrice = undefined;
    advice.takeProfitPrice = undefined;
    d.breakdown.BUY = 0;
    d.breakdown.SELL = 0;
    d.breakdown.HOLD = 0;
    const side = proposal.side;
    let num = 0;
    let den = 0;
    let mask = 0;
    for (let i = 0; i < AGENT_ROLES.length; i++) {
      const role = AGENT_ROLES[i]!;
      const agent = this.agents[role];
      const given = answers?.[role];
      const a = given ?? agent.assess(proposal, context);
      const vote = d.votes[i]!;
      vote.kind = given !== undefined ? (kinds?.[role] ?? 'llm') : agent.kind;
      vote.decision = a.decision;
      vote.confidence = clamp01(a.confidence);
      vote.reasoning = a.reasoning;
      vote.weight = this.weights[role] * this.trackRecord.multiplierAt(i, context.regime);
      d.breakdown[a.decision]++;
      if (a.decision === side) mask |= 1 << i;
      if (vote.weight > 0) {
        den += vote.weight;
        if (a.decision === side) num += vote.weight * vote.confidence;
        else if (a.decision !== 'HOLD') num -= vote.weight * vote.confidence;
      }
      if (a.modifications !== undefined) mergeAdvice(advice, a.modifications, side);
    }
    d.score = den > 0 && num > 0 ? num / den : 0;
    d.threshold = context.threshold;
    d.supportMask = mask;
    d.regime = context.regime;
    if (d.score < d.threshold) {
      d.consensus = 'HOLD';
      d.approved = false;
      d.status = 'REJECTED';
      d.rejectedBy = 'consensus';
      d.review = null;
      return d;
    }
    d.consensus = side;
    const review =
      proposal.maxLossPct === undefined
        ? this.gate.check(proposal, context, advice)
        : this.gate.checkDefinedRisk(
            // An agent asking for less size lowers the position's allowed worst case in proportion.
            { maxLossPct: advice.pct !== undefined && advice.pct > 0 && advice.pct < proposal.pct && Number.isFinite(proposal.pct) ? proposal.maxLossPct * (advice.pct / proposal.pct) : proposal.maxLossPct, time: proposal.time, equity: proposal.equity },
            context,
            proposal.optionsFlags ?? {},
          );
    d.review = review;
    d.status = review.status;
    d.approved = review.status !== 'REJECTED';
    d.rejectedBy = d.approved ? null : 'risk_gate';
    return d;
  }

  /**
   * A trade closed: feed the daily-loss stop, the circuit breaker and, when the trade's support
   * mask is known, each agent's track record.
   */
  tradeClosed(pnl: number, time: number, equityBefore: number, supportMask?: number, regime: MarketRegime = 'normal'): void {
    this.gate.recordTradeClosed(pnl, time, equityBefore);
    if (supportMask !== undefined) this.trackRecord.record(supportMask, pnl > 0, regime);
  }

  /** Compare the fill with the approval; corrections go to the execution agent. */
  audit(approved: Readonly<ApprovedEntry>, executed: Readonly<ExecutedEntry>): AuditIssue[] {
    const issues = auditExecution(approved, executed);
    const exec = this.agents.execution;
    if (exec instanceof ExecutionAgent) for (const issue of issues) exec.applyCorrection(issue.type, approved.pct);
    return issues;
  }

  /** Forget history between runs (track record, gate state). */
  reset(): void {
    this.gate.reset();
    this.trackRecord.reset();
  }

  /** The decision as the journal keeps it (DESIGN.md's JSON), built only when someone records it. */
  toRecord(decision: Readonly<PanelDecision>, proposal: Readonly<Proposal>, context: Readonly<MarketContext>): DecisionRecord {
    const agentResults: DecisionRecord['agent_results'] = {};
    for (const v of decision.votes) {
      agentResults[AGENT_NAMES[v.role]] = {
        decision: v.decision,
        confidence: round(v.confidence),
        reasoning: v.reasoning,
        kind: v.kind,
        weight: round(v.weight),
      };
    }
    const review = decision.review;
    const limits = this.gate.limits;
    const recommendations: string[] = [];
    if (decision.rejectedBy === 'consensus') {
      recommendations.push(
        `consensus ${pctText(decision.score)} is below the ${context.regime} threshold ${pctText(decision.threshold)}: no trade`,
      );
    }
    if (review) {
      if (review.rejection) recommendations.push(describeRejection(review.rejection, limits));
      for (const m of review.modifications) recommendations.push(describeModification(m, review.maxStopDistance));
    }
    return {
      timestamp: new Date(proposal.time).toISOString(),
      proposal: {
        symbol: proposal.symbol,
        side: proposal.side,
        pct: round(proposal.pct),
        stop_price: finiteOrNull(proposal.stopPrice),
        take_profit_price: finiteOrNull(proposal.takeProfitPrice),
        confidence: round(proposal.confidence),
        reason: proposal.reason,
        bar: proposal.bar,
        price: proposal.price,
      },
      regime: context.regime,
      threshold: decision.threshold,
      agent_results: agentResults,
      consensus_decision: { decision: decision.consensus, score: round(decision.score), vote_breakdown: { ...decision.breakdown } },
      risk_review: review
        ? {
            status: review.status,
            pct: round(review.pct),
            stop_price: finiteOrNull(review.stopPrice),
            take_profit_price: finiteOrNull(review.takeProfitPrice),
            reasons: review.rejection ? [describeRejection(review.rejection, limits)] : review.modifications.map((m) => describeModification(m, review.maxStopDistance)),
            modifications: review.modifications.map((m) => ({ field: m.field, from: finiteOrNull(m.from), to: round(m.to), rule: m.rule })),
          }
        : null,
      outcome: decision.rejectedBy ? { status: 'REJECTED', rejected_by: decision.rejectedBy } : { status: decision.status },
      recommendations,
      technical_signals: technicalSignals(proposal, context),
      outside_signals: outsideSignals(context),
    };
  }
}

/** The conversation behind one decision, in the agent-message format the journal keeps. */
export function decisionMessages(record: Readonly<DecisionRecord>): AgentMessage[] {
  const p = record.proposal;
  const messages: AgentMessage[] = [
    {
      timestamp: record.timestamp,
      from: 'strategy',
      to: 'risk_gate',
      message: {
        type: 'TRADE_PROPOSAL',
        action: p.side,
        asset: p.symbol,
        allocation: p.pct,
        confidence: p.confidence,
        reasoning: p.reason,
        request: 'Please assess portfolio impact',
      },
    },
  ];
  messages.push({
    timestamp: record.timestamp,
    from: 'risk_gate',
    to: 'strategy',
    message: {
      type: 'RISK_REVIEW',
      status: record.outcome.status,
      rejected_by: record.outcome.rejected_by ?? null,
      concerns: record.recommendations,
      modifications: record.risk_review?.modifications ?? [],
    },
  });
  return messages;
}

export function correctionMessage(timestamp: number, issues: readonly AuditIssue[]): AgentMessage {
  return {
    timestamp: new Date(timestamp).toISOString(),
    from: 'auditor',
    to: AGENT_NAMES.execution,
    message: { type: 'CORRECTION', action: 'ADJUST_PARAMETERS', issues: issues.map((i) => ({ ...i })) },
  };
}

/** The numbers the technical side of a decision rested on: the strategy's indicators, then the agents' market readings. */
export function technicalSignals(proposal: Readonly<Proposal>, c: Readonly<MarketContext>): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  if (proposal.indicators) {
    for (const [name, ind] of Object.entries(proposal.indicators)) {
      out[name] = ind.ready ? finiteOrNull(round(ind.value)) : null;
      // MACD's and Bollinger's parts, where the indicator has them.
      for (const part of ['macd', 'signal', 'histogram', 'upper', 'lower', 'percentB', 'bandwidth'] as const) {
        const v = (ind as unknown as Record<string, unknown>)[part];
        if (typeof v === 'number') out[`${name}.${part}`] = ind.ready ? finiteOrNull(round(v)) : null;
      }
    }
  }
  out.price = c.price;
  out.last_return = finiteOrNull(round(c.lastReturn));
  out.momentum = finiteOrNull(round(c.momentum));
  out.trend_spread = finiteOrNull(round(c.trendSpread));
  out.realized_vol = finiteOrNull(round(c.realizedVol));
  out.vol_percentile = finiteOrNull(round(c.volPercentile));
  out.bar_range = finiteOrNull(round(c.barRange));
  out.volume = finiteOrNull(c.volume);
  out.vix = finiteOrNull(c.vix);
  out.term_ratio = finiteOrNull(round(c.termRatio));
  out.iv_rank = finiteOrNull(round(c.ivRank));
  out.regime = c.regime;
  return out;
}

/** Each outside signal at the decision (null: not published yet) and their joint score. */
export function outsideSignals(c: Readonly<MarketContext>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (let k = 0; k < SIGNAL_NAMES.length; k++) out[SIGNAL_NAMES[k]!] = finiteOrNull(round(c.signals[k]!));
  out.score = finiteOrNull(round(c.outsideScore));
  return out;
}

function mergeAdvice(advice: RiskAdvice, m: NonNullable<Assessment['modifications']>, side: 'BUY' | 'SELL'): void {
  // Keep the most cautious of what the agents asked for; the gate decides what it accepts.
  if (m.pct !== undefined && (advice.pct === undefined || m.pct < advice.pct)) advice.pct = m.pct;
  if (m.stopPrice !== undefined && Number.isFinite(m.stopPrice)) {
    const s = advice.stopPrice;
    if (s === undefined || (side === 'BUY' ? m.stopPrice > s : m.stopPrice < s)) advice.stopPrice = m.stopPrice;
  }
  if (m.takeProfitPrice !== undefined && advice.takeProfitPrice === undefined) advice.takeProfitPrice = m.takeProfitPrice;
}

function definedAgents(agents: Partial<Record<AgentRole, Agent>> | undefined): Partial<Record<AgentRole, Agent>> {
  const out: Partial<Record<AgentRole, Agent>> = {};
  if (agents) for (const role of AGENT_ROLES) if (agents[role]) out[role] = agents[role];
  return out;
}

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function pctText(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
