/**
 * The journal of optimisation sweeps: one `sweeps` row per `volt optimize`, one `sweep_trials` row
 * per trial, written as each trial finishes (one autocommit insert: a kill -9 loses only the trials
 * still running). `volt optimize --resume ID` reads them back.
 */
import { hostname } from 'node:os';
import type { Metrics } from '../metrics/index.js';
import { VoltError } from '../errors.js';
import { Journal } from './journal.js';

export type SweepStatus = 'running' | 'complete' | 'interrupted' | 'failed';

/** What a sweep needs to be started again exactly as it was. */
export interface SweepMeta {
  strategyName: string;
  strategyPath: string;
  contentHash: string;
  dataSpec: string;
  dataHash: string;
  symbol: string;
  timeframe: string;
  dataFrom: number;
  dataTo: number;
  bars: number;
  method: string;
  objective: string;
  minTrades: number;
  trials: number;
  folds: number;
  windows: string;
  seed: number;
  /** Anything else the command needs to replay the sweep (backtest options, flags), as JSON. */
  settings: Record<string, unknown>;
}

export interface SweepEntry extends SweepMeta {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  status: SweepStatus;
  pid: number | null;
  host: string | null;
  trialsDone: number;
  result: unknown;
  error: string | null;
}

/** One finished trial (the optimiser's TrialRecord). */
export interface SweepTrialEntry {
  fold: number;
  role: 'search' | 'test';
  no: number;
  params: Record<string, number>;
  from?: number;
  to?: number;
  score: number | null;
  metrics?: Metrics;
  error?: string;
  equity?: Float64Array;
  tradeReturns?: Float64Array;
  durationMs: number;
  bars: number;
}

type Row = Record<string, unknown>;

export class SweepJournal {
  private readonly insertTrial;

