/**
 * Backtests and the lens: on save, on a change on disk and on volt.backtest, the strategy is
 * bundled and run through the engine's sandboxed runner on the workspace's data; the result becomes
 * VOLT2xx findings, the code lens over `defineStrategy`, a volt/backtestStatus notification and a
 * journal entry.
 */
import { exportRunToVaultFile, isVoltError, recordBacktestRun, sliceSeries, StrategyRunner, transpileStrategy, type BacktestReport, type RunOutcome, type TranspiledStrategy } from '@volt/engine';
import type { CodeLens, CodeLensParams, WorkDoneProgressReporter } from 'vscode-languageserver';
import { Notifications, type BacktestParams, type BacktestStatusParams, type BacktestSummary, type SummaryDelta } from '../protocol.js';
import type { ServerFinding } from '../service/diagnostics.js';
import { failureFinding, reportFindings, strategyLens, summarize, summaryDelta, type LensState } from '../service/backtest.js';
import { SeriesCache } from '../service/series-cache.js';
import { placeOf, requireDocument, toEpochMs } from '../params.js';
import { isStrategyText, uriToPath, type DataFacts, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

/** Everything the server knows about one strategy's runs. */
interface RunState {
  lens: LensState;
  last?: BacktestSummary;
  /** What the critique model is told about the last run. */
  lastReport?: Pick<BacktestReport, 'metrics' | 'data'>;
  /** Stops the run in flight (a newer save supersedes it). */
  controller?: AbortController;
  /** contentHash + data of the run in flight or last finished, to skip a watcher's echo of a save. */
  key?: string;
  /** Counts run requests, so a slow bundle of an older save cannot overtake a newer one. */
  ticket: number;
}

export type RunResult =
  | { status: 'done'; summary: BacktestSummary; delta: SummaryDelta | null; findings: ServerFinding[]; result: Extract<RunOutcome, { status: 'done' }> }
  | { status: 'failed'; findings: ServerFinding[]; message: string }
  | { status: 'cancelled' }
  | { status: 'skipped' };

export interface RunRequest {
  why: 'save' | 'disk' | 'command';
  params?: BacktestParams;
  progress?: WorkDoneProgressReporter;
  signal?: AbortSignal;
}

export class RunsHandler {
  private runner: StrategyRunner | undefined;
  private readonly series = new SeriesCache();
  private readonly runs = new Map<string, RunState>();
  /** Runs started by volt.backtest, stopped by a newer edit of their file. */
  private readonly commandRuns = new Map<string, Set<AbortController>>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  configure(): void {
    this.runner?.configure(this.limits());
  }

  /** The last run of a strategy: its summary and what the critique is told. */
  lastOf(uri: string): { summary?: BacktestSummary; report?: Pick<BacktestReport, 'metrics' | 'data'> } {
    const r = this.runs.get(uri);
    return { ...(r?.last ? { summary: r.last } : {}), ...(r?.lastReport ? { report: r.lastReport } : {}) };
  }

  /** Loads the data (and starts a sandbox, so the first save does not wait for one). */
  async dataFacts(spec: string): Promise<DataFacts> {
    this.strategyRunner();
    const s = await this.series.get(spec, this.state.root);
    return { bars: s.length, symbol: s.symbol, timeframe: s.timeframe, source: s.source };
  }

  codeLens(params: CodeLensParams): CodeLens[] {
    requireDocument(params);
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!doc || !isStrategyText(doc.getText())) return [];
    const lens = this.runs.get(doc.uri)?.lens ?? { state: 'none' };
    return [strategyLens(doc.uri, doc.getText(), lens)];
  }

  /** On save, and when a file the strategy bundles changes on disk. */
  async backtestOnSave(uri: string, why: 'save' | 'disk'): Promise<RunResult> {
    const config = this.state.config;
    if (why === 'save' && config.onSave.critique && uri.startsWith('file:')) void this.features.critique.critique(uri);
    if (!config.onSave.backtest || !uri.startsWith('file:')) return { status: 'skipped' };
    if (!isStrategyText(this.state.documentText(uri))) return { status: 'skipped' };
    return this.backtest(uri, { why });
  }

  /** volt.backtest's runs: a newer edit of the file supersedes them. */
  async commandRun<T>(uri: string, controller: AbortController, work: () => Promise<T>): Promise<T> {
    let set = this.commandRuns.get(uri);
    if (!set) this.commandRuns.set(uri, (set = new Set()));
    set.add(controller);
    try {
      return await work();
    } finally {
      set.delete(controller);
    }
  }

  supersedeCommandRuns(uri: string): void {
    for (const controller of this.commandRuns.get(uri) ?? []) controller.abort('superseded');
  }

  forget(uri: string): void {
    this.runs.get(uri)?.controller?.abort('closed');
    this.runs.delete(uri);
  }

  async backtest(uri: string, run: RunRequest): Promise<RunResult> {
    const file = uriToPath(uri);
    const state = this.runState(uri);
    const custom = run.params !== undefined && (run.params.data !== undefined || run.params.from !== undefined || run.params.to !== undefined || run.params.symbol !== undefined);
    const data = run.params?.data ?? this.state.config.data.default;
    const ticket = custom ? 0 : ++state.ticket;
    let bundle: TranspiledStrategy;
    try {
      bundle = await transpileStrategy(file);
    } catch (e) {
      const failure = { kind: 'load' as const, message: e instanceof Error ? e.message : String(e), ...(isVoltError(e) ? placeOf(e) : {}) };
      const findings = [failureFinding(this.state.documentText(uri), file, failure)];
      if (!custom && ticket === state.ticket) {
        const controller = this.supersede(state);
        this.settle(uri, state, controller, { state: 'failed', message: failure.message }, findings);
      }
      return { status: 'failed', findings, message: failure.message };
    }
    if (run.signal?.aborted) return { status: 'cancelled' };
    // A newer save arrived while this one was bundling: that one runs, this one stops here.
    if (!custom && ticket !== state.ticket) return { status: 'cancelled' };
    this.features.watch.watchInputs(uri, bundle.inputs);

    // A watcher's echo of a save we are already running (or ran) changes nothing: keep that run.
    const key = `${bundle.contentHash}\0${data}`;
    if (run.why === 'disk' && state.key === key) return { status: 'skipped' };
    const controller = custom ? new AbortController() : this.supersede(state);
    run.signal?.addEventListener('abort', () => controller.abort(run.signal?.reason), { once: true });
    if (!custom) {
      state.key = key;
      state.lens = { state: 'running' };
      this.refreshLenses();
      this.notifyStatus({ uri, state: 'running' });
    }

    const outcome = await this.runStrategy(bundle, data, run.params, controller.signal, run.progress);
    const text = this.state.documentText(uri);
    if (outcome.status === 'cancelled') {
      if (!custom && state.controller === controller) {
        state.controller = undefined;
        state.key = undefined;
        this.notifyStatus({ uri, state: 'cancelled' });
      }
      return { status: 'cancelled' };
    }
    if (outcome.status === 'failed') {
      const findings = [failureFinding(text, file, outcome.failure)];
      const message = findings[0]!.message;
      if (!custom) this.settle(uri, state, controller, { state: 'failed', message }, findings);
      return { status: 'failed', findings, message };
    }
    const summary = summarize(outcome.report, data, outcome.durationMs, Date.now());
    const delta = summaryDelta(summary, custom ? undefined : state.last);
    const findings = reportFindings(text, outcome.report, { maxDrawdown: this.state.config.risk.maxDrawdown }, outcome.lookahead);
    if (!custom) {
      state.last = summary;
      state.lastReport = { metrics: outcome.report.metrics, data: outcome.report.data };
      this.settle(uri, state, controller, { state: 'done', summary, delta }, findings);
    }
    this.record(file, outcome.report, summary);
    return { status: 'done', summary, delta, findings, result: outcome };
  }

  async dispose(): Promise<void> {
    await this.runner?.dispose();
  }

  // ----------------------------------------------------------------------------------------------

  private limits() {
    return { timeoutMs: this.state.config.backtest.timeoutMs, maxMemoryMb: this.state.config.backtest.maxMemoryMb };
  }

  /** Strategy code runs through the engine's runner: a sandbox process per run, one kept waiting. */
  private strategyRunner(): StrategyRunner {
    this.runner ??= new StrategyRunner({
      ...this.limits(),
      concurrency: this.state.config.backtest.workers,
      ...(this.state.options.sandboxHostFile ? { hostFile: this.state.options.sandboxHostFile } : {}),
    });
    return this.runner;
  }

  private runState(uri: string): RunState {
    let s = this.runs.get(uri);
    if (!s) {
      s = { lens: { state: 'none' }, ticket: 0 };
      this.runs.set(uri, s);
    }
    return s;
  }

  /** The data for a run (the default data, or what volt.backtest asked for), then the run in a sandbox. */
  private async runStrategy(
    bundle: TranspiledStrategy,
    data: string,
    params: BacktestParams | undefined,
    signal: AbortSignal,
    progress: WorkDoneProgressReporter | undefined,
  ): Promise<RunOutcome> {
    const config = this.state.config;
    let series;
    try {
      series = await this.series.get(data, this.state.root);
      if (params?.symbol !== undefined) series = { ...series, symbol: params.symbol };
      const from = params?.from !== undefined ? toEpochMs(params.from, 'from') : undefined;
      const to = params?.to !== undefined ? toEpochMs(params.to, 'to') : undefined;
      if (from !== undefined || to !== undefined) series = sliceSeries(series, from, to === undefined ? undefined : to + 1);
    } catch (e) {
      return { status: 'failed', failure: { kind: 'data', message: e instanceof Error ? e.message : String(e), ...(isVoltError(e) ? placeOf(e) : {}) } };
    }
    if (signal.aborted) return { status: 'cancelled' };
    return this.strategyRunner().run(
      {
        bundle,
        series,
        options: {
          capital: config.backtest.capital,
          feeRate: config.backtest.feeRate,
          slippage: config.backtest.slippage,
          maxPositionCap: config.risk.maxPositionPct,
        },
        lookahead: true,
      },
      {
        signal,
        onProgress: (done, total) => progress?.report(Math.round((done / Math.max(total, 1)) * 100), `${done} / ${total} bars`),
      },
    );
  }

  /** A newer run of the same strategy stops the one in flight. */
  private supersede(state: RunState): AbortController {
    state.controller?.abort('superseded');
    const controller = new AbortController();
    state.controller = controller;
    return controller;
  }

  private settle(uri: string, state: RunState, controller: AbortController, lens: LensState, findings: ServerFinding[]): void {
    if (state.controller !== controller) return; // superseded meanwhile: the newer run reports
    state.controller = undefined;
    state.lens = lens;
    this.state.idle?.poke();
    this.state.setFindings(uri, 'backtest', findings);
    this.state.publish(uri);
    this.refreshLenses();
    if (lens.state === 'done') this.notifyStatus({ uri, state: 'done', summary: lens.summary, delta: lens.delta });
    else if (lens.state === 'failed') this.notifyStatus({ uri, state: 'failed', message: lens.message });
  }

  /** Every sidecar run goes into the workspace journal, off the path that refreshes the lens. */
  private record(file: string, report: BacktestReport, summary: BacktestSummary): void {
    setImmediate(() => {
      if (this.state.shuttingDown) return;
      try {
        const journalPath = this.state.journalPath();
        const runId = recordBacktestRun(journalPath, report, { strategyPath: file });
        summary.runId = runId;
        const vault = this.state.vault();
        if (vault) exportRunToVaultFile(journalPath, vault.path, runId);
      } catch (e) {
        this.state.log(`journal: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  private refreshLenses(): void {
    const s = this.state;
    if (s.canRefreshLens && !s.shuttingDown) void s.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private notifyStatus(params: BacktestStatusParams): void {
    if (!this.state.shuttingDown) void this.state.connection.sendNotification(Notifications.backtestStatus, params);
  }
}
