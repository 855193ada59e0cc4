/**
 * The synthesizer: an idea in, a proven strategy draft out, or the reasons there is none. Each
 * attempt's answer goes through the same gates as any strategy a trader writes — TypeScript and
 * the static lint, the sandbox, the lookahead re-run, a walk-forward of its params — and the first
 * gate it fails sends the exact diagnostics back to the model. Rules: README.md here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeStrategySource, type AnalysisConfig, type Finding } from '../analysis/index.js';
import type { BacktestOptions } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import { isVoltError } from '../errors.js';
import type { OllamaGateway } from '../llm/index.js';
import type { Metrics } from '../metrics/index.js';
import { LocalTrialPool, paramSpace, runSweep, tierEvidence, type SweepResult, type TierEvidence } from '../optimize/index.js';
import { StrategyRunner, type RunFailure, type StrategyFacts } from '../runner/index.js';
import { isParamSpec, transpileStrategy } from '../strategy/index.js';
import { mirrorCuts, mirroredAfter } from './lookahead.js';
import { firstSignalDifference } from '../backtest/signal-difference.js';
import { DRAFT_SCHEMA, formatFinding, systemPrompt, userPrompt, type DataFacts, type DraftAnswer, type DraftFinding, type RefusedAttempt } from './prompt.js';

export const DEFAULT_SYNTH_MODEL = 'qwen2.5-coder:7b';
export const DEFAULT_SYNTH_ATTEMPTS = 4;
/**
 * How long one answer may take at least. `ollama.timeoutMs` (30 s by default) is sized for an
 * agent's short vote; a local coding model reads a prompt of several thousand tokens and writes a
 * whole file, minutes on a CPU. A longer `ollama.timeoutMs` wins.
 */
export const SYNTH_ANSWER_TIMEOUT_MS = 300_000;

/** The limit one synthesizer answer gets: `ollama.timeoutMs`, but never less than SYNTH_ANSWER_TIMEOUT_MS. */
export function synthAnswerTimeout(configured: number): number {
  return Math.max(configured, SYNTH_ANSWER_TIMEOUT_MS);
}

/** Where an attempt stopped: the gate it failed, or 'proven'. */
export type DraftStage = 'answer' | 'type check and lint' | 'sandbox' | 'lookahead check' | 'walk-forward' | 'proven';

/** Warnings that refuse a draft too: a draft offered as proven has a stop, a capped size and its thresholds in params. */
const REFUSING_WARNINGS = new Set(['VOLT101', 'VOLT102', 'VOLT103']);

export interface WalkForwardSettings {
  folds: number;
  /** Trials per search (the whole series and each fold). */
  trials: number;
  /** A search trial with fewer trades fails. */
  minTrades: number;
  seed: number;
  workers: number;
}

export const DEFAULT_WALK_FORWARD: WalkForwardSettings = { folds: 3, trials: 12, minTrades: 5, seed: 1, workers: 2 };

export interface SynthRequest {
  idea: string;
  model: string;
  series: CandleSeries;
  /** How the data is named (the --data spec), in prompts and the header. */
  dataLabel: string;
  options: BacktestOptions;
  limits: { timeoutMs: number; maxMemoryMb: number };
  gateway: OllamaGateway;
  maxAttempts?: number;
  /** How long one answer may take (default the gateway's timeoutMs; the CLI and sidecar pass synthAnswerTimeout of it). */
  answerTimeoutMs?: number;
  walkForward?: Partial<WalkForwardSettings>;
  /** A run needs at least this many trades on the whole data before its params are walked forward (default 10). */
  minTrades?: number;
  signal?: AbortSignal;
  /**
   * Where the static analysis runs (default: the engine's, on this thread). The sidecar passes its
   * analysis thread, which holds the TypeScript checker, so a draft does not load it on the main one.
   */
  analyze?: (text: string, fileName: string, config: AnalysisConfig) => Finding[] | Promise<Finding[]>;
  /** The sandbox host, when not beside the engine (the sidecar bundled in the VS Code extension ships its own). */
  hostFile?: string | URL;
  /** An attempt begins (before the model is asked). */
  onAttemptStart?(attempt: number, of: number): void;
  /** An attempt reached a verdict: journal it, show it. */
  onAttempt?(attempt: DraftAttempt): void;
}

export interface WalkForwardSummary {
  folds: number;
  meanInSample: number;
  meanOutOfSample: number;
  efficiency: number;
  verdict: string;
  evidence?: TierEvidence;
}

