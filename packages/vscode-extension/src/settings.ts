/**
 * What the extension reads from VS Code's settings: the `volt.*` settings that mirror
 * volt.config.json (forwarded to the sidecar over `workspace/configuration`) and the few that only
 * the extension uses (how to start the sidecar).
 *
 * Only settings the user actually set are forwarded. VS Code fills every contributed setting with
 * its default, and forwarding those would silently override what the trader wrote in the
 * workspace's volt.config.json.
 */
import type * as vscode from 'vscode';
import type { VoltSettings } from '@volt/lsp-server/protocol';
import type { InstalledSidecar } from './locate.js';

/** Dotted keys under `volt.` that mirror volt.config.json, in the order the Settings UI lists them. */
export const FORWARDED_SETTINGS = [
  'data.default',
  'onSave.backtest',
  'onSave.critique',
  'risk.maxPositionPct',
  'risk.maxDrawdown',
  'risk.maxDailyLoss',
  'risk.maxConsecutiveLosses',
  'lint.maxPositionCap',
  'lint.debounceMs',
  'backtest.capital',
  'backtest.feeRate',
  'backtest.slippage',
  'backtest.timeoutMs',
  'backtest.maxMemoryMb',
  'backtest.workers',
  'agents.mode',
  'ollama.host',
  'ollama.models',
  'ollama.timeoutMs',
] as const;
export type ForwardedSetting = (typeof FORWARDED_SETTINGS)[number];

/** Settings only the extension reads: they say how to start the sidecar, the sidecar never sees them. */
export const SERVER_SETTINGS = {
  nodePath: 'server.nodePath',
  path: 'server.path',
  trace: 'trace.server',
} as const;

/** The part of `vscode.WorkspaceConfiguration` this module needs (so tests can hand in a plain object). */
export type SettingsSource = Pick<vscode.WorkspaceConfiguration, 'inspect' | 'get'>;

const isUnset = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function explicitValue(config: SettingsSource, key: string): unknown {
  const seen = config.inspect(key);
  if (!seen) return undefined;
  // The most specific scope the user wrote wins, as in VS Code itself; a blank one is skipped.
  return [seen.workspaceFolderValue, seen.workspaceValue, seen.globalValue].find((value) => !isUnset(value));
}

/**
 * The settings to send the sidecar: every `volt.*` setting the user set, nested as volt.config.json
 * nests them (`risk.maxDrawdown: 0.2` → `{ risk: { maxDrawdown: 0.2 } }`). Blank strings count as
 * unset, so clearing a text box in the Settings UI falls back to volt.config.json.
 */
export function forwardedSettings(config: SettingsSource): VoltSettings {
  const settings: Record<string, Record<string, unknown>> = {};
  for (const key of FORWARDED_SETTINGS) {
    const value = explicitValue(config, key);
    if (isUnset(value)) continue;
    const [section, field] = key.split('.') as [string, string];
    (settings[section] ??= {})[field] = typeof value === 'string' ? value.trim() : value;
  }
  return settings as VoltSettings;
}

/** True when a change of configuration touches a setting that needs the sidecar restarted. */
export function needsRestart(change: Pick<vscode.ConfigurationChangeEvent, 'affectsConfiguration'>): boolean {
  return (
    change.affectsConfiguration(`volt.${SERVER_SETTINGS.nodePath}`) || change.affectsConfiguration(`volt.${SERVER_SETTINGS.path}`)
  );
}

export interface ServerLaunch {
  /** Node executable: `volt.server.nodePath`, else `node` found on PATH. */
  command: string;
  args: string[];
  /** Where the command came from, for the output channel and error messages. */
  origin: string;
  /** Which sidecar runs: the setting's, an installed one, or the extension's own. */
  source: 'setting' | 'PATH' | 'global prefix' | 'bundled';
  /** That sidecar in a few words, for the status bar ("volt-lsp on PATH (/usr/local/bin/volt-lsp)"). */
  which: string;
}

/**
 * How to start the sidecar: `volt.server.path` when set, else an installed `volt-lsp` (PATH, then
 * the usual global prefixes; see locate.ts), else the sidecar bundled in the extension. It runs on
 * the user's Node rather than VS Code's own because better-sqlite3 (the journal) is a native module
 * built for a regular Node.
 */
export function serverLaunch(config: SettingsSource, bundledServer: string, installed?: InstalledSidecar): ServerLaunch {
  const nodePath = config.get<string>(SERVER_SETTINGS.nodePath)?.trim();
  const serverPath = config.get<string>(SERVER_SETTINGS.path)?.trim();
  const [server, which, source]: [string, string, ServerLaunch['source']] = serverPath
    ? [serverPath, 'volt.server.path', 'setting']
    : installed
      ? [installed.script, `volt-lsp on ${installed.via === 'PATH' ? 'PATH' : 'a global prefix'} (${installed.file})`, installed.via === 'PATH' ? 'PATH' : 'global prefix']
      : [bundledServer, 'the bundled sidecar', 'bundled'];
  const command = nodePath ? nodePath : 'node';
  return {
    command,
    args: [server, '--stdio'],
    origin: `${nodePath ? 'volt.server.nodePath' : 'node on PATH'} (${command}) running ${which} (${server})`,
    source,
    which,
  };
}

/** What to tell the user when the sidecar cannot be started, with what to change. */
export function launchFailureMessage(launch: ServerLaunch, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const missingNode = /ENOENT|not found|spawn/i.test(reason) && !reason.includes(launch.args[0] ?? '\u0000');
  const fix = missingNode
    ? 'Install Node.js 20.19 or newer, or set "volt.server.nodePath" to its full path.'
    : 'Check the Volt output channel for the sidecar\'s log; "volt.server.path" overrides the installed and the bundled sidecar.';
  return `Volt could not start its sidecar with ${launch.origin}: ${reason}. ${fix}`;
}
