/**
 * Thousands of random edits, sent as incremental didChange: the server must never crash, and the
 * diagnostics it ends with must be exactly those of a fresh analysis of the final text.
 */
import type { VoltServer } from '../src/server.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { analyzeStrategySource, StrategyTypeChecker } from '@volt/engine';
import { EXAMPLES, startInBand, type TestClient } from './utils/connection.js';
import { fromEngineFinding, toDiagnostic } from '../src/service/diagnostics.js';

const EDITS = 3000;
const SNIPPETS = [
  '(', ')', '{', '}', '[', ']', ',', ';', '.', '\n', '  ', ' < ', ' > ', ' === ', '30', '0.6', '-1', '1e3',
  'ctx.', 'ctx.params.', 'ctx.history(5).close(-1)', 'Math.random()', 'Date.now()', 'fetch("x")',
  "import fs from 'node:fs';\n", 'process.env.X', 'stopLoss: 0.02,', 'maxPositionPct: 0.5,', 'ind.sma(100000)',
  'params: { unused: 3 },', 'defineStrategy(', 'onBar(ctx) {', 'risk: {', '//', '/*', '*/', '"', "'", '`', '${',
  'const x = ', 'if (', 'return;', 'é', '📈', '\t', 'as any', '=>',
];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let client: TestClient;
beforeAll(async () => {
  client = await startInBand({ settings: { data: { default: 'synthetic:3:2000:1h' }, lint: { debounceMs: 5 }, onSave: { backtest: false } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
});

it(`survives ${EDITS} random incremental edits and ends with the diagnostics of a fresh analysis`, async () => {
  const source = readFileSync(path.join(EXAMPLES, 'rsi-mean-reversion.strategy.ts'), 'utf8');
  const uri = await client.open('fuzz.strategy.ts', source);
  // Wait until the server knows the data (VOLT107 depends on its bar count).
  const server = (client as TestClient & { server: VoltServer }).server.state;
  await client.until(() => (server.dataFacts?.facts.bars === 2000 ? true : undefined), 'the data probe');

  const random = prng(20261122);
  let doc = TextDocument.create(uri, 'typescript', 1, source);
  for (let i = 0; i < EDITS; i++) {
    const changes: TextDocumentContentChangeEvent[] = [];
    const n = random() < 0.2 ? 2 + Math.floor(random() * 2) : 1;
    for (let k = 0; k < n; k++) {
      const text = doc.getText();
      const len = text.length;
      const at = Math.floor(random() * (len + 1));
      const shrink = len > source.length * 1.5;
      const del = shrink ? Math.floor(random() * 200) : random() < 0.5 ? Math.floor(random() * 12) : 0;
      const end = Math.min(len, at + del);
      const insert = shrink ? '' : SNIPPETS[Math.floor(random() * SNIPPETS.length)]!;
      const change = { range: { start: doc.positionAt(at), end: doc.positionAt(end) }, text: insert };
      changes.push(change);
      doc = TextDocument.update(doc, [change], doc.version + 1);
    }
    const version = await client.change(uri, changes);
    doc = TextDocument.create(uri, 'typescript', version, doc.getText());
    // Every so often force an analysis of the current version (a code action request does), so
    // the analyser sees many broken intermediate texts, not only the last one.
    if (i % 20 === 0) {
      await client.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, context: { diagnostics: [] },
      });
    }
  }

  const published = await client.diagnosticsFor(uri);
  const file = fileURLToPath(uri);
  const fresh = analyzeStrategySource(doc.getText(), file, { maxPositionCap: 0.1, bars: 2000, dataLabel: 'synthetic:3:2000:1h' }, new StrategyTypeChecker())
    .map((f) => toDiagnostic(fromEngineFinding(f), doc.version));
  expect(published).toEqual(fresh);
  expect(fresh.length).toBeGreaterThan(0);
  // And the server still serves.
  expect(await client.codeLens(uri)).toHaveLength(/defineStrategy\s*\(|export\s+default/.test(doc.getText()) ? 1 : 0);
});
