import type { BacktestObserver, EntryRequest, EntryVerdict, Signal, Trade } from '../backtest/index.js';
import type { RiskRejection, RiskRule } from '../risk/index.js';
import type { MarketContextBuilder } from './context.js';
import { AgentPanel, correctionMessage, decisionMessages, type PanelDecision } from './panel.js';
import { AGENT_NAMES, AGENT_ROLES, type AgentMessage, type DecisionRecord, type Proposal, type MarketRegime } from './types.js';

/**
 * Where reviewed decisions go: the journal's RunRecorder fits this shape (recordDecision returns
 * the decision's seq, which links its messages).
 */
export interface AgentJournal {
  onSignal?(signal: Signal): void;
  onTrade?(trade: Trade): void;
  recordDecision(decision: {
    time: number;
    bar?: number;
    symbol?: string;
    action: 'buy' | 'sell' | 'exit' | 'hold';
    confidence?: number;
    reason?: string;
    status?: 'approved' | 'modified' | 'rejected';
    ignored?: string;
    tradeNo?: number;
    agent_results?: Record<string, { decision: 'BUY' | 'SELL' | 'HOLD'; confidence: number; [extra: string]: unknown }>;
    consensus_decision?: { decision: 'BUY' | 'SELL' | 'HOLD'; vote_breakdown: Partial<Record<'BUY' | 'SELL' | 'HOLD', number>>; [extra: string]: unknown };
    recommendations?: unknown[];
    technical_signals?: Record<string, number | string | null>;
    outside_signals?: Record<string, number | null>;
  }): number;
  recordMessage(message: { time: number; from: string; to?: string; kind?: string; model?: string; content: unknown; decisionSeq?: number }): void;
}

/** How the panel treated a run's proposals: the lines `volt backtest --agents` prints. */
export interface AgentReviewSummary {
  proposals: number;
  approved: number;
  modified: number;
  rejected: number;
  rejectedBy: { consensus: number; risk_gate: number };
  /** Risk-gate refusals by rule. */
  gateRejections: Partial<Record<RiskRejection, number>>;
  /** Risk-gate changes by rule (a proposal may get more than one). */
  gateModifications: Partial<Record<RiskRule, number>>;
  /** Each seat's votes: for the proposal's side, against it, or hold. */
  agents: Record<string, { kind: 'rules' | 'llm'; backed: number; opposed: number; held: number }>;
  regimes: Record<MarketRegime, number>;
  /** Auditor corrections sent to the execution agent. */
  corrections: number;
  /** What this run added to each agent's track record, per regime (the journal adds it to its totals). */
  trackRecord: import('./track-record.js').TrackRecordRow[];
}

type Buffered =
  | { kind: 'signal'; signal: Signal }
  | { kind: 'trade'; trade: Trade }
  | { kind: 'decision'; record: DecisionRecord; signal: Signal; status: 'approved' | 'modified' | 'rejected' }
  | { kind: 'message'; message: AgentMessage };

interface OpenApproval {
  bar: number;
  side: 'BUY' | 'SELL';
  price: number;
  pct: number;
  equity: number;
  supportMask: number;
  regime: MarketRegime;
  record: DecisionRecord | null;
  status: 'approved' | 'modified';
}

/**
 * The agents' panel as a BacktestObserver: `decide` turns each entry into a Proposal, asks the
 * panel, and answers the backtester; trades feed the gate's daily-loss stop, the circuit breaker,
 * the track record and the auditor. With `journaled`, decisions, messages, signals and trades are
 * kept in order and written by `flushTo` — only for the run that counts (see backtestWithAgents).
 */
export class AgentReview implements BacktestObserver {
  readonly panel: AgentPanel;
  /** Replaced by a market session as its bars grow (trading/session.ts). */
  context: MarketContextBuilder;
  readonly summary: AgentReviewSummary;
  onProgress?: (barsDone: number, barsTotal: number) => void;
  private readonly journaled: boolean;
  private readonly proposal: Proposal;
  private readonly verdict: EntryVerdict = { approved: false };
  private readonly buffer: Buffered[] = [];
  /** Entries approved at a close, waiting for their fill's onSignal. */
  private readonly awaitingFill: OpenApproval[] = [];
  private readonly openTrades = new Map<number, OpenApproval>();
  /** The record of the entry just rejected, waiting for the backtester's ignored signal. */
  private lastRejected: DecisionRecord | null = null;
  private peakEquity = 0;
  private lastEquity = 0;

