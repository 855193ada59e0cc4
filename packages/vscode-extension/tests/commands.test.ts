import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as vscode from 'vscode';
import { Commands, type AgentStatusResult, type AnalyzeResult, type BacktestStatusParams, type CommandName } from '@volt/lsp-server/protocol';
import {
  CLIENT_COMMANDS,
  analyzeStrategy,
  critiqueLine,
  lensCommandInEditor,
  dateRangeChoices,
  openJournal,
  parseDateRange,
  refreshAgentStatus,
  registerCommands,
  runBacktest,
  showAgentStatus,
  showReport,
  symbolChoices,
  tellCritiqueStatus,
  STILL_RUNNING_AFTER_S,
  type CommandContext,
} from '../src/commands.js';
import { ReportView } from '../src/report-view.js';
import { AgentStatusView } from '../src/agent-status-view.js';
import { VoltStatus } from '../src/status.js';
import { plainPaths } from '../src/user-text.js';
import { backtestResult, summary, TO } from './fixtures.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const FILE = '/ws/strategies/rsi-mean-reversion.strategy.ts';
const URI = `file://${FILE}`;

/** A sidecar that answers from a table and records each call; spinner text is captured mid-call. */
function scriptedSidecar(answers: Partial<Record<CommandName, (params: any) => unknown>>, status: () => VoltStatus) {
  const calls: { command: CommandName; params: any; statusText: string }[] = [];
  const listeners: ((s: BacktestStatusParams) => void)[] = [];
  return {
    calls,
    notify: (s: BacktestStatusParams) => listeners.forEach((l) => l(s)),
    async execute<R>(command: CommandName, params: object): Promise<R> {
      calls.push({ command, params, statusText: status().text });
      const answer = answers[command];
      if (!answer) throw new Error(`${command} is not served yet`);
      return answer(params) as R;
    },
    onBacktestStatus(l: (s: BacktestStatusParams) => void) {
      listeners.push(l);
      return { dispose() {} };
    },
    restart: async () => undefined,
  };
}

function setup(answers: Partial<Record<CommandName, (params: any) => unknown>>) {
  const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
  const status = new VoltStatus(vscode.window.createStatusBarItem() as unknown as vscode.StatusBarItem, CLIENT_COMMANDS.agentStatus);
  const sidecar = scriptedSidecar(answers, () => status);
  const agents = new AgentStatusView(vscode.Uri.file('/ext') as unknown as vscode.Uri);
  const reports = new ReportView(vscode.Uri.file('/ext') as unknown as vscode.Uri, output, (p) => sidecar.execute(Commands.backtest, p), () =>
    Promise.reject(new Error('volt/bars is not served here')),
  );
  const ctx: CommandContext = { sidecar, reports, agents, status, output };
  return { ctx, sidecar, status, output, reports };
}

beforeEach(() => resetStandIn());

describe('backtest choices', () => {
  it('offers the last run’s symbol and ranges measured back from the end of its data', () => {
    expect(symbolChoices(null).map((c) => c.symbol)).toEqual([undefined, null]);
    expect(symbolChoices(summary()).map((c) => c.label)).toEqual(["The strategy's symbol", 'BTC/USDT', 'Another symbol…']);
    // The markets the workspace has data for (volt/symbols); a symbol a run only had synthetic candles for is not offered.
    const available = [
      { symbol: 'BTC/USDT', data: '/ws/btc.csv', source: 'declared' as const },
      { symbol: 'ETH/BTC', data: '/ws/data/eth.json', source: 'config' as const },
      { symbol: 'SOL/USDT', data: '/ws/.volt/cache/binance-SOL_USDT-1h.csv', source: 'cache' as const },
    ];
    expect(symbolChoices({ ...summary(), symbol: 'SYNTH', synthetic: true }, available).map((c) => c.label)).toEqual(["The strategy's symbol", 'ETH/BTC', 'SOL/USDT', 'Another symbol…']);

    const ranges = dateRangeChoices(summary());
    expect(ranges.map((r) => r.label)).toEqual(['Whole data set', 'Last 30 days of the data', 'Last 90 days of the data', 'Custom range…']);
    expect(ranges[1]!.range).toEqual({ from: '2024-12-01', to: '2024-12-31' });
    expect(ranges[0]!.description).toBe('2024-01-01 → 2024-12-31 (synthetic:42)');
    // A year of data has no "last 365 days" shorter than itself; a first run knows no dates at all.
    expect(dateRangeChoices(summary({ from: TO - 40 * 86_400_000 })).map((r) => r.label)).toEqual(['Whole data set', 'Last 30 days of the data', 'Custom range…']);
    expect(dateRangeChoices(null).map((r) => r.range)).toEqual([{}, null]);
  });

  it('reads a typed date range and says what is wrong with a bad one', () => {
    expect(parseDateRange('2024-01-01..2024-03-31')).toEqual({ from: '2024-01-01', to: '2024-03-31' });
    expect(parseDateRange(' 2024-06-01 .. ')).toEqual({ from: '2024-06-01' });
    expect(parseDateRange('..2024-02-01')).toEqual({ to: '2024-02-01' });
    expect(parseDateRange('2024-03-31..2024-01-01')).toMatch(/starts .* after it ends/);
    expect(parseDateRange('last week')).toMatch(/YYYY-MM-DD\.\.YYYY-MM-DD/);
    expect(parseDateRange('2024-13-45..')).toMatch(/not a date/);
  });
});

