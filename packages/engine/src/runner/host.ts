/**
 * The sandbox process: the only place strategy code runs. The runner starts it under Node's
 * permission model (it may read only this file; no child processes, workers, addons or
 * inspector), without code generation from strings, with an empty environment and a heap limit;
 * it receives one run over its private channel, runs it, answers and exits, so nothing a strategy
 * leaves behind (timers, globals, patched prototypes) outlives its run.
 *
 * Built by scripts/build-host.mjs into dist/runner/host.cjs, one file, so the permission to read
 * can be that one file.
 */
import net from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { backtestWithAgents, type AgentBacktestOptions, type AgentBacktestResult, type AgentJournal } from '../agents/index.js';
import { runBacktest, runSessionBacktest, type BacktestReport } from '../backtest/index.js';
import { firstSignalDifference } from '../backtest/signal-difference.js';
import { portfolioWithAgents, runPortfolioBacktest } from '../portfolio/index.js';
import { sliceSeries, synthesize, type CandleSeries } from '../data/index.js';
import { isVoltError, VoltError } from '../errors.js';
import { MemoryLlmCache, OllamaGateway, cachedAnswerText, cachedFallbackText, type StructuredOutcome, type StructuredRequest } from '../llm/index.js';
import { defineStrategy, loadTranspiledStrategy, strategyRuntimeError, type LoadedStrategy, type StrategyContext } from '../strategy/index.js';
import { openChannel } from './channel.js';
import { lockDown } from './guard.js';
import { originalColumn } from './instrument.js';
import { volatilityInputs } from './volatility.js';
import { SharedIndicators, withSharedIndicators } from '../indicators/index.js';
import { tradeReturns } from '../optimize/montecarlo.js';
import { signalsBefore } from '../signals/index.js';
import { StrategySeat } from '../trading/seat.js';
import type { FromSandbox, JournalEvent, LookaheadCheck, RunFailure, RunPhase, SandboxRun, StrategyFacts, SweepTrial, ToSandbox } from './protocol.js';

// Taken before the lock-down replaces them for strategy code.
const reallyExit = (process as unknown as { reallyExit(code: number): never }).reallyExit.bind(process);
const now = performance.now.bind(performance);
const channel = openChannel<ToSandbox, FromSandbox>(new net.Socket({ fd: 3, readable: true, writable: true }));
const guard = lockDown();

const send = (m: FromSandbox, done?: () => void) => channel.send(m, done);
const finish = (m: FromSandbox) => {
  guard.clearTimers();
  send(m, () => reallyExit(0));
};
channel.onClose(() => reallyExit(0));

// ------------------------------------------------------------------------------------------------
// The watchdog: checkpoints count down in the strategy's own loops and functions (instrument.ts)

/** Checkpoints between looks at the clock: ~4096 turns of the tightest loop is a few microseconds. */
const CHECK_EVERY = 4096;
/** A function call counts as this many loop turns (onBar is called once a bar). */
const CALL_WEIGHT = 256;
/** The heap is looked at when this long has passed since the last look. */
const HEAP_EVERY_MS = 5;
/** How full the heap may get, of backtest.maxMemoryMb, before the run is stopped at its line. */
const HEAP_ALARM = 0.85;
/** Of a sandbox's memory limit, what a sweep's shared indicator series may take (8 bytes a bar a column). */
const SHARED_INDICATORS_SHARE = 0.25;

let countdown = CHECK_EVERY;
let lastHeapLook = 0;
let deadline = Infinity;
let memoryLimit = Infinity;
let stopped: VoltError | null = null;
let phase: RunPhase = 'top level';
let bar = -1;
let current: SandboxRun | null = null;
let currentStrategy: LoadedStrategy | undefined;

function setPhase(p: RunPhase): void {
  if (phase === p) return;
  phase = p;
  send({ type: 'phase', phase: p });
}

function phaseText(): string {
  switch (phase) {
    case 'top level': return "the module's top level did not finish";
    case 'indicators': return 'indicators() did not return';
    case 'lookahead': return 'onBar did not return (in the lookahead re-run)';
    default: return 'onBar did not return';
  }
}