  constructor(panel: AgentPanel, context: MarketContextBuilder, options: { journaled?: boolean } = {}) {
    this.panel = panel;
    this.context = context;
    this.journaled = options.journaled ?? false;
    // The backtester calls its hooks detached (const decide = observer.decide).
    this.decide = this.decide.bind(this);
    this.onSignal = this.onSignal.bind(this);
    this.onTrade = this.onTrade.bind(this);
    this.onOptionsClosed = this.onOptionsClosed.bind(this);
    this.proposal = {
      symbol: context.series.symbol,
      side: 'BUY',
      pct: 0,
      stopPrice: Number.NaN,
      takeProfitPrice: Number.NaN,
      confidence: 0,
      reason: '',
      bar: 0,
      time: 0,
      price: 0,
      equity: 0,
      maxLossPct: undefined,
      optionsFlags: undefined,
    };
    const agents: AgentReviewSummary['agents'] = {};
    for (const role of AGENT_ROLES) agents[AGENT_NAMES[role]] = { kind: panel.agents[role].kind, backed: 0, opposed: 0, held: 0 };
    this.summary = {
      proposals: 0,
      approved: 0,
      modified: 0,
      rejected: 0,
      rejectedBy: { consensus: 0, risk_gate: 0 },
      gateRejections: {},
      gateModifications: {},
      agents,
      regimes: { normal: 0, highVolatility: 0, crash: 0 },
      corrections: 0,
      trackRecord: [],
    };
  }

  decide(entry: EntryRequest): EntryVerdict {
    const p = this.proposal;
    p.side = entry.side === 'long' ? 'BUY' : 'SELL';
    p.pct = entry.pct;
    p.stopPrice = entry.stopPrice;
    p.takeProfitPrice = entry.takeProfitPrice;
    p.confidence = entry.confidence;
    p.reason = entry.reason;
    p.bar = entry.bar;
    p.time = entry.time;
    p.price = entry.price;
    p.equity = entry.equity;
    p.maxLossPct = entry.options !== undefined ? entry.pct : undefined;
    p.optionsFlags = entry.options === undefined ? undefined : {
      bidAskPct: entry.options.bidAskPct,
      pinning: entry.options.pinning,
      volatilityCrush: entry.options.volatilityCrush,
      dealerGamma: entry.options.dealerGamma,
      positionGamma: entry.options.gamma,
    };
    p.indicators = entry.indicators;
    this.lastEquity = entry.equity;
    if (entry.equity > this.peakEquity) this.peakEquity = entry.equity;
    const drawdown = this.peakEquity > 0 ? 1 - entry.equity / this.peakEquity : 0;
    const ctx = this.context.at(entry.bar, drawdown);
    const d = this.panel.decide(p, ctx);
    this.count(d, ctx.regime);

    const record = this.journaled ? this.panel.toRecord(d, p, ctx) : null;
    const v = this.verdict;
    v.approved = d.approved;
    v.pct = undefined;
    v.stopPrice = undefined;
    v.takeProfitPrice = undefined;
    v.note = undefined;
    if (!d.approved) {
      v.note = rejectionNote(d);
      // An options order has no signal to wait for: its decision is journaled now.
      if (entry.options !== undefined) this.optionsDecision(record, entry, 'rejected', v.note);
      else this.lastRejected = record;
      return v;
    }
    const review = d.review!;
    v.pct = review.pct;
    if (entry.options !== undefined) {
      if (review.status === 'APPROVED_WITH_MODIFICATIONS') v.note = 'APPROVED_WITH_MODIFICATIONS';
      this.optionsDecision(record, entry, review.status === 'APPROVED' ? 'approved' : 'modified');
      return v;
    }
    if (Number.isFinite(review.stopPrice)) v.stopPrice = review.stopPrice;
    if (Number.isFinite(review.takeProfitPrice)) v.takeProfitPrice = review.takeProfitPrice;
    if (review.status === 'APPROVED_WITH_MODIFICATIONS') v.note = 'APPROVED_WITH_MODIFICATIONS';
    this.awaitingFill.push({
      bar: entry.bar,
      side: p.side,
      price: entry.price,
      pct: review.pct,
      equity: entry.equity,
      supportMask: d.supportMask,
      regime: d.regime,
      record,
      status: review.status === 'APPROVED' ? 'approved' : 'modified',
    });
    return v;
  }

