/**
 * volt.analyze asks the critique model through the real `ollama` client, here talking to a
 * scripted Ollama on 127.0.0.1 (the engine's FakeOllama, which speaks Ollama's HTTP API).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInBand, type TestClient } from './utils/connection.js';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';
import { CLEAN } from './fixtures.js';
import { Commands, type AnalyzeResult } from '../src/protocol.js';

const lines = CLEAN.split('\n');
const exitLine = lines.findIndex((l) => l.includes("ctx.exit({ reason: 'overbought' });")) + 1; // 1-based, as the model sees it
let slow = false;
let ollama: FakeOllama;
let client: TestClient;

beforeAll(async () => {
  ollama = await FakeOllama.start({
    models: ['qwen2.5-coder:7b'],
    reply: () => ({
      delayMs: slow ? 3000 : 0,
      content: JSON.stringify({
        findings: [{
          line: exitLine,
          message: 'Exiting on RSI alone gives back the trend move; trail the exit instead.',
          severity: 'info',
          edit: { line: exitLine, newText: "      ctx.exit({ confidence: 0.7, reason: 'overbought' });" },
        }],
      }),
    }),
  });
  client = await startInBand({ settings: { data: { default: 'synthetic:3:1000:1h' }, lint: { debounceMs: 5 }, ollama: { host: ollama.host }, onSave: { backtest: false } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
  await ollama.close();
});

describe('LLM critique (VOLT301)', () => {
  it('publishes the model\'s points on their lines, with its edit as a code action, and replays from the journal', async () => {
    const uri = await client.open('critique.strategy.ts', CLEAN);
    const result = await client.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    expect(result.critique).toEqual({ source: 'llm', model: 'qwen2.5-coder:7b' });
    const point = result.findings.find((f) => f.code === 'VOLT301')!;
    expect(point.source).toBe('critique');
    expect(point.range.start.line).toBe(exitLine - 1);
    expect(ollama.calls).toHaveLength(1);
    expect(ollama.calls[0]!.messages.map((m) => m.content).join('\n')).toContain("ctx.exit({ reason: 'overbought' })");

    const diags = await client.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'VOLT301'));
    const d = diags.find((x) => x.code === 'VOLT301')!;
    const [action] = await client.codeActions(uri, d);
    expect(action!.title).toBe(`Apply the critique's edit to line ${exitLine}`);
    await client.applyEdit(uri, action!.edit!);
    expect(await client.diagnosticsFor(uri, (ds) => ds.every((x) => x.code === 'VOLT301'))).toBeDefined();

    // The same question again: answered from the journal's LLM cache, no new request.
    await client.replaceAll(uri, CLEAN);
    const again = await client.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    expect(again.critique!.source).toBe('cache');
    expect(ollama.calls).toHaveLength(1);
  });

  it('a newer edit cancels a critique in flight', async () => {
    slow = true;
    const uri = await client.open('slow-critique.strategy.ts', CLEAN + '\n// a different file, a different question\n');
    const pending = client.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    await client.until(() => (ollama.calls.length >= 2 ? true : undefined), 'the question to reach the model');
    await client.replaceAll(uri, CLEAN);
    const result = await pending;
    expect(result.critique!.source).toBe('cancelled');
    slow = false;
  });
});