export interface DraftAttempt {
  attempt: number;
  model: string;
  /** sha256 of system prompt, prompt and schema: the LLM cache key. */
  promptHash: string;
  answerSource: 'llm' | 'cache';
  name?: string;
  code?: string;
  /** sha256 of the code the model wrote. */
  codeHash?: string;
  stage: DraftStage;
  proven: boolean;
  /** Why it was refused (fed back to the model), and warnings of a proven one. */
  findings: DraftFinding[];
  /** The backtest on the whole data, when it ran. */
  metrics?: Metrics;
  walkForward?: WalkForwardSummary;
  strategy?: Pick<StrategyFacts, 'name' | 'timeframe' | 'params'>;
}

export interface ProvenDraft {
  name: string;
  /** File name stem: the name in lower-case words joined by '-'. */
  slug: string;
  /** The code as the model wrote it (what was checked). */
  code: string;
  model: string;
  idea: string;
  dataLabel: string;
  attempt: number;
  metrics: Metrics;
  walkForward: WalkForwardSummary;
}

export type SynthOutcome =
  | { status: 'proven'; draft: ProvenDraft; attempts: DraftAttempt[] }
  /** Every attempt was refused; the last one's reasons say why. */
  | { status: 'refused'; attempts: DraftAttempt[]; message: string }
  /** No model to ask (Ollama down, the model missing, a timeout): said at once, nothing drafted. */
  | { status: 'unavailable'; attempts: DraftAttempt[]; message: string }
  | { status: 'cancelled'; attempts: DraftAttempt[] };

/**
 * Drafts a strategy from `idea`: asks the model, checks its answer, feeds a refusal back, at most
 * `maxAttempts` times. Nothing is written here but checking copies in a temporary folder (removed
 * at the end); the caller writes a proven draft (writeDraft).
 */
export async function synthesizeStrategy(req: SynthRequest): Promise<SynthOutcome> {
  const maxAttempts = req.maxAttempts ?? DEFAULT_SYNTH_ATTEMPTS;
  const wf: WalkForwardSettings = { ...DEFAULT_WALK_FORWARD, ...req.walkForward };
  const data: DataFacts = { label: req.dataLabel, symbol: req.series.symbol, timeframe: req.series.timeframe, bars: req.series.length };
  const system = systemPrompt();
  const attempts: DraftAttempt[] = [];
  const refused: RefusedAttempt[] = [];
  const workDir = mkdtempSync(path.join(tmpdir(), 'volt-synth-'));
  const runner = new StrategyRunner({ ...req.limits, spares: 0, warmUp: false, ...(req.hostFile !== undefined ? { hostFile: req.hostFile } : {}) });
  try {
    for (let n = 1; n <= maxAttempts; n++) {
      if (req.signal?.aborted) return { status: 'cancelled', attempts };
      req.onAttemptStart?.(n, maxAttempts);
      const prompt = userPrompt(req.idea, data, refused);
      const ask = { model: req.model, system, prompt, schema: DRAFT_SCHEMA, ...(req.signal ? { signal: req.signal } : {}), ...(req.answerTimeoutMs !== undefined ? { timeoutMs: req.answerTimeoutMs } : {}) };
      const promptHash = req.gateway.keyOf(ask);
      const answer = await req.gateway.structured<DraftAnswer>(ask);
      if (!answer.ok) {
        if (answer.failure === 'cancelled') return { status: 'cancelled', attempts };
        if (answer.failure !== 'invalid-answer') return { status: 'unavailable', attempts, message: unavailableMessage(answer.failure, answer.message, req.model, req.gateway, req.answerTimeoutMs ?? req.gateway.timeoutMs) };
        const attempt: DraftAttempt = { attempt: n, model: req.model, promptHash, answerSource: 'llm', stage: 'answer', proven: false, findings: [{ code: 'answer', severity: 'error', message: answer.message }] };
        finish(attempt);
        // Nothing to show the model but the same request: an unusable answer is cached, so asking again gives it again.
        break;
      }
      const attempt = await check(answer.value, { n, req, wf, workDir, runner, promptHash, source: answer.source });
      // A check the user stopped is no verdict on the draft.
      if (req.signal?.aborted) return { status: 'cancelled', attempts };
      finish(attempt);
      if (attempt.proven) {
        return {
          status: 'proven',
          attempts,
          draft: {
            name: attempt.strategy!.name,
            slug: slugOf(attempt.strategy!.name) || 'draft',
            code: attempt.code!,
            model: req.model,
            idea: req.idea,
            dataLabel: req.dataLabel,
            attempt: n,
            metrics: attempt.metrics!,
            walkForward: attempt.walkForward!,
          },
        };
      }
      refused.push({ attempt: n, stage: attempt.stage, code: attempt.code ?? '', findings: attempt.findings });
    }
    if (req.signal?.aborted) return { status: 'cancelled', attempts };
    const last = attempts[attempts.length - 1];
    return {
      status: 'refused',
      attempts,
      message: `no draft proved itself in ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}; the last was refused at ${last?.stage ?? 'answer'}: ${last?.findings[0] ? formatFinding(last.findings[0]) : 'no answer'}`,
    };
  } finally {
    await runner.dispose();
    rmSync(workDir, { recursive: true, force: true });
  }

  function finish(attempt: DraftAttempt): void {
    attempts.push(attempt);
    req.onAttempt?.(attempt);
  }
}

