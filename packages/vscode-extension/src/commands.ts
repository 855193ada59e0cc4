/**
 * The palette commands. Each asks the sidecar through one of Volt's `workspace/executeCommand`
 * names (protocol.ts) and shows the answer the way VS Code users expect: findings in a quick pick
 * that jumps to the line, the backtest in the report view, the journal's runs in a quick pick that
 * opens their notes, the agents in their table view and the status bar.
 */
import * as vscode from 'vscode';
import {
  Commands,
  type AgentStatusResult,
  type AnalyzeResult,
  type BacktestParams,
  type BacktestResult,
  type BacktestSummary,
  type CritiqueStatus,
  type CritiqueStatusParams,
  type JournalResult,
  type SymbolsResult,
  type VoltFinding,
} from '@volt/lsp-server/protocol';
import type { SidecarCalls } from './client.js';
import { isStrategyPath } from './documents.js';
import { formatDate } from './report-model.js';
import type { ReportView } from './report-view.js';
import { agentStatusLine, type AgentStatusView } from './agent-status-view.js';
import { errorText, plainPaths } from './user-text.js';
import type { VoltStatus } from './status.js';
import { newStrategyFolder } from './new-folder.js';
import { optimizeStrategy, type OptimizeCalls, type OptimizeView } from './optimize-view.js';
import { draftStrategyFromIdea } from './draft.js';
import { suggestParams, type SuggestCalls } from './suggest.js';
import { startPaperSession, stopPaperSession, type PaperCalls } from './paper.js';

/** VS Code command ids (package.json `contributes.commands`). They differ from the sidecar's own
 * `volt.analyze`… names, which the language client registers for the server. */
export const CLIENT_COMMANDS = {
  analyzeStrategy: 'volt.analyzeStrategy',
  runBacktest: 'volt.runBacktest',
  openJournal: 'volt.openJournal',
  agentStatus: 'volt.showAgentStatus',
  showReport: 'volt.showReport',
  restartSidecar: 'volt.restartSidecar',
  showOutput: 'volt.showOutput',
  newStrategyFolder: 'volt.newStrategyFolder',
  optimizeStrategy: 'volt.optimizeStrategy',
  draftStrategy: 'volt.draftStrategy',
  suggestParams: 'volt.suggestParams',
  startPaperSession: 'volt.startPaperSession',
  stopPaperSession: 'volt.stopPaperSession',
} as const;

export interface CommandContext {
  sidecar: SidecarCalls & { restart(): Promise<void> };
  reports: ReportView;
  agents: AgentStatusView;
  status: VoltStatus;
  output: vscode.OutputChannel;
  /** Volt: Optimize Strategy's sidecar calls and report (the extension passes both). */
  optimizer?: { sidecar: OptimizeCalls; view: OptimizeView };
  /** Volt: Suggest Params' sidecar call (volt/suggest). */
  suggester?: SuggestCalls;
  /** Volt: Start / Stop Paper Session's sidecar calls (volt.paper.*). */
  paper?: PaperCalls;
}

const DAY = 86_400_000;

export function isStrategyFile(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return !!uri && uri.scheme === 'file' && isStrategyPath(uri.path);
}

/** The strategy a command is about: the active editor's, else the one the user picks. */
export async function pickStrategy(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isStrategyFile(active)) return active;
  const visible = vscode.window.visibleTextEditors.map((e) => e.document.uri).find(isStrategyFile);
  if (visible) return visible;
  const files = await vscode.workspace.findFiles('**/*.strategy.ts', '**/node_modules/**', 200);
  if (files.length === 0) {
    void vscode.window.showWarningMessage('Volt: no *.strategy.ts file in this workspace. Open or create one first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Volt: which strategy?', placeHolder: 'Pick a strategy file' },
  );
  return picked?.uri;
}

// ---------------------------------------------------------------------------------------------
// Choices offered before a backtest

export interface SymbolChoice {
  label: string;
  description?: string;
  /** undefined: the strategy's own first symbol. null: ask for one. */
  symbol: string | undefined | null;
}

