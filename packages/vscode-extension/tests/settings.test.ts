import { describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import { FORWARDED_SETTINGS, forwardedSettings, launchFailureMessage, needsRestart, serverLaunch } from '../src/settings.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

function config() {
  return vscode.workspace.getConfiguration('volt');
}

describe('settings forwarded to the sidecar', () => {
  it('sends only what the user set, nested as volt.config.json nests it', () => {
    resetStandIn();
    // Defaults alone must not override the workspace's volt.config.json.
    for (const key of FORWARDED_SETTINGS) recorded.settings.set(`volt.${key}`, { defaultValue: 1 });
    expect(forwardedSettings(config())).toEqual({});

    recorded.settings.set('volt.risk.maxDrawdown', { defaultValue: 0.25, globalValue: 0.2 });
    recorded.settings.set('volt.onSave.backtest', { defaultValue: true, workspaceValue: false });
    recorded.settings.set('volt.ollama.models', { defaultValue: {}, globalValue: { critique: 'qwen2.5-coder:7b' } });
    recorded.settings.set('volt.data.default', { defaultValue: '', globalValue: '  data/ETH_BTC-5m.json ' });
    expect(forwardedSettings(config())).toEqual({
      risk: { maxDrawdown: 0.2 },
      onSave: { backtest: false },
      ollama: { models: { critique: 'qwen2.5-coder:7b' } },
      data: { default: 'data/ETH_BTC-5m.json' },
    });
  });

  it('lets the most specific scope win and treats a cleared text box as unset', () => {
    resetStandIn();
    recorded.settings.set('volt.lint.maxPositionCap', { globalValue: 0.3, workspaceValue: 0.2, workspaceFolderValue: 0.15 });
    recorded.settings.set('volt.ollama.host', { globalValue: 'http://10.0.0.2:11434', workspaceValue: '   ' });
    expect(forwardedSettings(config())).toEqual({ lint: { maxPositionCap: 0.15 }, ollama: { host: 'http://10.0.0.2:11434' } });
  });

  it('never forwards the settings that only say how to start the sidecar', () => {
    resetStandIn();
    recorded.settings.set('volt.server.nodePath', { globalValue: '/opt/node/bin/node' });
    recorded.settings.set('volt.trace.server', { globalValue: 'verbose' });
    expect(forwardedSettings(config())).toEqual({});
  });
});

describe('starting the sidecar', () => {
  it('runs the bundled sidecar on node from PATH unless settings say otherwise', () => {
    resetStandIn();
    expect(serverLaunch(config(), '/ext/dist/server/bin/volt-lsp.js')).toMatchObject({
      command: 'node',
      args: ['/ext/dist/server/bin/volt-lsp.js', '--stdio'],
    });
    recorded.settings.set('volt.server.nodePath', { globalValue: '/opt/node-20/bin/node' });
    recorded.settings.set('volt.server.path', { workspaceValue: '/src/volt/packages/lsp-server/dist/bin/volt-lsp.js' });
    const launch = serverLaunch(config(), '/ext/dist/server/bin/volt-lsp.js');
    expect(launch.command).toBe('/opt/node-20/bin/node');
    expect(launch.args).toEqual(['/src/volt/packages/lsp-server/dist/bin/volt-lsp.js', '--stdio']);
    expect(launch.origin).toMatch(/volt\.server\.nodePath.*volt\.server\.path/);
  });

  it('tells the user which setting to change when node cannot be found', () => {
    resetStandIn();
    const launch = serverLaunch(config(), '/ext/dist/server/bin/volt-lsp.js');
    const message = launchFailureMessage(launch, new Error('spawn node ENOENT'));
    expect(message).toMatch(/node on PATH/);
    expect(message).toMatch(/set "volt\.server\.nodePath"/);
    expect(launchFailureMessage(launch, new Error('Connection to server got closed'))).toMatch(/output channel/);
  });

  it('restarts the sidecar only for the settings that change how it starts', () => {
    const change = (key: string) => ({ affectsConfiguration: (section: string) => key.startsWith(section) });
    expect(needsRestart(change('volt.server.nodePath'))).toBe(true);
    expect(needsRestart(change('volt.server.path'))).toBe(true);
    expect(needsRestart(change('volt.risk.maxDrawdown'))).toBe(false);
  });
});
