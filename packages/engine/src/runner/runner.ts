/**
 * The one way Volt runs strategy code: the CLI, the sidecar and everything after them hand a
 * bundled strategy and its data to a StrategyRunner, which runs it in a sandbox process of its own
 * (host.ts) and gives back the report or a failure at the strategy's line. See README.md here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable, Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AgentsConfig } from '../agents/index.js';
import type { BacktestOptions, BacktestReport } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import type { OllamaGateway } from '../llm/index.js';
import { locateProperty } from '../strategy/source-location.js';
import type { TranspiledStrategy } from '../strategy/index.js';
import { openChannel, type Channel } from './channel.js';
import { codeCacheFor, sandboxV8Flags } from './code-cache.js';
import { VoltError } from '../errors.js';
import type { Candle } from '../data/index.js';
import type { RiskSpec } from '../strategy/index.js';
import type { SeatOrder, SeatView } from '../trading/seat.js';
import type { StrategyPort } from '../trading/session.js';
import type { VolatilityInputs } from './volatility.js';
import type { CheckpointPlan } from './instrument.js';
import type { AgentsRun, FromSandbox, LookaheadCheck, RunFailure, RunPhase, SandboxLimits, SandboxRun, StrategyFacts, SweepTrial, ToSandbox } from './protocol.js';
import type { TrialSummary } from '../optimize/pool.js';

export interface RunnerOptions extends SandboxLimits {
  /** Runs at once (default 1); more wait their turn. */
  concurrency?: number;
  /** Sandbox processes kept started and waiting, so a run does not wait for one (default 1; the CLI uses 0 and warm()). */
  spares?: number;
  /** The built host (dist/runner/host.cjs); found beside this module by default. */
  hostFile?: string | URL;
  /**
   * Waiting sandboxes first run Volt's own backtester on a small built-in strategy, so a run finds
   * it compiled and optimised (default true; the CLI, which starts one sandbox for one run, says false).
   */
  warmUp?: boolean;
}

export interface StrategyRunRequest {
  bundle: TranspiledStrategy;
  /** Where the checkpoints go in `bundle`, kept by the bundle cache; used only if made from this very code. */
  checkpoints?: CheckpointPlan;
  series: CandleSeries;
  options?: BacktestOptions;
  /** Also run on data cut at two thirds and compare signals (the sidecar's VOLT205). */
  lookahead?: boolean;
  /** A portfolio backtest over these markets (`series` unused; the report is a PortfolioReport). Agents as for one market (portfolio/agents.ts); no lookahead. */
  portfolio?: { markets: CandleSeries[]; limits?: import('../portfolio/index.js').PortfolioLimits };
  /** Backtest a market session's recorded bars: orders in the first `warmupBars` are refused ('warm-up'), as the session refused them. */
  warmupBars?: number;
  /** Every entry through the agents' panel and risk gate (rules), with LLM seats (ollama). */
  agents?: VolatilityInputs & {
    mode: 'rules' | 'ollama';
    config: AgentsConfig;
    /** Keep the agents' journal calls (AgentsRun.events) to replay into a journal. */
    journaled?: boolean;
    /** Track records the panel starts from (agents.trackRecord.carry, or a training window's). */
    trackRecords?: import('../agents/index.js').TrackRecordRow[];
    /** Who asks the models (ollama): the caller's, with its journal cache; else one from config. */
    gateway?: OllamaGateway;
    onAsked?: (asked: number, missing: number, pass: number) => void;
  };
}

export interface RunHooks {
  onProgress?(done: number, total: number): void;
  /** The strategy loaded and validated: its name, params and file, before the first bar. */
  onLoaded?(facts: StrategyFacts): void;
  /** A line the strategy printed (console.log and friends); capped per run. */
  onLog?(line: string): void;
  /** One sentence per kind of trouble the agents met (Ollama missing, a model missing). */
  onNotice?(message: string): void;
  signal?: AbortSignal;
}

