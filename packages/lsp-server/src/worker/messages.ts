/** What the server and a backtest worker say to each other (structured-cloned over postMessage). */
import type { BacktestOptions, BacktestReport, TranspiledStrategy } from '@volt/engine';
import type { LookaheadCheck, RunFailure } from '../service/backtest.js';

export interface RunRequest {
  bundle: TranspiledStrategy;
  /** Data spec: 'synthetic:SEED[:BARS[:TF]]' or a file path (relative to `cwd`). */
  data: string;
  cwd: string;
  options: BacktestOptions;
  symbol?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, inclusive. */
  to?: number;
  /** Also run on data cut at two thirds and compare signals (VOLT205). */
  lookahead: boolean;
}

export interface DataProbe {
  data: string;
  cwd: string;
}

export type ToWorker =
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'probe'; id: number; probe: DataProbe };

export interface DataFacts {
  bars: number;
  symbol: string;
  timeframe: string;
  source: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; report: BacktestReport; lookahead?: LookaheadCheck; durationMs: number }
  | { type: 'probed'; id: number; facts: DataFacts }
  | { type: 'failure'; id: number; failure: RunFailure };

/** Slots of the shared Int32Array a worker writes as it runs, read by the server after a timeout. */
export const CELL_BAR = 0;
export const CELL_SIZE = 1;