describe('a long run and the sidecar’s file URIs', () => {
  afterEach(() => vi.useRealTimers());

  it('a run nearing its time limit says it is still running, by the second, in its progress notification', async () => {
    vi.useFakeTimers();
    recorded.activeFile = FILE;
    const { ctx } = setup({ [Commands.backtest]: (p) => new Promise((resolve) => setTimeout(() => resolve(backtestResult(p.uri)), 8_500)) });
    const run = showReport(ctx, { uri: URI });
    await vi.advanceTimersByTimeAsync(9_000);
    await run;
    const reports = recorded.shown.filter((s) => s.kind === 'progressReport').map((s) => s.text);
    expect(STILL_RUNNING_AFTER_S).toBe(2);
    expect(reports).toEqual(['still running, 2 s', 'still running, 3 s', 'still running, 4 s', 'still running, 5 s', 'still running, 6 s', 'still running, 7 s', 'still running, 8 s']);
    // Nothing more once it is done.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(recorded.shown.filter((s) => s.kind === 'progressReport')).toHaveLength(7);
  });

  it('names files by their workspace path, never as file: URIs, in messages', async () => {
    expect(plainPaths(`cannot read ${URI}: open it`)).toBe('cannot read strategies/rsi-mean-reversion.strategy.ts: open it');
    expect(plainPaths(`failed at ${URI}:12:3.`)).toBe('failed at strategies/rsi-mean-reversion.strategy.ts:12:3.');
    expect(plainPaths('no uri here')).toBe('no uri here');
    recorded.activeFile = FILE;
    const { ctx } = setup({ [Commands.backtest]: () => Promise.reject(new Error(`the strategy threw at ${URI}:14:7`)) });
    await showReport(ctx, { uri: URI });
    const error = recorded.shown.find((s) => s.kind === 'error')!;
    expect(error.text).toBe('Volt: the backtest of strategies/rsi-mean-reversion.strategy.ts failed: the strategy threw at strategies/rsi-mean-reversion.strategy.ts:14:7');
    expect(recorded.shown.map((s) => s.text).join('\n')).not.toMatch(/file:/);
  });
});

