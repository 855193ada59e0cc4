/**
 * Volt: New Strategy Folder: `volt init` from the extension, for a .vsix user with no Volt
 * installed. It runs the init bundled in the extension (dist/server/bin/volt-init.js, see
 * esbuild.config.mjs) on the same Node as the sidecar, so the folder gets what `volt init` writes:
 * volt.config.json, an example strategy, and a tsconfig.json whose relative `paths` point the
 * editor at the engine's declarations copied into the folder (types/volt-engine/); completion,
 * hover and go-to-definition of the strategy API then come from VS Code's own TypeScript.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import { CONFIGURATION_SECTION } from '@volt/lsp-server/protocol';
import { SERVER_SETTINGS } from './settings.js';

/** The bundled init, relative to the extension's folder. */
export const BUNDLED_INIT = ['dist', 'server', 'bin', 'volt-init.js'];
/** The example the new folder starts with (packages/cli's EXAMPLE_STRATEGY_FILE). */
export const EXAMPLE_FILE = path.join('strategies', 'rsi-mean-reversion.strategy.ts');

export interface InitOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled `volt init DIR` on `node`; never throws (a Node that cannot start is an outcome). */
export function runInit(node: string, script: string, dir: string): Promise<InitOutcome> {
  return new Promise((resolve) => {
    const child = spawn(node, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ code: null, stdout, stderr: `cannot run ${node}: ${e.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The palette command. `target` lets a caller (or a test) name the folder instead of the dialog. */
export async function newStrategyFolder(output: vscode.OutputChannel, target?: vscode.Uri): Promise<InitOutcome | undefined> {
  const folder =
    target ??
    (
      await vscode.window.showOpenDialog({
        title: 'Volt: New Strategy Folder',
        openLabel: 'Set up for strategies',
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
      })
    )?.[0];
  if (!folder) return undefined;
  const extension = vscode.extensions.getExtension('volt.volt-vscode');
  if (!extension) throw new Error('the Volt extension is not installed (volt.volt-vscode)');
  const script = vscode.Uri.joinPath(extension.extensionUri, ...BUNDLED_INIT).fsPath;
  const node = vscode.workspace.getConfiguration(CONFIGURATION_SECTION).get<string>(SERVER_SETTINGS.nodePath)?.trim() || 'node';
  const outcome = await runInit(node, script, folder.fsPath);
  output.appendLine(`volt init ${folder.fsPath} (${node} ${script}): exit ${outcome.code}`);
  if (outcome.stdout) output.appendLine(outcome.stdout.trimEnd());
  if (outcome.stderr) output.appendLine(outcome.stderr.trimEnd());
  if (outcome.code !== 0) {
    // volt init says the problem and, on the next line, the fix: one notification holds both.
    const reason = outcome.stderr.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ') || `exit ${outcome.code}`;
    void vscode.window.showErrorMessage(`Volt could not set up ${folder.fsPath}: ${reason.replace(/^volt init: /, '')}`);
    return outcome;
  }
  const choice = await vscode.window.showInformationMessage(`Volt set up ${folder.fsPath}: a config, an example strategy and the engine's types for completion.`, 'Open Folder', 'Open the Example');
  if (choice === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: false });
  else if (choice === 'Open the Example') await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, ...EXAMPLE_FILE.split(path.sep)));
  return outcome;
}
