import type { VoltConfig } from '../config/index.js';
import type { DecisionEntry } from '../journal/index.js';
import { ollamaStatus, type OllamaStatus } from '../llm/index.js';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../risk/index.js';
import type Database from 'better-sqlite3';
import { llmSeatModels } from './backtest.js';
import { lastAgentEvaluation, type RecordedAgentEvaluation } from './evaluation-record.js';
import { DEFAULT_TRACK_RECORD_BOUNDS } from './track-record.js';
import { AGENT_NAMES, AGENT_ROLES, DEFAULT_WEIGHTS, type AgentRole } from './types.js';

export interface AgentMetrics {
  /** Proposals this agent voted on. */
  proposals: number;
  /** Votes for the proposal's side. */
  approvals: number;
  avgConfidence: number;
  /** Of the trades it backed that have an outcome, the share that were CORRECT; null with none. */
  winRate: number | null;
}

export interface AgentStatusEntry {
  role: AgentRole;
  /** The name used in journaled decisions (agent_results). */
  name: string;
  kind: 'rules' | 'llm';
  model?: string;
  weight: number;
  /** False when it should be an LLM but the model cannot be reached: its rule agent stands in. */
  available: boolean;
  metrics?: AgentMetrics;
}

export interface AgentStatus {
  mode: VoltConfig['agents']['mode'];
  agents: AgentStatusEntry[];
  llm: {
    host: string;
    /** False shows as "LLM unavailable": the rule-based agents stand in. */
    available: boolean;
    reason?: string;
    version?: string;
    models: string[];
    critiqueModel: string;
  };
  riskGate: {
    limits: RiskLimits;
    metrics?: { reviews: number; rejections: number; modifications: number };
  };
  /** Decisions the metrics were computed from (newest first, at most 5000). */
  decisionsRead: number;
  /** The journal's track records (agent_track_records) and the weight multiplier each gives now, within agents.trackRecord's bounds. */
  trackRecords?: { agent: string; market: string; regime: string; judged: number; correct: number; multiplier: number }[];
  /** The journal's newest `volt agents evaluate` result (agent_evaluations), when one ran on it. */
  lastEvaluation?: RecordedAgentEvaluation;
}

/** What `listDecisions` of the journal offers; the Journal fits it. */
export interface DecisionSource {
  listDecisions(filter?: { limit?: number }): DecisionEntry[];
}

/**
 * Each agent, its model or rules, whether Ollama is there, and per-agent metrics from the journal
 * when one is given. The sidecar's volt.agentStatus and `volt agents status` both print this.
 */
