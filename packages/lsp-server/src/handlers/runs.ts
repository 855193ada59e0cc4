/**
 * Backtests and the lens: on save, on a change on disk and on volt.backtest, the strategy is
 * bundled and run through the engine's sandboxed runner on the workspace's data; the result becomes
 * VOLT2xx findings, the code lens over `defineStrategy`, a volt/backtestStatus notification and a
 * journal entry.
 */
import { existsSync } from 'node:fs';
import {
  exportRunToVaultFile,
  formatAgentSummary,
  formatLlmUse,
  isVoltError,
  recordBacktestRun,
  recordTrackRecords,
  replayJournalEvents,
  runMetaFor,
  startBacktestRecording,
  StrategyRunner,
  transpileStrategy,
  type BacktestReport,
  type RunOutcome,
  type TranspiledStrategy,
} from '@volt/engine';
import { TextDocumentSaveReason, type CodeLens, type CodeLensParams, type WorkDoneProgressReporter } from 'vscode-languageserver';
import { Notifications, type AgentsSummary, type LlmRunUse, type BacktestParams, type BacktestStatusParams, type BacktestSummary, type SummaryDelta, type SymbolsParams, type SymbolsResult } from '../protocol.js';
import type { ServerFinding } from '../service/diagnostics.js';
import { lastRunMarket, type LastRunMarket } from '../service/options-hover.js';
import { sessionLenses } from '../service/sessions.js';
import { failureFinding, reportFindings, strategyLens, summarize, summaryDelta, type LensState } from '../service/backtest.js';
import { RunInputs, type Prepared } from './run-inputs.js';
import { placeOf, requireDocument } from '../params.js';
import { isStrategyText, uriToPath, type DataFacts, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

/** Everything the server knows about one strategy's runs. */
interface RunState {
  lens: LensState;
  last?: BacktestSummary;
  /** What the critique model is told about the last run. */
  lastReport?: Pick<BacktestReport, 'metrics' | 'data'>;
  /** Where the last run left the market (its last close and realized vol), for hover over options legs. */
  lastMarket?: LastRunMarket;
  /** Stops the run in flight (a newer save supersedes it). */
  controller?: AbortController;
  /** contentHash + data of the run in flight or last finished, to skip a watcher's echo of a save. */
  key?: string;
  /** Counts run requests, so a slow bundle of an older save cannot overtake a newer one. */
  ticket: number;
  /** The text the last run was of: its VOLT2xx findings belong to that text only. */
  ranText?: string;
  /** The last finished run of each set of inputs asked for, returned again rather than re-run. */
  finished: Map<string, Extract<RunResult, { status: 'done' }>>;
}

export type RunResult =
  | {
      status: 'done'; summary: BacktestSummary; delta: SummaryDelta | null; findings: ServerFinding[]; result: Extract<RunOutcome, { status: 'done' }>;
      /** The run's journal id once recorded (just after the answer, off the lens's path); undefined when it could not be. */
      recorded: Promise<number | undefined>;
    }
  | { status: 'failed'; findings: ServerFinding[]; message: string }
  | { status: 'cancelled' }
  | { status: 'skipped' };

/** How long an auto-saved text must hold still before it is run. */
const AUTO_SAVE_QUIET_MS = 750;
/** A run asked for by command says it is still going this often, when no bars are reported. */
const STILL_RUNNING_EVERY_MS = 1000;

type RunAgents = NonNullable<Extract<RunOutcome, { status: 'done' }>['agents']>;

function agentsSummary(mode: AgentsSummary['mode'], s: NonNullable<RunAgents['summary']>, llm: RunAgents['llm']): AgentsSummary {
  // The LLM seats' lines (answers, tokens, the hindsight mark) as `volt backtest --agents ollama` prints them.
  return { mode, proposals: s.proposals, approved: s.approved, modified: s.modified, rejected: s.rejected, lines: [...formatAgentSummary(s), ...(llm ? formatLlmUse(llm) : [])] };
}

/** The hindsight guard's figures for the faces (protocol LlmRunUse). */
function llmRunUse(llm: NonNullable<RunAgents['llm']>): LlmRunUse {
  const t = llm.tokens;
  return { hindsight: llm.hindsight.message, tokens: { used: t.used, budget: t.budget, calls: llm.requests, cached: llm.cacheHits, exhausted: t.refused > 0 } };
}

export interface RunRequest {
  why: 'save' | 'disk' | 'command';
  params?: BacktestParams;
  progress?: WorkDoneProgressReporter;
  signal?: AbortSignal;
}

export class RunsHandler {
  private runner: StrategyRunner | undefined;
  readonly inputs: RunInputs;
  private readonly runs = new Map<string, RunState>();
  /** Runs started by volt.backtest, stopped by a newer edit of their file. */
  private readonly commandRuns = new Map<string, Set<AbortController>>();
  /** Documents whose coming save is an auto-save after a delay (willSave said so). */
  private readonly autoSaved = new Set<string>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {
    this.inputs = new RunInputs(state);
  }

  configure(): void {
    this.runner?.configure(this.limits());
    this.inputs.configure();
  }

  /**
   * The buffer changed: findings of a run belong to the text it ran on, so once the text is
   * another they are withdrawn (the lens keeps the last numbers until the next save).
   */
  textChanged(uri: string, text: string): void {
    const r = this.runs.get(uri);
    if (r?.ranText === undefined || r.ranText === text || this.state.findingsOf(uri, 'backtest').length === 0) return;
    this.state.setFindings(uri, 'backtest', []);
  }

  /** The open strategy's text is not what its last run was of (a checkout, a write by another program). */
  ranOtherText(uri: string, text: string): boolean {
    const r = this.runs.get(uri);
    return r?.ranText !== undefined && r.ranText !== text;
  }

  /** The last run of a strategy: its summary and what the critique is told. */
  lastOf(uri: string): { summary?: BacktestSummary; report?: Pick<BacktestReport, 'metrics' | 'data'> } {
    const r = this.runs.get(uri);
    return { ...(r?.last ? { summary: r.last } : {}), ...(r?.lastReport ? { report: r.lastReport } : {}) };
  }

  /** The market at the end of the strategy's last finished run; undefined before one. */
  lastMarketOf(uri: string): LastRunMarket | undefined {
    return this.runs.get(uri)?.lastMarket;
  }

  /** Loads the data (and starts a sandbox, so the first save does not wait for one). */
  async dataFacts(spec: string): Promise<DataFacts> {
    this.strategyRunner();
    return this.inputs.dataFacts(spec);
  }

  symbols(params: SymbolsParams): SymbolsResult {
    return this.inputs.symbols(params);
  }

  codeLens(params: CodeLensParams): CodeLens[] {
    requireDocument(params);
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!doc || !isStrategyText(doc.getText())) return [];
    const lens = this.runs.get(doc.uri)?.lens ?? { state: 'none' };
    const backtest = strategyLens(doc.uri, doc.getText(), lens);
    // Only a journal that exists: looking at a strategy creates none.
    const journal = doc.uri.startsWith('file:') && existsSync(this.state.journalPath()) ? this.state.journalCache() : undefined;
    return [backtest, ...(journal ? sessionLenses(journal, uriToPath(doc.uri), backtest.range) : [])];
  }

  /** textDocument/willSave: remembers whether the coming save is the editor's auto-save after a delay. */
  willSave(uri: string, reason: TextDocumentSaveReason): void {
    if (reason === TextDocumentSaveReason.AfterDelay) this.autoSaved.add(uri);
    else this.autoSaved.delete(uri);
  }

  /** On save, and when a file the strategy bundles changes on disk. */
  async backtestOnSave(uri: string, why: 'save' | 'disk'): Promise<RunResult> {
    const config = this.state.config;
    const auto = why === 'save' && this.autoSaved.delete(uri);
    if (auto && !(await this.settledAndTypeChecks(uri))) return { status: 'skipped' };
    if (why === 'save' && config.onSave.critique && uri.startsWith('file:')) void this.features.critique.critiqueOnSave(uri);
    if (!config.onSave.backtest || !uri.startsWith('file:')) return { status: 'skipped' };
    if (!isStrategyText(this.state.documentText(uri))) return { status: 'skipped' };
    return this.backtest(uri, { why });
  }

  /**
   * An auto-save's text is run once it has held still (no edit for AUTO_SAVE_QUIET_MS) and has no
   * error-level finding: the next auto-save, or a save by hand, runs what was typed after.
   */
  private async settledAndTypeChecks(uri: string): Promise<boolean> {
    const before = this.state.documents.get(uri);
    if (!before) return true;
    const version = before.version;
    await new Promise((r) => setTimeout(r, AUTO_SAVE_QUIET_MS));
    const doc = this.state.documents.get(uri);
    if (!doc || doc.version !== version) return false;
    const { findings } = await this.features.documents.analyze(doc);
    return !findings.some((f) => f.severity === 'error');
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
    const market = this.inputs.marketOf(run.params, bundle);
    const data = market.spec;
    this.features.watch.watchInputs(uri, bundle.inputs);

    // A watcher's echo of a save we are already running (or ran) changes nothing: keep that run.
    const key = `${bundle.contentHash}\0${data}`;
    if (run.why === 'disk' && state.key === key) return { status: 'skipped' };
    // Showing a report (a lens click, Show Backtest Report) is not running: the same inputs gave
    // this result, byte for byte, so it is returned and nothing new is recorded.
    const asked = `${key}\0${run.params?.symbol ?? ''}\0${run.params?.from ?? ''}\0${run.params?.to ?? ''}`;
    const known = state.finished.get(asked);
    if (run.why === 'command' && run.params?.rerun !== true && known) return known;
    const ranText = this.state.documentText(uri);
    const controller = custom ? new AbortController() : this.supersede(state);
    run.signal?.addEventListener('abort', () => controller.abort(run.signal?.reason), { once: true });
    if (!custom) {
      state.key = key;
      state.lens = { state: 'running' };
      this.refreshLenses();
      this.notifyStatus({ uri, state: 'running' });
    }

    const prepared = await this.inputs.prepare(market, run.params);
    const outcome = 'failure' in prepared
      ? ({ status: 'failed', failure: prepared.failure } as const)
      : controller.signal.aborted
        ? ({ status: 'cancelled' } as const)
        : await this.runStrategy(bundle, prepared, controller.signal, run.progress);
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
      if (!custom) {
        state.ranText = ranText;
        this.settle(uri, state, controller, { state: 'failed', message }, findings);
      }
      return { status: 'failed', findings, message };
    }
    const summary = summarize(outcome.report, data, outcome.durationMs, Date.now());
    if (outcome.agents?.summary) summary.agents = agentsSummary(this.state.config.agents.mode as AgentsSummary['mode'], outcome.agents.summary, outcome.agents.llm);
    if (outcome.agents?.llm) summary.llm = llmRunUse(outcome.agents.llm);
    if (outcome.report.data.source.startsWith('synthetic:')) summary.synthetic = true;
    if (market.note) summary.dataNote = market.note;
    const delta = summaryDelta(summary, custom ? undefined : state.last);
    const findings = reportFindings(text, outcome.report, { maxDrawdown: this.state.config.risk.maxDrawdown }, outcome.lookahead);
    if (!custom) {
      state.last = summary;
      state.lastReport = { metrics: outcome.report.metrics, data: outcome.report.data };
      if (!('failure' in prepared)) {
        const m = lastRunMarket(prepared.series, outcome.report.options);
        if (m) state.lastMarket = m;
      }
      state.ranText = ranText;
      this.settle(uri, state, controller, { state: 'done', summary, delta }, findings);
    }
    const recorded = 'failure' in prepared ? Promise.resolve(undefined) : this.record(file, outcome, prepared, summary);
    const result = { status: 'done' as const, summary, delta, findings, result: outcome, recorded };
    // Only the latest content's results are worth keeping.
    for (const k of state.finished.keys()) if (!k.startsWith(`${bundle.contentHash}\0`)) state.finished.delete(k);
    if (state.finished.size >= 8) state.finished.delete(state.finished.keys().next().value as string);
    state.finished.set(asked, result);
    return result;
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
      s = { lens: { state: 'none' }, ticket: 0, finished: new Map() };
      this.runs.set(uri, s);
    }
    return s;
  }

  /** The run in a sandbox; a run asked for by command says how long it has been going. */
  private async runStrategy(bundle: TranspiledStrategy, prepared: Prepared, signal: AbortSignal, progress: WorkDoneProgressReporter | undefined): Promise<RunOutcome> {
    const started = Date.now();
    let bars = '';
    let percent = 0;
    const still = progress
      ? setInterval(() => {
          const limit = Math.round(this.state.config.backtest.timeoutMs / 1000);
          progress.report(percent, `${bars ? `${bars}, ` : ''}still running, ${Math.round((Date.now() - started) / 1000)} s (limit ${limit} s)`);
        }, STILL_RUNNING_EVERY_MS)
      : undefined;
    try {
      return await this.strategyRunner().run(
        { bundle, series: prepared.series, options: prepared.options, lookahead: true, ...(prepared.agents ? { agents: prepared.agents } : {}) },
        {
          signal,
          onProgress: (done, total) => {
            percent = Math.round((done / Math.max(total, 1)) * 100);
            bars = `${done} / ${total} bars`;
            progress?.report(percent, bars);
          },
        },
      );
    } finally {
      clearInterval(still);
    }
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
  private record(file: string, outcome: Extract<RunOutcome, { status: 'done' }>, prepared: Prepared, summary: BacktestSummary): Promise<number | undefined> {
    return new Promise((resolve) => setImmediate(() => {
      if (this.state.shuttingDown) return resolve(undefined);
      try {
        const journalPath = this.state.journalPath();
        let runId: number;
        if (outcome.agents) {
          // With the panel: its decisions, votes and messages too, as `volt backtest --agents` records them.
          const meta = { ...runMetaFor({ definition: outcome.strategy, path: file, contentHash: outcome.strategy.contentHash }, prepared.series, prepared.options), agentsMode: this.state.config.agents.mode };
          const recording = startBacktestRecording(journalPath, meta);
          replayJournalEvents(recording.observer, outcome.report, outcome.agents.events);
          // The panel's judgements join the market's track records, as after `volt backtest --agents`.
          recordTrackRecords(recording.journal, prepared.series.symbol, outcome.agents.summary?.trackRecord);
          runId = recording.finish(outcome.report);
        } else {
          runId = recordBacktestRun(journalPath, outcome.report, { strategyPath: file });
        }
        summary.runId = runId;
        const vault = this.state.vault();
        if (vault) exportRunToVaultFile(journalPath, vault.path, runId);
      } catch (e) {
        this.state.log(`journal: ${e instanceof Error ? e.message : String(e)}`);
      }
      // Answered before the bus is told: nothing the bus does may hold up (or lose) the answer.
      resolve(typeof summary.runId === 'number' ? summary.runId : undefined);
      void this.features.bus.publishRun(outcome.report, outcome.agents?.events);
    }));
  }

  private refreshLenses(): void {
    const s = this.state;
    if (s.canRefreshLens && !s.shuttingDown) void s.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private notifyStatus(params: BacktestStatusParams): void {
    if (!this.state.shuttingDown) void this.state.connection.sendNotification(Notifications.backtestStatus, params);
  }
}
