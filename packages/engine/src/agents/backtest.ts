import type { EventCalendar } from '../data/index.js';
import { runBacktest, type BacktestOptions, type BacktestReport } from '../backtest/index.js';
import type { VoltConfig } from '../config/index.js';
import type { CandleSeries } from '../data/index.js';
import { gatewayFromConfig, ollamaStatus, unreachableMessage, type LlmCache, type OllamaGateway } from '../llm/index.js';
import type { LoadedStrategy, StrategyDefinition } from '../strategy/index.js';
import { MarketContextBuilder, type VixSeries, type VixTermStructure } from './context.js';
import { checkHindsight, type HindsightCheck } from './hindsight.js';
import { LlmAgent, PanelAnswers, PromptMemo, ReplaySeat, TokenBudget } from './llm-agent.js';
import { AgentPanel } from './panel.js';
import { AgentReview, type AgentJournal, type AgentReviewSummary } from './review.js';
import { ruleAgents } from './rules.js';
import type { TrackRecordRow } from './track-record.js';
import { AGENT_ROLES, type Agent, type AgentRole, type AgentWeights } from './types.js';

export type AgentsMode = 'off' | 'rules' | 'ollama';

/** The parts of volt.config.json the agents read. */
export type AgentsConfig = Pick<VoltConfig, 'agents' | 'ollama' | 'risk'>;

export interface AgentBacktestOptions {
  mode: AgentsMode;
  config?: AgentsConfig;
  /** Regime from VIX when given (see loadVixSeries); else realized-volatility percentiles. */
  vix?: VixSeries;
  /** The VIX term structure (see loadVixTermStructure): contango / backwardation in the regime. */
  term?: VixTermStructure;
  /** An implied-volatility index for IV rank and percentile (default the VIX). */
  impliedVol?: VixSeries;
  /** Scheduled volatility events (see loadEventCalendar). */
  events?: EventCalendar;
  /** Where decisions, messages, signals and trades go (the journal's RunRecorder). */
  journal?: AgentJournal;
  /** LLM answers are kept here (the Journal itself, for its llm_cache table); in memory otherwise. */
  cache?: LlmCache;
  /** Tests and the sidecar pass their own; otherwise one is made from config.ollama. */
  gateway?: OllamaGateway;
  /** One sentence per kind of trouble (Ollama missing, a model missing, too slow). */
  onNotice?: (message: string) => void;
  /** Backtest passes while LLM answers come in (default 50; each pass is one plain backtest). */
  maxPasses?: number;
  /** Passed on to the backtester (a progress bar). */
  onProgress?: (barsDone: number, barsTotal: number) => void;
  /** After each model answer while the missing ones are fetched (a progress line). */
  onAsked?: (asked: number, missing: number, pass: number) => void;
  /** After each pass: how many LLM answers it still lacked (0 on the pass that counts). */
  onPass?: (pass: number, missing: number) => void;
  signal?: AbortSignal;
  /** Track records to start from (the journal's for this market with agents.trackRecord.carry, or a training window's). */
  trackRecords?: readonly TrackRecordRow[];
  /** Whether the gateway's host answers; default: ask it (ollamaStatus). The sandbox asks its runner. */
  isReachable?: (host: string) => Promise<boolean>;
}

export interface AgentBacktestResult {
  report: BacktestReport;
  /** Null with mode 'off'. */
  summary: AgentReviewSummary | null;
  llm?: {
    host: string;
    /** Chat requests sent; 0 on a re-run whose answers are all cached. */
    requests: number;
    cacheHits: number;
    passes: number;
    answeredByModel: number;
    answeredByRules: number;
    /** Which seats an LLM held, and with which model. */
    seats: Partial<Record<AgentRole, string>>;
    /**
     * The hindsight guard: whether a seat whose model voted in this run may know what followed the
     * data (the data ends before its knowledge cutoff, or its cutoff is unknown). `marked` with a
     * message for the report: "LLM votes may contain hindsight: …".
     */
    hindsight: HindsightCheck;
    /**
     * Tokens (Ollama's prompt_eval_count + eval_count): `used` is what the answers the reported run
     * used cost — cached ones at what they cost when recorded, rows from before costs were recorded
     * at 0 — against `budget` (agents.llm.tokenBudget; null: none); `spent` what this run's requests
     * cost; `refused` the proposals the budget sent to the rule agents.
     */
    tokens: { used: number; budget: number | null; spent: number; refused: number };
  };
}

