/**
 * The sidecar: binds LSP requests to the service layer (findings → diagnostics, code actions, code
 * lens) and to the backtest worker pool. Strategy code never runs on this thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watch, type FSWatcher } from 'chokidar';
import {
  analyzeStrategySource,
  CONFIG_FILE,
  defaultConfig,
  recordBacktestRun,
  journalPathFor,
  StrategyTypeChecker,
  transpileStrategy,
  isVoltError,
  parseDateOnly,
  parseTimestamp,
  agentStatus,
  critiqueStrategy,
  OllamaGateway,
  exportRunToVaultFile,
  Journal,
  runNotePath,
  tradeNotePath,
  type AnalysisConfig,
  type BacktestReport,
  type Finding,
  type JournalFilter,
  type TranspiledStrategy,
  type VoltConfig,
} from '@volt/engine';
import {
  CodeActionKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type ExecuteCommandParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressReporter,
  ExecuteCommandRequest,
  WorkDoneProgress,
  type ProgressToken,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ALL_COMMANDS,
  Commands,
  CONFIGURATION_SECTION,
  Notifications,
  type AgentStatusResult,
  type JournalParams,
  type JournalResult,
  type CritiqueStatus,
  type AnalyzeParams,
  type AnalyzeResult,
  type BacktestParams,
  type BacktestResult,
  type BacktestStatusParams,
  type BacktestSummary,
  type SummaryDelta,
  type VoltSettings,
} from './protocol.js';
import { codeActionsFor, fromEngineFinding, toDiagnostic, toVoltFinding, type ServerFinding } from './service/diagnostics.js';
import {
  failureFinding,
  lineRange,
  reportFindings,
  strategyLens,
  summarize,
  summaryDelta,
  type LensState,
} from './service/backtest.js';
import { hoverAt } from './service/hover.js';
import {
  configDiagnostics,
  configTextDiagnostics,
  formatProblem,
  isConfigFile,
  configOfStrategy,
  layerSettings,
  readWorkspaceConfig,
  type WorkspaceConfig,
} from './service/config-file.js';
import { checkStrategyTarget } from './service/targets.js';
import { journalResult, type NotePaths } from './service/journal.js';
import { BacktestPool, type RunOutcome } from './worker/pool.js';
import { IdleCollector, keepYoungGenerationsSmall } from './idle-gc.js';
import { AnalysisThread } from './worker/analysis.js';
import type { DataFacts } from './worker/messages.js';

export interface VoltServerOptions {
  /** The backtest worker module; default dist/worker/backtest-worker.js beside this file. */
  workerFile?: URL;
  /** The analysis worker module; default analysis-worker.js beside the backtest worker. When it
   * does not exist the analysis runs on the server's thread instead. */
  analysisWorkerFile?: URL;
  /** Logs to the client's output through window/logMessage when true (default true). */
  log?: boolean;
  /** Collect garbage this long after the last edit or run (default 1000 ms; 0 turns it off). */
  idleGcMs?: number;
}

/** The built worker, wherever this module runs from (dist, or src under the test runner). */
function defaultWorkerFile(): URL {
  const here = new URL('./worker/backtest-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../dist/worker/backtest-worker.js', import.meta.url);
}

/** Runs the static analysis on its thread when the worker module is there, else on this one. */
interface Analyzer {
  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]>;
  hover(text: string, offset: number, bars: number | undefined): Promise<Hover | null>;
  forget(fileName: string): void;
  dispose(): Promise<void>;
}