  onSignal(signal: Signal): void {
    if (signal.action !== 'exit') {
      // The backtester reports a refused entry at once, as an ignored signal carrying our note.
      const rejected = this.lastRejected;
      if (signal.ignored?.startsWith('REJECTED')) {
        this.lastRejected = null;
        if (rejected && rejected.proposal.bar === signal.bar) this.buffer.push({ kind: 'decision', record: rejected, signal: { ...signal }, status: 'rejected' });
        return;
      }
      const k = this.awaitingFill.findIndex((a) => a.bar === signal.bar && (a.side === 'BUY') === (signal.action === 'buy'));
      if (k >= 0) {
        const approval = this.awaitingFill.splice(k, 1)[0]!;
        if (signal.tradeId !== undefined && signal.ignored === undefined) this.openTrades.set(signal.tradeId, approval);
        if (approval.record && this.journaled) {
          this.buffer.push({ kind: 'decision', record: approval.record, signal: { ...signal }, status: approval.status });
        }
        return;
      }
    }
    if (this.journaled) this.buffer.push({ kind: 'signal', signal: { ...signal } });
  }

  onTrade(trade: Trade): void {
    if (this.journaled) this.buffer.push({ kind: 'trade', trade: { ...trade } });
    const approval = this.openTrades.get(trade.id);
    this.openTrades.delete(trade.id);
    this.panel.tradeClosed(trade.pnl, trade.exitTime, this.lastEquity, approval?.supportMask, approval?.regime);
    if (!approval) return;
    const executedPct = approval.equity > 0 ? (trade.qty * trade.entryPrice) / approval.equity : 0;
    const issues = this.panel.audit({ side: approval.side, price: approval.price, pct: approval.pct }, { price: trade.entryPrice, pct: executedPct });
    if (issues.length > 0) {
      this.summary.corrections += issues.length;
      if (this.journaled) this.buffer.push({ kind: 'message', message: correctionMessage(trade.entryTime, issues) });
    }
  }

  /** An options position ended: its P&L feeds the daily-loss stop and the circuit breaker like a trade's. */
  onOptionsClosed(pnl: number, time: number): void {
    this.panel.tradeClosed(pnl, time, this.lastEquity);
  }

  private optionsDecision(record: DecisionRecord | null, entry: EntryRequest, status: 'approved' | 'modified' | 'rejected', ignored?: string): void {
    if (record === null) return;
    const signal: Signal = { bar: entry.bar, time: entry.time, action: entry.side === 'long' ? 'buy' : 'sell', confidence: entry.confidence, reason: entry.reason, ...(ignored !== undefined ? { ignored } : {}) };
    this.buffer.push({ kind: 'decision', record, signal, status });
  }

  /** Writes what was recorded since the last call and forgets it: a market session writes bar by bar. */
  drainTo(journal: AgentJournal): void {
    this.flushTo(journal);
    this.buffer.length = 0;
  }