function stop(id: number, why: 'timeout' | 'memory'): VoltError {
  const run = current!;
  const at = run.checkpoints[id];
  const message = why === 'timeout'
    ? `${phaseText()} within ${run.limits.timeoutMs} ms`
    : `the strategy's memory grew past ${Math.round(HEAP_ALARM * run.limits.maxMemoryMb)} MB of its ${run.limits.maxMemoryMb} MB in ${phase === 'top level' ? "the module's top level" : phase === 'indicators' ? 'indicators()' : 'onBar'}`;
  const hint = why === 'timeout'
    ? `an endless loop? the run was stopped in this ${at?.kind ?? 'code'}; a run may take backtest.timeoutMs (${run.limits.timeoutMs} ms, volt.config.json)`
    : 'something grows without end (an array pushed every bar?); backtest.maxMemoryMb in volt.config.json sets the limit';
  const e = new VoltError({ kind: 'strategy', message, hint, ...(at ? { file: at.file, line: at.line, column: at.column } : {}) });
  (e as VoltError & { stopped?: string }).stopped = why;
  return e;
}

function check(id: number): void {
  countdown = CHECK_EVERY;
  // Once stopped, every checkpoint throws: a strategy that catches the first cannot go on.
  if (stopped) throw stopped;
  const t = now();
  if (t > deadline) throw (stopped = stop(id, 'timeout'));
  if (t - lastHeapLook > HEAP_EVERY_MS) {
    lastHeapLook = t;
    const h = getHeapStatistics();
    if (h.used_heap_size + h.external_memory > memoryLimit) throw (stopped = stop(id, 'memory'));
  }
}

function checkpoint(id: number): void {
  if (--countdown > 0) return;
  check(id);
}

function functionCheckpoint(id: number): void {
  if ((countdown -= CALL_WEIGHT) > 0) return;
  check(id);
}

// ------------------------------------------------------------------------------------------------

/** The agents' journal calls, kept in order for the runner to replay into the real journal. */
class JournalBuffer implements AgentJournal {
  readonly events: JournalEvent[] = [];
  private seq = 0;
  onSignal(signal: Parameters<NonNullable<AgentJournal['onSignal']>>[0]): void {
    this.events.push({ kind: 'signal', signal: { ...signal } });
  }
  onTrade(trade: Parameters<NonNullable<AgentJournal['onTrade']>>[0]): void {
    this.events.push({ kind: 'trade', trade: { ...trade } });
  }
  recordDecision(decision: Parameters<AgentJournal['recordDecision']>[0]): number {
    const seq = ++this.seq;
    this.events.push({ kind: 'decision', seq, decision });
    return seq;
  }
  recordMessage(message: Parameters<AgentJournal['recordMessage']>[0]): void {
    this.events.push({ kind: 'message', message });
  }
}

/** Models are asked by the runner, outside: this gateway forwards what its cache lacks. */
class ForwardingGateway extends OllamaGateway {
  private nextAsk = 1;
  private readonly waiting = new Map<number, (o: StructuredOutcome<unknown>) => void>();
  private readonly reachableWaiting = new Map<number, (r: boolean) => void>();
  /** Panel answers the backtest stored (saveTo): the runner keeps them in its cache. */
  readonly puts: [string, string, string][] = [];

  constructor(host: string, timeoutMs: number, hostProblem?: string) {
    const cache = new MemoryLlmCache();
    super({ host, timeoutMs, cache, env: {}, ...(hostProblem !== undefined ? { hostProblem } : {}), onNotice: (message) => send({ type: 'notice', key: 'llm', message }) });
    const put = cache.putCachedLlm.bind(cache);
    cache.putCachedLlm = (model, key, response) => {
      put(model, key, response);
      if (!this.forwarding) this.puts.push([model, key, response]);
    };
  }

  private forwarding = false;

  override async structured<T>(req: StructuredRequest): Promise<StructuredOutcome<T>> {
    const hit = this.cached<T>(req);
    if (hit) return hit;
    const id = this.nextAsk++;
    const { signal: _signal, ...request } = req;
    const outcome = await new Promise<StructuredOutcome<unknown>>((resolve) => {
      this.waiting.set(id, resolve);
      send({ type: 'llm-ask', id, request });
    });
    // The runner answered: the run's clock starts again for the next pass.
    deadline = now() + current!.limits.timeoutMs;
    this.forwarding = true;
    try {
      const key = this.keyOf(req);
      if (outcome.ok) this.cache.putCachedLlm(req.model, key, cachedAnswerText(outcome.value, outcome.tokens));
      else if (outcome.failure === 'invalid-answer') this.cache.putCachedLlm(req.model, key, cachedFallbackText(outcome.failure, outcome.message, outcome.tokens));
    } finally {
      this.forwarding = false;
    }
    return outcome as StructuredOutcome<T>;
  }

