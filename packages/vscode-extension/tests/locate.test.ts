import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import { findInstalledSidecar, versionMismatch } from '../src/locate.js';
import { serverLaunch } from '../src/settings.js';
import { VoltStatus } from '../src/status.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-vscode-locate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A prefix laid out as `npm install -g` leaves it: bin/volt-lsp linking to lib/node_modules/…/bin/volt-lsp.js. */
function installedPrefix(at: string): { bin: string; script: string } {
  const script = path.join(at, 'lib', 'node_modules', '@volt', 'cli', 'bin', 'volt-lsp.js');
  mkdirSync(path.dirname(script), { recursive: true });
  writeFileSync(script, '#!/usr/bin/env node\n');
  chmodSync(script, 0o755);
  const bin = path.join(at, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(script, path.join(bin, 'volt-lsp'));
  return { bin, script };
}

describe('finding an installed volt-lsp', () => {
  it('PATH first, then the usual global prefixes, else none (the bundled sidecar)', () => {
    const base = path.join(tmp, `case${n++}`);
    const home = path.join(base, 'home');
    mkdirSync(home, { recursive: true });
    const env = { HOME: home, PATH: path.join(base, 'empty') };
    expect(findInstalledSidecar(env)).toBeUndefined();

    const global = installedPrefix(path.join(home, '.npm-global'));
    expect(findInstalledSidecar(env)).toEqual({ file: path.join(global.bin, 'volt-lsp'), script: global.script, via: 'global prefix' });

    const onPath = installedPrefix(path.join(base, 'usr'));
    expect(findInstalledSidecar({ ...env, PATH: `${path.join(base, 'empty')}${path.delimiter}${onPath.bin}` })).toEqual({
      file: path.join(onPath.bin, 'volt-lsp'),
      script: onPath.script,
      via: 'PATH',
    });
    // npm_config_prefix (what `npm prefix -g` is set by) counts as a global prefix.
    const custom = installedPrefix(path.join(base, 'custom'));
    expect(findInstalledSidecar({ HOME: path.join(base, 'nohome'), PATH: '', npm_config_prefix: path.join(base, 'custom') })?.script).toBe(custom.script);
  });

  it('runs the installed one on the chosen Node before the bundled one; volt.server.path still wins', () => {
    resetStandIn();
    const config = vscode.workspace.getConfiguration('volt');
    const installed = { file: '/usr/local/bin/volt-lsp', script: '/usr/local/lib/node_modules/@volt/cli/bin/volt-lsp.js', via: 'PATH' as const };
    const launch = serverLaunch(config, '/ext/dist/server/bin/volt-lsp.js', installed);
    expect(launch).toMatchObject({ command: 'node', args: [installed.script, '--stdio'], source: 'PATH', which: 'volt-lsp on PATH (/usr/local/bin/volt-lsp)' });
    expect(serverLaunch(config, '/ext/dist/server/bin/volt-lsp.js')).toMatchObject({ source: 'bundled', which: 'the bundled sidecar' });
    recorded.settings.set('volt.server.path', { globalValue: '/src/volt/packages/lsp-server/bin/volt-lsp.js' });
    expect(serverLaunch(config, '/ext/dist/server/bin/volt-lsp.js', installed)).toMatchObject({
      args: ['/src/volt/packages/lsp-server/bin/volt-lsp.js', '--stdio'],
      source: 'setting',
    });
  });
});

describe('the sidecar’s version in the status bar', () => {
  it('says which sidecar runs and its version; another release than the extension’s shows in the item', () => {
    const item = vscode.window.createStatusBarItem() as unknown as vscode.StatusBarItem;
    const status = new VoltStatus(item, 'volt.showAgentStatus');
    status.setSidecar({ which: 'volt-lsp on PATH (/usr/local/bin/volt-lsp)', source: 'PATH', version: '0.1.0', mismatch: versionMismatch('0.1.0', '0.1.0') });
    expect(item.text).toBe('$(pulse) Volt');
    expect(String(item.tooltip)).toContain('Sidecar: volt-lsp on PATH (/usr/local/bin/volt-lsp), version 0.1.0');
    expect(String(item.tooltip)).not.toContain('Warning');

    const mismatch = versionMismatch('0.1.0', '0.2.0');
    expect(mismatch).toBe('the sidecar is volt-lsp 0.2.0 but the Volt extension is 0.1.0: install both from one release (npm install -g @volt/cli, and the .vsix of the same version)');
    status.setSidecar({ which: 'volt-lsp on PATH (/usr/local/bin/volt-lsp)', source: 'PATH', version: '0.2.0', mismatch });
    expect(item.text).toBe('$(warning) Volt · sidecar 0.2.0');
    status.setAgents({ agents: [{ role: 'trend', kind: 'rules', weight: 0.25, available: true }], llm: { host: 'http://127.0.0.1:11434', available: false, models: [] } });
    expect(item.text).toBe('$(warning) Volt: 1 agent · LLM unavailable · sidecar 0.2.0');
    expect(String(item.tooltip)).toContain(`Warning: ${mismatch}`);
  });
});