  /** Writes what this run recorded, in order, into the journal. */
  flushTo(journal: AgentJournal): void {
    for (const item of this.buffer) {
      switch (item.kind) {
        case 'signal':
          journal.onSignal?.(item.signal);
          break;
        case 'trade':
          journal.onTrade?.(item.trade);
          break;
        case 'message':
          journal.recordMessage(toMessageInput(item.message));
          break;
        case 'decision': {
          const r = item.record;
          const s = item.signal;
          const seq = journal.recordDecision({
            time: s.time,
            bar: s.bar,
            symbol: r.proposal.symbol,
            action: r.proposal.side === 'BUY' ? 'buy' : 'sell',
            confidence: r.proposal.confidence,
            reason: r.proposal.reason,
            status: item.status,
            ...(s.ignored !== undefined ? { ignored: s.ignored } : {}),
            ...(s.tradeId !== undefined ? { tradeNo: s.tradeId } : {}),
            agent_results: r.agent_results,
            consensus_decision: {
              ...r.consensus_decision,
              regime: r.regime,
              threshold: r.threshold,
              risk_review: r.risk_review,
              outcome: r.outcome,
            },
            recommendations: r.recommendations,
            technical_signals: r.technical_signals,
            outside_signals: r.outside_signals,
          });
          for (const m of decisionMessages(r)) journal.recordMessage({ ...toMessageInput(m), decisionSeq: seq });
          break;
        }
      }
    }
    this.buffer.length = 0;
  }

  private count(d: Readonly<PanelDecision>, regime: MarketRegime): void {
    const s = this.summary;
    s.proposals++;
    s.regimes[regime]++;
    const side = this.proposal.side;
    for (const v of d.votes) {
      const a = s.agents[AGENT_NAMES[v.role]]!;
      if (v.decision === side) a.backed++;
      else if (v.decision === 'HOLD') a.held++;
      else a.opposed++;
    }
    if (!d.approved) {
      s.rejected++;
      if (d.rejectedBy === 'consensus') s.rejectedBy.consensus++;
      else {
        s.rejectedBy.risk_gate++;
        const why = d.review?.rejection;
        if (why) s.gateRejections[why] = (s.gateRejections[why] ?? 0) + 1;
      }
      return;
    }
    if (d.status === 'APPROVED') s.approved++;
    else s.modified++;
    for (const m of d.review!.modifications) s.gateModifications[m.rule] = (s.gateModifications[m.rule] ?? 0) + 1;
  }
}

function rejectionNote(d: Readonly<PanelDecision>): string {
  if (d.rejectedBy === 'consensus') {
    return `REJECTED by consensus: ${(d.score * 100).toFixed(1)}% < ${(d.threshold * 100).toFixed(0)}% threshold`;
  }
  return `REJECTED by risk_gate: ${d.review?.rejection ?? 'limit'}`;
}

function toMessageInput(m: AgentMessage): { time: number; from: string; to: string; kind: string; content: unknown } {
  return { time: Date.parse(m.timestamp), from: m.from, to: m.to, kind: m.message.type, content: m.message };
}

/** The summary in a few lines, for `volt backtest --agents` and the report view. */
export function formatAgentSummary(s: Readonly<AgentReviewSummary>): string[] {
  const lines = [
    `agents: ${s.proposals} proposals — ${s.approved} approved, ${s.modified} approved with modifications, ${s.rejected} rejected` +
      ` (${s.rejectedBy.consensus} by consensus, ${s.rejectedBy.risk_gate} by the risk gate)`,
  ];
  const gate = Object.entries(s.gateRejections).map(([k, n]) => `${k} ${n}`);
  if (gate.length > 0) lines.push(`  risk gate rejections: ${gate.join(', ')}`);
  const mods = Object.entries(s.gateModifications).map(([k, n]) => `${k} ${n}`);
  if (mods.length > 0) lines.push(`  risk gate modifications: ${mods.join(', ')}`);
  lines.push(`  regimes: normal ${s.regimes.normal}, high volatility ${s.regimes.highVolatility}, crash ${s.regimes.crash}`);
  for (const [name, a] of Object.entries(s.agents)) {
    lines.push(`  ${name.padEnd(20)} ${a.kind.padEnd(5)} backed ${a.backed}, opposed ${a.opposed}, held ${a.held}`);
  }
  if (s.corrections > 0) lines.push(`  auditor corrections to the execution agent: ${s.corrections}`);
  return lines;
}