  reachable(): Promise<boolean> {
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.reachableWaiting.set(id, resolve);
      send({ type: 'llm-reachable?', id });
    });
  }

  answer(m: ToSandbox): void {
    if (m.type === 'llm-answer') {
      this.waiting.get(m.id)?.(m.outcome);
      this.waiting.delete(m.id);
    } else if (m.type === 'llm-reachable') {
      this.reachableWaiting.get(m.id)?.(m.reachable);
      this.reachableWaiting.delete(m.id);
    }
  }
}

let gateway: ForwardingGateway | undefined;

// ------------------------------------------------------------------------------------------------

/**
 * The bundle compiled once for this process (it receives one strategy): every trial of a sweep and
 * the lookahead re-run still evaluate its top level afresh, but do not parse it again nor start
 * again in V8's interpreter.
 */
const compiled = new Map<string, { wrapper: string; run: Function }>();

async function load(run: SandboxRun): Promise<LoadedStrategy> {
  const loaded = await loadTranspiledStrategy(
    { path: run.path, code: run.code, inputs: run.inputs, contentHash: run.contentHash, source: run.source },
    {
      compiled,
      scope: { [run.tickName]: checkpoint, [`${run.tickName}_f`]: functionCheckpoint },
      requireBuiltin: guard.requireBuiltin,
      columnOf: (line, column) => originalColumn(run.shifts, line, column),
    },
  );
  const def = loaded.definition;
  const onBar = def.onBar;
  const indicators = def.indicators;
  try {
    def.onBar = function trackedOnBar(this: unknown, ctx: StrategyContext) {
      bar = ctx.index;
      onBar.call(this, ctx);
    };
    if (indicators) {
      def.indicators = function trackedIndicators(this: unknown, ...args: Parameters<typeof indicators>) {
        const before = phase;
        setPhase('indicators');
        const declared = indicators.apply(this, args);
        // Not on a throw: the failure names the phase it happened in.
        setPhase(before === 'lookahead' ? 'lookahead' : 'onBar');
        return declared;
      } as typeof indicators;
    }
  } catch {
    // A frozen definition runs the same, without the bar number or phase in a stopped run's message.
  }
  return loaded;
}

/** Loads the bundle afresh (saying what it declares, when `announce`), or ends the run with why not. */
async function loadOrFinish(run: SandboxRun, announce: boolean): Promise<LoadedStrategy | undefined> {
  let loaded: LoadedStrategy;
  try {
    loaded = await load(run);
  } catch (e) {
    finish({ type: 'failure', failure: failureOf(e, undefined, 'load') });
    return undefined;
  }
  currentStrategy = loaded;
  if (announce) send({ type: 'loaded', facts: factsOf(run, loaded) });
  return loaded;
}

/** The first refusal of the sandbox, placed at the strategy's line, when the strategy swallowed it. */
function violation(loaded: LoadedStrategy | undefined): VoltError | undefined {
  const first = guard.violations[0];
  if (!first) return undefined;
  return loaded ? strategyRuntimeError(first, loaded) : first;
}

function failureOf(e: unknown, loaded: LoadedStrategy | undefined, fallback: RunFailure['kind']): RunFailure {
  const swallowed = violation(loaded);
  let error = guard.violations.length > 0 && !isViolation(e) ? (swallowed ?? e) : e;
  // The backtester passes VoltErrors on as they are: a refusal is placed here, at the strategy's line.
  if (loaded && isVoltError(error) && error.file === undefined) error = strategyRuntimeError(error, loaded);
  const kind: RunFailure['kind'] = isViolation(error) ? 'sandbox'
    : (stoppedOf(error) ?? fallback);
  const f: RunFailure = { kind, message: error instanceof Error ? error.message : String(error), phase };
  if (isVoltError(error)) {
    f.errorKind = error.kind;
    if (error.file !== undefined) f.file = error.file;
    if (error.line !== undefined) f.line = error.line;
    if (error.column !== undefined) f.column = error.column;
    if (error.hint !== undefined) f.hint = error.hint;
  }
  if (bar >= 0 && phase !== 'top level') f.bar = bar;
  return f;
}