/**
 * The symbols a backtest can be of: the strategy's own, then the markets the workspace has data for
 * (volt/symbols: data.symbols of volt.config.json and the exchange cache), then a typed one, which
 * without data of its own runs on the synthetic market and says so.
 */
export function symbolChoices(last: BacktestSummary | null, available: SymbolsResult['symbols'] = []): SymbolChoice[] {
  const choices: SymbolChoice[] = [{ label: "The strategy's symbol", description: 'its first `symbols` entry', symbol: undefined }];
  for (const s of available) {
    if (s.source === 'declared') continue;
    choices.push({ label: s.symbol, description: s.source === 'config' ? `data.symbols: ${plainPaths(s.data)}` : 'fetched before (exchange cache)', symbol: s.symbol });
  }
  if (last && !choices.some((c) => c.symbol === last.symbol) && !last.synthetic) {
    choices.push({ label: last.symbol, description: 'used by the last backtest', symbol: last.symbol });
  }
  choices.push({ label: 'Another symbol…', description: 'type it; without data of its own it runs on the synthetic market', symbol: null });
  return choices;
}

export interface RangeChoice {
  label: string;
  description?: string;
  /** undefined bounds: the whole data set. null: ask for a custom range. */
  range: { from?: string; to?: string } | null;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Date ranges to offer. They are measured back from the end of the data the last backtest used,
 * not from today: a fixed data set (or the synthetic market) may end long ago.
 */
export function dateRangeChoices(last: BacktestSummary | null): RangeChoice[] {
  const choices: RangeChoice[] = [
    {
      label: 'Whole data set',
      description: last ? `${isoDay(last.from)} → ${isoDay(last.to)} (${last.data})` : 'everything the data has',
      range: {},
    },
  ];
  if (last) {
    const span = last.to - last.from;
    for (const days of [30, 90, 365]) {
      if (days * DAY >= span) continue;
      const from = isoDay(last.to - days * DAY);
      choices.push({ label: `Last ${days} days of the data`, description: `${from} → ${isoDay(last.to)}`, range: { from, to: isoDay(last.to) } });
    }
  }
  choices.push({ label: 'Custom range…', description: 'YYYY-MM-DD..YYYY-MM-DD', range: null });
  return choices;
}

/** Parses "2024-01-01..2024-03-31" (either side may be empty); a string is the problem to show. */
export function parseDateRange(text: string): { from?: string; to?: string } | string {
  const match = /^\s*(\d{4}-\d{2}-\d{2})?\s*\.\.\s*(\d{4}-\d{2}-\d{2})?\s*$/.exec(text);
  if (!match) return 'Write the range as YYYY-MM-DD..YYYY-MM-DD (either side may be left out)';
  const [, from, to] = match;
  for (const d of [from, to]) {
    if (d && Number.isNaN(Date.parse(`${d}T00:00:00Z`))) return `${d} is not a date`;
  }
  if (from && to && from > to) return `The range starts (${from}) after it ends (${to})`;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

// ---------------------------------------------------------------------------------------------
// How results read

const SEVERITY_ICON: Record<VoltFinding['severity'], string> = {
  error: '$(error)',
  warning: '$(warning)',
  info: '$(info)',
  hint: '$(lightbulb)',
};

export function findingItem(f: VoltFinding): { label: string; description: string; detail?: string } {
  return {
    label: `${SEVERITY_ICON[f.severity]} ${f.code}`,
    description: `line ${f.range.start.line + 1}: ${plainPaths(f.message)}`,
    ...(f.fixTitle ? { detail: `Quick fix: ${f.fixTitle}` } : {}),
  };
}

export function summaryLine(s: BacktestSummary): string {
  return `Sharpe ${s.sharpe.toFixed(2)} · max DD ${(s.maxDrawdown * 100).toFixed(1)}% · ${s.trades} trades · win ${(s.winRate * 100).toFixed(0)}% · return ${(s.totalReturn * 100).toFixed(2)}%`;
}

/**
 * What a save's critique (volt/critiqueStatus) tells the user: one that could not run is a warning
 * with its reason, one that found something says how many points and where to look; a clean
 * answer only goes to the output channel.
 */
export function tellCritiqueStatus(status: CritiqueStatusParams, output: { appendLine(line: string): void }): void {
  const line = critiqueLine(status, new Date(status.at));
  if (!line) return;
  const file = vscode.workspace.asRelativePath(vscode.Uri.parse(status.uri));
  output.appendLine(plainPaths(`${file}: ${line}${status.findings > 0 ? `: ${status.findings} point${status.findings === 1 ? '' : 's'}` : ''}`));
  if (status.source === 'unavailable') void vscode.window.showWarningMessage(`Volt: ${plainPaths(line)} (${file})`);
  else if (status.findings > 0) void vscode.window.showInformationMessage(`Volt: ${line}: ${status.findings} point${status.findings === 1 ? '' : 's'} in ${file} (Problems)`);
}

/**
 * How the LLM critique of an analysis went, so "no findings" never reads as "the model found
 * nothing" when no model was asked. `at` is when the answer came (the analysis waits for it).
 */
export function critiqueLine(critique: CritiqueStatus | undefined, at: Date = new Date()): string | undefined {
  if (!critique) return undefined;
  const time = at.toTimeString().slice(0, 5);
  switch (critique.source) {
    case 'unavailable':
      // The engine's reason may carry its own "LLM unavailable:" lead; saying it twice helps nobody.
      return `LLM critique unavailable: ${(critique.reason ?? 'no reason given').replace(/^LLM unavailable:\s*/, '')}`;
    case 'cancelled':
      return `LLM critique by ${critique.model} cancelled: a newer edit superseded it`;
    case 'cache':
      return `LLM critique by ${critique.model}, replayed from the journal's cache at ${time}`;
    default:
      return `LLM critique by ${critique.model} at ${time}`;
  }
}


// ---------------------------------------------------------------------------------------------
// The commands

export async function analyzeStrategy(ctx: CommandContext): Promise<AnalyzeResult | undefined> {
  const uri = await pickStrategy();
  if (!uri) return undefined;
  const name = vscode.workspace.asRelativePath(uri);
  let result: AnalyzeResult;
  try {
    result = await ctx.status.during(`analyze:${uri}`, `analyzing ${name}`, () =>
      ctx.sidecar.execute<AnalyzeResult>(Commands.analyze, { uri: uri.toString() }),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: could not analyze ${name}: ${errorText(error)}`);
    return undefined;
  }
  const last = result.lastBacktest ? ` · last backtest: ${summaryLine(result.lastBacktest)}` : '';
  const critique = critiqueLine(result.critique);
  const told = critique ? ` · ${plainPaths(critique)}` : '';
  ctx.output.appendLine(`Analyze ${name}: ${result.findings.length} finding(s)${told}${last}`);
  if (result.findings.length === 0) {
    void vscode.window.showInformationMessage(`Volt: no findings in ${name}${told}${last}`);
    return result;
  }
  const picked = await vscode.window.showQuickPick(
    result.findings.map((f) => ({ ...findingItem(f), finding: f })),
    { title: `Volt: ${result.findings.length} finding(s) in ${name}${told}${last}`, placeHolder: 'Pick a finding to go to its line', matchOnDescription: true },
  );
  if (picked) {
    const { start, end } = picked.finding.range;
    await vscode.window.showTextDocument(uri, {
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
    });
  }
  return result;
}

/** After this many seconds a run's notification says it is still running, and counts on. */
export const STILL_RUNNING_AFTER_S = 2;

/**
 * Runs `task`, telling `progress` every second once it has taken a while ("still running, 8 s"):
 * a run nearing its time limit (backtest.timeoutMs, 10 s by default) should not look hung.
 */
export async function withElapsed<T>(progress: { report(value: { message?: string }): void }, task: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    if (seconds >= STILL_RUNNING_AFTER_S) progress.report({ message: `still running, ${seconds} s` });
  }, 1000);
  try {
    return await task();
  } finally {
    clearInterval(timer);
  }
}

/** Runs a backtest with progress and cancellation and shows it in the report view. */
export async function backtestAndShow(ctx: CommandContext, params: BacktestParams): Promise<BacktestResult | undefined> {
  const name = vscode.workspace.asRelativePath(vscode.Uri.parse(params.uri));
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Volt: backtesting ${name}`, cancellable: true },
      (progress, token) => ctx.status.during(`backtest:${params.uri}`, `backtesting ${name}`, () =>
        withElapsed(progress, () => ctx.sidecar.execute<BacktestResult>(Commands.backtest, params, token)),
      ),
    );
    ctx.output.appendLine(`Backtest ${name}: ${summaryLine(result.summary)}`);
    await ctx.reports.show(result, params);
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: the backtest of ${name} failed: ${errorText(error)}`);
    return undefined;
  }
}

export async function runBacktest(ctx: CommandContext): Promise<BacktestResult | undefined> {
  const uri = await pickStrategy();
  if (!uri) return undefined;
  // The last run tells which symbol and which dates the data covers, for the choices below.
  const last = await ctx.sidecar
    .execute<AnalyzeResult>(Commands.analyze, { uri: uri.toString() })
    .then((r) => r.lastBacktest)
    .catch(() => null);

  const available = await ctx.sidecar.symbols?.({ uri: uri.toString() }).catch(() => undefined);
  const symbolPick = await vscode.window.showQuickPick(symbolChoices(last, available?.symbols), { title: 'Volt: backtest which symbol?', ignoreFocusOut: true });
  if (!symbolPick) return undefined;
  let symbol = symbolPick.symbol;
  if (symbol === null) {
    const typed = await vscode.window.showInputBox({ title: 'Volt: symbol', prompt: 'e.g. BTC/USDT', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Type a symbol') });
    if (!typed) return undefined;
    symbol = typed.trim();
  }

  const rangePick = await vscode.window.showQuickPick(dateRangeChoices(last), { title: 'Volt: over which dates?', ignoreFocusOut: true });
  if (!rangePick) return undefined;
  let range = rangePick.range;
  if (range === null) {
    const typed = await vscode.window.showInputBox({
      title: 'Volt: date range',
      prompt: 'YYYY-MM-DD..YYYY-MM-DD (UTC, inclusive); leave a side empty for the start or end of the data',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const parsed = parseDateRange(v);
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    if (typed === undefined) return undefined;
    const parsed = parseDateRange(typed);
    if (typeof parsed === 'string') return undefined;
    range = parsed;
  }
  return backtestAndShow(ctx, { uri: uri.toString(), ...(symbol ? { symbol } : {}), ...range });
}

export async function openJournal(ctx: CommandContext): Promise<JournalResult | undefined> {
  let journal: JournalResult;
  try {
    journal = await ctx.status.during('journal', 'reading the journal', () => ctx.sidecar.execute<JournalResult>(Commands.journal, { limit: 50 }));
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: could not read the journal: ${errorText(error)}`);
    return undefined;
  }
  ctx.output.appendLine(`Journal ${journal.journalPath}: ${journal.runs.length} run(s), ${journal.trades.length} trade(s)`);
  type Item = vscode.QuickPickItem & { open?: vscode.Uri };
  const items: Item[] = journal.runs.map((run) => ({
    label: `$(history) ${run.strategy}${run.complete ? '' : ' (interrupted)'}`,
    description: run.summary ? `${run.summary.symbol} ${run.summary.timeframe} · ${summaryLine({ ...run.summary, durationMs: 0, finishedAt: 0 })}` : 'no result',
    detail: `run ${run.runId} · ${formatDate(run.startedAt)} · ${run.data}${run.notePath ? ` · note ${run.notePath}` : ''}`,
    open: run.notePath ? vscode.Uri.file(run.notePath) : run.path ? vscode.Uri.file(run.path) : undefined,
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Volt: the journal (${journal.journalPath}) has no runs yet. Save a strategy or run a backtest.`);
    return journal;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `Volt journal: ${journal.runs.length} recent run(s), ${journal.trades.length} trade(s) — ${journal.journalPath}`,
    placeHolder: 'Pick a run to open its note (or its strategy)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.open) await vscode.window.showTextDocument(picked.open);
  return journal;
}

/** Fills the status bar with the agents and the LLM state without a message (at start-up). */
export async function refreshAgentStatus(ctx: Pick<CommandContext, 'sidecar' | 'status' | 'output'>): Promise<void> {
  try {
    ctx.status.setAgents(await ctx.sidecar.execute<AgentStatusResult>(Commands.agentStatus, {}));
  } catch (error) {
    ctx.output.appendLine(`Agent status not available yet: ${errorText(error)}`);
  }
}

export async function showAgentStatus(ctx: CommandContext): Promise<AgentStatusResult | undefined> {
  try {
    const status = await ctx.status.during('agents', 'asking the agents', () => ctx.sidecar.execute<AgentStatusResult>(Commands.agentStatus, {}));
    ctx.status.setAgents(status);
    ctx.output.appendLine(agentStatusLine(status));
    ctx.agents.show(status);
    return status;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: could not ask the agents: ${errorText(error)}`);
    return undefined;
  }
}

/** Volt: Show Backtest Report: the default backtest of a strategy (the code lens passes its file). */
export async function showReport(ctx: CommandContext, params?: BacktestParams): Promise<BacktestResult | undefined> {
  const uri = params?.uri ?? (await pickStrategy())?.toString();
  if (!uri) return undefined;
  return backtestAndShow(ctx, { ...params, uri });
}

/**
 * The sidecar's code lens runs `volt.backtest`, whose answer VS Code would drop; clicking the lens
 * should show that backtest, so the lens is pointed at Volt: Show Backtest Report instead.
 */
export function lensCommandInEditor<T extends { command: string; arguments?: unknown[] }>(command: T): T {
  if (command.command !== Commands.backtest) return command;
  return { ...command, command: CLIENT_COMMANDS.showReport };
}

/** Registers every palette command; package.json's `contributes.commands` lists the same ids. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const handlers: Record<(typeof CLIENT_COMMANDS)[keyof typeof CLIENT_COMMANDS], (...args: any[]) => unknown> = {
    [CLIENT_COMMANDS.analyzeStrategy]: () => analyzeStrategy(ctx),
    [CLIENT_COMMANDS.runBacktest]: () => runBacktest(ctx),
    [CLIENT_COMMANDS.openJournal]: () => openJournal(ctx),
    [CLIENT_COMMANDS.agentStatus]: () => showAgentStatus(ctx),
    [CLIENT_COMMANDS.showReport]: (params?: BacktestParams) => showReport(ctx, params),
    [CLIENT_COMMANDS.restartSidecar]: () => ctx.sidecar.restart(),
    [CLIENT_COMMANDS.showOutput]: () => ctx.output.show(true),
    [CLIENT_COMMANDS.newStrategyFolder]: (target?: vscode.Uri) => newStrategyFolder(ctx.output, target),
    [CLIENT_COMMANDS.optimizeStrategy]: async () => {
      const uri = await pickStrategy();
      if (uri && ctx.optimizer) return optimizeStrategy(ctx.optimizer.sidecar, ctx.optimizer.view, ctx.output, uri);
      return undefined;
    },
    [CLIENT_COMMANDS.draftStrategy]: (idea?: string) => draftStrategyFromIdea(ctx, typeof idea === 'string' ? idea : undefined),
    [CLIENT_COMMANDS.suggestParams]: async () => {
      const uri = await pickStrategy();
      return uri && ctx.suggester ? suggestParams(ctx.suggester, ctx.output, uri) : undefined;
    },
    [CLIENT_COMMANDS.startPaperSession]: async () => {
      const uri = await pickStrategy();
      return uri && ctx.paper ? startPaperSession(ctx.paper, ctx.output, uri) : undefined;
    },
    [CLIENT_COMMANDS.stopPaperSession]: () => (ctx.paper ? stopPaperSession(ctx.paper) : undefined),
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
