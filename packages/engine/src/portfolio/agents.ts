/**
 * A portfolio backtest whose every entry goes through the agents' panel and the risk gate, as a
 * single-market run's do (agents/backtest.ts). One panel for the account (its daily-loss stop,
 * circuit breaker and track record see every market's trades); one review per market, whose
 * regime and indicators are that market's. Entries reach the panel after the portfolio limits;
 * the stop and target it moves are the fills' (run.ts). With LLM seats ('ollama') the whole
 * portfolio is re-run while answers come in, as a single market is (llmPasses): only the pass that
 * counts reaches the journal.
 */
import type { BacktestOptions } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import type { LoadedStrategy, StrategyDefinition } from '../strategy/index.js';
import { dataPeriod, llmPasses, marketContextFor, panelFromConfig, type AgentBacktestOptions, type LlmSeatsFacts } from '../agents/backtest.js';
import { AgentReview, type AgentJournal, type AgentReviewSummary } from '../agents/review.js';
import type { Agent, AgentRole } from '../agents/types.js';
import { runPortfolioBacktest } from './run.js';
import type { PortfolioLimits, PortfolioReport } from './types.js';

export interface PortfolioAgentsResult {
  report: PortfolioReport;
  /** The whole portfolio's counts (each market's added up); null with mode 'off'. */
  summary: AgentReviewSummary | null;
  /** Each market's own counts. */
  bySymbol: Record<string, AgentReviewSummary>;
  /** With LLM seats: who sat where, what was asked, how many passes. */
  llm?: LlmSeatsFacts;
}

export async function portfolioWithAgents(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  markets: readonly CandleSeries[],
  options: BacktestOptions & { limits?: PortfolioLimits },
  agentOptions: Omit<AgentBacktestOptions, 'onAsked'> & { onAsked?: AgentBacktestOptions['onAsked'] },
): Promise<PortfolioAgentsResult> {
  const { mode, config, journal } = agentOptions;
  if (mode === 'off') {
    const report = runPortfolioBacktest(strategy, markets, options, agentOptions.onProgress ? { onProgress: agentOptions.onProgress } : {});
    return { report, summary: null, bySymbol: {} };
  }
  const contexts = markets.map((series) => marketContextFor(series, options, agentOptions));
  /** One whole portfolio run with these seats (the rules' when none), its reviews written to `sink` as they complete. */
  const pass = (seats: Partial<Record<AgentRole, Agent>> | undefined, sink: AgentJournal | undefined) => {
    const panel = panelFromConfig(config, seats, agentOptions.trackRecords);
    const reviews = new Map<string, AgentReview>();
    markets.forEach((series, k) => reviews.set(series.symbol, new AgentReview(panel, contexts[k]!, { journaled: sink !== undefined })));
    const reviewOf = (symbol: string): AgentReview => reviews.get(symbol)!;
    // Each review's rows are written as soon as they are complete, so the journal keeps the markets' decisions in the order they happened.
    const drain = (r: AgentReview) => {
      if (sink) r.drainTo(sink);
    };
    const report = runPortfolioBacktest(strategy, markets, options, {
      ...(agentOptions.onProgress ? { onProgress: agentOptions.onProgress } : {}),
      decide: (entry) => reviewOf(entry.symbol).decide(entry),
      onSignal: (signal) => {
        const r = reviewOf(signal.symbol);
        r.onSignal(signal);
        drain(r);
      },
      onTrade: (trade) => {
        const r = reviewOf(trade.symbol);
        r.onTrade(trade);
        drain(r);
      },
    });
    return { report, panel, reviews };
  };
  const result = (value: ReturnType<typeof pass>): PortfolioAgentsResult => {
    const bySymbol: Record<string, AgentReviewSummary> = {};
    for (const [symbol, r] of value.reviews) bySymbol[symbol] = r.summary;
    const summary = addSummaries([...value.reviews.values()].map((r) => r.summary));
    summary.trackRecord = value.panel.trackRecord.added();
    return { report: value.report, summary, bySymbol };
  };
  if (mode === 'rules') return result(pass(undefined, journal));

  // Every pass is taped; the tape of the one that counts is played into the journal.
  let tape: JournalTape | undefined;
  const { value, llm } = await llmPasses(
    config,
    agentOptions,
    (seats) => {
      tape = journal ? new JournalTape() : undefined;
      return pass(seats, tape);
    },
    () => {
      if (journal && tape) tape.playInto(journal);
    },
    dataPeriod(markets),
  );
  return { ...result(value), llm };
}