function stoppedOf(e: unknown): 'timeout' | 'memory' | undefined {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const why = (x as Error & { stopped?: 'timeout' | 'memory' }).stopped;
    if (why) return why;
  }
  return undefined;
}

function isViolation(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) if (guard.violations.includes(x as VoltError)) return true;
  return false;
}

/**
 * The strategy again, fresh, on the data cut after two thirds: every signal before the cut must be
 * the same as in the full run, or the strategy saw bars it should not have.
 */
async function checkLookahead(run: SandboxRun, series: CandleSeries, full: BacktestReport): Promise<LookaheadCheck | undefined> {
  if (series.length < 60) return undefined;
  const cut = Math.floor((series.length * 2) / 3);
  const cutSeries = sliceSeries(series, undefined, series.time[cut]);
  phase = 'lookahead';
  bar = -1;
  const fresh = await load(run);
  // Outside signals are cut at the same close: a value the full run could only know later must not change a signal before the cut.
  const signals = run.options.signals ? signalsBefore(run.options.signals, series.time[cut]!) : undefined;
  const partial = runBacktest(fresh, cutSeries, signals ? { ...run.options, signals } : run.options);
  // The last bar before the cut may differ legitimately (no next bar to fill on): compare before it.
  const d = firstSignalDifference(full.signals, partial.signals, cut - 2);
  return d ? { cutBar: cut, firstDifference: { bar: d.bar, time: series.time[d.bar] ?? 0, full: d.full, cut: d.other } } : { cutBar: cut };
}

/**
 * The agents' options of a run, one market or a portfolio alike: the journal buffer the panel's
 * events go to, the gateway LLM seats ask through, and the notices and passes reported outward.
 */
function panelOf(runAgents: NonNullable<SandboxRun['agents']>, onProgress: (done: number, total: number) => void) {
  const journal = runAgents.journaled ? new JournalBuffer() : undefined;
  if (runAgents.mode === 'ollama') gateway = new ForwardingGateway(runAgents.host, runAgents.config.ollama.timeoutMs, runAgents.hostProblem);
  const g = gateway;
  const options: AgentBacktestOptions = {
    mode: runAgents.mode,
    config: runAgents.config,
    ...volatilityInputs(runAgents.volatility),
    ...(runAgents.trackRecords ? { trackRecords: runAgents.trackRecords } : {}),
    ...(journal ? { journal } : {}),
    ...(g ? { gateway: g, isReachable: () => g.reachable() } : {}),
    onNotice: (message) => send({ type: 'notice', key: 'agents', message }),
    onProgress,
    onPass: (pass, missing) => {
      guard.clearTimers();
      send({ type: 'llm-pass', pass, missing });
    },
  };
  const answer = (result: Pick<AgentBacktestResult, 'summary' | 'llm'>): Extract<FromSandbox, { type: 'result' }>['agents'] => (
    { summary: result.summary, events: journal?.events ?? [], ...(result.llm ? { llm: result.llm } : {}) }
  );
  return { options, answer };
}

async function execute(run: SandboxRun): Promise<void> {
  current = run;
  const started = now();
  deadline = started + run.limits.timeoutMs;
  memoryLimit = HEAP_ALARM * run.limits.maxMemoryMb * 1024 * 1024;
  const loaded = await loadOrFinish(run, true);
  if (!loaded) return;
  const onProgress = (done: number, total: number) => send({ type: 'progress', done, total });
  setPhase('onBar');
  let report: BacktestReport;
  let agents: Extract<FromSandbox, { type: 'result' }>['agents'];
  try {
    if (run.portfolio && run.agents) {
      const panel = panelOf(run.agents, onProgress);
      const result = await portfolioWithAgents(loaded, run.portfolio.markets, { ...run.options, limits: run.portfolio.limits }, panel.options);
      report = result.report;
      agents = panel.answer(result);
    } else if (run.portfolio) {
      report = runPortfolioBacktest(loaded, run.portfolio.markets, { ...run.options, limits: run.portfolio.limits }, { onProgress });
    } else if (!run.agents) {
      report = run.warmupBars !== undefined
        ? runSessionBacktest(loaded, run.series, run.warmupBars, run.options, { onProgress })
        : runBacktest(loaded, run.series, run.options, { onProgress });
    } else {
      const panel = panelOf(run.agents, onProgress);
      const result = await backtestWithAgents(loaded, run.series, run.options, panel.options);
      report = result.report;
      agents = panel.answer(result);
    }
  } catch (e) {
    finish({ type: 'failure', failure: failureOf(e, loaded, 'threw') });
    return;
  }
  guard.clearTimers();
  let lookahead: LookaheadCheck | undefined;
  if (run.lookahead && !run.portfolio) {
    try {
      lookahead = await checkLookahead(run, run.series, report);
    } catch (e) {
      // The full run succeeded; only a stop or a refusal on the cut data is the strategy's fault.
      if (stoppedOf(e) || isViolation(e)) {
        finish({ type: 'failure', failure: failureOf(e, loaded, 'threw') });
        return;
      }
    }
  }
  const swallowed = violation(loaded);
  if (swallowed) {
    finish({ type: 'failure', failure: failureOf(swallowed, loaded, 'sandbox') });
    return;
  }
  finish({
    type: 'result',
    report,
    ...(lookahead ? { lookahead } : {}),
    ...(agents ? { agents } : {}),
    ...(gateway && gateway.puts.length > 0 ? { cachePuts: gateway.puts } : {}),
    durationMs: now() - started,
  });
}