export interface SweepRequest {
  bundle: TranspiledStrategy;
  series: CandleSeries;
  /** What every trial shares; each trial's params are laid over `options.params`. */
  options?: BacktestOptions;
  trials: SweepTrial[];
  /** Have the sandbox summarise each report (what a sweep keeps) so only that crosses the pipe. */
  summaries?: boolean;
  /**
   * Asked when every trial so far is reported: more trials of the same strategy, data and options
   * for the same sandbox process (their indices go on from the last), or none to end the sweep.
   * The time waited for it is not the strategy's.
   */
  more?: () => Promise<SweepTrial[] | undefined>;
}

export interface SweepHooks extends Omit<RunHooks, 'onProgress'> {
  /** Each trial as it finishes, in order: its report (its summary when asked for), or why it has none. */
  onTrial(index: number, result: { report: BacktestReport; durationMs: number } | { summary: TrialSummary; durationMs: number } | { failure: RunFailure; durationMs: number }): void;
}

export type SweepOutcome =
  | { status: 'done'; strategy: StrategyFacts; trials: number }
  /** A trial was stopped (time, memory) or refused: the trials before it were reported. */
  | { status: 'failed'; failure: RunFailure; strategy?: StrategyFacts }
  | { status: 'cancelled' };

export type RunOutcome =
  | { status: 'done'; strategy: StrategyFacts; report: BacktestReport; lookahead?: LookaheadCheck; agents?: AgentsRun; durationMs: number }
  | { status: 'failed'; failure: RunFailure; strategy?: StrategyFacts }
  | { status: 'cancelled' };

/** How long past the run's limit a sandbox that did not stop itself is given before it is killed. */
const KILL_GRACE_MS = 1500;
/** A sandbox's memory beyond its heap limit (code, buffers, the runtime) before it is killed. */
const RSS_ALLOWANCE_MB = 256;
const RSS_POLL_MS = 100;
/** Lines of a strategy's own output passed on per run. */
const MAX_LOG_LINES = 200;
/** What V8 prints when a heap limit is reached: the reason of a failure, not the strategy's output. */
const V8_FATAL = /^<--- Last few GCs --->|^FATAL ERROR:|^#\s*Fatal|^\s*\d+: 0x[0-9a-f]+ node::/;

interface Sandbox {
  child: ChildProcess;
  channel: Channel<FromSandbox, ToSandbox>;
  ready: Promise<boolean>;
  exited: boolean;
  limits: SandboxLimits;
  stderrTail: string[];
  onLine?: (line: string) => void;
  /** Where the channel's messages after `ready` go (a run's handler). */
  onMessage?: (m: FromSandbox) => void;
}

/** The sandbox `StrategyRunner.prestart` started, waiting for the runner that takes it. */
let prestarted: { sandbox: Sandbox; hostFile: string } | undefined;

export class StrategyRunner {
  /**
   * Starts a sandbox before the code that will run in it has loaded: the CLI calls this first
   * thing for `volt backtest`, so the sandbox's start (~50 ms) overlaps the command's own loading.
   * The next runner with the same host and heap limit takes it at `warm()`; otherwise it is ended.
   * Returns the sandbox's process id.
   */
  static prestart(options: RunnerOptions): number | undefined {
    if (!prestarted) {
      const starter = new StrategyRunner({ ...options, spares: 0 });
      prestarted = { sandbox: starter.start(), hostFile: starter.hostFile };
    }
    return prestarted.sandbox.child.pid;
  }

  private limits: SandboxLimits;
  private readonly concurrency: number;
  private readonly spareCount: number;
  private readonly hostFile: string;
  private readonly warmUp: boolean;
  private readonly spares: Sandbox[] = [];
  private readonly live = new Set<Sandbox>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private disposed = false;

  constructor(options: RunnerOptions) {
    this.limits = { timeoutMs: options.timeoutMs, maxMemoryMb: options.maxMemoryMb };
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.spareCount = Math.max(0, options.spares ?? 1);
    this.hostFile = resolveHostFile(options.hostFile);
    this.warmUp = options.warmUp ?? true;
    this.refill();
  }