/**
 * What the LLM seats did in a run, in the lines `volt backtest --agents ollama` prints under the
 * panel's summary and the sidecar's report shows: the seats and their answers, the hindsight mark.
 */
export function formatLlmUse(l: NonNullable<AgentBacktestResult['llm']>): string[] {
  const lines = [
    `  LLM seats: ${Object.entries(l.seats).map(([role, model]) => `${role}=${model}`).join(', ')}; ${l.requests} requests, ${l.cacheHits} cached answers, ${l.passes} passes; ${l.answeredByModel} votes by a model, ${l.answeredByRules} by rules`,
  ];
  const t = l.tokens;
  lines.push(
    `  LLM tokens: ${t.used} used${t.budget !== null ? ` of a budget of ${t.budget}` : ''} (cached answers at what they cost when recorded), ${t.spent} spent by this run's requests` +
      (t.refused > 0 ? `; the budget ran out: the rule-based agents answered the last ${t.refused} proposals` : ''),
  );
  if (l.hindsight.message !== null) lines.push(`  ${l.hindsight.message}`);
  return lines;
}

/** The panel volt.config.json describes (weights, risk limits), with any seats replaced. */
export function panelFromConfig(config?: AgentsConfig, agents?: Partial<Record<AgentRole, Agent>>, seed?: readonly TrackRecordRow[]): AgentPanel {
  const weights: AgentWeights = {};
  for (const role of AGENT_ROLES) {
    const w = config?.agents.weights[role];
    if (typeof w === 'number') weights[role] = w;
  }
  return new AgentPanel({
    weights,
    ...(config ? { limits: { ...config.risk } } : {}),
    ...(agents ? { agents } : {}),
    ...(config?.agents.trackRecord ? { trackRecord: config.agents.trackRecord } : {}),
    ...(seed ? { seed } : {}),
  });
}

/**
 * The model for each seat an LLM takes in 'ollama' mode: `ollama.models[role]` when set, else the
 * risk model for the volatility and hedge seats and the market model for the trend and market
 * seats. Execution and auditor stay rule-based unless a model is named for them: their checks are
 * arithmetic, not judgement.
 */
export function llmSeatModels(config?: AgentsConfig): Partial<Record<AgentRole, string>> {
  const models = config?.ollama.models ?? { critique: 'qwen2.5-coder:7b', risk: 'deepseek-r1:8b', market: 'llama3.3' };
  const seats: Partial<Record<AgentRole, string>> = {
    volatility: models.volatility ?? models.risk,
    hedge: models.hedge ?? models.risk,
    trend: models.trend ?? models.market,
    market: models.market,
  };
  if (models.execution) seats.execution = models.execution;
  if (models.auditor) seats.auditor = models.auditor;
  for (const role of AGENT_ROLES) if (!seats[role]) delete seats[role];
  return seats;
}

/**
 * A backtest whose every entry goes through the agents' panel and the risk gate.
 *
 * With LLM seats the bar loop still runs synchronously: a seat answers from the LLM cache, and on a
 * miss its rule agent stands in while the request is noted. After the run the missing answers are
 * fetched, and the run is repeated until one needs nothing new. That run — made of the models'
 * answers only — is the one reported and journaled; a second run of the same backtest finds every
 * answer cached, makes no LLM call and gives the same result.
 */
