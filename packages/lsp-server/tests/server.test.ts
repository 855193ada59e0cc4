import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startInBand, type TestClient } from './utils/connection.js';
import { CLEAN, variant } from './fixtures.js';
import { Commands, type AgentStatusResult, type AnalyzeResult, type BacktestResult, type JournalResult } from '../src/protocol.js';

let client: TestClient;

beforeAll(async () => {
  // Ollama on a closed port: agent status must say "unavailable" quickly, whatever runs here.
  client = await startInBand({ settings: { data: { default: 'synthetic:7:3000:1h' }, lint: { debounceMs: 20 }, ollama: { host: 'http://127.0.0.1:9' } } });
});
afterAll(async () => {
  await client.dispose();
});

describe('VoltServer', () => {
  it('announces exactly its capabilities', async () => {
    const result = await client.initialize();
    expect(result).toEqual({
      capabilities: {
        textDocumentSync: { openClose: true, change: 2, willSave: true, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite'] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: ['volt.analyze', 'volt.backtest', 'volt.journal', 'volt.agentStatus'] },
      },
      serverInfo: { name: 'volt-lsp', version: '0.1.0' },
    });
  });

  it('publishes static findings on open and after an edit, and fixes them with a code action', async () => {
    const uri = await client.open('a.strategy.ts', variant('maxPositionPct: 0.1', 'maxPositionPct: 0.3'));
    const diags = await client.diagnosticsFor(uri, (d) => d.length > 0);
    expect(diags.map((d) => d.code)).toEqual(['VOLT102']);
    expect(diags[0]!.source).toBe('volt');

    const [action] = await client.codeActions(uri, diags[0]!);
    expect(action!.title).toBe('Clamp to the 10% cap');
    await client.applyEdit(uri, action!.edit!);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });

  it('backtests on save: code lens with headline numbers, then the change since the last run', async () => {
    const uri = await client.open('b.strategy.ts', CLEAN);
    await client.save(uri, CLEAN);
    const first = await client.backtestSettled(uri, 1);
    expect(first.state).toBe('done');
    expect(first.summary!.bars).toBe(3000);
    const [lens] = await client.codeLens(uri);
    expect(lens!.command!.title).toMatch(/^Sharpe -?\d+\.\d\d · Max DD \d+\.\d% · \d+ trades · Win \d+% · Return [+-]\d+\.\d% · synthetic data$/);
    expect(lens!.range.start.line).toBe(2);

    // Hot reload: the new code runs, no restart, and the lens shows the change.
    const tighter = variant('oversold: { value: 30', 'oversold: { value: 40');
    await client.replaceAll(uri, tighter);
    await client.save(uri, tighter);
    const second = await client.backtestSettled(uri, 2);
    expect(second.state).toBe('done');
    expect(second.summary!.trades).not.toBe(first.summary!.trades);
    expect(second.delta!.trades).toBe(second.summary!.trades - first.summary!.trades);
    const [lens2] = await client.codeLens(uri);
    expect(lens2!.command!.title).toMatch(/Sharpe -?\d+\.\d\d \([+-]\d+\.\d\d\) · .* trades \([+-]\d+\)/);
  });

  it('volt.analyze returns static and backtest findings; volt.backtest returns a report with progress', async () => {
    const uri = await client.open('c.strategy.ts', variant('maxPositionPct: 0.1', 'maxPositionPct: 0.2'));
    const analyzed = await client.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    expect(analyzed.findings.map((f) => f.code)).toEqual(['VOLT102']);
    expect(analyzed.findings[0]!.fixTitle).toBe('Clamp to the 10% cap');

    const result = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri, from: '2020-01-15', to: '2020-02-15' }], 'bt-1');
    expect(result.report.schemaVersion).toBe(1);
    expect(result.summary.from).toBeGreaterThanOrEqual(Date.UTC(2020, 0, 15));
    expect(result.summary.to).toBeLessThanOrEqual(Date.UTC(2020, 1, 15));
    expect(result.summary.bars).toBeLessThan(3000);
    // Answered once recorded: the id is the journal's newest run of the strategy.
    const recorded = await client.executeCommand<JournalResult>(Commands.journal, [{ strategy: uri, limit: 1 }]);
    expect(result.summary.runId).toBe(recorded.runs[0]!.runId);
    const kinds = client.progress.filter((p) => (p as { token: string }).token === 'bt-1').map((p) => (p as { value: { kind: string } }).value.kind);
    expect(kinds[0]).toBe('begin');
    expect(kinds[kinds.length - 1]).toBe('end');
  });

  it('volt.journal lists the runs the sidecar recorded; volt.agentStatus reports the panel', async () => {
    const uri = client.uri('b.strategy.ts');
    let result: JournalResult | undefined;
    for (let i = 0; i < 50 && !(result && result.runs.length >= 2); i++) {
      result = await client.executeCommand<JournalResult>(Commands.journal, [{ strategy: uri, limit: 5 }]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(result!.journalPath).toBe(path.join(client.root, '.volt', 'journal.db'));
    expect(result!.runs.length).toBeGreaterThanOrEqual(2);
    expect(result!.runs[0]!.path).toBe(path.join(client.root, 'b.strategy.ts'));
    expect(result!.runs[0]!.summary!.bars).toBe(3000);
    expect(result!.trades.length).toBeGreaterThan(0);
    expect(result!.trades[0]!.strategy).toBe('RSI dip buyer');

    const status = await client.executeCommand<AgentStatusResult>(Commands.agentStatus, []);
    expect(status.llm.available).toBe(false);
    expect(status.llm.host).toBe('http://127.0.0.1:9');
    expect(status.agents.length).toBeGreaterThan(0);
    expect(status.agents.every((a) => a.kind === 'rules' && a.available)).toBe(true);
  });

  it('answers malformed commands with errors and keeps serving', async () => {
    await expect(client.executeCommand(Commands.backtest, [])).rejects.toThrow(/expects arguments/);
    await expect(client.executeCommand(Commands.analyze, [{ uri: 42 }])).rejects.toThrow(/expects arguments/);
    await expect(client.executeCommand('volt.nope', [{}])).rejects.toThrow(/unknown command/);
    await expect(client.executeCommand(Commands.backtest, [{ uri: client.uri('missing.strategy.ts') }])).rejects.toThrow(/no such file/);
    await expect(client.connection.sendRequest('textDocument/codeLens', { nonsense: true })).rejects.toMatchObject({ code: -32602 });
    await expect(client.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///x.ts' } })).rejects.toMatchObject({ code: -32602 });
    const uri = await client.open('d.strategy.ts', CLEAN);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });

  it('hovers over params and indicators', async () => {
    const uri = await client.open('e.strategy.ts', CLEAN);
    const line = CLEAN.split('\n').findIndex((l) => l.includes('ind.rsi(14)'));
    const hover = await client.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri }, position: { line, character: CLEAN.split('\n')[line]!.indexOf('rsi(14)') + 1 },
    });
    expect(hover.contents.value).toContain('RSI(14)');
    expect(hover.contents.value).toContain('Ready after 15 bars (the configured data has 3000)');
    const pline = CLEAN.split('\n').findIndex((l) => l.includes('ctx.params.oversold'));
    const phover = await client.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri }, position: { line: pline, character: CLEAN.split('\n')[pline]!.indexOf('oversold') + 2 },
    });
    expect(phover.contents.value).toBe('**param** `oversold` = 30 in [10, 45]');
  });
});