describe('Volt: Run Backtest', () => {
  it('asks for a symbol and a range, runs that backtest with a spinner, and opens the report', async () => {
    recorded.activeFile = FILE;
    const { ctx, sidecar, status } = setup({
      [Commands.analyze]: (): AnalyzeResult => ({ uri: URI, version: 3, findings: [], lastBacktest: summary() }),
      [Commands.backtest]: (p) => backtestResult(p.uri, { finishedAt: 2_000 }),
    });
    recorded.quickPickAnswers = ['BTC/USDT', 'Last 90 days of the data'];
    const result = await runBacktest(ctx);

    expect(result?.summary.finishedAt).toBe(2_000);
    const backtest = sidecar.calls.find((c) => c.command === Commands.backtest)!;
    expect(backtest.params).toEqual({ uri: URI, symbol: 'BTC/USDT', from: '2024-10-02', to: '2024-12-31' });
    expect(backtest.statusText).toBe('$(sync~spin) Volt: backtesting strategies/rsi-mean-reversion.strategy.ts');
    expect(status.text).toBe('$(pulse) Volt');
    const panel = recorded.webviews[0]!;
    expect(panel.title).toBe('Volt: RSI mean reversion');
    // The report waits for the page's script, then arrives in one message, its chart in another.
    expect(panel.webview.posted).toEqual([]);
    panel.webview.fromPage({ type: 'ready' });
    expect(panel.webview.posted).toMatchObject([
      { type: 'report', model: { title: 'RSI mean reversion — backtest' } },
      { type: 'chart', chart: { caption: 'Price chart unavailable: volt/bars is not served here' } },
    ]);
  });

  it('takes a typed symbol and custom range, and stops quietly when a pick is dismissed', async () => {
    recorded.activeFile = FILE;
    const { ctx, sidecar } = setup({
      [Commands.analyze]: (): AnalyzeResult => ({ uri: URI, version: 1, findings: [], lastBacktest: null }),
      [Commands.backtest]: (p) => backtestResult(p.uri),
    });
    recorded.quickPickAnswers = ['Another symbol…', 'Custom range…'];
    recorded.inputBoxAnswers = ['ETH/BTC', '2024-02-01..2024-02-29'];
    await runBacktest(ctx);
    expect(sidecar.calls.at(-1)!.params).toEqual({ uri: URI, symbol: 'ETH/BTC', from: '2024-02-01', to: '2024-02-29' });

    recorded.quickPickAnswers = [undefined];
    expect(await runBacktest(ctx)).toBeUndefined();
    expect(sidecar.calls.filter((c) => c.command === Commands.backtest)).toHaveLength(1);
  });

  it('shows the sidecar’s error message when the backtest fails', async () => {
    recorded.activeFile = FILE;
    const { ctx } = setup({
      [Commands.analyze]: () => ({ uri: URI, version: 1, findings: [], lastBacktest: null }),
      [Commands.backtest]: () => {
        throw new Error('rsi-mean-reversion.strategy.ts:12:5 onBar threw: x is not defined');
      },
    });
    recorded.quickPickAnswers = ["The strategy's symbol", 'Whole data set'];
    await runBacktest(ctx);
    expect(recorded.shown.at(-1)).toEqual({ kind: 'error', text: expect.stringMatching(/failed: .*strategy\.ts:12:5 onBar threw/) });
    expect(recorded.webviews).toHaveLength(0);
  });
});

describe('the code lens', () => {
  it('opens the report of the file’s backtest instead of running one whose answer VS Code would drop', async () => {
    const lens = { title: 'Sharpe 1.23 (+0.20) · DD 8.1%', command: Commands.backtest, arguments: [{ uri: URI }] };
    const inEditor = lensCommandInEditor(lens);
    expect(inEditor).toEqual({ ...lens, command: CLIENT_COMMANDS.showReport });
    expect(lensCommandInEditor({ title: 'x', command: 'editor.action.showReferences' }).command).toBe('editor.action.showReferences');

    const { ctx, sidecar } = setup({ [Commands.backtest]: (p) => backtestResult(p.uri) });
    await showReport(ctx, ...(inEditor.arguments as [{ uri: string }]));
    expect(sidecar.calls).toMatchObject([{ command: Commands.backtest, params: { uri: URI } }]);
    expect(recorded.webviews[0]!.title).toBe('Volt: RSI mean reversion');
  });
});

