/** volt/suggest through the built `volt-lsp --stdio`: VOLT207 hints on the param's line and the quick fix writing the value. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { Journal } from '@volt/engine';
import { startBinary, type TestClient } from './utils/connection.js';
import { APPLY_SUGGESTION_TITLE, Requests, type SuggestRequestParams, type SuggestResult } from '../src/protocol.js';

let client: TestClient;

// Long for 5 bars at a time when `bias` is 1; no trades at 0 (the engine's suggest test uses the same).
const STRATEGY = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'bias',
  params: {
    bias: { value: 0, min: 0, max: 1, step: 1 },
  },
  onBar(ctx) {
    if (ctx.params.bias < 1) return;
    if (ctx.position.side === 0) ctx.buy({ confidence: 0.6, reason: 'bias' });
    else if (ctx.position.barsHeld >= 5) ctx.exit({ reason: 'five bars' });
  },
});
`;

/** 600 hourly bars drifting 0.3% a bar, up until bar `turn` and down after, with ±0.1% wiggle. */
function csv(turn: number): string {
  const rows = ['time,open,high,low,close,volume'];
  let price = 100;
  for (let i = 0; i < 600; i++) {
    const open = price;
    price *= 1 + (i < turn ? 0.003 : -0.003) + (i % 2 === 0 ? 0.001 : -0.001);
    rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},${open},${Math.max(open, price) * 1.0005},${Math.min(open, price) * 0.9995},${price},1`);
  }
  return rows.join('\n') + '\n';
}

const suggest = (p: SuggestRequestParams) => client.connection.sendRequest<SuggestResult>(Requests.suggest, p);
const hints = (uri: string): Diagnostic[] => (client.diagnostics.get(uri)?.diagnostics ?? []).filter((d) => d.code === 'VOLT207');

beforeAll(async () => {
  client = await startBinary({ settings: { lint: { debounceMs: 5 }, onSave: { backtest: false } } });
  writeFileSync(path.join(client.root, 'up.csv'), csv(600));
  writeFileSync(path.join(client.root, 'turn.csv'), csv(300));
  await client.initialize();
}, 30_000);
afterAll(async () => {
  await client.dispose();
});

describe('volt/suggest', () => {
  it('publishes nothing before it is asked, then a VOLT207 hint on the param line whose quick fix writes the value', async () => {
    const uri = await client.open('bias.strategy.ts', STRATEGY);
    await client.until(() => client.diagnostics.get(uri), 'the first diagnostics');
    expect(hints(uri)).toEqual([]);

    const r = await suggest({ uri, data: path.join(client.root, 'up.csv') });
    expect(r.data.bars).toBe(600);
    expect(r.suggestions).toHaveLength(1);
    expect(r.suggestions[0]).toMatchObject({ param: 'bias', from: 0, to: 1, status: 'offered', folds: 3 });

    const [hint] = await client.until(() => (hints(uri).length > 0 ? hints(uri) : undefined), 'a VOLT207 hint');
    const line = STRATEGY.split('\n').findIndex((l) => l.includes('bias: { value: 0'));
    expect(hint!.range.start.line).toBe(line);
    expect(hint!.severity).toBe(4);
    expect(hint!.message).toMatch(/^bias: 1 did better out of sample: Sharpe 0\.00 → \d+\.\d\d over 3 folds, \d+ trades$/);

    const actions = await client.codeActions(uri, hint!);
    const fix = actions.find((a) => a.title.startsWith(APPLY_SUGGESTION_TITLE));
    expect(fix?.title).toMatch(/^Volt: set bias to 1 \(was 0; out-of-sample Sharpe 0\.00 → /);
    expect(fix!.kind).toBe('quickfix');
    const edits = fix!.edit!.changes![uri]!;
    expect(edits).toHaveLength(1);
    // Only the value is rewritten: the range, step and the rest of the line stay as written.
    const text = STRATEGY.split('\n')[line]!;
    expect(edits[0]!.range.start).toEqual({ line, character: text.indexOf('0') });
    expect(edits[0]!.newText).toBe('1');

    // The offer is kept in the workspace journal, where the weekly report lists it until a run takes it.
    const journal = Journal.openExisting(path.join(client.root, '.volt', 'journal.db'));
    try {
      expect(journal.db.prepare(`SELECT strategy_name, param, from_value, to_value, data_spec FROM param_suggestions`).all()).toEqual([
        { strategy_name: 'bias', param: 'bias', from_value: 0, to_value: 1, data_spec: expect.stringContaining('up.csv') },
      ]);
    } finally {
      journal.close();
    }
  }, 120_000);

  it('refuses a change that only fits in sample: it is in the result, but no hint and no fix', async () => {
    const uri = await client.open('turn.strategy.ts', STRATEGY);
    const r = await suggest({ uri, data: path.join(client.root, 'turn.csv') });
    expect(r.suggestions[0]).toMatchObject({ param: 'bias', to: 1, status: 'refused' });
    expect(r.suggestions[0]!.message).toMatch(/fits only in sample/);
    await client.until(() => client.diagnostics.get(uri), 'diagnostics');
    expect(hints(uri)).toEqual([]);
    const line = STRATEGY.split('\n').findIndex((l) => l.includes('bias: { value: 0'));
    const fake: Diagnostic = { range: { start: { line, character: 0 }, end: { line, character: 10 } }, message: '', code: 'VOLT207' };
    expect((await client.codeActions(uri, fake)).filter((a) => a.title.startsWith(APPLY_SUGGESTION_TITLE))).toEqual([]);
  }, 120_000);

  it('says what is wrong with a bad request in one line', async () => {
    const uri = client.uri('bias.strategy.ts');
    await expect(suggest({ uri, folds: 0 })).rejects.toThrow('volt/suggest: folds must be a whole number from 1 to 20, got 0');
  });
});