/**
 * A sweep: the same strategy on many parameter sets (and windows) in this one process, each trial a
 * fresh evaluation of the bundle with a time limit of its own. A trial that throws is that trial's
 * failure; one that is stopped or refused ends the sweep (the process is no longer clean).
 */
async function sweep(run: SandboxRun, first: SweepTrial[], summaries: boolean, more: boolean): Promise<void> {
  current = run;
  const trials = [...first];
  memoryLimit = HEAP_ALARM * run.limits.maxMemoryMb * 1024 * 1024;
  // Indicator series computed once for this process's trials, within a quarter of its memory.
  const shared = new SharedIndicators(SHARED_INDICATORS_SHARE * run.limits.maxMemoryMb * 1024 * 1024);
  let sharing = true;
  for (let index = 0; ; index++) {
    if (index === trials.length) {
      if (!more) break;
      // The asker's next batch of the same run: this process, its compiled bundle and its shared
      // series carry on (each trial still evaluates the bundle afresh).
      const next = await new Promise<SweepTrial[]>((resolve) => {
        wanted = resolve;
        send({ type: 'want' });
      });
      if (next.length === 0) break;
      trials.push(...next);
    }
    const trial = trials[index]!;
    const started = now();
    deadline = started + run.limits.timeoutMs;
    phase = 'top level';
    bar = -1;
    const loaded = await loadOrFinish(run, index === 0);
    if (!loaded) return;
    setPhase('onBar');
    const series = trial.from !== undefined || trial.to !== undefined ? sliceSeries(run.series, trial.from, trial.to) : run.series;
    try {
      const options = { ...run.options, params: { ...run.options.params, ...trial.params } };
      let report: BacktestReport;
      if (sharing) {
        const tried = withSharedIndicators(shared, series, `${trial.from ?? ''}:${trial.to ?? ''}`, () => runBacktest(loaded, series, options));
        report = tried.result;
        // A strategy that feeds its indicators by hand cannot be replayed: this trial again, and no more sharing.
        if (!tried.replayed) {
          sharing = false;
          report = runBacktest((await loadOrFinish(run, false))!, series, options);
        }
      } else {
        report = runBacktest(loaded, series, options);
      }
      guard.clearTimers();
      const swallowed = violation(loaded);
      if (swallowed) throw swallowed;
      if (summaries) {
        const summary = { metrics: report.metrics, equity: report.equityCurve.equity, tradeReturns: Array.from(tradeReturns(report.trades, report.config.capital)), bars: report.data.bars };
        send({ type: 'trial', index, summary, durationMs: now() - started });
      } else {
        send({ type: 'trial', index, report, durationMs: now() - started });
      }
    } catch (e) {
      const failure = failureOf(e, loaded, 'threw');
      if (failure.kind !== 'threw') {
        finish({ type: 'failure', failure });
        return;
      }
      send({ type: 'trial', index, failure, durationMs: now() - started });
    }
  }
  finish({ type: 'swept', trials: trials.length });
}

/** Where the next batch of a continued sweep goes when it arrives. */
let wanted: ((trials: SweepTrial[]) => void) | undefined;