  /** New limits; waiting sandboxes started with the old heap limit are replaced. */
  configure(limits: Partial<SandboxLimits>): void {
    const before = this.limits;
    this.limits = { ...this.limits, ...limits };
    if (before.maxMemoryMb !== this.limits.maxMemoryMb) {
      for (const s of this.spares.splice(0)) this.kill(s);
      this.refill();
    }
  }

  /** Starts a sandbox now, so the next run finds it waiting (the CLI calls this while it bundles). */
  warm(): void {
    if (this.spares.length > 0 || this.disposed) return;
    const early = prestarted;
    prestarted = undefined;
    if (early && !early.sandbox.exited && early.hostFile === this.hostFile && early.sandbox.limits.maxMemoryMb === this.limits.maxMemoryMb) {
      this.live.add(early.sandbox);
      early.sandbox.child.once('exit', () => this.live.delete(early.sandbox));
      this.spares.push(early.sandbox);
      return;
    }
    if (early && !early.sandbox.exited) early.sandbox.child.kill('SIGKILL');
    this.spares.push(this.start());
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const s of [...this.live]) this.kill(s);
    this.spares.length = 0;
  }

  /** Runs a strategy in a sandbox and resolves with its report or why there is none; never rejects. */
  run(request: StrategyRunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    return this.turn(hooks.signal, () => this.execute(request, hooks, undefined) as Promise<RunOutcome>);
  }

  /**
   * Many parameter sets of one strategy in one sandbox process (a sweep's worker): the candles are
   * sent once, each trial is a fresh evaluation of the bundle with its own time limit.
   */
  sweep(request: SweepRequest, hooks: SweepHooks): Promise<SweepOutcome> {
    return this.turn(hooks.signal, () => this.execute({ bundle: request.bundle, series: request.series, ...(request.options ? { options: request.options } : {}) }, hooks, request.trials, hooks.onTrial, request.summaries === true, request.more) as Promise<SweepOutcome>);
  }

  /**
   * A market session's strategy in a sandbox of its own, kept for the whole session: loaded once,
   * then fed one closed bar at a time; each bar has the time limit of a run. Not counted against
   * `concurrency`: a session lasts hours.
   */
  async openSeat(request: SeatRequest, hooks: Pick<RunHooks, 'onLog'> = {}): Promise<SandboxSeat> {
    const { bundle } = request;
    const instrumented = (await import('./instrument.js')).instrumentBundle(bundle.code, bundle.path);
    const limits = { ...this.limits };
    const run: SandboxRun = {
      code: instrumented.code, path: bundle.path, contentHash: bundle.contentHash, inputs: bundle.inputs, source: bundle.source,
      tickName: instrumented.tickName, checkpoints: instrumented.checkpoints, shifts: instrumented.shifts,
      series: { symbol: request.symbol, timeframe: request.timeframe, source: request.source, length: 0, time: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) },
      options: { ...(request.params ? { params: request.params } : {}) }, lookahead: false, limits,
    };
    const sandbox = this.start();
    this.live.delete(sandbox);
    // A session's sandbox keeps the process alive while it waits for bars (spares do not).
    setIdle(sandbox, false);
    if (!(await sandbox.ready)) {
      sandbox.child.kill('SIGKILL');
      throw seatFailure({ kind: 'crashed', message: `the sandbox process did not start: ${sandbox.stderrTail.slice(-3).join(' ') || 'no output'}` }, bundle);
    }
    sandbox.onLine = (line) => {
      if (hooks.onLog && line.trim() !== '' && !V8_FATAL.test(line)) hooks.onLog(line);
    };
    return new Promise<SandboxSeat>((resolve, reject) => {
      let seat: SandboxSeat | undefined;
      sandbox.channel.onMessage((m) => {
        if (m.type === 'loaded') {
          seat = new SandboxSeat(sandbox, m.facts, bundle, limits);
          resolve(seat);
        } else if (m.type === 'failure') {
          if (seat) seat.failed(m.failure);
          else reject(seatFailure(m.failure, bundle));
        } else if (m.type === 'orders') seat?.answered(m.orders);
      });
      sandbox.child.once('exit', (code, signal) => {
        const failure: RunFailure = { kind: 'crashed', message: `the sandbox process ended (${signal ?? `exit code ${code}`})${lastWords(sandbox.stderrTail)}`, file: bundle.path };
        if (seat) seat.failed(failure);
        else reject(seatFailure(failure, bundle));
      });
      sandbox.channel.send({ type: 'seat', run });
    });
  }

  private async turn<T extends { status: string }>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T | { status: 'cancelled' }> {
    if (this.disposed || signal?.aborted) return { status: 'cancelled' };
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.disposed || signal?.aborted) {
        this.waiting.shift()?.();
        return { status: 'cancelled' };
      }
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
      this.refill();
    }
  }

  // ----------------------------------------------------------------------------------------------

  private refill(): void {
    while (!this.disposed && this.spares.length < this.spareCount) this.spares.push(this.start());
  }

  private take(): Sandbox {
    while (this.spares.length > 0) {
      const s = this.spares.shift()!;
      if (!s.exited && s.limits.maxMemoryMb === this.limits.maxMemoryMb) return s;
      this.kill(s);
    }
    return this.start();
  }

  private start(): Sandbox {
    const limits = { ...this.limits };
    const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    // From the host's code cache when the build made one for this heap limit: it may then read the
    // boot file and the cache too, Volt's own files beside the host.
    const cached = codeCacheFor(this.hostFile, limits.maxMemoryMb);
    const child = spawn(
      process.execPath,
      [
        permission,
        `--allow-fs-read=${this.hostFile}`,
        ...(cached ? [`--allow-fs-read=${cached.boot}`, `--allow-fs-read=${cached.cache}`] : []),
        ...sandboxV8Flags(limits.maxMemoryMb),
        '--disable-warning=ExperimentalWarning',
        ...(cached ? [cached.boot, `--code-cache=${cached.cache}`] : [this.hostFile]),
        ...(this.warmUp ? ['--warm-up'] : []),
      ],
      // Nothing of the user's environment (API keys) reaches strategy code.
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: {}, windowsHide: true },
    );
    const channel = openChannel<FromSandbox, ToSandbox>(child.stdio[3] as Duplex);
    let ready!: (ok: boolean) => void;
    const sandbox: Sandbox = { child, channel, ready: new Promise((r) => (ready = r)), exited: false, limits, stderrTail: [] };
    this.live.add(sandbox);
    channel.onMessage((m) => {
      if (m.type === 'ready') ready(true);
      else sandbox.onMessage?.(m);
    });
    child.once('exit', () => {
      sandbox.exited = true;
      ready(false);
      this.live.delete(sandbox);
    });
    child.once('error', () => ready(false));
    for (const stream of [child.stdout!, child.stderr!]) lines(stream, (line) => {
      if (stream === child.stderr) {
        sandbox.stderrTail.push(line);
        if (sandbox.stderrTail.length > 40) sandbox.stderrTail.shift();
      }
      sandbox.onLine?.(line);
    });
    setIdle(sandbox, true);
    return sandbox;
  }

  private kill(s: Sandbox): void {
    this.live.delete(s);
    if (!s.exited) s.child.kill('SIGKILL');
  }

  private async execute(
    request: StrategyRunRequest,
    hooks: RunHooks,
    trials: SweepTrial[] | undefined,
    onTrial?: SweepHooks['onTrial'],
    summaries = false,
    more?: SweepRequest['more'],
  ): Promise<RunOutcome | SweepOutcome> {
    const { bundle } = request;
    let instrumented;
    try {
      // Its parser (acorn) loads while a sandbox starts, not before the first one can (`volt backtest`).
      instrumented = (await import('./instrument.js')).instrumentBundle(bundle.code, bundle.path, request.checkpoints);
    } catch (e) {
      return { status: 'failed', failure: { kind: 'load', message: `the bundle could not be prepared for the sandbox: ${e instanceof Error ? e.message : String(e)}`, file: bundle.path } };
    }
    const limits = { ...this.limits };
    const agents = request.agents;
    // The agents' modules (Ollama's client, the VIX files) are loaded only by a run that has agents.
    const gateway = agents?.mode === 'ollama'
      ? agents.gateway ?? (await import('../llm/gateway.js')).gatewayFromConfig(agents.config.ollama, hooks.onNotice ? { onNotice: hooks.onNotice } : {})
      : undefined;
    const volatility = agents ? (await import('./volatility.js')).volatilityData(agents) : undefined;
    const run: SandboxRun = {
      code: instrumented.code,
      path: bundle.path,
      contentHash: bundle.contentHash,
      inputs: bundle.inputs,
      source: bundle.source,
      tickName: instrumented.tickName,
      checkpoints: instrumented.checkpoints,
      shifts: instrumented.shifts,
      series: plainSeries(request.series),
      options: request.options ?? {},
      lookahead: request.lookahead ?? false,
      ...(request.warmupBars !== undefined ? { warmupBars: request.warmupBars } : {}),
      limits,
      ...(request.portfolio ? { portfolio: { markets: request.portfolio.markets.map(plainSeries), limits: request.portfolio.limits ?? {} } } : {}),
      ...(agents
        ? { agents: { mode: agents.mode, config: agents.config, volatility: volatility!, journaled: agents.journaled ?? false, ...(agents.trackRecords ? { trackRecords: agents.trackRecords } : {}), host: gateway?.host ?? '', ...(gateway?.hostProblem !== undefined ? { hostProblem: gateway.hostProblem } : {}) } }
        : {}),
    };

    const sandbox = this.take();
    setIdle(sandbox, false);
    // A run nobody can cancel goes down the pipe while the sandbox still starts (`volt backtest`:
    // megabytes of candles serialized meanwhile, read as soon as the host has loaded); what the
    // sandbox says before the run's handler is in place is kept for it. A cancellable run waits for
    // the sandbox, so that one cancelled meanwhile leaves it clean for the next.
    const early: FromSandbox[] | undefined = hooks.signal === undefined ? [] : undefined;
    const message: ToSandbox = trials ? { type: 'sweep', run, trials, ...(summaries ? { summaries } : {}), ...(more ? { more: true } : {}) } : { type: 'run', run };
    if (early) {
      sandbox.onMessage = (m) => early.push(m);
      sandbox.channel.send(message);
    }
    const alive = await sandbox.ready;
    if (!alive) {
      this.kill(sandbox);
      return { status: 'failed', failure: { kind: 'crashed', message: `the sandbox process did not start: ${sandbox.stderrTail.slice(-3).join(' ') || 'no output'}`, hint: 'check that Node 20.19 or newer runs Volt (node --version)' } };
    }
    if (hooks.signal?.aborted) {
      // Cancelled while the sandbox was starting: it is still clean, keep it for the next run.
      this.spares.unshift(sandbox);
      setIdle(sandbox, true);
      return { status: 'cancelled' };
    }

    return new Promise<RunOutcome | SweepOutcome>((resolve) => {
      let facts: StrategyFacts | undefined;
      let phase: RunPhase = 'top level';
      let barsDone = -1;
      let settled = false;
      let killedFor: 'timeout' | 'memory' | 'cancelled' | undefined;
      let logLines = 0;
      let muted = false;
      let asked = 0;
      let missing = 0;
      let pass = 1;
      let killTimer: NodeJS.Timeout | undefined;

      const armKill = () => {
        clearTimeout(killTimer);
        killTimer = setTimeout(() => {
          killedFor = 'timeout';
          sandbox.child.kill('SIGKILL');
        }, limits.timeoutMs + KILL_GRACE_MS);
      };
      const rssTimer = setInterval(() => {
        const rss = residentMb(sandbox.child.pid);
        if (rss !== undefined && rss > limits.maxMemoryMb + RSS_ALLOWANCE_MB) {
          killedFor = 'memory';
          sandbox.child.kill('SIGKILL');
        }
      }, RSS_POLL_MS);
      const onAbort = () => {
        killedFor = 'cancelled';
        sandbox.child.kill('SIGKILL');
      };
      hooks.signal?.addEventListener('abort', onAbort, { once: true });

      const settle = (outcome: RunOutcome | SweepOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(killTimer);
        clearInterval(rssTimer);
        hooks.signal?.removeEventListener('abort', onAbort);
        this.kill(sandbox);
        // What the strategy printed is in its stdout pipe before its result reached the channel, but
        // the two pipes are read in no set order: pass on the rest of the output, then answer.
        void drained(sandbox).then(() => {
          sandbox.onLine = undefined;
          resolve(outcome);
        });
      };

      sandbox.onLine = (line) => {
        if (muted || V8_FATAL.test(line)) {
          muted = true;
          return;
        }
        if (!hooks.onLog || line.trim() === '') return;
        logLines++;
        if (logLines <= MAX_LOG_LINES) hooks.onLog(line);
        else if (logLines === MAX_LOG_LINES + 1) hooks.onLog(`… the strategy printed more; only its first ${MAX_LOG_LINES} lines are shown`);
      };

      sandbox.onMessage = (m) => {
        switch (m.type) {
          case 'loaded':
            facts = m.facts;
            hooks.onLoaded?.(m.facts);
            break;
          case 'phase':
            phase = m.phase;
            break;
          case 'progress':
            barsDone = m.done;
            hooks.onProgress?.(m.done, m.total);
            break;
          case 'notice':
            hooks.onNotice?.(m.message);
            break;
          case 'llm-pass':
            pass = m.pass + 1;
            missing = m.missing;
            asked = 0;
            break;
          case 'llm-reachable?':
            clearTimeout(killTimer);
            void import('../llm/status.js').then(({ ollamaStatus }) => ollamaStatus({ host: gateway?.host ?? '', timeoutMs: 2000 })).then(
              (s) => s.reachable,
              () => false,
            ).then((reachable) => {
              if (settled) return;
              armKill();
              sandbox.channel.send({ type: 'llm-reachable', id: m.id, reachable });
            });
            break;
          case 'llm-ask':
            clearTimeout(killTimer);
            agents?.onAsked?.(asked++, missing, pass - 1);
            void (gateway
              ? gateway.structured(hooks.signal ? { ...m.request, signal: hooks.signal } : m.request)
              : Promise.resolve({ ok: false as const, failure: 'unreachable' as const, message: 'no LLM gateway' })
            ).then((outcome) => {
              if (settled) return;
              armKill();
              sandbox.channel.send({ type: 'llm-answer', id: m.id, outcome });
            });
            break;
          case 'result': {
            if (gateway && m.cachePuts) for (const [model, key, response] of m.cachePuts) gateway.cache.putCachedLlm(model, key, response);
            const outcome: RunOutcome = { status: 'done', strategy: facts!, report: m.report, durationMs: m.durationMs };
            if (m.lookahead) outcome.lookahead = m.lookahead;
            if (m.agents) {
              outcome.agents = m.agents;
              if (m.agents.llm && gateway) m.agents.llm = { ...m.agents.llm, requests: gateway.requests, cacheHits: m.agents.llm.cacheHits + gateway.cacheHits };
            }
            settle(outcome);
            break;
          }
          case 'failure':
            settle({ status: 'failed', failure: m.failure, ...(facts ? { strategy: facts } : {}) });
            break;
          case 'trial':
            // Each trial has the time limit of a run.
            armKill();
            onTrial?.(m.index, m.report ? { report: m.report, durationMs: m.durationMs } : m.summary ? { summary: m.summary, durationMs: m.durationMs } : { failure: m.failure!, durationMs: m.durationMs });
            break;
          case 'want':
            clearTimeout(killTimer);
            void (more ? more() : Promise.resolve(undefined)).then(
              (next) => next,
              () => undefined,
            ).then((next) => {
              if (settled) return;
              armKill();
              sandbox.channel.send({ type: 'sweep-more', trials: next ?? [] });
            });
            break;
          case 'swept':
            settle({ status: 'done', strategy: facts!, trials: m.trials });
            break;
        }
      };

      sandbox.child.once('exit', (code, signal) => {
        if (settled) return;
        if (killedFor === 'cancelled') return settle({ status: 'cancelled' });
        const outOfHeap = killedFor === 'memory' || sandbox.stderrTail.some((l) => /heap out of memory|Reached heap limit|allocation failed/i.test(l));
        const failure = outOfHeap
          ? memoryFailure(limits, phase, barsDone, bundle)
          : killedFor === 'timeout'
            ? timeoutFailure(limits, phase, barsDone, bundle)
            : { kind: 'crashed' as const, message: `the sandbox process ended (${signal ?? `exit code ${code}`}) before the run did${lastWords(sandbox.stderrTail)}`, file: bundle.path, phase };
        settle({ status: 'failed', failure, ...(facts ? { strategy: facts } : {}) });
      });

      armKill();
      if (early) for (const m of early.splice(0)) sandbox.onMessage(m);
      else sandbox.channel.send(message);
    });
  }
}

