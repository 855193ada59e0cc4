import type Database from 'better-sqlite3';
import type { AgentEvaluation } from '../optimize/agents-evaluation.js';

/** A `volt agents evaluate` result as the journal keeps it (`agent_evaluations`). */
export interface RecordedAgentEvaluation {
  id: number;
  /** When it finished (epoch ms). */
  at: number;
  strategyPath?: string;
  evaluation: AgentEvaluation;
}

/** Keeps an evaluation in the journal; returns its id. The whole result is stored, so any face can draw its tables. */
export function recordAgentEvaluation(db: Database.Database, evaluation: AgentEvaluation, options: { strategyPath?: string; now?: number } = {}): number {
  const info = db
    .prepare(`INSERT INTO agent_evaluations (created_at, strategy, strategy_path, datasets, folds, best, result) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(options.now ?? Date.now(), evaluation.strategy, options.strategyPath ?? null, JSON.stringify(evaluation.datasets), evaluation.folds, evaluation.best, JSON.stringify(evaluation));
  return Number(info.lastInsertRowid);
}

/** The newest evaluation in the journal, or undefined when `volt agents evaluate` never ran on it. */
export function lastAgentEvaluation(db: Database.Database): RecordedAgentEvaluation | undefined {
  const row = db.prepare(`SELECT id, created_at, strategy_path, result FROM agent_evaluations ORDER BY created_at DESC, id DESC LIMIT 1`).get() as
    | { id: number; created_at: number; strategy_path: string | null; result: string }
    | undefined;
  if (!row) return undefined;
  return { id: row.id, at: row.created_at, ...(row.strategy_path !== null ? { strategyPath: row.strategy_path } : {}), evaluation: JSON.parse(row.result) as AgentEvaluation };
}
