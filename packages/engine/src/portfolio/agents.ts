/**
 * A portfolio backtest whose every entry goes through the agents' panel and the risk gate, as a
 * single-market run's do (agents/backtest.ts). One panel for the account (its daily-loss stop,
 * circuit breaker and track record see every market's trades); one review per market, whose
 * regime and indicators are that market's. Entries reach the panel after the portfolio limits.
 */
import type { BacktestOptions } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import { VoltError } from '../errors.js';
import type { LoadedStrategy, StrategyDefinition } from '../strategy/index.js';
import { MarketContextBuilder } from '../agents/context.js';
import { panelFromConfig, type AgentBacktestOptions } from '../agents/backtest.js';
import { AgentReview, type AgentReviewSummary } from '../agents/review.js';
import { runPortfolioBacktest } from './run.js';
import type { PortfolioLimits, PortfolioReport } from './types.js';

export interface PortfolioAgentsResult {
  report: PortfolioReport;
  /** The whole portfolio's counts (each market's added up); null with mode 'off'. */
  summary: AgentReviewSummary | null;
  /** Each market's own counts. */
  bySymbol: Record<string, AgentReviewSummary>;
}

export function portfolioWithAgents(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  markets: readonly CandleSeries[],
  options: BacktestOptions & { limits?: PortfolioLimits },
  agentOptions: Pick<AgentBacktestOptions, 'mode' | 'config' | 'vix' | 'term' | 'impliedVol' | 'events' | 'journal' | 'trackRecords' | 'onProgress'>,
): PortfolioAgentsResult {
  const { mode, config, journal } = agentOptions;
  if (mode === 'off') {
    const report = runPortfolioBacktest(strategy, markets, options, agentOptions.onProgress ? { onProgress: agentOptions.onProgress } : {});
    return { report, summary: null, bySymbol: {} };
  }
  if (mode !== 'rules') {
    throw new VoltError({ kind: 'usage', message: `a portfolio run takes the rule agents only (--agents rules), not '${mode}'`, hint: 'run --agents ollama one market at a time, or use --agents rules' });
  }
  const panel = panelFromConfig(config, undefined, agentOptions.trackRecords);
  const reviews = new Map<string, AgentReview>();
  for (const series of markets) {
    const context = new MarketContextBuilder(series, {
      ...(config ? { thresholds: config.agents.thresholds } : {}),
      ...(agentOptions.vix ? { vix: agentOptions.vix } : {}),
      ...(agentOptions.term ? { term: agentOptions.term } : {}),
      ...(agentOptions.impliedVol ? { impliedVol: agentOptions.impliedVol } : {}),
      ...(agentOptions.events ? { events: agentOptions.events } : {}),
      ...(options.signals ? { signals: options.signals } : {}),
      ...(config?.agents.blend ? { blend: config.agents.blend } : {}),
    });
    reviews.set(series.symbol, new AgentReview(panel, context, { journaled: journal !== undefined }));
  }
  const reviewOf = (symbol: string): AgentReview => reviews.get(symbol)!;
  // Each review's rows are written as soon as they are complete, so the journal keeps the markets' decisions in the order they happened.
  const drain = (r: AgentReview) => {
    if (journal) r.drainTo(journal);
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
  const added = panel.trackRecord.added();
  const bySymbol: Record<string, AgentReviewSummary> = {};
  for (const [symbol, r] of reviews) bySymbol[symbol] = r.summary;
  const summary = addSummaries([...reviews.values()].map((r) => r.summary));
  summary.trackRecord = added;
  return { report, summary, bySymbol };
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
