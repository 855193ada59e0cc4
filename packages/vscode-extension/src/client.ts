/**
 * The language client: starts the sidecar (`volt-lsp --stdio`) on the user's Node, answers its
 * `workspace/configuration` requests with the `volt.*` settings the user set, and gives the rest of
 * the extension one way to call Volt's commands and hear its notifications.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { CONFIGURATION_SECTION, DRAFT_PROGRESS_NOTIFICATION, Notifications, OPTIMIZE_PROGRESS, PaperRequests, type SuggestRequestParams, type SuggestResult, Requests, type OptimizeParams, type OptimizeProgressParams, type OptimizeResult, type PaperStatusResult, type PaperStartParams, type PaperStartResult, type PaperStopParams, type PaperStopResult, type BacktestStatusParams, type DraftProgressParams, type DraftStrategyParams, type DraftStrategyResult, type BarsParams, type BarsResult, type CommandName, type CritiqueStatusParams, type SymbolsParams, type SymbolsResult } from '@volt/lsp-server/protocol';
import { lensCommandInEditor } from './commands.js';
import { SIDECAR_SELECTOR } from './documents.js';
import { findInstalledSidecar, versionMismatch } from './locate.js';
import { sidecarErrorHandler } from './restarts.js';
import { forwardedSettings, launchFailureMessage, serverLaunch, type ServerLaunch } from './settings.js';
import type { VoltStatus } from './status.js';

/** The sidecar bundled in the extension (see esbuild.config.mjs). */
export const BUNDLED_SERVER = ['dist', 'server', 'bin', 'volt-lsp.js'];

/** What commands and views need from the sidecar; a test can hand in its own. */
export interface SidecarCalls {
  execute<R>(command: CommandName, params: object, token?: vscode.CancellationToken): Promise<R>;
  /** volt/symbols: the markets with data, for the symbol picker. */
  symbols?(params: SymbolsParams): Promise<SymbolsResult>;
  onBacktestStatus(listener: (status: BacktestStatusParams) => void): vscode.Disposable;
  /** volt/draftStrategy: a strategy drafted from an idea, proven before it is written. */
  draftStrategy?(params: DraftStrategyParams, token?: vscode.CancellationToken): Promise<DraftStrategyResult>;
  /** volt/draftProgress: one line as each attempt of a draft starts and ends. */
  onDraftProgress?(listener: (progress: DraftProgressParams) => void): vscode.Disposable;
}