export async function agentStatus(
  config: Pick<VoltConfig, 'agents' | 'ollama' | 'risk'>,
  journal?: DecisionSource,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<AgentStatus> {
  const ollama: OllamaStatus = await ollamaStatus({
    ...(config.ollama.host !== undefined ? { host: config.ollama.host } : {}),
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: options.timeoutMs ?? 2000,
  });
  const host = ollama.host;
  const installed = new Set(ollama.models.map((m) => m.name));
  const has = (model: string): boolean => installed.has(model) || installed.has(`${model}:latest`);
  const seats = config.agents.mode === 'ollama' ? llmSeatModels(config) : {};
  const decisions = journal ? journal.listDecisions({ limit: 5000 }).filter((d) => Object.keys(d.agentResults).length > 0) : [];
  const metrics = journal ? agentMetrics(decisions) : undefined;

  const agents: AgentStatusEntry[] = AGENT_ROLES.map((role) => {
    const model = seats[role];
    const entry: AgentStatusEntry = {
      role,
      name: AGENT_NAMES[role],
      kind: model ? 'llm' : 'rules',
      weight: config.agents.weights[role] ?? DEFAULT_WEIGHTS[role],
      available: model ? ollama.reachable && has(model) : true,
    };
    if (model) entry.model = model;
    const m = metrics?.agents[AGENT_NAMES[role]];
    if (m) entry.metrics = m;
    else if (metrics) entry.metrics = { proposals: 0, approvals: 0, avgConfidence: 0, winRate: null };
    return entry;
  });

  const missing = Object.values(seats).filter((m) => ollama.reachable && !has(m));
  let reason = ollama.reason;
  if (ollama.reachable && missing.length > 0) reason = `not installed: ${[...new Set(missing)].join(', ')} (ollama pull <model>)`;
  // Every limit volt.config.json sets (the options flags' too), as the panel's gate applies them.
  const limits: RiskLimits = { ...DEFAULT_RISK_LIMITS, ...config.risk };
  return {
    mode: config.agents.mode,
    agents,
    llm: {
      host,
      available: ollama.reachable,
      ...(reason ? { reason } : {}),
      ...(ollama.version ? { version: ollama.version } : {}),
      models: ollama.models.map((m) => m.name),
      critiqueModel: config.ollama.models.critique,
    },
    riskGate: { limits, ...(metrics ? { metrics: metrics.gate } : {}) },
    ...(journal && 'db' in journal ? learnedOf((journal as { db: Database.Database }).db, config.agents.trackRecord) : {}),
    decisionsRead: decisions.length,
  };
}

/** Per-agent and risk-gate figures from journaled decisions (those the agents voted on). */
export function agentMetrics(decisions: readonly DecisionEntry[]): {
  agents: Record<string, AgentMetrics>;
  gate: { reviews: number; rejections: number; modifications: number };
} {
  const acc = new Map<string, { proposals: number; approvals: number; confidence: number; resolved: number; correct: number }>();
  const gate = { reviews: 0, rejections: 0, modifications: 0 };
  for (const d of decisions) {
    const side = d.action === 'buy' ? 'BUY' : d.action === 'sell' ? 'SELL' : null;
    if (side === null) continue;
    for (const [name, r] of Object.entries(d.agentResults)) {
      let a = acc.get(name);
      if (!a) acc.set(name, (a = { proposals: 0, approvals: 0, confidence: 0, resolved: 0, correct: 0 }));
      a.proposals++;
      a.confidence += typeof r.confidence === 'number' ? r.confidence : 0;
      if (r.decision === side) {
        a.approvals++;
        if (d.outcome === 'CORRECT' || d.outcome === 'FALSE_POSITIVE' || d.outcome === 'STOPPED') {
          a.resolved++;
          if (d.outcome === 'CORRECT') a.correct++;
        }
      }
    }
    const consensus = d.consensus as (Record<string, unknown> & { risk_review?: unknown; outcome?: { rejected_by?: string } }) | null;
    if (consensus?.risk_review) {
      gate.reviews++;
      if (consensus.outcome?.rejected_by === 'risk_gate') gate.rejections++;
      if (d.status === 'modified') gate.modifications++;
    }
  }
  const agents: Record<string, AgentMetrics> = {};
  for (const [name, a] of acc) {
    agents[name] = {
      proposals: a.proposals,
      approvals: a.approvals,
      avgConfidence: a.proposals > 0 ? Math.round((a.confidence / a.proposals) * 1000) / 1000 : 0,
      winRate: a.resolved > 0 ? Math.round((a.correct / a.resolved) * 1000) / 1000 : null,
    };
  }
  return { agents, gate };
}

function learnedOf(db: Database.Database, bounds: { min: number; max: number } | undefined): Pick<AgentStatus, 'trackRecords' | 'lastEvaluation'> {
  const last = lastAgentEvaluation(db);
  return { trackRecords: trackRecordsOf(db, bounds), ...(last ? { lastEvaluation: last } : {}) };
}

function trackRecordsOf(db: Database.Database, bounds: { min: number; max: number } | undefined): NonNullable<AgentStatus['trackRecords']> {
  const { min, max } = bounds ?? DEFAULT_TRACK_RECORD_BOUNDS;
  const rows = db.prepare(`SELECT agent, market, regime, judged, correct FROM agent_track_records ORDER BY market, agent, regime`).all() as { agent: string; market: string; regime: string; judged: number; correct: number }[];
  return rows.map((r) => ({ ...r, multiplier: Math.round((min + ((max - min) * (r.correct + 2)) / (r.judged + 4)) * 1000) / 1000 }));
}

/** The status as a few aligned lines for a terminal. */
export function formatAgentStatus(s: Readonly<AgentStatus>): string[] {
  const lines: string[] = [];
  lines.push(
    s.llm.available
      ? `Ollama: reachable at ${s.llm.host}${s.llm.version ? `, version ${s.llm.version}` : ''}; models: ${s.llm.models.join(', ') || 'none installed'}`
      : `Ollama: LLM unavailable at ${s.llm.host} — ${s.llm.reason ?? 'not reachable'}; rule-based agents answer`,
  );
  if (s.llm.available && s.llm.reason) lines.push(`  ${s.llm.reason}`);
  lines.push(`mode: ${s.mode}; critique model: ${s.llm.critiqueModel}`);
  lines.push('');
  lines.push(`${'agent'.padEnd(20)} ${'kind'.padEnd(6)} ${'model'.padEnd(18)} weight  proposals  approvals  avg conf  win rate`);
  for (const a of s.agents) {
    const model = a.kind === 'llm' ? `${a.model}${a.available ? '' : ' (down)'}` : '-';
    const m = a.metrics;
    lines.push(
      `${a.name.padEnd(20)} ${a.kind.padEnd(6)} ${model.padEnd(18)} ${a.weight.toFixed(2).padStart(6)}  ` +
        (m
          ? `${String(m.proposals).padStart(9)}  ${String(m.approvals).padStart(9)}  ${m.avgConfidence.toFixed(2).padStart(8)}  ${m.winRate === null ? '       -' : `${(m.winRate * 100).toFixed(1)}%`.padStart(8)}`
          : '        -          -         -         -'),
    );
  }
  const g = s.riskGate;
  lines.push('');
  lines.push(
    `risk gate: max position ${(g.limits.maxPositionPct * 100).toFixed(1)}%, daily loss ${(g.limits.maxDailyLoss * 100).toFixed(1)}%, ` +
      `max drawdown ${(g.limits.maxDrawdown * 100).toFixed(1)}%, circuit breaker after ${g.limits.maxConsecutiveLosses} losses`,
  );
  if (g.metrics) lines.push(`  reviews ${g.metrics.reviews}, rejections ${g.metrics.rejections}, modifications ${g.metrics.modifications} (from ${s.decisionsRead} journaled decisions)`);
  else lines.push('  no journal: run `volt backtest --agents rules` to collect metrics');
  if (s.trackRecords && s.trackRecords.length > 0) {
    lines.push('');
    lines.push(`track records (journal)   ${'market'.padEnd(8)} ${'regime'.padEnd(15)} right/judged  weight ×`);
    for (const t of s.trackRecords) {
      lines.push(`  ${t.agent.padEnd(24)}${t.market.padEnd(9)}${t.regime.padEnd(16)}${`${t.correct}/${t.judged}`.padStart(12)}  ${t.multiplier.toFixed(2).padStart(8)}`);
    }
  }
  // trackRecords is there whenever a journal was read: only then is "none" worth saying.
  if (s.lastEvaluation) lines.push('', ...formatLastEvaluation(s.lastEvaluation));
  else if (s.trackRecords) lines.push('', 'last evaluation: none in the journal (`volt agents evaluate FILE --data SPEC …` measures the panel out of sample)');
  return lines;
}

/** The journal's last `volt agents evaluate`: each arm's out-of-sample figures and each agent's accuracy and marginal effect. */
export function formatLastEvaluation(r: Readonly<RecordedAgentEvaluation>): string[] {
  const e = r.evaluation;
  const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const signed = (x: number, text: string): string => (Number.isFinite(x) && x >= 0 ? `+${text}` : text);
  const when = new Date(r.at).toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `last evaluation (volt agents evaluate, ${when} UTC): ${e.strategy}, out of sample, ${e.folds} walk-forward folds on ${e.datasets.join(', ')}`,
    `  ${'arm'.padEnd(44)} ${'Sharpe'.padStart(7)} ${'max DD'.padStart(7)} ${'return'.padStart(7)} ${'trades'.padStart(6)}`,
  ];
  for (const a of e.arms) {
    lines.push(`  ${a.name.padEnd(44)} ${f(a.sharpe).padStart(7)} ${`${(a.maxDrawdown * 100).toFixed(1)}%`.padStart(7)} ${`${(a.totalReturn * 100).toFixed(1)}%`.padStart(7)} ${String(a.trades).padStart(6)}`);
  }
  lines.push(`  ${'agent'.padEnd(20)} ${'weight'.padStart(6)} ${'judged'.padStart(6)} ${'accuracy'.padStart(8)}  marginal Sharpe / drawdown / trades`);
  for (const a of e.agents) {
    const accuracy = Number.isFinite(a.accuracy) ? `${(a.accuracy * 100).toFixed(1)}%` : '-';
    const marginal = a.weight > 0 ? `${signed(a.marginalSharpe, f(a.marginalSharpe))} / ${signed(a.marginalDrawdown, `${(a.marginalDrawdown * 100).toFixed(1)} pp`)} / ${signed(a.marginalTrades, String(a.marginalTrades))}` : '- (no vote)';
    lines.push(`  ${a.agent.padEnd(20)} ${f(a.weight).padStart(6)} ${String(a.judged).padStart(6)} ${accuracy.padStart(8)}  ${marginal}`);
  }
  lines.push(`  best weights out of sample: ${e.best}`);
  return lines;
}
