/**
 * Volt in VS Code: the language client for the Volt sidecar, the palette commands, the backtest
 * report view and the status bar item. This file only wires them together.
 */
import * as vscode from 'vscode';
import { Commands, type BacktestResult } from '@volt/lsp-server/protocol';
import { Sidecar } from './client.js';
import { CLIENT_COMMANDS, refreshAgentStatus, registerCommands, tellCritiqueStatus } from './commands.js';
import { ReportView } from './report-view.js';
import { AgentStatusView } from './agent-status-view.js';
import { OptimizeView } from './optimize-view.js';
import { needsRestart } from './settings.js';
import { VoltStatus } from './status.js';
import { plainPaths } from './user-text.js';

let sidecar: Sidecar | undefined;
/** How often the status bar asks the sidecar for the running sessions. */
const SESSIONS_EVERY_MS = 10_000;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Volt');
  const status = new VoltStatus(vscode.window.createStatusBarItem('volt.status', vscode.StatusBarAlignment.Left, 10), CLIENT_COMMANDS.agentStatus);
  sidecar = new Sidecar(context, output, status);
  const server = sidecar;
  const reports = new ReportView(
    context.extensionUri,
    output,
    (params) => server.execute<BacktestResult>(Commands.backtest, params),
    (params) => server.bars(params),
  );

  const agents = new AgentStatusView(context.extensionUri);
  const optimizeView = new OptimizeView(context.extensionUri);

  context.subscriptions.push(
    output,
    status,
    server,
    reports,
    agents,
    optimizeView,
    ...registerCommands({ sidecar: server, reports, agents, status, output, optimizer: { sidecar: server, view: optimizeView }, suggester: server, paper: server }),
    // Saves' backtests: spinner while they run, and the open report follows them.
    server.onBacktestStatus((s) => {
      if (s.state === 'running') status.workStarted(`backtest:${s.uri}`, `backtesting ${vscode.workspace.asRelativePath(vscode.Uri.parse(s.uri))}`);
      else status.workFinished(`backtest:${s.uri}`);
      if (s.state === 'failed' && s.message) output.appendLine(plainPaths(`Backtest of ${s.uri} failed: ${s.message}`));
      reports.backtestStatus(s);
    }),
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (needsRestart(change)) void server.restart();
      else if (change.affectsConfiguration('volt')) server.settingsChanged();
    }),
  );

  server.onCritiqueStatus = (s) => tellCritiqueStatus(s, output);
  await server.start();
  void refreshAgentStatus({ sidecar: server, status, output });
  // Running paper and live sessions, from the journal, in the status bar.
  const sessions = setInterval(() => {
    server.sessions().then((r) => status.setSessions(r.sessions), () => undefined);
  }, SESSIONS_EVERY_MS);
  context.subscriptions.push({ dispose: () => clearInterval(sessions) });
}

export async function deactivate(): Promise<void> {
  await sidecar?.stop();
  sidecar = undefined;
}