// ------------------------------------------------------------------------------------------------

export interface SeatRequest {
  bundle: TranspiledStrategy;
  symbol: string;
  timeframe: string;
  source: string;
  params?: Record<string, number>;
}

/** A failure of a session's strategy as the error the session stops with, at the strategy's line. */
function seatFailure(f: RunFailure, bundle: TranspiledStrategy): VoltError {
  return new VoltError({
    kind: 'strategy',
    message: f.message,
    file: f.file ?? bundle.path,
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.column !== undefined ? { column: f.column } : {}),
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
  });
}

/**
 * The sandboxed strategy of a market session, as the session's StrategyPort: each closed bar goes
 * over the channel with the trusted side's ledger figures, and the strategy's orders come back as
 * plain data for the trusted side to check again.
 */
export class SandboxSeat implements StrategyPort {
  readonly name: string;
  readonly params: Record<string, number>;
  readonly risk?: RiskSpec;
  readonly pyramiding?: boolean;
  private waiting: { resolve: (o: SeatOrder[]) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout } | null = null;
  private failure: VoltError | null = null;

  constructor(
    private readonly sandbox: Sandbox,
    readonly facts: StrategyFacts,
    private readonly bundle: TranspiledStrategy,
    private readonly limits: SandboxLimits,
  ) {
    this.name = facts.name;
    this.params = Object.fromEntries(Object.entries(facts.params).map(([k, v]) => [k, typeof v === 'number' ? v : v.value]));
    if (facts.risk !== undefined) this.risk = facts.risk;
    if (facts.pyramiding) this.pyramiding = true;
  }