describe('the report view follows saves', () => {
  it('re-runs the shown range when a newer backtest of the same file finishes, and ignores its own and other files’ runs', async () => {
    recorded.activeFile = FILE;
    let runs = 0;
    const { ctx, sidecar } = setup({
      [Commands.analyze]: () => ({ uri: URI, version: 1, findings: [], lastBacktest: summary() }),
      [Commands.backtest]: (p) => backtestResult(p.uri, { finishedAt: 2_000 + 1_000 * runs++ }),
    });
    ctx.sidecar.onBacktestStatus((s) => ctx.reports.backtestStatus(s));
    recorded.quickPickAnswers = ['BTC/USDT', 'Last 30 days of the data'];
    await runBacktest(ctx);
    const panel = recorded.webviews[0]!;
    panel.webview.fromPage({ type: 'ready' });

    sidecar.notify({ uri: URI, state: 'done', summary: summary({ finishedAt: 2_000 }) }); // the run we show
    sidecar.notify({ uri: 'file:///ws/other.strategy.ts', state: 'done', summary: summary({ finishedAt: 9_000 }) });
    expect(runs).toBe(1);

    sidecar.notify({ uri: URI, state: 'running' });
    expect(panel.webview.posted.at(-1)).toEqual({ type: 'state', state: 'running', message: undefined });
    sidecar.notify({ uri: URI, state: 'done', summary: summary({ finishedAt: 2_500 }) }); // a save's run
    await vi_waitFor(() => runs === 2);
    const rerun = sidecar.calls.filter((c) => c.command === Commands.backtest).at(-1)!;
    expect(rerun.params).toEqual({ uri: URI, symbol: 'BTC/USDT', from: '2024-12-01', to: '2024-12-31' });
    await vi_waitFor(() => panel.webview.posted.filter((m) => (m as { type: string }).type === 'report').length === 2);
  });
});

async function vi_waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('Volt: Analyze Strategy', () => {
  it('lists the findings and jumps to the one picked', async () => {
    recorded.activeFile = FILE;
    const { ctx } = setup({
      [Commands.analyze]: (): AnalyzeResult => ({
        uri: URI,
        version: 2,
        lastBacktest: null,
        findings: [
          { code: 'VOLT101', severity: 'warning', source: 'static', message: 'literal 30 in onBar', range: { start: { line: 20, character: 8 }, end: { line: 20, character: 10 } }, fixTitle: 'Move 30 into params' },
          { code: 'VOLT103', severity: 'error', source: 'static', message: 'no stop-loss', range: { start: { line: 12, character: 0 }, end: { line: 12, character: 14 } } },
        ],
      }),
    });
    recorded.quickPickAnswers = ['$(error) VOLT103'];
    await analyzeStrategy(ctx);
    const pick = recorded.shown.find((s) => s.kind === 'quickPick')!;
    expect(pick.text).toBe('Volt: 2 finding(s) in strategies/rsi-mean-reversion.strategy.ts');
    expect(pick.items).toEqual([
      { label: '$(warning) VOLT101', description: 'line 21: literal 30 in onBar', detail: 'Quick fix: Move 30 into params' },
      { label: '$(error) VOLT103', description: 'line 13: no stop-loss', detail: undefined },
    ]);
    expect(recorded.shown.at(-1)).toMatchObject({ kind: 'document', text: FILE, selection: { startLine: 12, startCharacter: 0, endLine: 12, endCharacter: 14 } });
  });

  it('says when the LLM critique did not run, so no findings does not read as the model finding nothing', async () => {
    recorded.activeFile = FILE;
    const { ctx, output } = setup({
      [Commands.analyze]: (): AnalyzeResult => ({
        uri: URI,
        version: 2,
        lastBacktest: null,
        findings: [],
        critique: { source: 'unavailable', model: 'qwen2.5-coder:7b', reason: 'Ollama is not reachable at http://127.0.0.1:11434 (ECONNREFUSED)' },
      }),
    });
    await analyzeStrategy(ctx);
    expect(recorded.shown.at(-1)).toEqual({
      kind: 'info',
      text: 'Volt: no findings in strategies/rsi-mean-reversion.strategy.ts · LLM critique unavailable: Ollama is not reachable at http://127.0.0.1:11434 (ECONNREFUSED)',
    });
    expect(output.lines.at(-1)).toContain('LLM critique unavailable: Ollama is not reachable');
    expect(recorded.shown.at(-1)!.text).not.toContain('asking');
  });

  it('names the critique model and when it answered, in the findings list', async () => {
    recorded.activeFile = FILE;
    const { ctx } = setup({
      [Commands.analyze]: (): AnalyzeResult => ({
        uri: URI,
        version: 2,
        lastBacktest: null,
        findings: [{ code: 'VOLT301', severity: 'warning', source: 'critique', message: 'the exit ignores the trend (qwen2.5-coder:7b)', range: { start: { line: 20, character: 0 }, end: { line: 20, character: 9 } } }],
        critique: { source: 'llm', model: 'qwen2.5-coder:7b' },
      }),
    });
    recorded.quickPickAnswers = [undefined];
    await analyzeStrategy(ctx);
    const pick = recorded.shown.find((s) => s.kind === 'quickPick')!;
    expect(pick.text).toMatch(/^Volt: 1 finding\(s\) in strategies\/rsi-mean-reversion\.strategy\.ts · LLM critique by qwen2\.5-coder:7b at \d\d:\d\d$/);

    const at = new Date(2026, 11, 1, 9, 41);
    expect(critiqueLine({ source: 'llm', model: 'qwen2.5-coder:7b' }, at)).toBe('LLM critique by qwen2.5-coder:7b at 09:41');
    expect(critiqueLine({ source: 'cache', model: 'qwen2.5-coder:7b' }, at)).toBe("LLM critique by qwen2.5-coder:7b, replayed from the journal's cache at 09:41");
    expect(critiqueLine({ source: 'unavailable', model: 'm', reason: 'LLM unavailable: Ollama is not reachable' }, at)).toBe('LLM critique unavailable: Ollama is not reachable');
    expect(critiqueLine({ source: 'cancelled', model: 'm' }, at)).toBe('LLM critique by m cancelled: a newer edit superseded it');
    expect(critiqueLine(undefined, at)).toBeUndefined();
  });

  it('asks which strategy when no strategy file is open', async () => {
    recorded.workspaceFiles = ['/ws/a.strategy.ts', '/ws/b.strategy.ts'];
    const { ctx, sidecar } = setup({ [Commands.analyze]: (p) => ({ uri: p.uri, version: null, findings: [], lastBacktest: null }) });
    recorded.quickPickAnswers = [(i) => i.label.endsWith('b.strategy.ts')];
    await analyzeStrategy(ctx);
    expect(sidecar.calls[0]!.params).toEqual({ uri: 'file:///ws/b.strategy.ts' });
    expect(recorded.shown.at(-1)).toEqual({ kind: 'info', text: 'Volt: no findings in ws/b.strategy.ts' });
  });
});

