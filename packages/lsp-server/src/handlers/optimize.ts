/**
 * volt/optimize: a sweep of a strategy's params from the editor, the same sweep `volt optimize`
 * runs (same searches, sandbox, journal rows: `volt optimize --list` shows it, `--resume` continues
 * it), with progress notifications, a heatmap of two params, and afterwards a code action on the
 * strategy's `params` block that writes the best out-of-sample values.
 */
import { availableParallelism } from 'node:os';
import {
  createSearch,
  heatmapAxes,
  heatmapOf,
  isVoltError,
  LocalTrialPool,
  OBJECTIVES,
  paramSpace,
  runSweep,
  seriesHash,
  sliceSeries,
  StrategyRunner,
  SweepInterrupted,
  SweepJournal,
  SweepStopped,
  transpileStrategy,
  type Heatmap,
  type ParamSet,
  type StrategyFacts,
  type SweepResult,
  type TranspiledStrategy,
} from '@volt/engine';
import { CodeActionKind, ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import { APPLY_PARAMS_TITLE, OPTIMIZE_PROGRESS, type OptimizeParams, type OptimizeProgressParams, type OptimizeResult } from '../protocol.js';
import { paramsEdit } from '../service/params-edit.js';
import { checkStrategyTarget } from '../service/targets.js';
import { RunInputs } from './run-inputs.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

const METHODS = ['grid', 'random', 'tpe'] as const;
const WINDOWS = ['rolling', 'anchored'] as const;
/** An editor's sweep is a question asked while writing: past this, use `volt optimize` or a queue. */
export const MAX_EDITOR_TRIALS = 20_000;
const PROGRESS_EVERY_MS = 200;

function whole(name: string, v: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ResponseError(ErrorCodes.InvalidParams, `volt/optimize: ${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new ResponseError(ErrorCodes.InvalidParams, `volt/optimize: ${name} must be ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** The params a trader should take: the best out-of-sample fold's when walk-forward ran, else the best. */
export function paramsToApply(result: SweepResult): OptimizeResult['apply'] {
  let pick: { params: ParamSet; fold: number; score: number } | undefined;
  for (const f of result.walkForward?.folds ?? []) {
    const s = f.outOfSample.score;
    if (s === null || Object.keys(f.params).length === 0) continue;
    if (!pick || s > pick.score) pick = { params: f.params, fold: f.fold, score: s };
  }
  if (pick) return { params: pick.params, source: 'out-of-sample', fold: pick.fold };
  return result.best ? { params: result.best.params, source: 'in-sample' } : null;
}

export class OptimizeHandler {
  private readonly inputs: RunInputs;
  /** The last finished sweep of each document: what its code action applies. */
  private readonly last = new Map<string, { sweep: number; apply: NonNullable<OptimizeResult['apply']> }>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {
    this.inputs = new RunInputs(state);
  }

  async optimize(p: OptimizeParams, token?: CancellationToken): Promise<OptimizeResult> {
    if (typeof p !== 'object' || p === null || typeof p.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'volt/optimize expects { uri } of a *.strategy.ts file');
    const s = this.state;
    const config = this.features.settings.configInUse();
    const folders = [...s.folders, ...(config !== undefined ? [config.replace(/[/\\][^/\\]*$/, '')] : [])];
    const target = checkStrategyTarget('volt/optimize', p.uri, folders.length > 0 ? folders : [s.root], s.documents.get(p.uri) !== undefined);
    if (!target.ok) throw new ResponseError(ErrorCodes.InvalidParams, target.message);
    const trials = whole('trials', p.trials, 100, 1, MAX_EDITOR_TRIALS);
    const method = oneOf('method', p.method, METHODS, 'tpe');
    const objective = oneOf('objective', p.objective, OBJECTIVES, 'sharpe');
    const windows = oneOf('windows', p.windows, WINDOWS, 'rolling');
    const minTrades = whole('minTrades', p.minTrades, 30, 0);
    const folds = whole('folds', p.folds, 0, 0, 20);
    const seed = whole('seed', p.seed, 1, 0);
    const workers = whole('workers', p.workers, availableParallelism(), 1, 64);

    const file = uriToPath(p.uri);
    const failed = (message: string): ResponseError<void> => new ResponseError(LSPErrorCodes.RequestFailed, `volt/optimize: ${message}`);
    let bundle: TranspiledStrategy;
    try {
      bundle = await transpileStrategy(file);
    } catch (e) {
      throw failed(e instanceof Error ? e.message : String(e));
    }
    const market = this.inputs.marketOf({ uri: p.uri, ...(p.data !== undefined ? { data: p.data } : {}), ...(p.symbol !== undefined ? { symbol: p.symbol } : {}) }, bundle);
    const prepared = await this.inputs.prepare(market, { uri: p.uri, ...(p.from !== undefined ? { from: p.from } : {}), ...(p.to !== undefined ? { to: p.to } : {}) });
    if ('failure' in prepared) throw failed(prepared.failure.message);
    const { series, options } = prepared;
    if (series.length < 2) throw failed(`${market.spec} has ${series.length} bars in that range: nothing to optimise on`);
    const limits = { timeoutMs: s.config.backtest.timeoutMs, maxMemoryMb: s.config.backtest.maxMemoryMb };
    const facts = await this.facts(bundle, series, limits).catch((e: unknown) => {
      throw failed(e instanceof Error ? e.message : String(e));
    });
    let space;
    try {
      space = paramSpace(facts.params, bundle.path);
    } catch (e) {
      throw failed(isVoltError(e) ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : String(e));
    }
    if (space.dimensions.length === 0) throw failed(`${facts.name} declares no param with both min and max: there is nothing to search (give one a range, e.g. period: { value: 14, min: 5, max: 30 })`);
    const axes = p.axes ?? heatmapAxes(space)!;
    for (const a of axes) {
      if (a !== undefined && !space.dimensions.some((d) => d.name === a)) throw new ResponseError(ErrorCodes.InvalidParams, `volt/optimize: axes: '${a}' is not a searched param (searched: ${space.dimensions.map((d) => d.name).join(', ')})`);
    }

    const dataHash = seriesHash(series);
    const total = createSearch(method, space, trials, seed).total * (1 + folds) + folds;
    const journal = SweepJournal.open(s.journalPath());
    // The CLI's settings shape, so `volt optimize --resume ID` continues a sweep the editor began.
    const settings = { cwd: s.root, file, data: market.spec, ...(p.from !== undefined ? { from: Number(series.time[0]) } : {}), ...(p.to !== undefined ? { to: Number(series.time[series.length - 1]) + 1 } : {}), lenient: false, trials, method, objective, minTrades, folds, windows, seed, options: { ...options, seed: 1 } };
    const id = journal.start({
      strategyName: facts.name, strategyPath: bundle.path, contentHash: bundle.contentHash, dataSpec: market.spec, dataHash,
      symbol: series.symbol, timeframe: series.timeframe, dataFrom: series.time[0]!, dataTo: series.time[series.length - 1]!, bars: series.length,
      method, objective, minTrades, trials, folds, windows, seed, settings,
    });
    const controller = new AbortController();
    token?.onCancellationRequested(() => controller.abort());
    const pool = new LocalTrialPool({ workers, bundle, series, options: settings.options, ...limits, ...this.host() });
    // The heatmap needs only each whole-series trial's params and score, not its curves.
    const searched: { params: ParamSet; score: number | null }[] = [];
    let done = 0;
    let best: OptimizeProgressParams['best'];
    let sent = 0;
    const progress = (force: boolean): void => {
      const now = performance.now();
      if (!force && now - sent < PROGRESS_EVERY_MS) return;
      sent = now;
      const params: OptimizeProgressParams = { uri: p.uri, done, total, ...(p.token !== undefined ? { token: p.token } : {}), ...(best ? { best } : {}) };
      void s.connection.sendNotification(OPTIMIZE_PROGRESS, params);
    };
    progress(true);
    try {
      const result = await runSweep(
        { space, method, trials, objective, minTrades, seed, folds, windows, capital: options.capital! },
        series,
        pool,
        {
          signal: controller.signal,
          onTrial: (record) => {
            journal.recordTrial(id, record);
            done++;
            if (record.fold === 0 && record.role === 'search') {
              searched.push({ params: record.params, score: record.score });
              if (record.score !== null && (!best || record.score > best.score)) best = { params: record.params, score: record.score };
            }
            progress(false);
          },
        },
      );
      progress(true);
      const data = { spec: market.spec, hash: dataHash, symbol: series.symbol, timeframe: series.timeframe, from: series.time[0]!, to: series.time[series.length - 1]!, bars: series.length };
      const strategy = { name: facts.name, path: bundle.path, contentHash: bundle.contentHash };
      journal.finish(id, 'complete', { schemaVersion: 1, sweep: id, strategy, data, ...result, journal: s.journalPath() });
      const heatmap: Heatmap | null = heatmapOf(searched, space, axes[0], axes[1]);
      const apply = paramsToApply(result);
      if (apply) this.last.set(p.uri, { sweep: id, apply });
      return { uri: p.uri, sweep: id, strategy, data: { spec: data.spec, symbol: data.symbol, timeframe: data.timeframe, from: data.from, to: data.to, bars: data.bars, synthetic: series.source.startsWith('synthetic') }, result, heatmap, apply };
    } catch (e) {
      if (e instanceof SweepInterrupted || controller.signal.aborted) {
        journal.finish(id, 'interrupted', undefined, 'interrupted');
        throw new ResponseError(LSPErrorCodes.RequestCancelled, `volt/optimize: interrupted; ${done} of ${total} trials of sweep ${id} are in the journal (volt optimize --resume ${id} continues it)`);
      }
      const message = e instanceof SweepStopped ? e.failure.message : e instanceof Error ? e.message : String(e);
      journal.finish(id, 'failed', undefined, message);
      throw failed(message);
    } finally {
      await pool.dispose();
      journal.close();
    }
  }

  /** After a sweep, on the strategy's `params` block: set each param's default to the values found. */
  codeActions(params: CodeActionParams): CodeAction[] {
    const last = this.last.get(params.textDocument.uri);
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!last || !doc) return [];
    const only = params.context?.only;
    if (only && !only.some((k) => CodeActionKind.RefactorRewrite === k || CodeActionKind.RefactorRewrite.startsWith(`${k}.`))) return [];
    const edit = paramsEdit(doc.getText(), last.apply.params);
    if (!edit || edit.edits.length === 0 || edit.missing.length > 0) return [];
    const start = doc.offsetAt(params.range.start);
    const end = doc.offsetAt(params.range.end);
    if (end < edit.block.start || start > edit.block.end) return [];
    const values = Object.entries(last.apply.params).map(([k, v]) => `${k}=${v}`).join(' ');
    const where = last.apply.source === 'out-of-sample' ? `best out-of-sample, fold ${last.apply.fold}` : 'best in-sample: no walk-forward';
    return [{
      title: `${APPLY_PARAMS_TITLE} (sweep ${last.sweep}, ${where}): ${values}`,
      kind: CodeActionKind.RefactorRewrite,
      edit: { changes: { [doc.uri]: edit.edits.map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText })) } },
    }];
  }

  /** The sandbox host the sidecar was given (the VS Code extension bundles its own). */
  private host(): { hostFile?: URL } {
    const file = this.state.options.sandboxHostFile;
    return file ? { hostFile: file } : {};
  }

  /** The strategy's name and params, read by loading it in the sandbox on two bars. */
  private async facts(bundle: TranspiledStrategy, series: Parameters<typeof sliceSeries>[0], limits: { timeoutMs: number; maxMemoryMb: number }): Promise<StrategyFacts> {
    const runner = new StrategyRunner({ ...limits, spares: 0, ...this.host() });
    try {
      let facts: StrategyFacts | undefined;
      const probe = sliceSeries(series, series.time[0], series.time[1]! + 1);
      const outcome = await runner.sweep({ bundle, series: probe, trials: [{ params: {} }] }, { onTrial: () => {}, onLoaded: (f) => (facts = f) });
      if (outcome.status === 'failed') throw new Error(outcome.failure.message + (outcome.failure.line !== undefined ? ` (line ${outcome.failure.line})` : ''));
      if (!facts) throw new Error('the strategy loaded but did not say its params');
      return facts;
    } finally {
      await runner.dispose();
    }
  }
}