  decide(candle: Candle, view: SeatView): Promise<SeatOrder[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      // The sandbox stops its own onBar at the limit; this is the backstop for what it cannot see.
      const timer = setTimeout(() => {
        this.sandbox.child.kill('SIGKILL');
        this.failed({ kind: 'timeout', message: `onBar did not return within ${this.limits.timeoutMs} ms`, file: this.bundle.path });
      }, this.limits.timeoutMs + KILL_GRACE_MS);
      this.waiting = { resolve, reject, timer };
      this.sandbox.channel.send({ type: 'bar', candle, view });
    });
  }

  answered(orders: SeatOrder[]): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.resolve(orders);
  }

  failed(f: RunFailure): void {
    if (this.failure) return;
    this.failure = seatFailure(f, this.bundle);
    const w = this.waiting;
    this.waiting = null;
    if (w) {
      clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }

  close(): Promise<void> {
    if (this.sandbox.exited) return Promise.resolve();
    this.failure ??= new VoltError({ kind: 'strategy', message: 'the session closed its strategy' });
    return new Promise((resolve) => {
      this.sandbox.child.once('exit', () => resolve());
      this.sandbox.child.kill('SIGKILL');
    });
  }
}

function resolveHostFile(given: string | URL | undefined): string {
  const candidates = given !== undefined
    ? [given]
    : [new URL('./host.cjs', import.meta.url), new URL('../../dist/runner/host.cjs', import.meta.url)];
  for (const c of candidates) {
    const file = c instanceof URL ? fileURLToPath(c) : c;
    if (existsSync(file)) return file;
  }
  const first = candidates[0]!;
  throw new Error(`the sandbox host ${first instanceof URL ? fileURLToPath(first) : first} is missing: build the engine (npm run build)`);
}

