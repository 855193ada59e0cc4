/**
 * Where a sweep's trials run: always through the engine's StrategyRunner (a sandbox process per
 * chunk of trials, candles sent once per chunk), one runner per local worker.
 */
import type { BacktestOptions, BacktestReport } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import { StrategyRunner, type RunFailure, type SandboxLimits, type SweepHooks, type SweepRequest, type SweepTrial } from '../runner/index.js';
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
  private readonly lanes = new SweepLanes();
  /** Sandbox processes this pool's trials have started so far (one per worker while none ends). */
  sandboxesStarted = 0;

  constructor(private readonly o: LocalPoolOptions) {
    // A spare per runner: the next chunk's sandbox starts while this one runs.
    this.runners = Array.from({ length: Math.max(1, o.workers) }, () => new StrategyRunner({ timeoutMs: o.timeoutMs, maxMemoryMb: o.maxMemoryMb, spares: 1, warmUp: false, ...(o.hostFile !== undefined ? { hostFile: o.hostFile } : {}) }));
  }

  async run(jobs: TrialJob[], onDone: (job: TrialJob, output: TrialOutput) => void, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const size = Math.max(1, Math.min(this.o.chunk ?? 500, Math.ceil(jobs.length / this.runners.length)));
    const queue: TrialJob[][] = [];
    for (let i = 0; i < jobs.length; i += size) queue.push(jobs.slice(i, i + size));
    let stopped: SweepStopped | undefined;
    const onAbort = () => this.lanes.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Each runner's sandbox is kept between chunks and between calls (TPE's batches, walk-forward's
    // folds): a new process only when one ends (its trial stopped, or 2 s without work).
    const work = async (runner: StrategyRunner, lane: number) => {
      for (let chunk = queue.shift(); chunk && !stopped && !signal?.aborted; chunk = queue.shift()) {
        const reported = new Set<number>();
        const trials = chunk.map((j) => ({ params: j.params, ...(j.from !== undefined ? { from: j.from } : {}), ...(j.to !== undefined ? { to: j.to } : {}) }));
        const outcome = await this.lanes.run(() => this.sandboxesStarted++, String(lane), runner, { bundle: this.o.bundle, series: this.o.series, options: this.o.options }, trials, (index, output) => {
          reported.add(index);
          onDone(chunk[index]!, output);
        });
        if (outcome.status !== 'failed') {
          // Ended between chunks (idle, or its process gone): what was not run goes back on the queue.
          const rest = chunk.filter((_, i) => !reported.has(i));
          if (rest.length > 0 && outcome.status === 'done') queue.unshift(rest);
          continue;
        }
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
    try {
      await Promise.all(this.runners.map(work));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (stopped) throw stopped;
  }

  async dispose(): Promise<void> {
    this.lanes.close();
    await Promise.all(this.runners.map((r) => r.dispose()));
  }
}

/** How long a sandbox waits for the next chunk of the same sweep before it ends. */
const LANE_IDLE_MS = 2000;

type LaneOutcome = { status: 'done' } | { status: 'failed'; failure: RunFailure } | { status: 'cancelled' };
type TrialHandler = SweepHooks['onTrial'];

interface Lane {
  key: string;
  runner: StrategyRunner;
  /** Set while the sandbox waits for its next chunk. */
  idle: ((trials: SweepTrial[] | undefined) => void) | undefined;
  /** A chunk given to this sandbox that it has not begun. */
  handed: { trials: SweepTrial[]; onTrial: TrialHandler; done: (o: LaneOutcome) => void } | undefined;
  /** The chunk it runs now: its first trial's index in the sandbox, its size, who hears its trials. */
  chunk: { offset: number; count: number; reported: number; onTrial: TrialHandler; done: (o: LaneOutcome) => void } | undefined;
  next: number;
}

/**
 * Sandboxes kept across chunks of the same sweep (same bundle, candles, options and limits), by
 * the local pool between batches and by a queue worker between jobs: a chunk handed to a waiting sandbox skips the process start, the candles' transfer and
 * the JIT's warm-up, and finds the indicator series earlier chunks computed. Each trial still
 * evaluates the bundle afresh, as within one chunk.
 */
export class SweepLanes {
  private readonly lanes = new Set<Lane>();
  private stop = new AbortController();

  /** Ends every sandbox now (Ctrl-C): their unfinished chunks hear 'cancelled'. */
  abort(): void {
    this.stop.abort();
    this.stop = new AbortController();
  }

  run(started: () => void, key: string, runner: StrategyRunner, what: Omit<SweepRequest, 'trials'>, trials: SweepTrial[], onTrial: TrialHandler): Promise<LaneOutcome> {
    return new Promise<LaneOutcome>((done) => {
      // A sandbox that waits, or that has just reported its last trial and is about to ask.
      for (const lane of this.lanes) {
        if (lane.key !== key || lane.chunk || lane.handed) continue;
        lane.handed = { trials, onTrial, done };
        if (lane.idle) lane.idle(trials);
        return;
      }
      // A sandbox of this runner waiting for another sweep holds a place of its concurrency: it ends now.
      for (const other of this.lanes) if (other.runner === runner && other.key !== key && other.idle && !other.handed) other.idle(undefined);
      started();
      const lane: Lane = { key, runner, idle: undefined, handed: undefined, chunk: { offset: 0, count: trials.length, reported: 0, onTrial, done }, next: trials.length };
      this.lanes.add(lane);
      const take = (next: SweepTrial[] | undefined): SweepTrial[] | undefined => {
        lane.idle = undefined;
        const h = lane.handed;
        // Ending (a chunk handed meanwhile hears it when the sweep has ended, and runs elsewhere).
        if (!next || !h) {
          this.lanes.delete(lane);
          return undefined;
        }
        lane.handed = undefined;
        lane.chunk = { offset: lane.next, count: h.trials.length, reported: 0, onTrial: h.onTrial, done: h.done };
        lane.next += h.trials.length;
        return h.trials;
      };
      void runner.sweep(
        {
          ...what,
          trials,
          summaries: true,
          more: () => new Promise<SweepTrial[] | undefined>((resolve) => {
            if (lane.handed) return resolve(take(lane.handed.trials));
            const timer = setTimeout(() => resolve(take(undefined)), LANE_IDLE_MS);
            lane.idle = (next) => {
              clearTimeout(timer);
              resolve(take(next));
            };
          }),
        },
        {
          signal: this.stop.signal,
          onTrial: (index, out) => {
            const c = lane.chunk;
            if (!c) return;
            c.onTrial(index - c.offset, out);
            if (++c.reported === c.count) {
              lane.chunk = undefined;
              c.done({ status: 'done' });
            }
          },
        },
      ).then((outcome) => {
        this.lanes.delete(lane);
        const ended: LaneOutcome = outcome.status === 'failed' ? { status: 'failed', failure: outcome.failure } : outcome.status === 'cancelled' ? { status: 'cancelled' } : { status: 'done' };
        // Ended with a chunk unfinished (or handed and not begun): it hears why; its worker runs the rest again.
        lane.chunk?.done(ended);
        lane.handed?.done(outcome.status === 'cancelled' ? ended : { status: 'done' });
        lane.chunk = undefined;
        lane.handed = undefined;
      });
    });
  }

  /** Sandboxes waiting for a chunk end now. */
  close(): void {
    for (const lane of this.lanes) if (!lane.handed) lane.idle?.(undefined);
    this.lanes.clear();
  }
}