  private constructor(readonly journal: Journal) {
    this.insertTrial = journal.db.prepare(`
      INSERT OR REPLACE INTO sweep_trials (sweep_id, fold, role, trial_no, params, window_from, window_to, score, metrics, error,
                                           equity, trade_returns, bars, duration_ms, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  static open(file: string): SweepJournal {
    return new SweepJournal(Journal.open(file));
  }

  close(): void {
    this.journal.close();
  }

  start(meta: SweepMeta, now = Date.now()): number {
    const info = this.journal.db
      .prepare(`
        INSERT INTO sweeps (started_at, status, pid, host, strategy_name, strategy_path, content_hash, data_spec, data_hash,
                            symbol, timeframe, data_from, data_to, bars, method, objective, min_trades, trials, folds, windows, seed, settings)
        VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(now, process.pid, hostname(), meta.strategyName, meta.strategyPath, meta.contentHash, meta.dataSpec, meta.dataHash,
        meta.symbol, meta.timeframe, meta.dataFrom, meta.dataTo, meta.bars, meta.method, meta.objective, meta.minTrades,
        meta.trials, meta.folds, meta.windows, meta.seed, JSON.stringify(meta.settings));
    return Number(info.lastInsertRowid);
  }

  /** A resumed sweep is this process's now. */
  claim(id: number): void {
    this.journal.db.prepare(`UPDATE sweeps SET status = 'running', pid = ?, host = ?, finished_at = NULL, error = NULL WHERE id = ?`).run(process.pid, hostname(), id);
  }

  recordTrial(id: number, t: SweepTrialEntry, now = Date.now()): void {
    this.insertTrial.run(
      id, t.fold, t.role, t.no, JSON.stringify(t.params), t.from ?? null, t.to ?? null, t.score,
      t.metrics ? JSON.stringify(t.metrics) : null, t.error ?? null,
      t.equity ? blob(t.equity) : null, t.tradeReturns ? blob(t.tradeReturns) : null, t.bars, t.durationMs, now,
    );
  }

  finish(id: number, status: Exclude<SweepStatus, 'running'>, result: unknown, error?: string, now = Date.now()): void {
    this.journal.db.prepare(`UPDATE sweeps SET status = ?, finished_at = ?, result = ?, error = ? WHERE id = ?`).run(status, now, result === undefined ? null : JSON.stringify(result), error ?? null, id);
  }

  get(id: number): SweepEntry {
    const row = this.journal.db.prepare(`SELECT s.*, (SELECT count(*) FROM sweep_trials t WHERE t.sweep_id = s.id) AS trials_done FROM sweeps s WHERE id = ?`).get(id) as Row | undefined;
    if (!row) {
      const last = this.journal.db.prepare(`SELECT max(id) FROM sweeps`).pluck().get() as number | null;
      throw new VoltError({
        kind: 'usage',
        file: this.journal.path,
        message: `the journal has no sweep ${id}`,
        hint: last ? `sweeps are numbered 1 to ${last}: volt optimize --list shows them` : 'start one with volt optimize <strategy>',
      });
    }
    return entryOf(row);
  }

  list(limit = 20): SweepEntry[] {
    const rows = this.journal.db.prepare(`SELECT s.*, (SELECT count(*) FROM sweep_trials t WHERE t.sweep_id = s.id) AS trials_done FROM sweeps s ORDER BY id DESC LIMIT ?`).all(limit) as Row[];
    return rows.map(entryOf);
  }

  trials(id: number): SweepTrialEntry[] {
    const rows = this.journal.db.prepare(`SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY fold, role, trial_no`).all(id) as Row[];
    return rows.map((r) => ({
      fold: r.fold as number,
      role: r.role as 'search' | 'test',
      no: r.trial_no as number,
      params: JSON.parse(r.params as string) as Record<string, number>,
      ...(r.window_from !== null ? { from: r.window_from as number } : {}),
      ...(r.window_to !== null ? { to: r.window_to as number } : {}),
      score: r.score as number | null,
      ...(r.metrics !== null ? { metrics: JSON.parse(r.metrics as string) as Metrics } : {}),
      ...(r.error !== null ? { error: r.error as string } : {}),
      ...(r.equity !== null ? { equity: floats(r.equity as Buffer) } : {}),
      ...(r.trade_returns !== null ? { tradeReturns: floats(r.trade_returns as Buffer) } : {}),
      durationMs: r.duration_ms as number,
      bars: r.bars as number,
    }));
  }
}

export type TierName = 'COLD' | 'WARM' | 'HOT';

export interface TierEntry {
  strategyName: string;
  tier: TierName;
  since: number;
  reason: string;
  sweepId: number | null;
}

export interface TierMove {
  strategyName: string;
  at: number;
  from: TierName | null;
  to: TierName;
  reason: string;
  sweepId: number | null;
  evidence: unknown;
}

/** Every strategy's tier, by name (a strategy never moved is COLD and not listed). */
export function strategyTiers(journal: Journal): Map<string, TierEntry> {
  const rows = journal.db.prepare(`SELECT * FROM strategy_tiers ORDER BY strategy_name`).all() as Row[];
  return new Map(rows.map((r) => [r.strategy_name as string, { strategyName: r.strategy_name as string, tier: r.tier as TierName, since: r.since as number, reason: r.reason as string, sweepId: r.sweep_id as number | null }]));
}

/** Moves a strategy to `to` and journals the move, in one transaction. */
export function moveTier(journal: Journal, move: Omit<TierMove, 'from'>): void {
  journal.db.transaction(() => {
    const from = (journal.db.prepare(`SELECT tier FROM strategy_tiers WHERE strategy_name = ?`).pluck().get(move.strategyName) as TierName | undefined) ?? null;
    journal.db.prepare(`INSERT INTO tier_moves (strategy_name, at, from_tier, to_tier, reason, sweep_id, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(move.strategyName, move.at, from, move.to, move.reason, move.sweepId, JSON.stringify(move.evidence));
    journal.db.prepare(`INSERT INTO strategy_tiers (strategy_name, tier, since, reason, sweep_id) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (strategy_name) DO UPDATE SET tier = excluded.tier, since = excluded.since, reason = excluded.reason, sweep_id = excluded.sweep_id`).run(move.strategyName, move.to, move.at, move.reason, move.sweepId);
  }).immediate();
}

export function tierMoves(journal: Journal, strategyName?: string): TierMove[] {
  const rows = (strategyName === undefined
    ? journal.db.prepare(`SELECT * FROM tier_moves ORDER BY at, id`).all()
    : journal.db.prepare(`SELECT * FROM tier_moves WHERE strategy_name = ? ORDER BY at, id`).all(strategyName)) as Row[];
  return rows.map((r) => ({ strategyName: r.strategy_name as string, at: r.at as number, from: r.from_tier as TierName | null, to: r.to_tier as TierName, reason: r.reason as string, sweepId: r.sweep_id as number | null, evidence: JSON.parse(r.evidence as string) }));
}

/** A sweep marked running whose process is gone (killed, crashed) is interrupted. */
function statusOf(row: Row): SweepStatus {
  const status = row.status as SweepStatus;
  if (status !== 'running') return status;
  const pid = row.pid as number | null;
  if (row.host !== hostname() || pid === null) return status;
  try {
    process.kill(pid, 0);
    return status;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? status : 'interrupted';
  }
}

function entryOf(r: Row): SweepEntry {
  return {
    id: r.id as number,
    startedAt: r.started_at as number,
    finishedAt: r.finished_at as number | null,
    status: statusOf(r),
    pid: r.pid as number | null,
    host: r.host as string | null,
    strategyName: r.strategy_name as string,
    strategyPath: r.strategy_path as string,
    contentHash: r.content_hash as string,
    dataSpec: r.data_spec as string,
    dataHash: r.data_hash as string,
    symbol: r.symbol as string,
    timeframe: r.timeframe as string,
    dataFrom: r.data_from as number,
    dataTo: r.data_to as number,
    bars: r.bars as number,
    method: r.method as string,
    objective: r.objective as string,
    minTrades: r.min_trades as number,
    trials: r.trials as number,
    folds: r.folds as number,
    windows: r.windows as string,
    seed: r.seed as number,
    settings: JSON.parse(r.settings as string) as Record<string, unknown>,
    trialsDone: r.trials_done as number,
    result: r.result === null ? null : JSON.parse(r.result as string),
    error: r.error as string | null,
  };
}

function blob(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function floats(b: Buffer): Float64Array {
  // Copied: a Buffer's offset in its pool need not be 8-byte aligned.
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}