/** Only the candle arrays and labels cross: a series may carry more than a run needs. */
function plainSeries(s: CandleSeries): CandleSeries {
  return { symbol: s.symbol, timeframe: s.timeframe, source: s.source, length: s.length, time: s.time, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume };
}

/** A waiting sandbox does not keep the process that started it alive. */
function setIdle(s: Sandbox, idle: boolean): void {
  const handles = [s.child, s.child.stdio[1], s.child.stdio[2], s.child.stdio[3]] as ({ ref?(): void; unref?(): void } | null)[];
  for (const h of handles) {
    if (idle) h?.unref?.();
    else h?.ref?.();
  }
}

/** The sandbox's stdout and stderr read to their end (they end once it has died), 250 ms at most. */
function drained(s: Sandbox): Promise<void> {
  const ends = [s.child.stdout, s.child.stderr].map((stream) =>
    stream && !stream.readableEnded && !stream.destroyed ? new Promise<void>((r) => (stream.once('end', r), stream.once('close', r))) : Promise.resolve(),
  );
  return Promise.race([Promise.all(ends).then(() => undefined), new Promise<void>((r) => setTimeout(r, 250).unref())]);
}

function lines(stream: Readable, each: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) each(p.replace(/\r$/, ''));
    // A strategy printing without newlines still cannot grow this buffer without end.
    if (rest.length > 64 * 1024) {
      each(rest);
      rest = '';
    }
  });
  stream.on('end', () => {
    if (rest) each(rest);
  });
}

