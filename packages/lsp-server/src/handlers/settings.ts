/**
 * Settings: volt.config.json at the workspace root, then initializationOptions.volt, then the
 * client's `volt` settings (workspace/configuration), merged into WorkspaceState.config.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultConfig, isVoltError, loadConfig, mergeConfig } from '@volt/engine';
import type { InitializeParams } from 'vscode-languageserver';
import { CONFIGURATION_SECTION, type VoltSettings } from '../protocol.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

export class SettingsHandler {
  private fileConfig = defaultConfig();
  private initSettings: unknown = {};
  private clientSettings: unknown = {};

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
    await this.reload();
    this.features.watch.watchConfigFile(this.configFile());
  }

  configFile(): string {
    return path.join(this.state.root, 'volt.config.json');
  }

  /** volt.config.json changed on disk. */
  async configFileChanged(): Promise<void> {
    this.loadFileConfig();
    await this.reload();
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

  private loadFileConfig(): void {
    try {
      this.fileConfig = loadConfig(this.state.root);
    } catch (e) {
      this.fileConfig = defaultConfig();
      this.state.connection.window.showErrorMessage(isVoltError(e) ? e.format() : String(e));
    }
  }

  private apply(): void {
    const s = this.state;
    try {
      s.config = mergeConfig(mergeConfig(this.fileConfig, this.initSettings, { file: 'initializationOptions' }), this.clientSettings, { file: 'editor settings' });
    } catch (e) {
      s.config = this.fileConfig;
      s.connection.window.showErrorMessage(isVoltError(e) ? e.format() : String(e));
    }
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
