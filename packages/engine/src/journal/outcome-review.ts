import { VoltError } from '../errors.js';
import { signalSource } from '../signals/index.js';
import type { Journal } from './journal.js';

/**
 * `volt review`: over a strategy's closed trades, which conditions preceded CORRECT, FALSE_POSITIVE
 * and STOPPED outcomes. The conditions are read off the decision that opened each trade (its
 * `technical_signals`, `outside_signals` and `agent_results` columns), so only runs with the
 * agents' panel have them.
 */
export interface OutcomeGroup {
  /** What was true at the entry: 'regime', 'fear_greed', 'trend_analyzer', … */
  feature: string;
  /** Its band: 'normal', 'for', 'backed', … */
  value: string;
  trades: number;
  correct: number;
  falsePositive: number;
  stopped: number;
  /** CORRECT / trades, with its 95% Wilson interval. */
  winRate: number;
  low: number;
  high: number;
}

export interface OutcomeReview {
  strategy: string;
  runs: number[];
  trades: number;
  correct: number;
  falsePositive: number;
  stopped: number;
  groups: OutcomeGroup[];
}

interface Row {
  run_id: number;
  outcome: 'CORRECT' | 'FALSE_POSITIVE' | 'STOPPED';
  action: 'buy' | 'sell';
  technical_signals: string | null;
  outside_signals: string | null;
  agent_results: string | null;
}

/**
 * The review of `strategy` (its name) over `runs` (default: its latest run whose decisions carry
 * signal columns). Groups with no trades are left out.
 */
export function reviewOutcomes(journal: Journal, strategy: string, options: { runs?: number[]; all?: boolean } = {}): OutcomeReview {
  const db = journal.db;
  let runs = options.runs;
  if (runs === undefined) {
    const ids = db
      .prepare(`SELECT DISTINCT d.run_id FROM decisions d JOIN runs r ON r.id = d.run_id WHERE r.strategy_name = ? AND d.technical_signals IS NOT NULL ORDER BY d.run_id DESC`)
      .pluck()
      .all(strategy) as number[];
    runs = options.all ? ids : ids.slice(0, 1);
  }
  if (runs.length === 0) {
    throw new VoltError({
      kind: 'usage',
      message: `no run of '${strategy}' in ${journal.path} has decisions with their signals`,
      hint: `run \`volt backtest FILE --agents rules\` first: only the agents' panel records what each entry saw`,
    });
  }
  const rows = db
    .prepare(
      `SELECT d.run_id, o.outcome, d.action, d.technical_signals, d.outside_signals, d.agent_results
       FROM decisions d
       JOIN trades t ON t.run_id = d.run_id AND t.trade_no = d.trade_no
       JOIN outcomes o ON o.trade_id = t.id
       WHERE d.run_id IN (${runs.map(() => '?').join(', ')}) AND d.action IN ('buy', 'sell') AND d.technical_signals IS NOT NULL
         AND o.outcome != 'PENDING' AND t.entry_bar >= d.bar
       ORDER BY d.run_id, d.seq`,
    )
    .all(...runs) as Row[];
  const groups = new Map<string, OutcomeGroup>();
  const count = (feature: string, value: string, outcome: Row['outcome']) => {
    const key = `${feature}\u0000${value}`;
    const g = groups.get(key) ?? { feature, value, trades: 0, correct: 0, falsePositive: 0, stopped: 0, winRate: 0, low: 0, high: 0 };
    g.trades++;
    if (outcome === 'CORRECT') g.correct++;
    else if (outcome === 'STOPPED') g.stopped++;
    else g.falsePositive++;
    groups.set(key, g);
  };
  const totals = { correct: 0, falsePositive: 0, stopped: 0 };
  for (const r of rows) {
    if (r.outcome === 'CORRECT') totals.correct++;
    else if (r.outcome === 'STOPPED') totals.stopped++;
    else totals.falsePositive++;
    const tech = JSON.parse(r.technical_signals ?? '{}') as Record<string, number | string | null>;
    const outside = JSON.parse(r.outside_signals ?? '{}') as Record<string, number | null>;
    const votes = JSON.parse(r.agent_results ?? '{}') as Record<string, { decision: string }>;
    const side = r.action === 'buy' ? 'BUY' : 'SELL';
    count('side', r.action === 'buy' ? 'long' : 'short', r.outcome);
    if (typeof tech.regime === 'string') count('regime', tech.regime, r.outcome);
    if (typeof tech.momentum === 'number') count('momentum', tech.momentum > 0 ? 'up' : tech.momentum < 0 ? 'down' : 'flat', r.outcome);
    if (typeof tech.vol_percentile === 'number') count('realized-vol percentile', tech.vol_percentile < 0.5 ? 'below 50' : tech.vol_percentile < 0.8 ? '50–80' : '80 and above', r.outcome);
    for (const [name, v] of Object.entries(outside)) {
      if (name === 'score') {
        count('outside score', band(v), r.outcome);
        continue;
      }
      const source = signalSource(name);
      if (!source) continue;
      // A signal "for" the trade's side: its score points the way the trade went.
      const s = v === null ? null : source.score(v) * (side === 'BUY' ? 1 : -1);
      count(name, band(s), r.outcome);
    }
    for (const [agent, vote] of Object.entries(votes)) count(agent, vote.decision === side ? 'backed' : vote.decision === 'HOLD' ? 'held' : 'opposed', r.outcome);
  }
  const out = [...groups.values()];
  for (const g of out) {
    g.winRate = g.correct / g.trades;
    [g.low, g.high] = wilson(g.correct, g.trades);
  }
  out.sort((a, b) => a.feature.localeCompare(b.feature) || b.trades - a.trades);
  return { strategy, runs, trades: rows.length, ...totals, groups: out };
}

function band(s: number | null): string {
  if (s === null) return 'not published';
  return s > 0.1 ? 'for' : s < -0.1 ? 'against' : 'neutral';
}

/** 95% Wilson score interval of k successes in n. */
export function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  // At 0 or n successes the bound is exactly 0 or 1 (rounding would leave it a hair off).
  return [k === 0 ? 0 : Math.max(0, mid - half), k === n ? 1 : Math.min(1, mid + half)];
}

/** The review as a table, one line per condition. */
export function formatOutcomeReview(r: OutcomeReview): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const lines = [
    `${r.strategy}: ${r.trades} closed trades from run${r.runs.length > 1 ? 's' : ''} ${r.runs.join(', ')}: ${r.correct} CORRECT, ${r.falsePositive} FALSE_POSITIVE, ${r.stopped} STOPPED`,
    '',
    `${'condition at entry'.padEnd(40)} ${'trades'.padStart(6)} ${'correct'.padStart(7)} ${'false +'.padStart(7)} ${'stopped'.padStart(7)}  win rate (95% CI)`,
  ];
  for (const g of r.groups) {
    lines.push(`${`${g.feature}: ${g.value}`.padEnd(40)} ${String(g.trades).padStart(6)} ${String(g.correct).padStart(7)} ${String(g.falsePositive).padStart(7)} ${String(g.stopped).padStart(7)}  ${pct(g.winRate)} (${pct(g.low)}–${pct(g.high)})`);
  }
  return lines;
}
