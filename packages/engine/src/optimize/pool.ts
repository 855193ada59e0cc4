/**
 * Where a sweep's trials run: always through the engine's StrategyRunner (a sandbox process per
 * chunk of trials, candles sent once per chunk), one runner per local worker.
 */
import type { BacktestOptions, BacktestReport } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import { StrategyRunner, type RunFailure, type SandboxLimits } from '../runner/index.js';
import type { TranspiledStrategy } from '../strategy/index.js';
import type { ParamSet } from './space.js';

export interface TrialJob {
  params: ParamSet;
  /** A window of the series (epoch ms, `to` exclusive). */
  from?: number;
  to?: number;
}

/** What a sweep keeps of a trial's report (what crosses a queue: a report is ~250 KB, this a few). */
export interface TrialSummary {
  metrics: import('../metrics/index.js').Metrics;
  /** The report's equity curve points. */
  equity: number[];
  /** Each trade's return on the equity before it. */
  tradeReturns: number[];
  bars: number;
}

export type TrialOutput =
  | { report: BacktestReport; durationMs: number }
  | { summary: TrialSummary; durationMs: number }
  | { failure: RunFailure; durationMs: number };

export interface TrialPool {
  /** Runs every job and reports each as it finishes; resolves when all are done or `signal` aborts. */
  run(jobs: TrialJob[], onDone: (job: TrialJob, output: TrialOutput) => void, signal?: AbortSignal): Promise<void>;
  dispose(): Promise<void>;
}

/** A failure that no trial's params can fix (the strategy does not load): the sweep stops. */
export class SweepStopped extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.message);
  }
}

export interface LocalPoolOptions extends SandboxLimits {
  workers: number;
  bundle: TranspiledStrategy;
  series: CandleSeries;
  options: BacktestOptions;
  /** The sandbox host to run (a bundled sidecar ships its own copy); default the engine's. */
  hostFile?: string | URL;
  /**
   * Most trials one sandbox process runs before the next chunk starts a fresh one (default 500).
   * A process costs ~100 ms before its trials run at full speed (candles sent, the JIT warmed), so
   * a batch is cut into one chunk per worker when it fits.
   */
  chunk?: number;
}

export class LocalTrialPool implements TrialPool {
  private readonly runners: StrategyRunner[];

  constructor(private readonly o: LocalPoolOptions) {
    // A spare per runner: the next chunk's sandbox starts while this one runs.
    this.runners = Array.from({ length: Math.max(1, o.workers) }, () => new StrategyRunner({ timeoutMs: o.timeoutMs, maxMemoryMb: o.maxMemoryMb, spares: 1, warmUp: false, ...(o.hostFile !== undefined ? { hostFile: o.hostFile } : {}) }));
  }

  async run(jobs: TrialJob[], onDone: (job: TrialJob, output: TrialOutput) => void, signal?: AbortSignal): Promise<void> {
    const size = Math.max(1, Math.min(this.o.chunk ?? 500, Math.ceil(jobs.length / this.runners.length)));
    const queue: TrialJob[][] = [];
    for (let i = 0; i < jobs.length; i += size) queue.push(jobs.slice(i, i + size));
    let stopped: SweepStopped | undefined;
    const work = async (runner: StrategyRunner) => {
      for (let chunk = queue.shift(); chunk && !stopped && !signal?.aborted; chunk = queue.shift()) {
        const reported = new Set<number>();
        const outcome = await runner.sweep(
          { bundle: this.o.bundle, series: this.o.series, options: this.o.options, summaries: true, trials: chunk.map((j) => ({ params: j.params, ...(j.from !== undefined ? { from: j.from } : {}), ...(j.to !== undefined ? { to: j.to } : {}) })) },
          {
            onTrial: (index, output) => {
              reported.add(index);
              onDone(chunk[index]!, output);
            },
            ...(signal ? { signal } : {}),
          },
        );
        if (outcome.status !== 'failed') continue;
        // The sandbox ended on the first unreported trial: a strategy that does not load stops the
        // sweep; one stopped by its limits fails that trial and the rest of the chunk runs again.
        if (outcome.failure.kind === 'load' || outcome.failure.kind === 'data' || outcome.failure.errorKind === 'usage') {
          stopped = new SweepStopped(outcome.failure);
          break;
        }
        const first = chunk.findIndex((_, i) => !reported.has(i));
        if (first < 0) continue;
        onDone(chunk[first]!, { failure: outcome.failure, durationMs: 0 });
        const rest = chunk.slice(first + 1).filter((_, i) => !reported.has(first + 1 + i));
        if (rest.length > 0) queue.unshift(rest);
      }
    };
    await Promise.all(this.runners.map(work));
    if (stopped) throw stopped;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.dispose()));
  }
}
