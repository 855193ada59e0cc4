/**
 * `volt agents evaluate`: does the panel earn its place, and does each agent earn its vote? Out of
 * sample, by walk-forward: on each fold the panel's track records are learned on the training
 * window, then every arm is run on the test window it never saw. See agents/README.md, "Earning
 * the vote".
 */
import { AGENT_NAMES, AGENT_ROLES, DEFAULT_WEIGHTS, type AgentRole, type AgentsConfig, type TrackRecordRow } from '../agents/index.js';
import type { BacktestReport } from '../backtest/index.js';
import { sliceSeries, type CandleSeries } from '../data/index.js';
import { VoltError } from '../errors.js';
import type { JournalEvent, StrategyRunner } from '../runner/index.js';
import type { SignalSet } from '../signals/index.js';
import type { TranspiledStrategy } from '../strategy/index.js';
import { walkForwardWindows } from './windows.js';

export interface EvaluationDataSet {
  name: string;
  series: CandleSeries;
  signals?: SignalSet;
}

/** A set of voting weights to measure (the defaults, and the alternatives Volt considered). */
export interface WeightCandidate {
  name: string;
  weights: Partial<Record<AgentRole, number>>;
}

export const WEIGHT_CANDIDATES: readonly WeightCandidate[] = [
  { name: 'volatility-led 0.40/0.35/0.25', weights: { volatility: 0.4, hedge: 0.35, trend: 0.25, market: 0, execution: 0, auditor: 0 } },
  { name: 'equal thirds', weights: { volatility: 1 / 3, hedge: 1 / 3, trend: 1 / 3, market: 0, execution: 0, auditor: 0 } },
  { name: 'with the market analyst 0.30/0.25/0.20/0.25', weights: { volatility: 0.3, hedge: 0.25, trend: 0.2, market: 0.25, execution: 0, auditor: 0 } },
  { name: 'trend-led 0.25/0.25/0.50', weights: { volatility: 0.25, hedge: 0.25, trend: 0.5, market: 0, execution: 0, auditor: 0 } },
];

export interface ArmResult {
  name: string;
  /** Mean over the test windows. */
  sharpe: number;
  maxDrawdown: number;
  totalReturn: number;
  /** Sum over the test windows. */
  trades: number;
}

export interface AgentEvaluationRow {
  agent: string;
  weight: number;
  /** Trades it was judged on (test windows, every entry let through the vote). */
  judged: number;
  /** Share it was right about: backed a winner or held back from a loser. */
  accuracy: number;
  /** The panel with it minus the panel without it (weight 0): Sharpe, drawdown, trades. */
  marginalSharpe: number;
  marginalDrawdown: number;
  marginalTrades: number;
}

export interface AgentEvaluation {
  strategy: string;
  datasets: string[];
  folds: number;
  /** No panel, the panel, and each candidate weight set. */
  arms: ArmResult[];
  agents: AgentEvaluationRow[];
  /** The candidate with the best mean out-of-sample Sharpe. */
  best: string;
}

export interface EvaluateAgentsOptions {
  runner: StrategyRunner;
  bundle: TranspiledStrategy;
  datasets: readonly EvaluationDataSet[];
  config: AgentsConfig;
  /** Walk-forward folds per data set (default 3); each trains on everything before its test window. */
  folds?: number;
  candidates?: readonly WeightCandidate[];
  onStep?: (done: number, total: number, what: string) => void;
}

interface Sums {
  sharpe: number;
  dd: number;
  ret: number;
  trades: number;
  n: number;
}