describe('Volt: Agent Status and Volt: Open Journal', () => {
  const agents: AgentStatusResult = {
    mode: 'ollama',
    agents: [
      { role: 'trend', name: 'trend_analyzer', kind: 'rules', weight: 0.25, available: true },
      { role: 'market', name: 'market_analyst', kind: 'llm', model: 'llama3.3', weight: 0.2, available: false },
    ],
    llm: { host: 'http://127.0.0.1:11434', available: false, reason: 'connection refused', models: [], critiqueModel: 'qwen2.5-coder:7b' },
    riskGate: { limits: { maxPositionPct: 0.1, maxDailyLoss: 0.03, maxDrawdown: 0.25, maxConsecutiveLosses: 5 } },
    decisionsRead: 0,
  };

  it('shows the agents in a table view, the LLM state in the status bar, one line in the log and no toast', async () => {
    const { ctx, status, output } = setup({ [Commands.agentStatus]: () => agents });
    await showAgentStatus(ctx);
    expect(status.text).toBe('$(pulse) Volt: 1 agent · LLM unavailable');
    expect(recorded.shown.filter((s) => s.kind === 'info' || s.kind === 'warning')).toEqual([]);
    expect((output as unknown as { lines: string[] }).lines.at(-1)).toBe(
      'Volt agents (mode ollama): 2 agents, 1 voting · LLM unavailable at http://127.0.0.1:11434: connection refused',
    );
    const panel = recorded.webviews.find((w) => w.viewType === 'volt.agents')!;
    expect(panel.title).toBe('Volt: Agents');
    expect(panel.webview.html).toMatch(/<td>market<\/td><td class="dim">market_analyst<\/td><td>LLM<\/td><td>llama3\.3<\/td><td class="num">0\.20<\/td><td class="status">rules stand in<\/td>/);
    // Asked again, the same view is refreshed rather than a second one opened.
    await showAgentStatus(ctx);
    expect(recorded.webviews.filter((w) => w.viewType === 'volt.agents')).toHaveLength(1);
  });

  it('fills the status bar at start-up without a message, and logs why when it cannot', async () => {
    const { ctx, status } = setup({ [Commands.agentStatus]: () => agents });
    await refreshAgentStatus(ctx);
    expect(status.text).toBe('$(pulse) Volt: 1 agent · LLM unavailable');
    expect(recorded.shown).toEqual([]);
    const down = setup({});
    await refreshAgentStatus(down.ctx);
    expect(down.status.text).toBe('$(pulse) Volt');
    expect((down.output as unknown as { lines: string[] }).lines).toEqual(['Agent status not available yet: volt.agentStatus is not served yet']);
  });

  it('lists recent runs and opens the picked run’s vault note', async () => {
    const { ctx } = setup({
      [Commands.journal]: () => ({
        journalPath: '/ws/.volt/journal.db',
        runs: [
          { runId: 7, strategy: 'RSI mean reversion', path: FILE, startedAt: Date.UTC(2026, 10, 21, 9), data: 'synthetic:42', complete: true, summary: summary(), notePath: '/ws/vault/Strategies/run-7.md' },
          { runId: 6, strategy: 'EMA crossover', startedAt: Date.UTC(2026, 10, 21, 8), data: 'synthetic:42', complete: false, summary: null },
        ],
        trades: [],
      }),
    });
    recorded.quickPickAnswers = ['$(history) RSI mean reversion'];
    await openJournal(ctx);
    const pick = recorded.shown.find((s) => s.kind === 'quickPick')!;
    expect(pick.text).toBe('Volt journal: 2 recent run(s), 0 trade(s) — /ws/.volt/journal.db');
    expect(pick.items![0]!.description).toBe('BTC/USDT 1h · Sharpe 1.23 · max DD 8.1% · 14 trades · win 57% · return 12.34%');
    expect(pick.items![1]!.label).toBe('$(history) EMA crossover (interrupted)');
    expect(recorded.shown.at(-1)).toMatchObject({ kind: 'document', text: '/ws/vault/Strategies/run-7.md' });
  });

  it('says why when the journal cannot be read', async () => {
    const { ctx } = setup({});
    await openJournal(ctx);
    expect(recorded.shown.at(-1)).toEqual({ kind: 'error', text: 'Volt: could not read the journal: volt.journal is not served yet' });
  });
});