export async function backtestWithAgents(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  series: CandleSeries,
  options: BacktestOptions,
  agentOptions: AgentBacktestOptions,
): Promise<AgentBacktestResult> {
  const { mode, config, journal } = agentOptions;
  if (mode === 'off') {
    const report = runBacktest(strategy, series, options, journal ?? {});
    return { report, summary: null };
  }
  const context = marketContextFor(series, options, agentOptions);

  if (mode === 'rules') {
    const review = new AgentReview(panelFromConfig(config, undefined, agentOptions.trackRecords), context, { journaled: journal !== undefined });
    if (agentOptions.onProgress) review.onProgress = agentOptions.onProgress;
    const report = runBacktest(strategy, series, options, review);
    review.summary.trackRecord = review.panel.trackRecord.added();
    if (journal) review.flushTo(journal);
    return { report, summary: review.summary };
  }

  const { value, llm } = await llmPasses(
    config,
    agentOptions,
    (seats) => {
      const review = new AgentReview(panelFromConfig(config, seats, agentOptions.trackRecords), context, { journaled: journal !== undefined });
      if (agentOptions.onProgress) review.onProgress = agentOptions.onProgress;
      return { review, report: runBacktest(strategy, series, options, review) };
    },
    ({ review }) => {
      review.summary.trackRecord = review.panel.trackRecord.added();
      if (journal) review.flushTo(journal);
    },
    dataPeriod([series]),
  );
  return { report: value.report, summary: value.review.summary, llm };
}