function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * 4096) / (1024 * 1024);
  } catch {
    return undefined;
  }
}

function phaseWords(phase: RunPhase, barsDone: number): string {
  switch (phase) {
    case 'top level': return "the module's top level";
    case 'indicators': return 'indicators()';
    case 'lookahead': return 'onBar (lookahead re-run)';
    default: return 'onBar';
  }
}

/** Where a stopped run's phase is written, when the sandbox could not say the line itself. */
function phaseLocation(bundle: TranspiledStrategy, phase: RunPhase): Pick<RunFailure, 'file' | 'line' | 'column'> {
  if (phase === 'top level') return { file: bundle.path, line: 1, column: 1 };
  const at = locateProperty(bundle.source, [phase === 'indicators' ? 'indicators' : 'onBar']);
  return { file: bundle.path, line: at.line, column: at.column };
}

function timeoutFailure(limits: SandboxLimits, phase: RunPhase, barsDone: number, bundle: TranspiledStrategy): RunFailure {
  const what = phase === 'top level' ? "the module's top level did not finish" : phase === 'indicators' ? 'indicators() did not return' : 'onBar did not return';
  return {
    kind: 'timeout',
    message: `${what} within ${limits.timeoutMs} ms and did not stop when asked, so its process was ended (${phaseWords(phase, barsDone)})`,
    hint: `an endless loop, or a wait on something that never comes? a run may take backtest.timeoutMs (${limits.timeoutMs} ms, volt.config.json)`,
    phase,
    ...(barsDone >= 0 && phase !== 'top level' ? { bar: barsDone } : {}),
    ...phaseLocation(bundle, phase),
  };
}

function memoryFailure(limits: SandboxLimits, phase: RunPhase, barsDone: number, bundle: TranspiledStrategy): RunFailure {
  return {
    kind: 'memory',
    message: `the strategy ran out of memory in ${phaseWords(phase, barsDone)}: its limit is ${limits.maxMemoryMb} MB`,
    hint: 'something grows without end (an array pushed every bar, a buffer allocated per bar?); backtest.maxMemoryMb in volt.config.json sets the limit',
    phase,
    ...(barsDone >= 0 && phase !== 'top level' ? { bar: barsDone } : {}),
    ...phaseLocation(bundle, phase),
  };
}

function lastWords(tail: string[]): string {
  const useful = tail.filter((l) => l.trim() !== '' && !V8_FATAL.test(l)).slice(-2);
  return useful.length > 0 ? `: ${useful.join(' ')}` : '';
}
