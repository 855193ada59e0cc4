/**
 * What a trader trips over in the editor (issue 11): agents.mode applies to editor runs, showing
 * a report does not record a new identical run, and diagnostics belong to the current text.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Journal } from '@volt/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Commands, type BacktestResult } from '../src/protocol.js';
import { startInBand, type TestClient } from './utils/connection.js';
import { CLEAN, withOnBar } from './fixtures.js';

let client: TestClient;

beforeAll(async () => {
  client = await startInBand({ settings: { data: { default: 'synthetic:7:3000:1h' }, lint: { debounceMs: 5 }, backtest: { timeoutMs: 3000 } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
});

function runsOf(strategyFile: string): { id: number; agentsMode: string | null }[] {
  const journal = Journal.open(path.join(client.root, '.volt', 'journal.db'));
  try {
    return journal.listRuns({ strategyPath: strategyFile, limit: 100 }).map((r) => ({ id: r.id, agentsMode: journal.getRun(r.id)!.agentsMode }));
  } finally {
    journal.close();
  }
}

describe('agents.mode in the editor', () => {
  it('a save runs every entry through the panel, the summary says so and the journal records its decisions', async () => {
    await client.updateSettings({ ...client.settings, agents: { mode: 'rules' } });
    const uri = await client.open('panel.strategy.ts', CLEAN);
    await client.save(uri, CLEAN);
    const status = await client.backtestSettled(uri, 1);
    expect(status.state).toBe('done');
    const agents = status.summary!.agents!;
    expect(agents.mode).toBe('rules');
    expect(agents.proposals).toBeGreaterThan(0);
    expect(agents.approved + agents.modified + agents.rejected).toBe(agents.proposals);
    expect(agents.lines.join('\n')).toMatch(/proposals/);
    const file = path.join(client.root, 'panel.strategy.ts');
    await client.until(() => (runsOf(file).length > 0 ? true : undefined), 'the journal entry');
    expect(runsOf(file)[0]!.agentsMode).toBe('rules');
    const journal = Journal.open(path.join(client.root, '.volt', 'journal.db'));
    try {
      const decisions = journal.listDecisions({ runId: runsOf(file)[0]!.id, limit: 50 });
      expect(decisions.some((d) => Object.keys(d.agentResults).length > 0)).toBe(true);
    } finally {
      journal.close();
      await client.updateSettings({ ...client.settings, agents: { mode: 'off' } });
    }
  });
});

describe('showing is not running', () => {
  it('volt.backtest of unchanged content returns the last run and records nothing new; rerun runs', async () => {
    const uri = await client.open('shown.strategy.ts', CLEAN);
    const file = path.join(client.root, 'shown.strategy.ts');
    writeFileSync(file, CLEAN);
    const first = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    await client.until(() => (runsOf(file).length === 1 ? true : undefined), 'the first run recorded');
    const second = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    expect(second.summary).toEqual(first.summary);
    await new Promise((r) => setTimeout(r, 200));
    expect(runsOf(file)).toHaveLength(1);
    await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri, rerun: true }]);
    await client.until(() => (runsOf(file).length === 2 ? true : undefined), 'the asked-for re-run recorded');
  });
});

describe('no stale diagnostics', () => {
  const broken = withOnBar(`    if (ctx.index === 100) throw new Error('broken at 100');`);

  it("a run's findings go when the text they were of is gone, before any save", async () => {
    const uri = await client.open('edits.strategy.ts', broken);
    await client.save(uri, broken);
    expect((await client.backtestSettled(uri, 1)).state).toBe('failed');
    await client.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'VOLT204'));
    await client.replaceAll(uri, CLEAN);
    const after = await client.diagnosticsFor(uri);
    expect(after.filter((d) => String(d.code).startsWith('VOLT2'))).toEqual([]);
  });

  it('a checkout the editor reloads (disk and buffer agree, the run was of other text) runs again', async () => {
    const uri = await client.open('checkout.strategy.ts', broken);
    await client.save(uri, broken);
    expect((await client.backtestSettled(uri, 1)).state).toBe('failed');
    // `git checkout`: the file changes on disk, the editor reloads the buffer, nobody saves.
    writeFileSync(path.join(client.root, 'checkout.strategy.ts'), CLEAN);
    await client.replaceAll(uri, CLEAN);
    const rerun = await client.backtestSettled(uri, 2);
    expect(rerun.state).toBe('done');
    const diags = await client.diagnosticsFor(uri);
    expect(diags.filter((d) => d.code === 'VOLT204')).toEqual([]);
  });
});

describe('auto-save after a delay', () => {
  const autoSave = async (uri: string, text: string) => {
    await client.connection.sendNotification('textDocument/willSave', { textDocument: { uri }, reason: 2 });
    await client.save(uri, text);
  };

  it('a half-typed auto-save does not run; one that type-checks and holds still does', async () => {
    const uri = await client.open('typing.strategy.ts', CLEAN);
    const halfTyped = CLEAN.replace("ctx.exit({ reason: 'overbought' });", "ctx.exi({ reason: 'overbought' });");
    await client.replaceAll(uri, halfTyped);
    await autoSave(uri, halfTyped);
    await new Promise((r) => setTimeout(r, 1500));
    expect(client.settledCount(uri)).toBe(0);
    await client.replaceAll(uri, CLEAN);
    await autoSave(uri, CLEAN);
    expect((await client.backtestSettled(uri, 1)).state).toBe('done');
  });
});

describe('the symbol you pick is the market you test', () => {
  it('a mapped symbol runs on its file; one without data runs on the synthetic market and says so; the picker lists what exists', async () => {
    const { sharedDataFile } = await import('../../../test-support/shared-data.js');
    const ethBtc = sharedDataFile('ETH_BTC-5m.json');
    writeFileSync(path.join(client.root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:7:3000:1h', symbols: { 'ETH/BTC': ethBtc } } }));
    const uri = await client.open('markets.strategy.ts', CLEAN);
    // The sidecar watches volt.config.json: the mapping applies once it has seen the change.
    for (let i = 0; i < 100; i++) {
      const listed = await client.connection.sendRequest<{ symbols: { symbol: string }[] }>('volt/symbols', { uri });
      if (listed.symbols.some((s) => s.symbol === 'ETH/BTC')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    writeFileSync(path.join(client.root, 'markets.strategy.ts'), CLEAN);

    const mapped = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri, symbol: 'ETH/BTC' }]);
    expect(mapped.report.data.symbol).toBe('ETH/BTC');
    expect(mapped.report.data.source).toBe(ethBtc);
    // ETH/BTC trades near 0.03-0.08, nowhere near the synthetic market's ~100.
    expect(mapped.report.equityCurve.time.length).toBeGreaterThan(0);
    expect(mapped.summary.synthetic).toBeUndefined();

    const unknown = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri, symbol: 'DOGE/EUR' }]);
    expect(unknown.summary.synthetic).toBe(true);
    expect(unknown.summary.dataNote).toMatch(/^no data for DOGE\/EUR .*synthetic market/);
    expect(unknown.report.data.symbol).not.toBe('DOGE/EUR');

    const picker = await client.connection.sendRequest<{ symbols: { symbol: string; source: string }[] }>('volt/symbols', { uri });
    expect(picker.symbols).toEqual([
      expect.objectContaining({ symbol: 'BTC/USDT', source: 'declared' }),
      expect.objectContaining({ symbol: 'ETH/BTC', source: 'config' }),
    ]);
  });
});

describe('the critique of a save says how it went', () => {
  it('volt/critiqueStatus says the critique could not run, and why', async () => {
    const { closedPort } = await import('../../../test-support/ports.js');
    const seen: { uri: string; source: string; reason?: string; findings: number }[] = [];
    client.connection.onNotification('volt/critiqueStatus', (p: (typeof seen)[number]) => void seen.push(p));
    await client.updateSettings({ ...client.settings, onSave: { backtest: false, critique: true }, ollama: { host: `http://127.0.0.1:${await closedPort()}` } });
    const uri = await client.open('critiqued.strategy.ts', CLEAN);
    await client.save(uri, CLEAN);
    const status = await client.until(() => seen.find((s) => s.uri === uri), 'volt/critiqueStatus');
    expect(status.source).toBe('unavailable');
    expect(status.reason).toMatch(/127\.0\.0\.1/);
    expect(status.findings).toBe(0);
    await client.updateSettings({ ...client.settings, onSave: { backtest: true, critique: false } });
  });
});

describe('a range that is no date', () => {
  it('volt.backtest refuses it instead of running the whole data set', async () => {
    const uri = await client.open('ranged.strategy.ts', CLEAN);
    writeFileSync(path.join(client.root, 'ranged.strategy.ts'), CLEAN);
    await expect(client.executeCommand(Commands.backtest, [{ uri, from: 'the first of July' }])).rejects.toThrow(/from must be an ISO date/);
  });
});