export class Sidecar implements SidecarCalls, vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly backtestListeners = new Set<(status: BacktestStatusParams) => void>();
  private readonly optimizeListeners = new Set<(p: OptimizeProgressParams) => void>();
  private readonly draftListeners = new Set<(progress: DraftProgressParams) => void>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly status: VoltStatus,
  ) {}

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration(CONFIGURATION_SECTION);
    const launch = serverLaunch(config, vscode.Uri.joinPath(this.context.extensionUri, ...BUNDLED_SERVER).fsPath, findInstalledSidecar());
    this.output.appendLine(`Starting the Volt sidecar: ${launch.origin}`);
    const script = launch.args[0]!;
    if (!existsSync(script)) {
      this.failedToStart(launch, new Error(`${script} does not exist`));
      return;
    }
    // Stdio is the default for an executable; naming the transport would append a second --stdio.
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      options: { env: { ...process.env, VOLT_CLIENT: 'vscode' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: SIDECAR_SELECTOR,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: { [CONFIGURATION_SECTION]: forwardedSettings(config) },
      middleware: {
        provideCodeLenses: async (document, token, next) => {
          const lenses = await next(document, token);
          for (const lens of lenses ?? []) if (lens.command) lens.command = lensCommandInEditor(lens.command);
          return lenses;
        },
        workspace: {
          // The sidecar pulls section `volt`; hand it the settings the user set, shaped as
          // volt.config.json, instead of VS Code's full section with its defaults and our own settings.
          configuration: (params, token, next) => {
            const items = params.items;
            if (!items.every((item) => item.section === CONFIGURATION_SECTION)) return next(params, token);
            return items.map((item) =>
              forwardedSettings(
                vscode.workspace.getConfiguration(CONFIGURATION_SECTION, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined),
              ),
            );
          },
        },
      },
      // Strategies run outside the sidecar, so it should not die; if it does (or exits because it
      // can no longer read its input), it is started again, unless it keeps dying.
      errorHandler: sidecarErrorHandler(
        { continue: ErrorAction.Continue, restart: CloseAction.Restart, doNotRestart: CloseAction.DoNotRestart },
        (message) => this.status.setSidecarProblem(message),
      ),
    };
    const client = new LanguageClient('volt', 'Volt', serverOptions, clientOptions);
    client.onDidChangeState((change) => {
      if (change.newState === State.Running) this.status.setSidecarProblem(null);
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.failedToStart(launch, error);
      return;
    }
    this.reportVersion(launch, client.initializeResult?.serverInfo?.version);
    client.onNotification(Notifications.backtestStatus, (status: BacktestStatusParams) => {
      for (const listener of this.backtestListeners) listener(status);
    });
    client.onNotification(Notifications.critiqueStatus, (status: CritiqueStatusParams) => this.onCritiqueStatus?.(status));
    client.onNotification(OPTIMIZE_PROGRESS, (p: OptimizeProgressParams) => {
      for (const listener of this.optimizeListeners) listener(p);
    });
    client.onNotification(DRAFT_PROGRESS_NOTIFICATION, (progress: DraftProgressParams) => {
      for (const listener of this.draftListeners) listener(progress);
    });
  }

  /** A save's LLM critique ended (volt/critiqueStatus); set by the extension. */
  onCritiqueStatus: ((status: CritiqueStatusParams) => void) | undefined;

  /** Which sidecar runs and its version, in the status bar and the log; another release than the extension's is a warning. */
  private reportVersion(launch: ServerLaunch, version: string | undefined): void {
    const extensionVersion = String((this.context.extension?.packageJSON as { version?: unknown } | undefined)?.version ?? 'unknown');
    const mismatch = versionMismatch(extensionVersion, version);
    this.output.appendLine(`The Volt sidecar is ${launch.which}, version ${version ?? 'unknown'}${mismatch ? `: ${mismatch}` : ''}`);
    this.status.setSidecar({ which: launch.which, source: launch.source, version, mismatch });
    if (mismatch) void vscode.window.showWarningMessage(`Volt: ${mismatch}`);
  }

  private failedToStart(launch: ServerLaunch, error: unknown): void {
    const message = launchFailureMessage(launch, error);
    this.output.appendLine(message);
    this.status.setSidecarProblem(message);
    void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'volt.server');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) await client.stop().catch(() => undefined);
  }

  /** Tells a running sidecar that the `volt.*` settings changed (it answers by pulling them again). */
  settingsChanged(): void {
    if (this.client?.state !== State.Running) return;
    const config = vscode.workspace.getConfiguration(CONFIGURATION_SECTION);
    void this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [CONFIGURATION_SECTION]: forwardedSettings(config) },
    });
  }

  async execute<R>(command: CommandName, params: object, token?: vscode.CancellationToken): Promise<R> {
    return (await this.running().sendRequest(ExecuteCommandRequest.type, { command, arguments: [params] }, token)) as R;
  }

  symbols(params: SymbolsParams): Promise<SymbolsResult> {
    return this.running().sendRequest<SymbolsResult>(Requests.symbols, params);
  }

  /** volt/optimize: a sweep of the strategy's params (Volt: Optimize Strategy). */
  optimize(params: OptimizeParams, token?: vscode.CancellationToken): Promise<OptimizeResult> {
    return this.running().sendRequest<OptimizeResult>(Requests.optimize, params, token);
  }

  /** volt/suggest: bounded param suggestions, shown as VOLT207 hints (Volt: Suggest Params). */
  suggest(params: SuggestRequestParams): Promise<SuggestResult> {
    return this.running().sendRequest<SuggestResult>(Requests.suggest, params);
  }

  onOptimizeProgress(listener: (p: OptimizeProgressParams) => void): vscode.Disposable {
    this.optimizeListeners.add(listener);
    return { dispose: () => this.optimizeListeners.delete(listener) };
  }

  /** The journal's paper and live sessions (volt.paper.status). */
  sessions(): Promise<PaperStatusResult> {
    return this.running().sendRequest<PaperStatusResult>(PaperRequests.status, {});
  }

  /** A detached `volt paper` session of a strategy (volt.paper.start). */
  paperStart(params: PaperStartParams): Promise<PaperStartResult> {
    return this.running().sendRequest<PaperStartResult>(PaperRequests.start, params);
  }

  /** A session's kill switch (volt.paper.stop). */
  paperStop(params: PaperStopParams): Promise<PaperStopResult> {
    return this.running().sendRequest<PaperStopResult>(PaperRequests.stop, params);
  }

  /** volt/bars: the candles of the report's price chart. */

  bars(params: BarsParams): Promise<BarsResult> {
    return this.running().sendRequest<BarsResult>(Requests.bars, params);
  }

  draftStrategy(params: DraftStrategyParams, token?: vscode.CancellationToken): Promise<DraftStrategyResult> {
    return this.running().sendRequest<DraftStrategyResult>(Requests.draftStrategy, params, token);
  }

  onDraftProgress(listener: (progress: DraftProgressParams) => void): vscode.Disposable {
    this.draftListeners.add(listener);
    return { dispose: () => this.draftListeners.delete(listener) };
  }

  private running(): LanguageClient {
    const client = this.client;
    if (!client || client.state !== State.Running) {
      throw new Error('the Volt sidecar is not running; see the Volt output channel, or run "Volt: Restart Sidecar"');
    }
    return client;
  }

  onBacktestStatus(listener: (status: BacktestStatusParams) => void): vscode.Disposable {
    this.backtestListeners.add(listener);
    return { dispose: () => this.backtestListeners.delete(listener) };
  }

  dispose(): void {
    void this.stop();
  }
}