interface CheckContext {
  n: number;
  req: SynthRequest;
  wf: WalkForwardSettings;
  workDir: string;
  runner: StrategyRunner;
  promptHash: string;
  source: 'llm' | 'cache';
}

/** One answer through the gates, in order; the first gate it fails refuses it. */
async function check(answer: DraftAnswer, c: CheckContext): Promise<DraftAttempt> {
  const { req } = c;
  const code = unfenced(answer.code.replace(/\r\n/g, '\n'));
  const base: DraftAttempt = {
    attempt: c.n, model: req.model, promptHash: c.promptHash, answerSource: c.source, name: answer.name, code,
    codeHash: createHash('sha256').update(code).digest('hex'), stage: 'type check and lint', proven: false, findings: [],
  };
  const refuse = (stage: DraftStage, findings: DraftFinding[], extra: Partial<DraftAttempt> = {}): DraftAttempt => ({ ...base, ...extra, stage, findings });

  // 1. TypeScript and the lint, on the text as written: what it says cannot change what the code does.
  const fileName = `${slugOf(answer.name) || 'draft'}.strategy.ts`;
  const file = path.join(c.workDir, `attempt-${c.n}`, fileName);
  const config: AnalysisConfig = { bars: req.series.length, dataLabel: req.dataLabel, ...(req.options.maxPositionCap !== undefined ? { maxPositionCap: req.options.maxPositionCap } : {}) };
  const lint = await (req.analyze ?? ((text, name, cfg) => analyzeStrategySource(text, name, cfg)))(code, file, config);
  const statics = [...importFindings(code), ...lint.map(fromLint)];
  const blocking = statics.filter((f) => f.severity === 'error' || REFUSING_WARNINGS.has(f.code));
  const warnings = statics.filter((f) => !blocking.includes(f) && f.severity === 'warning');
  if (blocking.length > 0) return refuse('type check and lint', blocking);

  // 2. The sandbox, with the lookahead re-run.
  // Each attempt has its own folder, so a bundle never reads an earlier attempt's file.
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
  let bundle;
  try {
    bundle = await transpileStrategy(file);
  } catch (e) {
    if (!isVoltError(e)) throw e;
    return refuse('sandbox', [{ code: 'load', severity: 'error', message: e.message + (e.hint ? ` (${e.hint})` : ''), ...(e.line !== undefined ? { line: e.line } : {}), ...(e.column !== undefined ? { column: e.column } : {}) }]);
  }
  const outcome = await c.runner.run({ bundle, series: req.series, options: req.options, lookahead: true }, req.signal ? { signal: req.signal } : {});
  if (outcome.status === 'cancelled') return refuse('sandbox', [{ code: 'cancelled', severity: 'error', message: 'cancelled' }]);
  if (outcome.status === 'failed') return refuse('sandbox', [fromFailure(outcome.failure, fileName)]);
  const facts = outcome.strategy;
  const strategy = { name: facts.name, ...(facts.timeframe !== undefined ? { timeframe: facts.timeframe } : {}), params: facts.params };
  const metrics = outcome.report.metrics;
  // The same code on the same data and seed must give the same signals: what the lint cannot see of
  // Math.random or the clock (`Math['ran' + 'dom']()`) shows here, before it passes for lookahead below.
  const again = await c.runner.run({ bundle, series: req.series, options: req.options }, req.signal ? { signal: req.signal } : {});
  if (again.status === 'cancelled') return refuse('sandbox', [{ code: 'cancelled', severity: 'error', message: 'cancelled' }], { metrics, strategy });
  if (again.status === 'failed') return refuse('sandbox', [fromFailure(again.failure, fileName)], { metrics, strategy });
  const unrepeatable = firstSignalDifference(outcome.report.signals, again.report.signals, req.series.length);
  if (unrepeatable) {
    return refuse('sandbox', [{ code: 'VOLT105', severity: 'error', message: `run again on the same data with the same seed, the signal at bar ${unrepeatable.bar} changes from ${unrepeatable.full} to ${unrepeatable.other}: the strategy reads unseeded randomness or the clock; use ctx.random() and the bar's time` }], { metrics, strategy });
  }
  const diff = outcome.lookahead?.firstDifference;
  if (diff) {
    return refuse('lookahead check', [{ code: 'VOLT205', severity: 'error', message: `lookahead at run time: with the data cut after bar ${outcome.lookahead!.cutBar}, the signal at bar ${diff.bar} changes from ${diff.full} to ${diff.cut}; the strategy reads bars that had not closed yet` }], { metrics, strategy });
  }
  // The cut above only sees a peek that happens to signal next to the cut: mirror the future after several bars too (lookahead.ts).
  for (const after of mirrorCuts(req.series.length)) {
    const mirrored = await c.runner.run({ bundle, series: mirroredAfter(req.series, after), options: req.options }, req.signal ? { signal: req.signal } : {});
    if (mirrored.status === 'cancelled') return refuse('lookahead check', [{ code: 'cancelled', severity: 'error', message: 'cancelled' }], { metrics, strategy });
    if (mirrored.status === 'failed') {
      const f = fromFailure(mirrored.failure, fileName);
      return refuse('lookahead check', [{ ...f, message: `with the bars after bar ${after} mirrored (rises made falls), the run failed: ${f.message}` }], { metrics, strategy });
    }
    const d = firstSignalDifference(outcome.report.signals, mirrored.report.signals, after);
    if (d) {
      return refuse('lookahead check', [{ code: 'VOLT205', severity: 'error', message: `lookahead at run time: with the bars after bar ${after} mirrored (rises made falls), the signal at bar ${d.bar} changes from ${d.full} to ${d.other}; the strategy reads bars that had not closed yet` }], { metrics, strategy });
    }
  }
  const unranged = Object.entries(facts.params).filter(([, p]) => !isParamSpec(p) || p.min === undefined || p.max === undefined).map(([k]) => k);
  if (Object.keys(facts.params).length === 0 || unranged.length > 0) {
    return refuse('sandbox', [{ code: 'params', severity: 'error', message: unranged.length > 0 ? `params ${unranged.join(', ')} have no min and max: give every threshold and period a range, e.g. { value: 30, min: 10, max: 45 }` : 'the strategy declares no params: its thresholds and periods belong in params with a min and a max' }], { metrics, strategy });
  }
  const minTrades = req.minTrades ?? 10;
  if (metrics.trades < minTrades) {
    return refuse('sandbox', [{ code: 'trades', severity: 'error', message: `${metrics.trades} trade${metrics.trades === 1 ? '' : 's'} on ${req.dataLabel} (${req.series.length} bars): fewer than ${minTrades}, too few to judge; loosen the entry conditions` }], { metrics, strategy });
  }

  // 3. Walk-forward: its params searched on each train window, judged on the window after it.
  let result: SweepResult;
  const pool = new LocalTrialPool({ workers: c.wf.workers, bundle, series: req.series, options: req.options, timeoutMs: req.limits.timeoutMs, maxMemoryMb: req.limits.maxMemoryMb, ...(req.hostFile !== undefined ? { hostFile: req.hostFile } : {}) });
  try {
    result = await runSweep(
      { space: paramSpace(facts.params, bundle.path), method: 'random', trials: c.wf.trials, objective: 'sharpe', minTrades: c.wf.minTrades, seed: c.wf.seed, folds: c.wf.folds, windows: 'rolling', capital: req.options.capital ?? 10_000 },
      req.series,
      pool,
      req.signal ? { signal: req.signal } : {},
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return refuse('walk-forward', [{ code: 'walk-forward', severity: 'error', message }], { metrics, strategy });
  } finally {
    await pool.dispose();
  }
  const w = result.walkForward;
  const evidence = tierEvidence(result);
  const walkForward: WalkForwardSummary = {
    folds: w?.folds.length ?? 0, meanInSample: w?.meanInSample ?? NaN, meanOutOfSample: w?.meanOutOfSample ?? NaN, efficiency: w?.efficiency ?? NaN, verdict: result.verdict,
    ...(evidence ? { evidence } : {}),
  };
  // The sweep's own rule: holds when the out-of-sample mean is positive and at least half the in-sample one.
  if (!result.verdict.startsWith('out-of-sample holds')) {
    return refuse('walk-forward', [{ code: 'walk-forward', severity: 'error', message: `${result.verdict}. Fewer, broader conditions usually hold better than many tight ones` }], { metrics, strategy, walkForward });
  }
  return { ...base, stage: 'proven', proven: true, findings: warnings, metrics, strategy, walkForward };
}

function fromLint(f: Finding): DraftFinding {
  return { code: f.code, severity: f.severity === 'error' ? 'error' : 'warning', message: f.message, line: f.range.start.line + 1, column: f.range.start.character + 1 };
}

function fromFailure(f: RunFailure, fileName: string): DraftFinding {
  const at = f.bar !== undefined && !f.message.includes(`bar ${f.bar}`) ? ` (at bar ${f.bar})` : '';
  // The checking copy's path means nothing to the model: it wrote `fileName`.
  const message = f.file !== undefined ? f.message.split(f.file).join(fileName) : f.message;
  return {
    code: f.kind === 'sandbox' ? 'VOLT204' : `run:${f.kind}`,
    severity: 'error',
    message: message + at + (f.hint ? ` (${f.hint})` : ''),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.column !== undefined ? { column: f.column } : {}),
  };
}

