/** Settings → Volt. A change is saved at once and the sidecar restarted, so the next request uses it. */
import { PluginSettingTab, Setting, type App, type Plugin } from 'obsidian';
import type { VoltPluginSettings } from './settings.js';

export interface SettingsOwner extends Plugin {
  settings: VoltPluginSettings;
  saveSettings(): Promise<void>;
}

const TEXT_FIELDS: readonly { key: 'sidecarPath' | 'nodePath' | 'workspace' | 'journalPath' | 'vaultFolder'; name: string; desc: string; placeholder: string }[] = [
  { key: 'sidecarPath', name: 'Sidecar path', desc: 'A volt-lsp, or a checkout\'s packages/lsp-server/bin/volt-lsp.js. Empty: volt-lsp on PATH or in the usual global folders, then the Volt repository the plugin sits in.', placeholder: 'found automatically' },
  { key: 'nodePath', name: 'Node path', desc: 'The Node (20.19 or newer) that runs volt-lsp. Empty: node on PATH.', placeholder: 'node on PATH' },
  { key: 'workspace', name: 'Volt workspace', desc: 'The folder with volt.config.json and your strategies. Empty: the nearest such folder at or above the vault.', placeholder: 'found from the vault' },
  { key: 'journalPath', name: 'Journal path', desc: "The journal (journal.db). Empty: the workspace's own (.volt/journal.db).", placeholder: ".volt/journal.db of the workspace" },
  { key: 'vaultFolder', name: 'Vault folder', desc: 'Where in this vault Volt writes its Trades, Performance, Strategies and Agent-Logs notes.', placeholder: 'Volt' },
];

export class VoltSettingTab extends PluginSettingTab {
  constructor(
    app: App,
    private readonly owner: SettingsOwner,
  ) {
    super(app, owner);
  }

  override display(): void {
    const { containerEl } = this;
    containerEl.empty();
    for (const f of TEXT_FIELDS) {
      new Setting(containerEl)
        .setName(f.name)
        .setDesc(f.desc)
        .addText((text) =>
          text
            .setPlaceholder(f.placeholder)
            .setValue(this.owner.settings[f.key])
            .onChange(async (value) => {
              this.owner.settings[f.key] = value.trim();
              await this.owner.saveSettings();
            }),
        );
    }
    new Setting(containerEl)
      .setName('Sync after each run')
      .setDesc('After "Backtest this strategy", export the run\'s notes into the vault.')
      .addToggle((toggle) =>
        toggle.setValue(this.owner.settings.syncAfterRun).onChange(async (value) => {
          this.owner.settings.syncAfterRun = value;
          await this.owner.saveSettings();
        }),
      );
  }
}
