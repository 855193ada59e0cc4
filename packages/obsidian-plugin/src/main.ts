/** Volt for Obsidian: lifecycle and commands. The work is in commands.ts, sidecar.ts and views/. */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { FileSystemAdapter, Notice, Plugin, type WorkspaceLeaf } from 'obsidian';
import { VoltClient } from './client.js';
import { agentStatus, attempt, backtestNote, latestRunId, runsToCompare, syncVault, tradeIdOf, type CommandContext } from './commands.js';
import { locateSidecar } from './locate.js';
import { noteTarget, type NoteInfo } from './notes.js';
import { loadSettings, sidecarSettings, workspaceRoot, type VoltPluginSettings } from './settings.js';
import { VoltSettingTab } from './settings-tab.js';
import { Sidecar } from './sidecar.js';
import { VoltBlock } from './views/codeblock.js';
import { AgentStatusModal, CompareModal, ReviewModal } from './views/modals.js';
import { CALENDAR_VIEW, CalendarView, RUN_VIEW, RunView, TRADE_VIEW, TradeView } from './views/views.js';

export default class VoltPlugin extends Plugin {
  declare settings: VoltPluginSettings;
  sidecar!: Sidecar;
  ctx!: CommandContext;
  private status!: HTMLElement;
  /** What the status bar says of the sidecar when nothing is in progress. */
  private sidecarLine = '';

  override async onload(): Promise<void> {
    this.settings = loadSettings(await this.loadData());
    this.status = this.addStatusBarItem();
    this.sidecar = new Sidecar({
      locate: () => locateSidecar({ sidecarPath: this.settings.sidecarPath, nodePath: this.settings.nodePath, pluginDir: this.pluginDir(), env: process.env }),
      root: () => workspaceRoot(this.settings, this.vaultRoot()),
      settings: () => sidecarSettings(this.settings, this.vaultRoot()),
      onState: (state, message) => {
        this.sidecarLine = message;
        this.status.setText(message);
        if (state === 'restarting' || state === 'failed') new Notice(message);
      },
      // A sync's or a backtest's progress while it runs; when it ends, the sidecar's own line again.
      onProgress: (_token, value) => {
        if (value.kind === 'end') this.status.setText(this.sidecarLine);
        else if (value.message) this.status.setText(`Volt: ${value.message}`);
      },
      log: (line) => console.debug(`[volt-lsp] ${line}`),
    });
    const client = new VoltClient(this.sidecar);
    const settings = this.settings;
    this.ctx = {
      client,
      get syncAfterRun() {
        return settings.syncAfterRun;
      },
    };

    this.registerView(TRADE_VIEW, (leaf) => new TradeView(leaf, this));
    this.registerView(RUN_VIEW, (leaf) => new RunView(leaf, this));
    this.registerView(CALENDAR_VIEW, (leaf) => new CalendarView(leaf, this));
    this.registerMarkdownCodeBlockProcessor('volt', (source, el, ctx) => ctx.addChild(new VoltBlock(el, this, source, () => ctx.getSectionInfo(el))));
    this.addSettingTab(new VoltSettingTab(this.app, this));
    this.addRibbonIcon('candlestick-chart', 'Volt: open the latest run', () => void this.openLatestRun());

    this.addCommand({ id: 'sync-journal', name: 'Sync journal to vault', callback: () => void syncVault(this.ctx) });
    this.addCommand({ id: 'backtest-strategy', name: 'Backtest this strategy', checkCallback: (checking) => this.onNote(checking, (note) => void backtestNote(this.ctx, note)) });
    this.addCommand({ id: 'review-trade', name: 'Review this trade', checkCallback: (checking) => this.onNote(checking, (note) => void this.reviewTrade(note)) });
    this.addCommand({ id: 'open-trade-view', name: 'Open trade view', checkCallback: (checking) => this.onNote(checking, (note) => void attempt(this.ctx, async () => this.openTrade(tradeIdOf(note)))) });
    this.addCommand({ id: 'compare-runs', name: 'Compare runs', checkCallback: (checking) => this.onNote(checking, (note) => void this.compareRuns(note)) });
    this.addCommand({ id: 'agent-status', name: 'Agent status', callback: () => void attempt(this.ctx, async () => new AgentStatusModal(this.app, await agentStatus(this.ctx)).open()) });
    this.addCommand({ id: 'pnl-calendar', name: 'Daily P&L calendar', callback: () => void this.openCalendar() });
    this.addCommand({ id: 'open-latest-run', name: 'Open the latest run', callback: () => void this.openLatestRun() });

    // Start the sidecar once the workspace is up, so the first command does not wait for it.
    this.app.workspace.onLayoutReady(() => void this.sidecar.ready().catch(() => undefined));
  }

  override async onunload(): Promise<void> {
    await this.sidecar.stop();
  }

  async saveSettings(): Promise<void> {
    await this.saveData(this.settings);
    // Sidecar, Node, workspace and journal are read at start: the next request starts it again with them.
    await this.sidecar.stop();
  }

  private vaultRoot(): string {
    const adapter = this.app.vault.adapter;
    return adapter instanceof FileSystemAdapter ? adapter.getBasePath() : process.cwd();
  }

  private pluginDir(): string | undefined {
    if (!this.manifest.dir) return undefined;
    const dir = path.join(this.vaultRoot(), this.manifest.dir);
    try {
      return realpathSync(dir); // a plugin folder linked to a checkout finds the checkout's sidecar
    } catch {
      return dir;
    }
  }

  /** A note command: available when a note is open; runs `work` on it. */
  private onNote(checking: boolean, work: (note: NoteInfo) => void): boolean {
    const file = this.app.workspace.getActiveFile();
    if (!file) return false;
    if (!checking) work({ path: file.path, frontmatter: this.app.metadataCache.getFileCache(file)?.frontmatter });
    return true;
  }

  private async leafFor(type: string): Promise<WorkspaceLeaf> {
    const existing = this.app.workspace.getLeavesOfType(type)[0];
    const leaf = existing ?? this.app.workspace.getLeaf('tab');
    if (!existing) await leaf.setViewState({ type, active: true });
    await this.app.workspace.revealLeaf(leaf);
    return leaf;
  }

  async openTrade(tradeId: number): Promise<void> {
    const view = (await this.leafFor(TRADE_VIEW)).view;
    if (view instanceof TradeView) await view.show(tradeId);
  }

  async openRun(runId: number): Promise<void> {
    const view = (await this.leafFor(RUN_VIEW)).view;
    if (view instanceof RunView) await view.show(runId);
  }

  private async openCalendar(): Promise<void> {
    const file = this.app.workspace.getActiveFile();
    const target = file ? noteTarget({ path: file.path, frontmatter: this.app.metadataCache.getFileCache(file)?.frontmatter }) : { kind: 'none' as const };
    const view = (await this.leafFor(CALENDAR_VIEW)).view;
    if (view instanceof CalendarView) await view.show(target.kind === 'strategy' ? target.strategy : undefined);
  }

  private async openLatestRun(): Promise<void> {
    const runId = await attempt(this.ctx, () => latestRunId(this.ctx));
    if (runId !== undefined) await this.openRun(runId);
  }

  private async reviewTrade(note: NoteInfo): Promise<void> {
    const detail = await attempt(this.ctx, () => this.ctx.client.trade(tradeIdOf(note)));
    if (detail) new ReviewModal(this.app, this.ctx, detail).open();
  }

  private async compareRuns(note: NoteInfo): Promise<void> {
    const runs = await attempt(this.ctx, () => runsToCompare(this.ctx, note));
    if (runs) new CompareModal(this.app, runs).open();
  }
}