/** The agents' view of one market: the config's thresholds and blend, and the volatility, events and signals the run was given. */
export function marketContextFor(series: CandleSeries, options: BacktestOptions, agentOptions: Omit<AgentBacktestOptions, 'mode' | 'onAsked'>): MarketContextBuilder {
  const { config } = agentOptions;
  return new MarketContextBuilder(series, {
    ...(config ? { thresholds: config.agents.thresholds } : {}),
    ...(agentOptions.vix ? { vix: agentOptions.vix } : {}),
    ...(agentOptions.term ? { term: agentOptions.term } : {}),
    ...(agentOptions.impliedVol ? { impliedVol: agentOptions.impliedVol } : {}),
    ...(agentOptions.events ? { events: agentOptions.events } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(config?.agents.blend ? { blend: config.agents.blend } : {}),
  });
}

/** Where a run's data ends, for the hindsight check; synthetic data has no history to know. */
export interface DataPeriod {
  end: number;
  synthetic: boolean;
}

/** The period of one market or several (the latest end; synthetic only if every market is). */
export function dataPeriod(markets: readonly CandleSeries[]): DataPeriod {
  let end = 0;
  for (const m of markets) if (m.length > 0) end = Math.max(end, m.time[m.length - 1]!);
  return { end, synthetic: markets.length > 0 && markets.every((m) => m.source.startsWith('synthetic:')) };
}

/** What a run with LLM seats says of them (AgentBacktestResult.llm). */
export type LlmSeatsFacts = NonNullable<AgentBacktestResult['llm']>;

/**
 * The passes of a run with LLM seats (backtestWithAgents, and portfolio/agents.ts): `pass` runs
 * the whole backtest once with these seats, answering from the cache and noting what it lacks;
 * the missing answers are fetched and the run repeated until a pass needs nothing new (or
 * `maxPasses`). `last` is called with that pass's value, the one that counts, before the panel's
 * answers are saved to the cache.
 */
export async function llmPasses<T>(
  config: AgentsConfig | undefined,
  agentOptions: Omit<AgentBacktestOptions, 'mode'>,
  pass: (seats: Partial<Record<AgentRole, Agent>>) => T,
  last: (value: T) => void,
  period: DataPeriod,
): Promise<{ value: T; llm: LlmSeatsFacts }> {
  const gateway =
    agentOptions.gateway ??
    gatewayFromConfig(config?.ollama ?? { timeoutMs: 30_000 }, {
      ...(agentOptions.cache ? { cache: agentOptions.cache } : {}),
      ...(agentOptions.onNotice ? { onNotice: agentOptions.onNotice } : {}),
    });
  const seats = llmSeatModels(config);
  const rules = ruleAgents();
  const prompts = new PromptMemo({ mask: config?.agents.llm?.mask ?? true });
  const llmAgents = (Object.entries(seats) as [AgentRole, string][]).map(
    ([role, model]) => new LlmAgent(role, model, gateway, rules[role], config?.ollama.timeoutMs, prompts),
  );
  const givenUp = new Map<AgentRole, Set<string>>(llmAgents.map((a) => [a.role, new Set<string>()]));
  const budget = new TokenBudget(config?.agents.llm?.tokenBudget);
  let spent = 0;
  // Only ask the server whether it is there when something is not cached yet (see below).
  let reachable: boolean | undefined;
  const maxPasses = agentOptions.maxPasses ?? 50;
  let passes = 0;
  for (;;) {
    passes++;
    budget.reset();
    const together = new PanelAnswers(llmAgents, gateway, prompts, budget);
    const replay = llmAgents.map((a) => new ReplaySeat(a, givenUp.get(a.role)!, together, budget));
    const panelSeats: Partial<Record<AgentRole, Agent>> = {};
    for (const seat of replay) panelSeats[seat.role] = seat;
    const value = pass(panelSeats);
    // In the order the run met them: the budget is spent by the first proposals.
    const misses = replay
      .flatMap((s) => [...s.misses.entries()].map(([key, miss]) => ({ seat: s, key, req: miss.request, usedBefore: miss.usedBefore, order: miss.order })))
      .sort((a, b) => a.order - b.order);
    agentOptions.onPass?.(passes, misses.length);
    const final = misses.length === 0 || passes >= maxPasses || agentOptions.signal?.aborted === true;
    if (final) {
      if (misses.length > 0) {
        gateway.notice('passes', `${misses.length} LLM answers were still missing after ${passes} backtest passes; the rule-based agents answered those`);
      }
      if (budget.refused > 0) {
        gateway.notice(
          'token-budget',
          `the LLM token budget (agents.llm.tokenBudget ${budget.budget}) was spent after ${budget.used} tokens: the rule-based agents answered the last ${budget.refused} of ${budget.met} proposals`,
        );
      }
      last(value);
      if (misses.length === 0) together.saveTo(gateway.cache);
      return {
        value,
        llm: {
          host: gateway.host,
          requests: gateway.requests,
          cacheHits: gateway.cacheHits,
          passes,
          answeredByModel: replay.reduce((n, s) => n + s.answeredByModel, 0),
          answeredByRules: replay.reduce((n, s) => n + s.answeredByRules, 0),
          seats,
          hindsight: checkHindsight(
            // Only models that voted: a seat the rules held for the whole run knew nothing.
            Object.fromEntries(replay.filter((s) => s.answeredByModel > 0).map((s) => [s.role, s.agent.model])),
            period.end,
            config?.ollama.cutoffs,
            period.synthetic,
          ),
          tokens: { used: budget.used, budget: Number.isFinite(budget.budget) ? budget.budget : null, spent, refused: budget.refused },
        },
      };
    }
    if (reachable === undefined && gateway.hostProblem !== undefined) {
      reachable = false;
      gateway.notice('unreachable', `LLM unavailable: ${gateway.hostProblem}. Rule-based agents answer instead`);
    }
    if (reachable === undefined) {
      reachable = agentOptions.isReachable
        ? await agentOptions.isReachable(gateway.host)
        : (await ollamaStatus({ host: gateway.host, timeoutMs: 2000 })).reachable;
      if (!reachable) gateway.notice('unreachable', unreachableMessage(gateway.host));
    }
    // A model that is missing, unreachable or too slow is not asked again in this run.
    const stopped = new Set<string>();
    let asked = 0;
    // Tokens the answers fetched for earlier proposals cost: a proposal the next pass would find
    // past the budget is not asked about (the first always is, so every pass moves on).
    let fetched = 0;
    let order = -1;
    for (const { seat, key, req, usedBefore, order: at } of misses) {
      if (at !== order) {
        if (order >= 0 && usedBefore + fetched >= budget.budget) break;
        order = at;
      }
      agentOptions.onAsked?.(asked++, misses.length, passes);
      const seatGivenUp = givenUp.get(seat.role)!;
      if (!reachable || stopped.has(req.model)) {
        seatGivenUp.add(key);
        continue;
      }
      const outcome = await gateway.structured(agentOptions.signal ? { ...req, signal: agentOptions.signal } : req);
      const cost = outcome.tokens ?? 0;
      fetched += cost;
      if (outcome.ok ? outcome.source === 'llm' : cost > 0) spent += cost;
      if (!outcome.ok && outcome.failure !== 'invalid-answer') {
        seatGivenUp.add(key);
        stopped.add(req.model);
      }
    }
  }
}
