/**
 * Settings: volt.config.json (the nearest at or above the workspace root), then
 * initializationOptions.volt, then the client's `volt` settings (workspace/configuration), merged
 * value by value into WorkspaceState.config; the file's problems as diagnostics on it.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_FILE, defaultConfig } from '@volt/engine';
import type { InitializeParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIGURATION_SECTION, type VoltSettings } from '../protocol.js';
import {
  configDiagnostics,
  configOfStrategy,
  configTextDiagnostics,
  formatProblem,
  layerSettings,
  readWorkspaceConfig,
  type WorkspaceConfig,
} from '../service/config-file.js';
import { isConfigUri, readText, uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

export class SettingsHandler {
  /** The volt.config.json in use (when there is one), its settings and problems. */
  private fileConfig: WorkspaceConfig = { file: undefined, config: defaultConfig(), problems: [] };
  /** Where the config is looked for: the root, or the folder of one a strategy brought in. */
  private configStart: string | undefined;
  private initSettings: unknown = {};
  private clientSettings: unknown = {};
  /**
   * The settings errors shown in a popup and still standing: each is shown once, when it appears,
   * not again on every reload (initialize, initialized and each didChangeConfiguration all apply).
   */
  private fileErrorShown: string | undefined;
  private layerErrorsShown = new Set<string>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  /** The workspace root, what the client can do, and the first settings. */
  initialize(params: InitializeParams): void {
    const s = this.state;
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder) s.root = uriToPath(folder);
    else if (params.rootPath) s.root = params.rootPath;
    s.folders = [s.root, ...(params.workspaceFolders ?? []).map((f) => uriToPath(f.uri))];
    const caps = params.capabilities;
    s.canAskConfiguration = caps.workspace?.configuration === true;
    s.canRefreshLens = caps.workspace?.codeLens?.refreshSupport === true;
    s.canCreateProgress = caps.window?.workDoneProgress === true;
    const init = params.initializationOptions as { volt?: unknown } | undefined;
    this.initSettings = init?.[CONFIGURATION_SECTION] ?? {};
    this.loadFileConfig();
    this.apply();
  }

  async initialized(): Promise<void> {
    this.publishConfigDiagnostics();
    await this.reload();
    this.features.watch.watchConfigFile(this.configFile());
  }

  /** The file in use, else where one would be created at the root (what is watched). */
  configFile(): string {
    return this.fileConfig.file ?? path.join(this.state.root, CONFIG_FILE);
  }

  /** The volt.config.json in use, if any. */
  configInUse(): string | undefined {
    return this.fileConfig.file;
  }

  /** volt.config.json changed on disk, or was saved by the editor. */
  async configFileChanged(): Promise<void> {
    this.loadFileConfig();
    this.publishConfigDiagnostics();
    await this.reload();
  }

  /** Any open volt.config.json (the one in use or another) is checked as it is typed. */
  configEdited(doc: TextDocument): void {
    if (!this.state.shuttingDown) void this.state.connection.sendDiagnostics({ uri: doc.uri, diagnostics: configTextDiagnostics(doc.getText(), uriToPath(doc.uri)) });
  }

  configClosed(uri: string): void {
    if (this.fileConfig.file !== undefined && uri === pathToFileURL(this.fileConfig.file).href) this.publishConfigDiagnostics();
    else void this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** A strategy opened below a root without a config may bring its own in (see configOfStrategy). */
  configOfOpened(uri: string): void {
    if (!uri.startsWith('file:') || isConfigUri(uri)) return;
    const found = configOfStrategy(this.fileConfig.file, uriToPath(uri), this.state.root);
    if (found === undefined) return;
    if ('differs' in found) {
      this.state.log(`${uriToPath(uri)} has its own ${found.differs}; this sidecar uses ${this.fileConfig.file}: open that folder as a workspace of its own for its settings`);
      return;
    }
    this.configStart = path.dirname(found.adopt);
    this.loadFileConfig();
    this.publishConfigDiagnostics();
    this.features.watch.watchConfigFile(this.configFile());
    void this.reload();
  }

  /** The problems of the volt.config.json in use: of its open buffer, else of the file. */
  private publishConfigDiagnostics(): void {
    const file = this.fileConfig.file;
    if (file === undefined || this.state.shuttingDown) return;
    const uri = pathToFileURL(file).href;
    const open = this.state.documents.get(uri);
    if (open) return this.configEdited(open);
    const text = readText(file);
    if (text !== undefined) void this.state.connection.sendDiagnostics({ uri, diagnostics: configDiagnostics(text, this.fileConfig.problems) });
  }

  /** Asks the client for its settings again (didChangeConfiguration), then re-lints every open document. */
  async reload(): Promise<void> {
    const s = this.state;
    if (s.canAskConfiguration) {
      try {
        const [settings] = (await s.connection.workspace.getConfiguration([{ section: CONFIGURATION_SECTION, scopeUri: pathToFileURL(s.root).href }])) as [VoltSettings | null];
        this.clientSettings = settings ?? {};
      } catch {
        this.clientSettings = {};
      }
    }
    this.apply();
    await this.refreshDataFacts();
    // The data's bar count (VOLT107) may have changed while it loaded: recompute every open document's.
    this.features.documents.reanalyzeAll();
  }

  /**
   * volt.config.json as saved. A value in error keeps its default (the rest of the file applies);
   * the first error is also shown, since the file may not be open.
   */
  private loadFileConfig(): void {
    this.fileConfig = readWorkspaceConfig(this.configStart ?? this.state.root);
    const error = this.fileConfig.problems.find((p) => p.severity === 'error');
    const message = error && `${formatProblem(error)} (the default is used for it)`;
    if (message !== undefined && message !== this.fileErrorShown) this.state.connection.window.showErrorMessage(message);
    this.fileErrorShown = message;
  }

  private apply(): void {
    const s = this.state;
    const layered = layerSettings(this.fileConfig, this.initSettings, this.clientSettings);
    s.config = layered.config;
    s.hostProblem = layered.hostProblem;
    const errors = new Set(layered.errors.map((e) => `${e.message}: ${e.hint}`));
    for (const e of errors) if (!this.layerErrorsShown.has(e)) s.connection.window.showErrorMessage(e);
    this.layerErrorsShown = errors;
    for (const w of layered.warnings) s.log(`${w.message}; ${w.hint}`);
    this.features.runs.configure();
    this.features.critique.configure();
    this.features.documents.configure();
  }

  /** Bars in the default data (VOLT107 judges warm-up against it). */
  private async refreshDataFacts(): Promise<void> {
    const s = this.state;
    const spec = s.config.data.default;
    if (s.dataFacts?.spec === spec) return;
    try {
      s.dataFacts = { spec, facts: await this.features.runs.dataFacts(spec) };
    } catch (e) {
      s.dataFacts = undefined;
      s.log(`data ${spec}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