describe('registerCommands', () => {
  it('registers each palette command once', () => {
    const { ctx } = setup({});
    registerCommands(ctx);
    expect([...recorded.commands.keys()].sort()).toEqual(Object.values(CLIENT_COMMANDS).sort());
  });
});

describe("a save's critique (volt/critiqueStatus)", () => {
  it('warns when it could not run, with the reason; says how many points when it found some; a clean one only logs', () => {
    const lines: string[] = [];
    const output = { appendLine: (l: string) => void lines.push(l) };
    tellCritiqueStatus({ uri: URI, source: 'unavailable', model: 'qwen2.5-coder:7b', reason: 'Ollama is not reachable at http://127.0.0.1:1', at: Date.UTC(2026, 11, 1, 9), findings: 0 }, output);
    expect(recorded.shown.at(-1)).toEqual({ kind: 'warning', text: expect.stringMatching(/^Volt: LLM critique unavailable: Ollama is not reachable at http:\/\/127\.0\.0\.1:1 \(/) });
    tellCritiqueStatus({ uri: URI, source: 'llm', model: 'qwen2.5-coder:7b', at: Date.UTC(2026, 11, 1, 9), findings: 2 }, output);
    expect(recorded.shown.at(-1)).toEqual({ kind: 'info', text: expect.stringMatching(/^Volt: LLM critique by qwen2\.5-coder:7b at \d\d:\d\d: 2 points in /) });
    const shown = recorded.shown.length;
    tellCritiqueStatus({ uri: URI, source: 'cache', model: 'qwen2.5-coder:7b', at: Date.UTC(2026, 11, 1, 9), findings: 0 }, output);
    expect(recorded.shown).toHaveLength(shown);
    expect(lines.at(-1)).toMatch(/replayed from the journal's cache/);
    expect(lines.join('\n')).not.toContain('file:');
  });
});