/** `import … from 'x'`, `import 'x'`, `export … from 'x'`, `import('x')`, `require('x')`. */
const MODULE_REFERENCE = /\b(?:import|export)\s[^;]*?\bfrom\s*(['"])([^'"\n]+)\1|\bimport\s*(['"])([^'"\n]+)\3|\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\5\s*\)/g;

/**
 * A draft may import only the engine: anything else is a file Volt did not check, or a package that
 * acts. Read off the text (no compiler on this thread); a module named inside a string or a comment
 * refuses the draft too, which costs the model one more attempt at worst.
 */
function importFindings(code: string): DraftFinding[] {
  const out: DraftFinding[] = [];
  for (const m of code.matchAll(MODULE_REFERENCE)) {
    const spec = m[2] ?? m[4] ?? m[6]!;
    if (spec === '@volt/engine') continue;
    const before = code.slice(0, m.index);
    const line = before.split('\n').length;
    out.push({ code: 'import', severity: 'error', message: `imports '${spec}': a draft may import only '@volt/engine'`, line, column: m.index - before.lastIndexOf('\n') });
  }
  return out;
}

/**
 * Coding models put a file in a Markdown fence out of habit, even inside a JSON string: the fence
 * is taken off (only when it wraps the whole answer), so the check and the written file are the code.
 */
function unfenced(code: string): string {
  const m = /^\s*```[\w.+-]*[ \t]*\n([\s\S]*?)\n?```\s*$/.exec(code);
  return m ? `${m[1]!}\n` : code;
}

/** 'RSI dips in an uptrend!' → 'rsi-dips-in-an-uptrend'. */
export function slugOf(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
}

function unavailableMessage(failure: string, detail: string, model: string, gateway: OllamaGateway, timeoutMs: number): string {
  if (failure === 'unreachable' && gateway.hostProblem !== undefined) return `LLM unavailable: ${gateway.hostProblem}; nothing was drafted`;
  if (failure === 'unreachable') return `LLM unavailable: Ollama is not reachable at ${gateway.host} (start it with \`ollama serve\`, or set ollama.host in volt.config.json / OLLAMA_HOST); nothing was drafted`;
  if (failure === 'model-missing') return `Ollama has no model '${model}': run \`ollama pull ${model}\`, or name an installed one as ollama.models.synth in volt.config.json; nothing was drafted`;
  if (failure === 'timeout') return `${model} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} (raise ollama.timeoutMs in volt.config.json, or name a smaller model as ollama.models.synth); nothing was drafted`;
  // The gateway's sentences end with what the rule agents do instead, which means nothing here.
  return `${detail.replace(/; the rule-based agent answers instead$|\. Rule-based agents answer instead$/, '')}; nothing was drafted`;
}
