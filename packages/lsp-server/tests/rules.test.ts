/** Every static rule through the server: a strategy that trips it, and its quick fix applied. */
import type { VoltServer } from '../src/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInBand, type TestClient } from './utils/connection.js';
import { CLEAN, variant } from './fixtures.js';

let client: TestClient;
beforeAll(async () => {
  client = await startInBand({ settings: { data: { default: 'synthetic:5:3000:1h' }, lint: { debounceMs: 5 }, onSave: { backtest: false } } });
  await client.initialize();
  const server = (client as TestClient & { server: VoltServer }).server.state;
  await client.until(() => (server.dataFacts ? true : undefined), 'the data probe');
});
afterAll(async () => {
  await client.dispose();
});

const CASES: { code: string; text: string; fix?: string }[] = [
  { code: 'VOLT101', text: variant("stopLoss: { kind: 'volatility', atrMultiple: 2 }, ", ''), fix: 'Add a volatility stop-loss (2 ATR)' },
  { code: 'VOLT102', text: variant('maxPositionPct: 0.1', 'maxPositionPct: 0.35'), fix: 'Clamp to the 10% cap' },
  { code: 'VOLT103', text: variant('rsi.value < ctx.params.oversold', 'rsi.value < ctx.params.oversold && rsi.value > 5'), fix: "Move 5 into params as 'rsiAbove'" },
  { code: 'VOLT104', text: variant('if (!rsi.ready) return;', 'if (!rsi.ready || ctx.history(3).close(-1) > ctx.bar.close) return;') },
  { code: 'VOLT105', text: variant('confidence: 0.6', 'confidence: Math.random()'), fix: 'Replace Math.random() by ctx.random() (seeded)' },
  { code: 'VOLT106', text: variant('if (!rsi.ready) return;', "if (!rsi.ready) return;\n    void fetch('https://example.com/signal');") },
  { code: 'VOLT107', text: variant('ind.rsi(14)', 'ind.rsi(5000)') },
  { code: 'VOLT108', text: variant("stopLoss: { kind: 'volatility', atrMultiple: 2 }", 'stopLoss: 0.03'), fix: 'Use a volatility stop (2 ATR)' },
  { code: 'VOLT109', text: variant('    overbought: { value: 70, min: 55, max: 90 },\n', "    overbought: { value: 70, min: 55, max: 90 },\n    patience: 12,\n"), fix: "Remove unused param 'patience'" },
  { code: 'VOLT110', text: variant("ctx.buy({ confidence: 0.6, reason: 'oversold' });", 'ctx.buy();'), fix: 'Add confidence 0.5 and the signal as its reason' },
  { code: 'TS2339', text: variant('ctx.exit({', 'ctx.close({') },
];

describe('static rules through the server', () => {
  it('offers a fix from any column of its line when the client sends the line\'s diagnostics, as Neovim does', async () => {
    const text = variant('confidence: 0.6', 'confidence: Math.random()');
    const uri = await client.open('any-column.strategy.ts', text);
    const diags = await client.diagnosticsFor(uri, (d) => d.length > 0);
    const random = diags.find((d) => d.code === 'VOLT105')!;
    const cursor = { line: random.range.start.line, character: 0 };
    const ask = (diagnostics: typeof diags) => client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: cursor, end: cursor },
      context: { diagnostics },
    }) as Promise<{ title: string }[]>;
    expect((await ask([random])).map((a) => a.title)).toEqual(['Replace Math.random() by ctx.random() (seeded)']);
    // Without the diagnostic in the context, only what lies under the range is offered.
    expect(await ask([])).toEqual([]);
  });

  it('a clean strategy has no diagnostics', async () => {
    const uri = await client.open('clean.strategy.ts', CLEAN);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });

  it.each(CASES)('$code: tripped, and fixed by its code action when it has one', async ({ code, text, fix }) => {
    const uri = await client.open(`${code}.strategy.ts`, text);
    const diags = await client.diagnosticsFor(uri, (d) => d.length > 0);
    const d = diags.find((x) => x.code === code);
    expect(d, JSON.stringify(diags)).toBeDefined();
    expect(diags.map((x) => x.code)).toEqual([code]);
    const actions = await client.codeActions(uri, d!);
    if (!fix) {
      expect(actions).toEqual([]);
      return;
    }
    expect(actions.map((a) => a.title)).toEqual([fix]);
    expect(actions[0]!.diagnostics).toEqual([d]);
    await client.applyEdit(uri, actions[0]!.edit!);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });
});