/** An AgentJournal that keeps its calls in order, to be played into a real one later. */
class JournalTape implements AgentJournal {
  private readonly calls: (
    | { kind: 'signal'; signal: Parameters<NonNullable<AgentJournal['onSignal']>>[0] }
    | { kind: 'trade'; trade: Parameters<NonNullable<AgentJournal['onTrade']>>[0] }
    | { kind: 'decision'; seq: number; decision: Parameters<AgentJournal['recordDecision']>[0] }
    | { kind: 'message'; message: Parameters<AgentJournal['recordMessage']>[0] }
  )[] = [];
  private seq = 0;
  onSignal(signal: Parameters<NonNullable<AgentJournal['onSignal']>>[0]): void {
    this.calls.push({ kind: 'signal', signal: { ...signal } });
  }
  onTrade(trade: Parameters<NonNullable<AgentJournal['onTrade']>>[0]): void {
    this.calls.push({ kind: 'trade', trade: { ...trade } });
  }
  recordDecision(decision: Parameters<AgentJournal['recordDecision']>[0]): number {
    const seq = ++this.seq;
    this.calls.push({ kind: 'decision', seq, decision });
    return seq;
  }
  recordMessage(message: Parameters<AgentJournal['recordMessage']>[0]): void {
    this.calls.push({ kind: 'message', message });
  }
  /** The calls again, in order; a message's decision is the one the journal numbered on the way. */
  playInto(journal: AgentJournal): void {
    const seqs = new Map<number, number>();
    for (const c of this.calls) {
      if (c.kind === 'signal') journal.onSignal?.(c.signal);
      else if (c.kind === 'trade') journal.onTrade?.(c.trade);
      else if (c.kind === 'decision') seqs.set(c.seq, journal.recordDecision(c.decision));
      else {
        const { decisionSeq, ...rest } = c.message;
        const seq = decisionSeq === undefined ? undefined : seqs.get(decisionSeq);
        journal.recordMessage(seq === undefined ? rest : { ...rest, decisionSeq: seq });
      }
    }
  }
}

/** Counts added up over markets (the track record is the shared panel's, set by the caller). */
function addSummaries(list: readonly AgentReviewSummary[]): AgentReviewSummary {
  const out = structuredClone(list[0]!);
  for (const s of list.slice(1)) {
    out.proposals += s.proposals;
    out.approved += s.approved;
    out.modified += s.modified;
    out.rejected += s.rejected;
    out.rejectedBy.consensus += s.rejectedBy.consensus;
    out.rejectedBy.risk_gate += s.rejectedBy.risk_gate;
    for (const [k, n] of Object.entries(s.gateRejections)) out.gateRejections[k as keyof typeof out.gateRejections] = (out.gateRejections[k as keyof typeof out.gateRejections] ?? 0) + (n ?? 0);
    for (const [k, n] of Object.entries(s.gateModifications)) out.gateModifications[k as keyof typeof out.gateModifications] = (out.gateModifications[k as keyof typeof out.gateModifications] ?? 0) + (n ?? 0);
    for (const [name, a] of Object.entries(s.agents)) {
      const o = (out.agents[name] ??= { kind: a.kind, backed: 0, opposed: 0, held: 0 });
      o.backed += a.backed;
      o.opposed += a.opposed;
      o.held += a.held;
    }
    for (const [k, n] of Object.entries(s.regimes)) out.regimes[k as keyof typeof out.regimes] += n;
    out.corrections += s.corrections;
  }
  return out;
}
