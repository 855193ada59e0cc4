/** Settings layering, and a long volt.backtest that is cancelled or superseded by an edit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node.js';
import { startInBand, type TestClient } from './utils/connection.js';
import { CLEAN, variant, withOnBar } from './fixtures.js';
import { Commands } from '../src/protocol.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'volt-settings-'));
let client: TestClient;

beforeAll(async () => {
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:9:2000:1h' }, lint: { maxPositionCap: 0.3 } }));
  client = await startInBand({ root, settings: { lint: { debounceMs: 5 }, backtest: { timeoutMs: 20_000 } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

const bigPosition = variant('maxPositionPct: 0.1', 'maxPositionPct: 0.25');

describe('settings', () => {
  it('volt.config.json applies, the client settings override it, and a change of the file is picked up', async () => {
    const uri = await client.open('big.strategy.ts', bigPosition);
    expect(await client.diagnosticsFor(uri)).toEqual([]); // cap 0.3 from volt.config.json

    await client.updateSettings({ ...client.settings, lint: { debounceMs: 5, maxPositionCap: 0.2 } });
    await client.replaceAll(uri, bigPosition + '\n');
    expect((await client.diagnosticsFor(uri, (d) => d.length > 0)).map((d) => d.code)).toEqual(['VOLT102']);

    await client.updateSettings({ lint: { debounceMs: 5 }, backtest: { timeoutMs: 20_000 } });
    writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:9:2000:1h' }, lint: { maxPositionCap: 0.5 } }));
    await client.replaceAll(uri, bigPosition + '\n\n');
    const asked = client.configurationRequests;
    await client.until(() => (client.configurationRequests > asked ? true : undefined), 'the server to notice volt.config.json changed');
    await client.replaceAll(uri, bigPosition);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });
});

describe('settings errors', () => {
  it('pop up once when they appear, not again on every reload, and again once fixed and broken anew', async () => {
    const ok = { lint: { debounceMs: 5 }, backtest: { timeoutMs: 20_000 } };
    const bad = (cap: unknown) => ({ lint: { debounceMs: 5, maxPositionCap: cap }, backtest: { timeoutMs: 20_000 } });
    const errors = () => client.popups.filter((p) => p.type === 1 && p.message.includes('maxPositionCap'));
    await client.updateSettings(bad('lots'));
    await client.until(() => (errors().length > 0 ? true : undefined), 'the error popup');
    await client.updateSettings(bad('lots'));
    await client.updateSettings(bad('lots'));
    expect(errors()).toHaveLength(1);
    await client.updateSettings(ok);
    await client.updateSettings(bad('lots'));
    await client.until(() => (errors().length > 1 ? true : undefined), 'the error popup after it was fixed and broken again');
    expect(errors()).toHaveLength(2);
    await client.updateSettings(ok);
  });
});

describe('volt.backtest on a long run', () => {
  const slow = withOnBar(`    const until = ctx.index === 50 ? 3_000_000_000 : 0;
    let spins = 0;
    while (spins < until) spins++;
    if (ctx.position.side === 0 && spins > 0) ctx.buy({ confidence: 0.5, reason: 'spun' });`);

  it('reports progress and stops when the client cancels', async () => {
    const uri = await client.open('slow.strategy.ts', slow);
    writeFileSync(path.join(root, 'slow.strategy.ts'), slow);
    const source = new CancellationTokenSource();
    const pending = client.connection.sendRequest('workspace/executeCommand', { command: Commands.backtest, arguments: [{ uri }], workDoneToken: 'slow-1' }, source.token);
    await client.until(() => client.progress.find((p) => (p as { token: string }).token === 'slow-1'), 'progress to begin');
    setTimeout(() => source.cancel(), 300);
    await expect(pending).rejects.toMatchObject({ code: -32800 });
    const kinds = client.progress.filter((p) => (p as { token: string }).token === 'slow-1').map((p) => (p as { value: { kind: string } }).value.kind);
    expect(kinds[kinds.length - 1]).toBe('end');
  });

  it('is superseded by a newer edit of the strategy', async () => {
    const uri = client.uri('slow.strategy.ts');
    const pending = client.executeCommand(Commands.backtest, [{ uri }]);
    await new Promise((r) => setTimeout(r, 400));
    await client.replaceAll(uri, slow + '\n');
    await expect(pending).rejects.toMatchObject({ code: -32801 });
    // The server is still fine: a clean strategy backtests.
    const clean = await client.open('clean.strategy.ts', CLEAN);
    const result = await client.executeCommand<{ summary: { bars: number } }>(Commands.backtest, [clean]);
    expect(result.summary.bars).toBe(2000);
  });
});