/** Walk-forward on each data set; every arm on every test window. */
export async function evaluateAgents(o: EvaluateAgentsOptions): Promise<AgentEvaluation> {
  if (o.datasets.length === 0) throw new VoltError({ kind: 'usage', message: 'no data sets to evaluate on', hint: 'give --data FILE at least once (three real data sets make the comparison worth reading)' });
  const folds = o.folds ?? 3;
  const candidates = o.candidates ?? WEIGHT_CANDIDATES;
  const weights = { ...DEFAULT_WEIGHTS, ...definedWeights(o.config.agents.weights) };
  const voting = AGENT_ROLES.filter((r) => weights[r] > 0);
  const arms = new Map<string, Sums>();
  const add = (name: string, r: BacktestReport) => {
    const s = arms.get(name) ?? { sharpe: 0, dd: 0, ret: 0, trades: 0, n: 0 };
    const m = r.metrics;
    s.sharpe += Number.isFinite(m.sharpe) ? m.sharpe : 0;
    s.dd += m.maxDrawdown;
    s.ret += m.totalReturn;
    s.trades += m.trades;
    s.n++;
    arms.set(name, s);
  };
  const judged = new Map<string, { judged: number; right: number }>();
  const perFold = 4 + voting.length + candidates.length;
  const total = o.datasets.length * folds * perFold;
  let done = 0;
  const step = (what: string) => o.onStep?.(++done, total, what);

  let strategyName = '';
  for (const data of o.datasets) {
    const windows = walkForwardWindows(data.series.time, folds, 'anchored');
    for (const w of windows) {
      const train = sliceSeries(data.series, w.train.from, w.train.to);
      const test = sliceSeries(data.series, w.test.from, w.test.to);
      const options = data.signals ? { signals: data.signals } : {};
      const run = async (series: CandleSeries, config: AgentsConfig | undefined, seed?: TrackRecordRow[], journaled = false) => {
        const outcome = await o.runner.run({
          bundle: o.bundle,
          series,
          options,
          ...(config ? { agents: { mode: 'rules' as const, config, journaled, ...(seed ? { trackRecords: seed } : {}) } } : {}),
        });
        if (outcome.status !== 'done') {
          const why = outcome.status === 'failed' ? outcome.failure.message : 'cancelled';
          throw new VoltError({ kind: 'strategy', message: `${data.name}, fold ${w.fold}: the run failed: ${why}`, file: o.bundle.path });
        }
        strategyName = outcome.strategy.name;
        return outcome;
      };
      // The training window teaches the track records; the test window never feeds them back.
      const learned = await run(train, o.config);
      const seed = learned.agents?.summary?.trackRecord ?? [];
      step(`${data.name} fold ${w.fold}: trained`);
      add('no panel', (await run(test, undefined)).report);
      step(`${data.name} fold ${w.fold}: no panel`);
      add('panel', (await run(test, o.config, seed)).report);
      step(`${data.name} fold ${w.fold}: panel`);
      for (const role of voting) {
        const without = withWeights(o.config, { ...weights, [role]: 0 });
        add(`panel without ${AGENT_NAMES[role]}`, (await run(test, without, seed)).report);
        step(`${data.name} fold ${w.fold}: without ${AGENT_NAMES[role]}`);
      }
      for (const c of candidates) {
        add(`weights: ${c.name}`, (await run(test, withWeights(o.config, { ...DEFAULT_WEIGHTS, ...c.weights }), seed)).report);
        step(`${data.name} fold ${w.fold}: ${c.name}`);
      }
      // Accuracy: every entry let through the vote (thresholds 0), each agent judged by the trade's result.
      const judge = await run(test, { ...o.config, agents: { ...o.config.agents, thresholds: { normal: 0, highVolatility: 0, crash: 0 } } }, seed, true);
      tally(judged, judge.agents?.events ?? []);
      step(`${data.name} fold ${w.fold}: judged`);
    }
  }
  const mean = (name: string): ArmResult => {
    const s = arms.get(name) ?? { sharpe: Number.NaN, dd: Number.NaN, ret: Number.NaN, trades: 0, n: 1 };
    return { name, sharpe: s.sharpe / s.n, maxDrawdown: s.dd / s.n, totalReturn: s.ret / s.n, trades: s.trades };
  };
  const panel = mean('panel');
  const agents: AgentEvaluationRow[] = AGENT_ROLES.map((role) => {
    const name = AGENT_NAMES[role];
    const j = judged.get(name) ?? { judged: 0, right: 0 };
    const without = voting.includes(role) ? mean(`panel without ${name}`) : panel;
    return {
      agent: name,
      weight: weights[role],
      judged: j.judged,
      accuracy: j.judged > 0 ? j.right / j.judged : Number.NaN,
      marginalSharpe: panel.sharpe - without.sharpe,
      marginalDrawdown: panel.maxDrawdown - without.maxDrawdown,
      marginalTrades: panel.trades - without.trades,
    };
  });
  const candidateArms = candidates.map((c) => mean(`weights: ${c.name}`));
  const best = candidateArms.reduce((a, b) => (b.sharpe > a.sharpe ? b : a), candidateArms[0]!);
  return {
    strategy: strategyName,
    datasets: o.datasets.map((d) => d.name),
    folds,
    arms: [mean('no panel'), panel, ...voting.map((r) => mean(`panel without ${AGENT_NAMES[r]}`)), ...candidateArms],
    agents,
    best: best.name.replace(/^weights: /, ''),
  };
}

