/** The plugin's settings (Settings → Volt) and what they make of the sidecar's `volt` settings. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface VoltPluginSettings {
  /** A volt-lsp executable or a checkout's bin/volt-lsp.js; found automatically when empty. */
  sidecarPath: string;
  /** The Node that runs a volt-lsp.js; node from PATH when empty. */
  nodePath: string;
  /** The Volt workspace (volt.config.json, strategies); when empty the nearest folder holding a
   * volt.config.json at or above the vault, else the vault itself. */
  workspace: string;
  /** The journal; when empty the workspace's own (journal.path of volt.config.json, .volt/journal.db). */
  journalPath: string;
  /** The folder inside the vault Volt writes its notes to. */
  vaultFolder: string;
  /** Export the run's notes after each "Backtest this strategy". */
  syncAfterRun: boolean;
}

export const DEFAULT_SETTINGS: VoltPluginSettings = {
  sidecarPath: '',
  nodePath: '',
  workspace: '',
  journalPath: '',
  vaultFolder: 'Volt',
  syncAfterRun: true,
};

/** Saved data merged over the defaults; fields of the wrong type fall back to the default. */
export function loadSettings(saved: unknown): VoltPluginSettings {
  const out = { ...DEFAULT_SETTINGS };
  if (typeof saved !== 'object' || saved === null) return out;
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof VoltPluginSettings)[]) {
    const v = (saved as Record<string, unknown>)[key];
    if (typeof v === typeof DEFAULT_SETTINGS[key]) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

export function workspaceRoot(settings: VoltPluginSettings, vaultRoot: string): string {
  if (settings.workspace) return path.resolve(vaultRoot, settings.workspace);
  for (let dir = path.resolve(vaultRoot); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'volt.config.json'))) return dir;
    if (path.dirname(dir) === dir) return vaultRoot;
  }
}

/** The folder the notes go to, absolute. */
export function exportFolder(settings: VoltPluginSettings, vaultRoot: string): string {
  return path.resolve(vaultRoot, settings.vaultFolder || DEFAULT_SETTINGS.vaultFolder);
}

/** The sidecar's `volt` settings: the vault folder always, the journal when set. */
export function sidecarSettings(settings: VoltPluginSettings, vaultRoot: string): Record<string, unknown> {
  return {
    vault: { path: exportFolder(settings, vaultRoot) },
    ...(settings.journalPath ? { journal: { path: path.resolve(vaultRoot, settings.journalPath) } } : {}),
  };
}
