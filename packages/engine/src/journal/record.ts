import path from 'node:path';
import type { BacktestObserver, BacktestOptions, BacktestReport } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import type { LoadedStrategy } from '../strategy/index.js';
import { Journal, runMetaFromReport } from './journal.js';
import type { RunRecorder } from './recorder.js';
import type { RunMeta } from './types.js';

/** Where a workspace keeps its journal unless volt.config.json says otherwise. */
export const DEFAULT_JOURNAL_PATH = '.volt/journal.db';

/** The journal file for a workspace: `configured` (relative to the root) or the default. */
export function journalPathFor(workspaceRoot: string, configured?: string): string {
  return path.resolve(workspaceRoot, configured ?? DEFAULT_JOURNAL_PATH);
}

/** What the journal knows about a run before its first bar: strategy, params, data. */
export function runMetaFor(
  strategy: { definition: Pick<LoadedStrategy['definition'], 'name' | 'params'>; path?: string | undefined; contentHash?: string | undefined },
  series: CandleSeries,
  options: BacktestOptions = {},
): RunMeta {
  const params: Record<string, number> = {};
  for (const [name, spec] of Object.entries(strategy.definition.params ?? {})) {
    params[name] = typeof spec === 'number' ? spec : spec.value;
  }
  Object.assign(params, options.params ?? {});
  const meta: RunMeta = {
    strategyName: strategy.definition.name,
    params,
    symbol: series.symbol,
    timeframe: series.timeframe,
    dataSource: series.source,
    bars: series.length,
    agentsMode: 'off',
  };
  if (series.length > 0) {
    meta.dataFrom = series.time[0]!;
    meta.dataTo = series.time[series.length - 1]!;
  }
  if (strategy.path !== undefined) meta.strategyPath = strategy.path;
  if (strategy.contentHash !== undefined) meta.contentHash = strategy.contentHash;
  return meta;
}

/** A run being recorded: hand `observer` to runBacktest, then call finish or fail. */
export interface BacktestRecording {
  readonly runId: number;
  readonly journal: Journal;
  readonly observer: BacktestObserver & RunRecorder;
  /** Flushes, stores the report, marks the run complete and closes the journal. */
  finish(report: BacktestReport): number;
  /** Flushes, marks the run failed with the error and closes the journal. */
  fail(error: unknown): void;
}

/**
 * Starts recording a backtest into the journal at `journalPath` (committed at once, status
 * running), so a run that is killed half-way still shows up, marked incomplete, on the next open.
 */
export function startBacktestRecording(journalPath: string, meta: RunMeta, batchSize?: number): BacktestRecording {
  const journal = Journal.open(journalPath);
  try {
    const runId = journal.startRun(meta);
    const recorder = journal.recorder(runId, { ...(batchSize !== undefined ? { batchSize } : {}), ...(meta.symbol ? { symbol: meta.symbol } : {}) });
    return {
      runId,
      journal,
      observer: recorder,
      finish(report) {
        try {
          recorder.finish(report);
          return runId;
        } finally {
          journal.close();
        }
      },
      fail(error) {
        try {
          recorder.fail(error);
        } finally {
          journal.close();
        }
      },
    };
  } catch (e) {
    journal.close();
    throw e;
  }
}

/**
 * One observer that feeds several (a progress bar and the journal, say). The first `decide` hook
 * wins: only one panel may approve entries.
 */
export function teeObservers(...observers: (BacktestObserver | undefined)[]): BacktestObserver {
  const list = observers.filter((o): o is BacktestObserver => o !== undefined);
  // Methods are called on their owners: an observer written as a class keeps its `this`.
  const tee: BacktestObserver = {
    onSignal: (s) => {
      for (const o of list) o.onSignal?.(s);
    },
    onTrade: (t) => {
      for (const o of list) o.onTrade?.(t);
    },
    onProgress: (done, total) => {
      for (const o of list) o.onProgress?.(done, total);
    },
    onOptionsClosed: (pnl, time) => {
      for (const o of list) o.onOptionsClosed?.(pnl, time);
    },
  };
  const panel = list.find((o) => o.decide !== undefined);
  if (panel !== undefined) tee.decide = (entry) => panel.decide!(entry);
  return tee;
}

/** Records a finished report in one go (the sidecar's path, and `volt backtest --json` reruns). */
export function recordBacktestRun(journalPath: string, report: BacktestReport, meta: Partial<RunMeta> = {}): number {
  const journal = Journal.open(journalPath);
  try {
    return journal.recordBacktest(report, { ...runMetaFromReport(report), ...meta });
  } finally {
    journal.close();
  }
}