class InThreadAnalyzer implements Analyzer {
  private readonly checker = new StrategyTypeChecker();
  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]> {
    try {
      return Promise.resolve(analyzeStrategySource(text, fileName, config, this.checker));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
  hover(text: string, offset: number, bars: number | undefined): Promise<Hover | null> {
    return Promise.resolve(hoverAt(text, offset, bars));
  }
  forget(fileName: string): void {
    this.checker.forget(fileName);
  }
  async dispose(): Promise<void> {}
}

interface StaticState {
  version: number;
  findings: ServerFinding[];
}

/** Everything the server knows about one strategy's runs. */
interface RunState {
  lens: LensState;
  findings: ServerFinding[];
  last?: BacktestSummary;
  /** What the critique model is told about the last run. */
  lastReport?: Pick<BacktestReport, 'metrics' | 'data'>;
  /** Stops the run in flight (a newer save supersedes it). */
  controller?: AbortController;
  /** contentHash + data of the run in flight or last finished, to skip a watcher's echo of a save. */
  key?: string;
  inputs: string[];
  /** Counts run requests, so a slow bundle of an older save cannot overtake a newer one. */
  ticket: number;
}

type ServerOutcome =
  | { status: 'done'; summary: BacktestSummary; delta: SummaryDelta | null; findings: ServerFinding[]; result: Extract<RunOutcome, { status: 'done' }> }
  | { status: 'failed'; findings: ServerFinding[]; message: string }
  | { status: 'cancelled' }
  | { status: 'skipped' };

export class VoltServer {
  readonly documents = new TextDocuments(TextDocument);
  private root = process.cwd();
  /** Every workspace folder: the commands act on strategies inside one of them. */
  private folders: string[] = [];
  /** The volt.config.json at or above the root (when there is one), its settings and problems. */
  private fileConfig: WorkspaceConfig = { file: undefined, config: defaultConfig(), problems: [] };
  /** Where the config is looked for: the root, or the folder of one a strategy brought in. */
  private configStart: string | undefined;
  /** Why the Ollama host setting cannot be used (file or editor settings), for the critique's reason. */
  private hostProblem: string | undefined;
  private initSettings: unknown = {};
  private clientSettings: unknown = {};
  private config: VoltConfig = defaultConfig();
  private canAskConfiguration = false;
  private canRefreshLens = false;
  private canCreateProgress = false;
  private analyzer: Analyzer | undefined;
  /** Analyses requested and not yet answered, per document (one per version at most). */
  private readonly inflight = new Map<string, { version: number; promise: Promise<StaticState> }>();
  private readonly statics = new Map<string, StaticState>();
  private readonly runs = new Map<string, RunState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly diskTimers = new Map<string, NodeJS.Timeout>();
  /** VOLT3xx findings of the last LLM critique per document, and the critique in flight. */
  private readonly critiques = new Map<string, ServerFinding[]>();
  private readonly critiqueRuns = new Map<string, AbortController>();
  private gateway: OllamaGateway | undefined;
  private llmCache: Journal | undefined;
  /** Runs started by volt.backtest, stopped by a newer edit of their file. */
  private readonly commandRuns = new Map<string, Set<AbortController>>();
  private pool: BacktestPool | undefined;
  private watcher: FSWatcher | undefined;
  /** Watched file → URIs of the strategies that bundle it. */
  private readonly dependents = new Map<string, Set<string>>();
  private dataFacts: { spec: string; facts: DataFacts } | undefined;
  private shuttingDown = false;
  private readonly idle: IdleCollector | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly options: VoltServerOptions = {},
  ) {
    keepYoungGenerationsSmall();
    const quiet = options.idleGcMs ?? 1000;
    this.idle = quiet > 0 ? new IdleCollector(quiet) : undefined;
  }

  /** Registers every handler and starts reading the connection. */
  listen(): void {
    const c = this.connection;
    // After `shutdown` every request is an InvalidRequest (LSP spec); only `exit` is expected.
    const open = <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A): R => {
      if (this.shuttingDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only the exit notification is accepted now');
      return handler(...args);
    };
    c.onInitialize(this.initialize.bind(this));
    c.onInitialized(this.initialized.bind(this));
    c.onDidChangeConfiguration(() => void this.reloadSettings());
    c.onCodeAction(open(this.codeAction.bind(this)));
    c.onCodeLens(open(this.codeLens.bind(this)));
    c.onHover(open(this.hover.bind(this)));
    // Registered as a plain request so the client's workDoneToken stays visible to us.
    c.onRequest(ExecuteCommandRequest.type, open((params: ExecuteCommandParams, token: CancellationToken) => this.executeCommand(params, token)));
    c.onShutdown(open(this.shutdown.bind(this)));
    // An open volt.config.json is checked as it is typed, and applied when saved.
    this.documents.onDidChangeContent((e) => (isConfigUri(e.document.uri) ? this.configEdited(e.document) : this.changed(e.document)));
    this.documents.onDidSave((e) => (isConfigUri(e.document.uri) ? this.configSaved() : void this.backtestOnSave(e.document.uri, 'save')));
    this.documents.onDidClose((e) => (isConfigUri(e.document.uri) ? this.configClosed(e.document.uri) : this.closed(e.document.uri)));
    this.documents.onDidOpen((e) => this.configOfOpened(e.document.uri));
    this.documents.listen(c);
    // A bug in some background path (a run, a watcher, a critique) must cost that result, not the
    // sidecar: every editor talking to it would lose diagnostics at once.
    process.on('unhandledRejection', (e) => this.log(`unexpected: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    c.listen();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle and settings

  initialize(params: InitializeParams): InitializeResult {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder) this.root = uriToPath(folder);
    else if (params.rootPath) this.root = params.rootPath;
    this.folders = [this.root, ...(params.workspaceFolders ?? []).map((f) => uriToPath(f.uri))];
    const caps = params.capabilities;
    this.canAskConfiguration = caps.workspace?.configuration === true;
    this.canRefreshLens = caps.workspace?.codeLens?.refreshSupport === true;
    this.canCreateProgress = caps.window?.workDoneProgress === true;
    const init = params.initializationOptions as { volt?: unknown } | undefined;
    this.initSettings = init?.[CONFIGURATION_SECTION] ?? {};
    this.loadFileConfig();
    this.applyConfig();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [...ALL_COMMANDS] },
      },
      serverInfo: { name: 'volt-lsp', version: '0.1.0' },
    };
  }

  private async initialized(): Promise<void> {
    this.publishConfigDiagnostics();
    await this.reloadSettings();
    this.watchConfigFile();
  }

  /** volt.config.json as saved; the first error is also shown, since the file may not be open. */
  private loadFileConfig(): void {
    this.fileConfig = readWorkspaceConfig(this.configStart ?? this.root);
    const error = this.fileConfig.problems.find((p) => p.severity === 'error');
    if (error) this.connection.window.showErrorMessage(`${formatProblem(error)} (the default is used for it)`);
  }

  /** The problems of the volt.config.json in use: of its open buffer, else of the file. */
  private publishConfigDiagnostics(): void {
    const file = this.fileConfig.file;
    if (file === undefined || this.shuttingDown) return;
    const uri = pathToFileURL(file).href;
    const open = this.documents.get(uri);
    if (open) return this.configEdited(open);
    const text = readText(file);
    if (text !== undefined) void this.connection.sendDiagnostics({ uri, diagnostics: configDiagnostics(text, this.fileConfig.problems) });
  }

  /** Any open volt.config.json (the one in use or another) is checked as it is typed. */
  private configEdited(doc: TextDocument): void {
    if (!this.shuttingDown) void this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: configTextDiagnostics(doc.getText(), uriToPath(doc.uri)) });
  }

  private configClosed(uri: string): void {
    if (this.fileConfig.file !== undefined && uri === pathToFileURL(this.fileConfig.file).href) this.publishConfigDiagnostics();
    else void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** A strategy opened below a root without a config may bring its own in (see configOfStrategy). */
  private configOfOpened(uri: string): void {
    if (!uri.startsWith('file:') || isConfigUri(uri)) return;
    const found = configOfStrategy(this.fileConfig.file, uriToPath(uri), this.root);
    if (found === undefined) return;
    if ('differs' in found) {
      this.log(`${uriToPath(uri)} has its own ${found.differs}; this sidecar uses ${this.fileConfig.file}: open that folder as a workspace of its own for its settings`);
      return;
    }
    this.configStart = path.dirname(found.adopt);
    this.loadFileConfig();
    this.publishConfigDiagnostics();
    this.watchConfigFile();
    void this.reloadSettings();
  }

  private configSaved(): void {
    this.loadFileConfig();
    this.publishConfigDiagnostics();
    void this.reloadSettings();
  }

  /** volt.config.json, then initializationOptions.volt, then the client's `volt` settings. */
  private applyConfig(): void {
    const layered = layerSettings(this.fileConfig, this.initSettings, this.clientSettings);
    this.config = layered.config;
    this.hostProblem = layered.hostProblem;
    for (const e of layered.errors) this.connection.window.showErrorMessage(`${e.message}: ${e.hint}`);
    for (const w of layered.warnings) this.log(`${w.message}; ${w.hint}`);
    this.pool?.configure(this.poolLimits());
    this.gateway = undefined; // host, timeout or model may have changed
    // Findings are cached per document version; a new cap or data set must re-lint unchanged text too.
    this.statics.clear();
    this.inflight.clear();
  }

  private async reloadSettings(): Promise<void> {
    if (this.canAskConfiguration) {
      try {
        const [settings] = (await this.connection.workspace.getConfiguration([{ section: CONFIGURATION_SECTION, scopeUri: pathToFileURL(this.root).href }])) as [VoltSettings | null];
        this.clientSettings = settings ?? {};
      } catch {
        this.clientSettings = {};
      }
    }
    this.applyConfig();
    await this.refreshDataFacts();
    // The data's bar count (VOLT107) may have changed while it loaded: recompute every open document's.
    this.statics.clear();
    this.inflight.clear();
    for (const doc of this.documents.all()) this.analyzeAndPublish(doc);
  }

  private watchConfigFile(): void {
    // The file in use, else where one would be created at the root.
    const file = path.resolve(this.fileConfig.file ?? path.join(this.root, CONFIG_FILE));
    this.ensureWatcher().add(file);
    this.dependents.set(file, new Set());
  }

  private poolLimits() {
    return { size: this.config.backtest.workers, timeoutMs: this.config.backtest.timeoutMs, maxMemoryMb: this.config.backtest.maxMemoryMb };
  }

  private backtestPool(): BacktestPool {
    this.pool ??= new BacktestPool({ ...this.poolLimits(), workerFile: this.options.workerFile ?? defaultWorkerFile() });
    return this.pool;
  }

  /** Bars in the default data (VOLT107 judges warm-up against it); loading it also warms a worker. */
  private async refreshDataFacts(): Promise<void> {
    const spec = this.config.data.default;
    if (this.dataFacts?.spec === spec) return;
    try {
      const facts = await this.backtestPool().probe({ data: spec, cwd: this.root });
      this.dataFacts = { spec, facts };
    } catch (e) {
      this.dataFacts = undefined;
      this.log(`data ${spec}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.idle?.dispose();
    for (const t of this.timers.values()) clearTimeout(t);
    for (const t of this.diskTimers.values()) clearTimeout(t);
    for (const c of this.critiqueRuns.values()) c.abort('shutdown');
    await this.watcher?.close();
    await this.pool?.dispose();
    await this.analyzer?.dispose();
    this.llmCache?.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Static analysis, debounced per document

  private changed(doc: TextDocument): void {
    // Runs asked for by command are of the text being replaced: a newer edit supersedes them.
    for (const controller of this.commandRuns.get(doc.uri) ?? []) controller.abort('superseded');
    this.critiqueRuns.get(doc.uri)?.abort('superseded');
    const previous = this.timers.get(doc.uri);
    if (previous) clearTimeout(previous);
    const delay = this.config.lint.debounceMs;
    this.timers.set(doc.uri, setTimeout(() => {
      this.timers.delete(doc.uri);
      const current = this.documents.get(doc.uri);
      if (current) this.analyzeAndPublish(current);
    }, delay));
  }

  private analysisConfig() {
    const cfg: { maxPositionCap: number; bars?: number; dataLabel?: string } = { maxPositionCap: this.config.lint.maxPositionCap };
    if (this.dataFacts) {
      cfg.bars = this.dataFacts.facts.bars;
      cfg.dataLabel = this.dataFacts.spec;
    }
    return cfg;
  }

  private staticAnalyzer(): Analyzer {
    if (!this.analyzer) {
      const file = this.options.analysisWorkerFile ?? new URL('./analysis-worker.js', this.options.workerFile ?? defaultWorkerFile());
      this.analyzer = existsSync(fileURLToPath(file)) ? new AnalysisThread({ workerFile: file }) : new InThreadAnalyzer();
    }
    return this.analyzer;
  }

  /** Static findings of the document's current text; cached per version, one request per version. */
  private analyze(doc: TextDocument): Promise<StaticState> {
    const uri = doc.uri;
    const version = doc.version;
    const cached = this.statics.get(uri);
    if (cached && cached.version === version) return Promise.resolve(cached);
    const running = this.inflight.get(uri);
    if (running && running.version === version) return running.promise;
    const promise = this.staticAnalyzer()
      .analyze(uriToPath(uri), doc.getText(), this.analysisConfig())
      .then(
        (findings) => findings.map(fromEngineFinding),
        (e: unknown) => {
          // An analyser failure must not take the server down: log it, publish what else we know.
          this.log(`analysis of ${uri} failed: ${e instanceof Error ? e.message : String(e)}`);
          return [] as ServerFinding[];
        },
      )
      .then((findings) => {
        const state = { version, findings };
        const current = this.statics.get(uri);
        if (this.documents.get(uri) && (!current || current.version <= version)) this.statics.set(uri, state);
        if (this.inflight.get(uri)?.promise === promise) this.inflight.delete(uri);
        this.idle?.poke();
        return state;
      });
    this.inflight.set(uri, { version, promise });
    return promise;
  }

  private analyzeAndPublish(doc: TextDocument): void {
    void this.analyze(doc).then(() => this.publish(doc.uri));
  }

  private publish(uri: string): void {
    if (this.shuttingDown) return;
    const doc = this.documents.get(uri);
    const state = doc ? this.statics.get(uri) : undefined;
    // Diagnostics carry the version their static findings were computed on.
    const version = doc ? (state?.version ?? doc.version) : null;
    const statics = state?.findings ?? [];
    const runs = this.runs.get(uri)?.findings ?? [];
    const critique = this.critiques.get(uri) ?? [];
    const diagnostics = [...statics, ...runs, ...critique].map((f) => toDiagnostic(f, version));
    void this.connection.sendDiagnostics(version === null ? { uri, diagnostics } : { uri, version, diagnostics });
  }

  private closed(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
    this.statics.delete(uri);
    this.critiques.delete(uri);
    this.critiqueRuns.get(uri)?.abort('closed');
    const run = this.runs.get(uri);
    run?.controller?.abort('closed');
    this.runs.delete(uri);
    this.unwatchFor(uri);
    this.inflight.delete(uri);
    this.analyzer?.forget(uriToPath(uri));
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  // ---------------------------------------------------------------------------------------------
  // Code actions, code lens, hover

  private async codeAction(params: CodeActionParams): Promise<CodeAction[]> {
    requireDocument(params);
    if (!params.range || !params.context) throw new ResponseError(ErrorCodes.InvalidParams, 'codeAction needs range and context');
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || isConfigUri(doc.uri)) return [];
    const { findings } = await this.analyze(doc);
    const all = [...findings, ...(this.critiques.get(doc.uri) ?? [])];
    return codeActionsFor(doc.uri, all, params.range, params.context.diagnostics, doc.version);
  }

  private codeLens(params: CodeLensParams): CodeLens[] {
    requireDocument(params);
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !isStrategyText(doc.getText())) return [];
    const lens = this.runs.get(doc.uri)?.lens ?? { state: 'none' };
    return [strategyLens(doc.uri, doc.getText(), lens)];
  }

  private async hover(params: HoverParams): Promise<Hover | null> {
    requireDocument(params);
    if (typeof params.position?.line !== 'number') throw new ResponseError(ErrorCodes.InvalidParams, 'hover needs a position');
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || isConfigUri(doc.uri)) return null;
    return this.staticAnalyzer().hover(doc.getText(), doc.offsetAt(params.position), this.dataFacts?.facts.bars);
  }

  // ---------------------------------------------------------------------------------------------
  // Backtests

  private runState(uri: string): RunState {
    let s = this.runs.get(uri);
    if (!s) {
      s = { lens: { state: 'none' }, findings: [], inputs: [], ticket: 0 };
      this.runs.set(uri, s);
    }
    return s;
  }

  private documentText(uri: string): string {
    const doc = this.documents.get(uri);
    if (doc) return doc.getText();
    try {
      return readFileSync(uriToPath(uri), 'utf8');
    } catch {
      return '';
    }
  }

  /** On save, and when a file the strategy bundles changes on disk. */
  async backtestOnSave(uri: string, why: 'save' | 'disk'): Promise<ServerOutcome> {
    if (why === 'save' && this.config.onSave.critique && uri.startsWith('file:')) void this.critique(uri);
    if (!this.config.onSave.backtest || !uri.startsWith('file:')) return { status: 'skipped' };
    if (!isStrategyText(this.documentText(uri))) return { status: 'skipped' };
    return this.backtest(uri, { why });
  }

  private async backtest(
    uri: string,
    run: { why: 'save' | 'disk' | 'command'; params?: BacktestParams; progress?: WorkDoneProgressReporter; signal?: AbortSignal },
  ): Promise<ServerOutcome> {
    const file = uriToPath(uri);
    const state = this.runState(uri);
    const custom = run.params !== undefined && (run.params.data !== undefined || run.params.from !== undefined || run.params.to !== undefined || run.params.symbol !== undefined);
    const data = run.params?.data ?? this.config.data.default;
    const ticket = custom ? 0 : ++state.ticket;
    let bundle: TranspiledStrategy;
    try {
      bundle = await transpileStrategy(file);
    } catch (e) {
      const failure = { kind: 'load' as const, message: e instanceof Error ? e.message : String(e), ...(isVoltError(e) ? pick(e) : {}) };
      const findings = [failureFinding(this.documentText(uri), file, failure)];
      if (!custom && ticket === state.ticket) {
        const controller = this.supersede(state);
        this.settle(uri, state, controller, { state: 'failed', message: failure.message }, findings);
      }
      return { status: 'failed', findings, message: failure.message };
    }
    if (run.signal?.aborted) return { status: 'cancelled' };
    // A newer save arrived while this one was bundling: that one runs, this one stops here.
    if (!custom && ticket !== state.ticket) return { status: 'cancelled' };
    this.watchInputs(uri, bundle.inputs);

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

    const request = {
      bundle,
      data,
      cwd: this.root,
      options: {
        capital: this.config.backtest.capital,
        feeRate: this.config.backtest.feeRate,
        slippage: this.config.backtest.slippage,
        maxPositionCap: this.config.risk.maxPositionPct,
      },
      lookahead: true,
      ...(run.params?.symbol !== undefined ? { symbol: run.params.symbol } : {}),
      ...(run.params?.from !== undefined ? { from: toEpochMs(run.params.from, 'from') } : {}),
      ...(run.params?.to !== undefined ? { to: toEpochMs(run.params.to, 'to') } : {}),
    };
    const outcome = await this.backtestPool().run(request, {
      signal: controller.signal,
      onProgress: (done, total) => run.progress?.report(Math.round((done / Math.max(total, 1)) * 100), `${done} / ${total} bars`),
    });
    const text = this.documentText(uri);
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
    const findings = reportFindings(text, outcome.report, { maxDrawdown: this.config.risk.maxDrawdown }, outcome.lookahead);
    if (!custom) {
      state.last = summary;
      state.lastReport = { metrics: outcome.report.metrics, data: outcome.report.data };
      this.settle(uri, state, controller, { state: 'done', summary, delta }, findings);
    }
    this.record(file, outcome.report, summary);
    return { status: 'done', summary, delta, findings, result: outcome };
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
    this.idle?.poke();
    state.findings = findings;
    this.publish(uri);
    this.refreshLenses();
    if (lens.state === 'done') this.notifyStatus({ uri, state: 'done', summary: lens.summary, delta: lens.delta });
    else if (lens.state === 'failed') this.notifyStatus({ uri, state: 'failed', message: lens.message });
  }

  /** Every sidecar run goes into the workspace journal, off the path that refreshes the lens. */
  private record(file: string, report: Extract<RunOutcome, { status: 'done' }>['report'], summary: BacktestSummary): void {
    setImmediate(() => {
      if (this.shuttingDown) return;
      try {
        const journalPath = this.journalPath();
        const runId = recordBacktestRun(journalPath, report, { strategyPath: file });
        summary.runId = runId;
        const vault = this.vault();
        if (vault) exportRunToVaultFile(journalPath, vault.path, runId);
      } catch (e) {
        this.log(`journal: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  private refreshLenses(): void {
    if (this.canRefreshLens && !this.shuttingDown) void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private notifyStatus(params: BacktestStatusParams): void {
    if (!this.shuttingDown) void this.connection.sendNotification(Notifications.backtestStatus, params);
  }

  // ---------------------------------------------------------------------------------------------
  // Watching what strategies bundle: a change on disk re-runs every open strategy that uses it

  private ensureWatcher(): FSWatcher {
    if (!this.watcher) {
      this.watcher = watch([], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 30, pollInterval: 10 } });
      this.watcher.on('change', (changed: string) => this.onDiskChange(path.resolve(changed)));
      this.watcher.on('add', (changed: string) => this.onDiskChange(path.resolve(changed)));
    }
    return this.watcher;
  }

  private onDiskChange(file: string): void {
    if (file === path.resolve(this.fileConfig.file ?? path.join(this.root, CONFIG_FILE))) {
      this.loadFileConfig();
      this.publishConfigDiagnostics();
      void this.reloadSettings();
      return;
    }
    // Editors write in place (truncate, then write): wait until the file has been quiet a moment.
    const pending = this.diskTimers.get(file);
    if (pending) {
      pending.refresh();
      return;
    }
    this.diskTimers.set(file, setTimeout(() => {
      this.diskTimers.delete(file);
      void this.actOnDiskChange(file);
    }, DISK_QUIET_MS));
  }

  private async actOnDiskChange(file: string): Promise<void> {
    const seen = readText(file);
    for (const uri of this.dependents.get(file) ?? []) {
      const doc = this.documents.get(uri);
      if (doc && uriToPath(uri) === file) {
        // The editor's own save of an open strategy arrives as didSave: the watcher's echo of it
        // (disk text equal to the buffer) is not a new change.
        if (seen === doc.getText()) continue;
        // Something else wrote it, or is writing it: act only once the text holds still.
        await new Promise((r) => setTimeout(r, DISK_QUIET_MS));
        const now = readText(file);
        if (now !== seen || now === this.documents.get(uri)?.getText()) continue;
      }
      void this.backtestOnSave(uri, 'disk');
    }
  }

  private watchInputs(uri: string, inputs: string[]): void {
    const state = this.runState(uri);
    const added = inputs.filter((f) => !state.inputs.includes(f));
    const removed = state.inputs.filter((f) => !inputs.includes(f));
    state.inputs = inputs;
    for (const f of removed) this.dropDependent(f, uri);
    if (added.length === 0) return;
    const watcher = this.ensureWatcher();
    for (const f of added) {
      const key = path.resolve(f);
      let set = this.dependents.get(key);
      if (!set) {
        set = new Set();
        this.dependents.set(key, set);
        watcher.add(key);
      }
      set.add(uri);
    }
  }

  private dropDependent(file: string, uri: string): void {
    const key = path.resolve(file);
    const set = this.dependents.get(key);
    if (!set) return;
    set.delete(uri);
    if (set.size === 0) {
      this.dependents.delete(key);
      this.watcher?.unwatch(key);
    }
  }

  private unwatchFor(uri: string): void {
    for (const f of this.runs.get(uri)?.inputs ?? []) this.dropDependent(f, uri);
  }

  // ---------------------------------------------------------------------------------------------
  // workspace/executeCommand

  private async executeCommand(params: ExecuteCommandParams, token: CancellationToken): Promise<unknown> {
    const workDone = params.workDoneToken !== undefined ? new ClientProgress(this.connection, params.workDoneToken) : undefined;
    switch (params.command) {
      case Commands.analyze:
        return this.analyzeCommand(this.strategyArgument<AnalyzeParams>(params));
      case Commands.backtest:
        return this.backtestCommand(this.strategyArgument<BacktestParams>(params), token, workDone);
      case Commands.journal:
        return this.journalCommand(optionalArgument<JournalParams>(params));
      case Commands.agentStatus:
        return this.agentStatusCommand();
      default:
        throw new ResponseError(ErrorCodes.InvalidParams, `unknown command '${params.command}'; known: ${ALL_COMMANDS.join(', ')}`);
    }
  }

  /** The command's argument, refused before anything is read when it is not a strategy of the workspace. */
  private strategyArgument<T extends { uri: string }>(params: ExecuteCommandParams): T {
    const arg = commandArgument<T>(params);
    const folders = this.fileConfig.file ? [...this.folders, path.dirname(this.fileConfig.file)] : this.folders;
    const target = checkStrategyTarget(params.command, arg.uri, folders.length > 0 ? folders : [this.root], this.documents.get(arg.uri) !== undefined);
    if (!target.ok) throw new ResponseError(ErrorCodes.InvalidParams, target.message);
    return arg;
  }

  private async analyzeCommand(p: AnalyzeParams): Promise<AnalyzeResult> {
    const doc = this.documents.get(p.uri);
    let statics: ServerFinding[];
    if (doc) {
      statics = (await this.analyze(doc)).findings;
      this.publish(doc.uri);
    } else {
      let text: string;
      try {
        text = readFileSync(uriToPath(p.uri), 'utf8');
      } catch {
        throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${p.uri}: open it or pass the URI of an existing file`);
      }
      statics = (await this.staticAnalyzer().analyze(uriToPath(p.uri), text, this.analysisConfig())).map(fromEngineFinding);
    }
    // Whatever goes wrong with the critique costs the critique, never the static findings.
    const critique = await this.critique(p.uri, statics).catch((e: unknown): CritiqueStatus => {
      const reason = `the critique failed: ${e instanceof Error ? e.message : String(e)}`;
      this.log(reason);
      return { source: 'unavailable', model: this.config.ollama.models.critique, reason };
    });
    const run = this.runs.get(p.uri);
    const findings = [...statics, ...(run?.findings ?? []), ...(this.critiques.get(p.uri) ?? [])].map(toVoltFinding);
    return { uri: p.uri, version: doc?.version ?? null, findings, lastBacktest: run?.last ?? null, critique };
  }

  /**
   * Asks the critique model about the strategy (with its static findings and last run) and
   * publishes the answer as VOLT301 diagnostics. Reports progress; a newer edit cancels it.
   * Without a reachable model it publishes nothing and says why.
   */
  private async critique(uri: string, statics?: ServerFinding[]): Promise<CritiqueStatus> {
    const model = this.config.ollama.models.critique;
    if (this.hostProblem !== undefined) return { source: 'unavailable', model, reason: this.hostProblem };
    const text = this.documentText(uri);
    this.critiqueRuns.get(uri)?.abort('superseded');
    const controller = new AbortController();
    this.critiqueRuns.set(uri, controller);
    const progress = this.canCreateProgress ? await this.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('Volt critique', undefined, `asking ${model}`, true);
    if (progress && 'token' in progress) (progress as { token: CancellationToken }).token.onCancellationRequested(() => controller.abort('cancelled'));
    try {
      this.gateway ??= new OllamaGateway({
        timeoutMs: this.config.ollama.timeoutMs,
        cache: this.journalCache(),
        onNotice: (m) => this.log(m),
        ...(this.config.ollama.host ? { host: this.config.ollama.host } : {}),
      });
      const doc = this.documents.get(uri);
      const shown = statics ?? (doc ? (await this.analyze(doc)).findings : []);
      const lastReport = this.runs.get(uri)?.lastReport;
      const result = await critiqueStrategy(
        { source: text, findings: shown, fileName: path.basename(uriToPath(uri)), ...(lastReport ? { lastReport } : {}) },
        { gateway: this.gateway, model, signal: controller.signal },
      );
      if (controller.signal.aborted) return { source: 'cancelled', model };
      if (result.source === 'unavailable') {
        return { source: 'unavailable', model, ...(result.reason !== undefined ? { reason: result.reason } : {}) };
      }
      this.critiques.set(uri, result.findings.map((f) => {
        const finding: ServerFinding = { code: f.code, severity: f.severity, message: `${f.message} (${result.model})`, range: lineRange(text, f.line + 1), source: 'critique' };
        if (f.edit) {
          const line = text.split('\n')[f.edit.line]?.replace(/\r$/, '') ?? '';
          finding.fix = {
            title: `Apply the critique's edit to line ${f.edit.line + 1}`,
            edits: [{ range: { start: { line: f.edit.line, character: 0 }, end: { line: f.edit.line, character: line.length } }, newText: f.edit.newText }],
          };
        }
        return finding;
      }));
      this.publish(uri);
      return { source: result.source, model: result.model };
    } finally {
      if (this.critiqueRuns.get(uri) === controller) this.critiqueRuns.delete(uri);
      progress?.done();
    }
  }

  /** The workspace journal doubles as the LLM answer cache: a repeated question costs nothing. */
  private journalCache(): Journal | undefined {
    try {
      this.llmCache ??= Journal.open(this.journalPath());
      return this.llmCache;
    } catch (e) {
      this.log(`journal: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private async backtestCommand(p: BacktestParams, token: CancellationToken, given: WorkDoneProgressReporter | undefined): Promise<BacktestResult> {
    if (!existsSync(uriToPath(p.uri))) throw new ResponseError(ErrorCodes.InvalidParams, `no such file: ${p.uri}`);
    const progress = given ?? (this.canCreateProgress ? await this.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined);
    progress?.begin('Volt backtest', 0, path.basename(uriToPath(p.uri)), true);
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort('cancelled'));
    // A progress the server created can be cancelled from the client's progress UI.
    if (progress && 'token' in progress) (progress as { token: CancellationToken }).token.onCancellationRequested(() => controller.abort('cancelled'));
    let set = this.commandRuns.get(p.uri);
    if (!set) this.commandRuns.set(p.uri, (set = new Set()));
    set.add(controller);
    try {
      const outcome = await this.backtest(p.uri, { why: 'command', params: p, signal: controller.signal, ...(progress ? { progress } : {}) });
      switch (outcome.status) {
        case 'done':
          return { uri: p.uri, summary: outcome.summary, delta: outcome.delta, findings: outcome.findings.map(toVoltFinding), report: outcome.result.report };
        case 'failed':
          throw new ResponseError(ErrorCodes.InternalError, outcome.message, { findings: outcome.findings.map(toVoltFinding) });
        default:
          if (controller.signal.reason === 'superseded') throw new ResponseError(LSPErrorCodes.ContentModified, 'superseded by a newer edit of the strategy');
          throw new ResponseError(LSPErrorCodes.RequestCancelled, 'backtest cancelled');
      }
    } finally {
      set.delete(controller);
      progress?.done();
    }
  }

  private journalPath(): string {
    return journalPathFor(this.root, this.config.journal.path);
  }

  private vault(): { path: string; notes: NotePaths } | undefined {
    const dir = this.config.vault?.path;
    if (!dir) return undefined;
    const vaultDir = path.resolve(this.root, dir);
    return { path: vaultDir, notes: { run: (id) => runNotePath(vaultDir, id), trade: (t) => tradeNotePath(vaultDir, t) } };
  }

  private journalCommand(p: JournalParams): JournalResult {
    const file = this.journalPath();
    if (!existsSync(file)) return journalResult(file, [], [], this.vault());
    const filter: JournalFilter = { limit: p.limit ?? 20 };
    if (p.strategy !== undefined) {
      if (p.strategy.startsWith('file:')) filter.strategyPath = uriToPath(p.strategy);
      else if (path.isAbsolute(p.strategy)) filter.strategyPath = p.strategy;
      else filter.strategy = p.strategy;
    }
    if (p.outcome !== undefined) filter.outcome = p.outcome;
    if (p.from !== undefined) filter.from = toEpochMs(p.from, 'from');
    if (p.to !== undefined) filter.to = toEpochMs(p.to, 'to');
    const journal = Journal.open(file);
    try {
      const { outcome, ...runFilter } = filter;
      return journalResult(file, outcome === undefined ? journal.listRuns(runFilter) : [], journal.listTrades(filter), this.vault());
    } finally {
      journal.close();
    }
  }

  private async agentStatusCommand(): Promise<AgentStatusResult> {
    const file = this.journalPath();
    const journal = existsSync(file) ? Journal.open(file) : undefined;
    try {
      const status = await agentStatus(this.config, journal);
      // A host setting that cannot be used is the reason, whatever the fallback host answers.
      if (this.hostProblem !== undefined) status.llm = { ...status.llm, available: false, reason: this.hostProblem };
      return status;
    } finally {
      journal?.close();
    }
  }

  private log(message: string): void {
    if (this.options.log !== false && !this.shuttingDown) this.connection.console.log(message);
  }
}

// -----------------------------------------------------------------------------------------------

/** $/progress on a token the client sent with its request. */
class ClientProgress implements WorkDoneProgressReporter {
  constructor(
    private readonly connection: Connection,
    private readonly progressToken: ProgressToken,
  ) {}
  begin(title: string, percentage?: number, message?: string, cancellable?: boolean): void {
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, { kind: 'begin', title, percentage, message, cancellable });
  }
  report(arg0: number | string, arg1?: string): void {
    const value = typeof arg0 === 'number' ? { kind: 'report' as const, percentage: arg0, message: arg1 } : { kind: 'report' as const, message: arg0 };
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, value);
  }
  done(): void {
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, { kind: 'end' });
  }
}

/** Quiet time after a change on disk before it is acted on. */
const DISK_QUIET_MS = 100;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  // Untitled buffers get a stable virtual path so the checker can hold them.
  return path.join(path.sep, 'volt-virtual', encodeURIComponent(uri) + (uri.endsWith('.ts') ? '' : '.ts'));
}

function isConfigUri(uri: string): boolean {
  return uri.startsWith('file:') && isConfigFile(fileURLToPath(uri));
}

function isStrategyText(text: string): boolean {
  return /\bdefineStrategy\s*(<[^>]*>)?\s*\(/.test(text) || /\bexport\s+default\b/.test(text);
}

/** Malformed document requests get InvalidParams, not an exception from deep inside. */
function requireDocument(params: { textDocument?: { uri?: unknown } }): void {
  if (typeof params?.textDocument?.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument.uri is required');
}

/** Params of a command whose argument is optional (`arguments: []` means all defaults). */
function optionalArgument<T extends object>(params: ExecuteCommandParams): T {
  const first: unknown = params.arguments?.[0];
  if (first === undefined || first === null) return {} as T;
  if (typeof first !== 'object') throw new ResponseError(ErrorCodes.InvalidParams, `${params.command} expects an object argument`);
  return first as T;
}

/** The params of a command: `arguments[0]` as an object, or a bare URI string. */
function commandArgument<T extends { uri: string }>(params: ExecuteCommandParams): T {
  const first: unknown = params.arguments?.[0];
  const arg = typeof first === 'string' ? { uri: first } : first;
  if (typeof arg !== 'object' || arg === null || typeof (arg as { uri?: unknown }).uri !== 'string') {
    throw new ResponseError(ErrorCodes.InvalidParams, `${params.command} expects arguments: [{ uri: 'file:///…' }]`);
  }
  return arg as T;
}

function toEpochMs(v: string | number, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    try {
      return /^\d{4}-\d{2}-\d{2}$/.test(v) ? parseDateOnly(v) : parseTimestamp(v);
    } catch {
      // fall through to the error below
    }
  }
  throw new ResponseError(ErrorCodes.InvalidParams, `${what} must be an ISO date ('2024-01-31') or epoch milliseconds, got ${JSON.stringify(v)}`);
}

function pick(e: { file?: string | undefined; line?: number | undefined; column?: number | undefined; hint?: string | undefined }) {
  const out: { file?: string; line?: number; column?: number; hint?: string } = {};
  if (e.file !== undefined) out.file = e.file;
  if (e.line !== undefined) out.line = e.line;
  if (e.column !== undefined) out.column = e.column;
  if (e.hint !== undefined) out.hint = e.hint;
  return out;
}
