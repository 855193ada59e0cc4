/**
 * The sidecar: a small workspace state and one handler per feature (handlers/*), wired here to the
 * connection. Documents and their analysis, runs and the lens, files on disk, the critique,
 * commands and settings each live in their own module; this class only builds and binds them.
 * Strategy code never runs in this process (the engine's runner gives it a sandbox process).
 */
import { serverVersion } from './version.js';
import {
  CodeActionKind,
  ErrorCodes,
  ExecuteCommandRequest,
  ResponseError,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeActionParams,
  type CodeLensParams,
  type Connection,
  type ExecuteCommandParams,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { ALL_COMMANDS, Requests, type BarsParams, type DraftStrategyParams, type OptimizeParams, type SymbolsParams } from './protocol.js';
import { IdleCollector, keepYoungGenerationsSmall } from './idle-gc.js';
import { BarsHandler } from './handlers/bars.js';
import { BusHandler } from './handlers/bus.js';
import { PaperHandler } from './handlers/paper.js';
import { CommandsHandler } from './handlers/commands.js';
import { CritiqueHandler } from './handlers/critique.js';
import { DocumentsHandler } from './handlers/documents.js';
import { OptimizeHandler } from './handlers/optimize.js';
import type { Features } from './handlers/features.js';
import { ReviewHandler } from './handlers/review.js';
import { RunsHandler, type RunResult } from './handlers/runs.js';
import { SettingsHandler } from './handlers/settings.js';
import { SuggestHandler } from './handlers/suggest.js';
import { SynthHandler } from './handlers/synth.js';
import { WatchHandler } from './handlers/watch.js';
import { isConfigUri, WorkspaceState, type VoltServerOptions } from './workspace.js';

export type { VoltServerOptions } from './workspace.js';

export class VoltServer {
  readonly state: WorkspaceState;
  readonly features: Features;

  constructor(
    private readonly connection: Connection,
    options: VoltServerOptions = {},
  ) {
    keepYoungGenerationsSmall();
    const quiet = options.idleGcMs ?? 1000;
    this.state = new WorkspaceState(connection, options, quiet > 0 ? new IdleCollector(quiet) : undefined);
    const f = {} as Features;
    f.settings = new SettingsHandler(this.state, f);
    f.documents = new DocumentsHandler(this.state, f);
    f.runs = new RunsHandler(this.state, f);
    f.watch = new WatchHandler(this.state, f);
    f.critique = new CritiqueHandler(this.state, f);
    f.commands = new CommandsHandler(this.state, f);
    f.bus = new BusHandler(this.state);
    this.features = f;
  }

  /** The open documents (tests and embedders read them). */
  get documents(): WorkspaceState['documents'] {
    return this.state.documents;
  }

  /** Registers every handler and starts reading the connection. */
  listen(): void {
    const c = this.connection;
    const { settings, documents, runs, commands } = this.features;
    // After `shutdown` every request is an InvalidRequest (LSP spec); only `exit` is expected.
    const open = <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A): R => {
      if (this.state.shuttingDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only the exit notification is accepted now');
      return handler(...args);
    };
    c.onInitialize(this.initialize.bind(this));
    c.onInitialized(() => settings.initialized());
    c.onDidChangeConfiguration(() => void settings.reload());
    const optimize = new OptimizeHandler(this.state, this.features);
    const suggest = new SuggestHandler(this.state, this.features);
    suggest.register(c, open);
    c.onCodeAction(open(async (p: CodeActionParams) => [...(await documents.codeAction(p)), ...optimize.codeActions(p), ...suggest.codeActions(p)]));
    c.onCodeLens(open((p: CodeLensParams) => runs.codeLens(p)));
    c.onHover(open((p: HoverParams) => documents.hover(p)));
    // Registered as a plain request so the client's workDoneToken stays visible to us.
    c.onRequest(ExecuteCommandRequest.type, open((params: ExecuteCommandParams, token: CancellationToken) => commands.execute(params, token)));
    c.onRequest(Requests.symbols, open((params: SymbolsParams | undefined) => runs.symbols(params ?? {})));
    const bars = new BarsHandler(this.state);
    new PaperHandler(this.state).register(c);
    c.onRequest(Requests.bars, open((params: BarsParams) => bars.bars(params)));
    new ReviewHandler(this.state).register(c, open);
    c.onRequest(Requests.optimize, open((params: OptimizeParams, token: CancellationToken) => optimize.optimize(params, token)));
    c.onRequest(Requests.draftStrategy, open((params: DraftStrategyParams, token: CancellationToken) => new SynthHandler(this.state, this.features).draft(params, token)));
    c.onShutdown(open(this.shutdown.bind(this)));
    const docs = this.state.documents;
    // An open volt.config.json is checked as it is typed, and applied when saved.
    docs.onDidOpen((e) => settings.configOfOpened(e.document.uri));
    docs.onDidChangeContent((e) => (isConfigUri(e.document.uri) ? settings.configEdited(e.document) : documents.changed(e.document)));
    // Auto-save after a delay saves half-typed code: such a save runs once the code type-checks and holds still.
    docs.onWillSave((e) => runs.willSave(e.document.uri, e.reason));
    docs.onDidSave((e) => void (isConfigUri(e.document.uri) ? settings.configFileChanged() : runs.backtestOnSave(e.document.uri, 'save')));
    docs.onDidClose((e) => (isConfigUri(e.document.uri) ? settings.configClosed(e.document.uri) : documents.closed(e.document.uri)));
    docs.listen(c);
    // A bug in some background path (a run, a watcher, a critique) must cost that result, not the
    // sidecar: every editor talking to it would lose diagnostics at once.
    process.on('unhandledRejection', (e) => this.state.log(`unexpected: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    c.listen();
  }

  initialize(params: InitializeParams): InitializeResult {
    this.features.settings.initialize(params);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, willSave: true, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [...ALL_COMMANDS] },
      },
      serverInfo: { name: 'volt-lsp', version: serverVersion() },
    };
  }

  /** On save, and when a file the strategy bundles changes on disk (tests drive it directly). */
  backtestOnSave(uri: string, why: 'save' | 'disk'): Promise<RunResult> {
    return this.features.runs.backtestOnSave(uri, why);
  }

  private async shutdown(): Promise<void> {
    const { documents, runs, watch, critique } = this.features;
    this.state.shuttingDown = true;
    this.state.idle?.dispose();
    critique.dispose();
    await watch.dispose();
    await runs.dispose();
    await this.features.bus.dispose();
    await documents.dispose();
    this.state.closeJournalCache();
  }
}