/** A market session's strategy: loaded once, each bar within the time limit, the process kept between bars. */
let seat: StrategySeat | undefined;
async function openSeat(run: SandboxRun): Promise<void> {
  current = run;
  deadline = now() + run.limits.timeoutMs;
  memoryLimit = HEAP_ALARM * run.limits.maxMemoryMb * 1024 * 1024;
  const loaded = await loadOrFinish(run, false);
  if (!loaded) return;
  try {
    seat = new StrategySeat(loaded, run.series, { ...(run.options.params ? { params: run.options.params } : {}), ...(run.options.seed !== undefined ? { seed: run.options.seed } : {}) });
  } catch (e) {
    finish({ type: 'failure', failure: failureOf(e, loaded, 'load') });
    return;
  }
  send({ type: 'loaded', facts: factsOf(run, loaded, true) });
}

function seatBar(m: Extract<ToSandbox, { type: 'bar' }>): void {
  if (!seat) return;
  deadline = now() + current!.limits.timeoutMs;
  setPhase('onBar');
  try {
    const orders = seat.decide(m.candle, m.view);
    const swallowed = violation(currentStrategy);
    if (swallowed) throw swallowed;
    send({ type: 'orders', orders });
  } catch (e) {
    finish({ type: 'failure', failure: failureOf(e, currentStrategy, 'threw') });
  }
}

function factsOf(run: SandboxRun, loaded: LoadedStrategy, forSession = false): StrategyFacts {
  const def = loaded.definition;
  return {
    ...(forSession && def.risk !== undefined ? { risk: structuredClone(def.risk) } : {}),
    ...(forSession && def.pyramiding === true ? { pyramiding: true } : {}),
    name: def.name,
    ...(def.timeframe !== undefined ? { timeframe: def.timeframe } : {}),
    ...(def.symbols !== undefined ? { symbols: [...def.symbols] } : {}),
    params: structuredClone(def.params ?? {}),
    path: run.path,
    contentHash: run.contentHash,
  };
}

// A promise or timer the strategy left behind that throws: the run fails there, the process ends.
const late = (e: unknown) => {
  const placed = currentStrategy && !isVoltError(e) ? strategyRuntimeError(e, currentStrategy, 'in a timer or promise the strategy left running') : e;
  finish({ type: 'failure', failure: failureOf(placed, currentStrategy, 'threw') });
};
process.on('uncaughtException', late);
process.on('unhandledRejection', late);

/**
 * A sandbox started ahead of its run (the sidecar's spare) first runs Volt's own code on a small
 * built-in strategy, so the backtester and the indicators are compiled and optimised before the
 * user's run comes: a process per run would otherwise start every run in V8's interpreter.
 */
function warmUp(): void {
  const series = synthesize({ seed: 1, bars: 6000, timeframe: '1h' });
  const definition = defineStrategy({
    name: 'warm-up',
    params: { low: { value: 35, min: 0, max: 100 } },
    indicators: (ind) => ({ rsi: ind.rsi(14), ema: ind.ema(20), sma: ind.sma(50), macd: ind.macd(12, 26, 9), bb: ind.bollinger(20, 2), atr: ind.atr(14) }),
    onBar(ctx) {
      const { rsi, macd, bb } = ctx.ind;
      if (!rsi.ready || !macd.ready || !bb.ready) return;
      if (ctx.position.side === 0 && rsi.value < ctx.params.low) ctx.buy({ confidence: 0.6, reason: 'warm' });
      else if (ctx.position.side === 1 && (rsi.value > 60 || ctx.bar.close > bb.upper)) ctx.exit({ reason: 'warm' });
    },
    risk: { stopLoss: 0.04, takeProfit: 0.08, maxPositionPct: 0.1 },
  });
  for (let i = 0; i < 3; i++) runBacktest(definition, i === 2 ? sliceSeries(series, undefined, series.time[4000]) : series);
}
if (process.argv.includes('--warm-up')) warmUp();

channel.onMessage((m) => {
  if (m.type === 'run') void execute(m.run);
  else if (m.type === 'sweep') void sweep(m.run, m.trials, m.summaries === true, m.more === true);
  else if (m.type === 'sweep-more') {
    const w = wanted;
    wanted = undefined;
    w?.(m.trials);
  }
  else if (m.type === 'seat') void openSeat(m.run);
  else if (m.type === 'bar') seatBar(m);
  else gateway?.answer(m);
});
send({ type: 'ready' });
