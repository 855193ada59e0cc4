/**
 * The manifest and the code agree: every contributed command has a handler, every contributed
 * setting is read, and the extension wakes up for strategy files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import { STRATEGY_SELECTOR } from '../src/documents.js';
import { CLIENT_COMMANDS, registerCommands, type CommandContext } from '../src/commands.js';
import { FORWARDED_SETTINGS, SERVER_SETTINGS, forwardedSettings, serverLaunch } from '../src/settings.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const contributedCommands: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
const contributedSettings: string[] = Object.keys(manifest.contributes.configuration.properties);
const sources = readdirSync(new URL('../src/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(new URL(`../src/${f}`, import.meta.url), 'utf8'))
  .join('\n');

describe('package.json contributes', () => {
  it('has a registered handler for every command, and contributes every registered command', () => {
    resetStandIn();
    registerCommands({} as CommandContext);
    expect([...recorded.commands.keys()].sort()).toEqual([...contributedCommands].sort());
    expect(Object.values(CLIENT_COMMANDS).sort()).toEqual([...contributedCommands].sort());
    for (const c of manifest.contributes.commands) expect(c.category).toBe('Volt');
    expect(manifest.contributes.commands.map((c: { title: string }) => c.title)).toEqual(
      expect.arrayContaining(['Analyze Strategy', 'Run Backtest', 'Open Journal', 'Agent Status']),
    );
  });

  it('reads every contributed setting', () => {
    resetStandIn();
    forwardedSettings(vscode.workspace.getConfiguration('volt'));
    serverLaunch(vscode.workspace.getConfiguration('volt'), '/ext/server.js');
    // trace.server is read by vscode-languageclient itself, under the client's id ('volt').
    expect(sources).toMatch(/new LanguageClient\('volt',/);
    const read = [...recorded.inspected, `volt.${SERVER_SETTINGS.trace}`];
    expect([...new Set(read)].sort()).toEqual([...contributedSettings].sort());
    expect(FORWARDED_SETTINGS.length + Object.keys(SERVER_SETTINGS).length).toBe(contributedSettings.length);
  });

  it('mirrors volt.config.json: each forwarded setting exists in the engine’s defaults', async () => {
    const { DEFAULT_CONFIG } = await import('@volt/engine');
    for (const key of FORWARDED_SETTINGS) {
      const [section, field] = key.split('.') as [string, string];
      const defaults = (DEFAULT_CONFIG as unknown as Record<string, Record<string, unknown>>)[section];
      expect(defaults, key).toBeDefined();
      expect(field in defaults! || key === 'ollama.host', key).toBe(true);
      const contributed = manifest.contributes.configuration.properties[`volt.${key}`];
      if (key !== 'ollama.host' && key !== 'ollama.models' && key !== 'data.default') expect(contributed.default, key).toEqual(defaults![field]);
    }
  });

  it('activates for strategy files and hands only those to the sidecar', () => {
    expect(manifest.activationEvents).toEqual(['workspaceContains:**/*.strategy.ts', 'onLanguage:typescript']);
    expect(STRATEGY_SELECTOR).toEqual([{ scheme: 'file', language: 'typescript', pattern: '**/*.strategy.ts' }]);
    expect(manifest.main).toBe('./dist/extension.js');
    expect(manifest.engines.vscode).toBe('^1.100.0');
  });
});