/** Each decision that led to a trade: an agent that voted its side was right if it won, one that did not if it lost. */
function tally(into: Map<string, { judged: number; right: number }>, events: readonly JournalEvent[]): void {
  const pnl = new Map<number, number>();
  for (const e of events) if (e.kind === 'trade') pnl.set(e.trade.id, e.trade.pnl);
  for (const e of events) {
    if (e.kind !== 'decision' || e.decision.tradeNo === undefined) continue;
    const result = pnl.get(e.decision.tradeNo);
    if (result === undefined) continue;
    const side = e.decision.action === 'buy' ? 'BUY' : 'SELL';
    for (const [agent, vote] of Object.entries(e.decision.agent_results ?? {})) {
      const t = into.get(agent) ?? { judged: 0, right: 0 };
      t.judged++;
      if ((vote.decision === side) === result > 0) t.right++;
      into.set(agent, t);
    }
  }
}

function withWeights(config: AgentsConfig, weights: Record<AgentRole, number>): AgentsConfig {
  return { ...config, agents: { ...config.agents, weights: { ...config.agents.weights, ...weights } } };
}

function definedWeights(w: Record<string, number>): Partial<Record<AgentRole, number>> {
  const out: Partial<Record<AgentRole, number>> = {};
  for (const role of AGENT_ROLES) if (typeof w[role] === 'number') out[role] = w[role];
  return out;
}

/** The evaluation as the table BENCHMARKS.md and `volt agents evaluate` show. */
export function formatAgentEvaluation(e: AgentEvaluation): string[] {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const pp = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pp` : '–');
  const lines = [
    `${e.strategy}: out of sample, ${e.folds} walk-forward folds on each of ${e.datasets.join(', ')}`,
    '',
    '| arm | Sharpe | max drawdown | return | trades |',
    '|---|---|---|---|---|',
    ...e.arms.map((a) => `| ${a.name} | ${f(a.sharpe)} | ${(a.maxDrawdown * 100).toFixed(1)}% | ${(a.totalReturn * 100).toFixed(1)}% | ${a.trades} |`),
    '',
    '| agent | weight | judged | accuracy | marginal Sharpe | marginal drawdown | marginal trades |',
    '|---|---|---|---|---|---|---|',
    ...e.agents.map((a) => `| ${a.agent} | ${f(a.weight)} | ${a.judged} | ${Number.isFinite(a.accuracy) ? `${(a.accuracy * 100).toFixed(1)}%` : '–'} | ${a.weight > 0 ? (a.marginalSharpe >= 0 ? '+' : '') + f(a.marginalSharpe) : '–'} | ${a.weight > 0 ? pp(a.marginalDrawdown) : '–'} | ${a.weight > 0 ? (a.marginalTrades >= 0 ? '+' : '') + a.marginalTrades : '–'} |`),
    '',
    `best weights out of sample: ${e.best}`,
  ];
  return lines;
}
