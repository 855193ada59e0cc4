/**
 * volt/draftStrategy: the sidecar drafts a strategy through the engine's synthesizer, the real
 * `ollama` client talking to a scripted Ollama on 127.0.0.1 that answers, in turn, a type error,
 * I/O, lookahead and a good strategy. Progress comes per attempt; only the fourth is written.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';
import { GOOD_DATA, SCRIPTED_DRAFTS } from '../../engine/src/synth/testing/drafts.js';
import { Commands, DRAFT_PROGRESS_NOTIFICATION, Requests, type AnalyzeResult, type BacktestResult, type DraftProgressParams, type DraftStrategyResult } from '../src/protocol.js';
import { startInBand, type TestClient } from './utils/connection.js';

let ollama: FakeOllama | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  await client?.dispose();
  client = undefined;
});
afterAll(async () => ollama?.close());

async function start(host: string): Promise<{ client: TestClient; progress: DraftProgressParams[] }> {
  // As initializationOptions too, so the first request already has them (workspace/configuration answers later).
  const settings = { data: { default: GOOD_DATA }, ollama: { host }, onSave: { backtest: false }, lint: { debounceMs: 5 } };
  client = await startInBand({ settings, initializationOptions: { volt: settings } });
  await client.initialize();
  const progress: DraftProgressParams[] = [];
  client.connection.onNotification(DRAFT_PROGRESS_NOTIFICATION, (p: DraftProgressParams) => progress.push(p));
  return { client, progress };
}

describe('volt/draftStrategy', () => {
  it('reports each attempt, writes only the proven fourth into strategies/drafts, and the file lints clean', async () => {
    // The drafts in turn; a critique (asked later, of the written draft) gets one point on the draft's exit.
    let critiqueLine = 0;
    let drafts = 0;
    ollama = await FakeOllama.start({
      models: ['qwen2.5-coder:7b'],
      reply: (call) => {
        const critique = (call.format as { required?: string[] } | undefined)?.required?.includes('findings');
        if (!critique) return { content: JSON.stringify(SCRIPTED_DRAFTS[drafts++]) };
        return { content: JSON.stringify({ findings: [{ line: critiqueLine, message: 'Exiting on the cross alone gives back the move; trail the exit instead.', severity: 'info' }] }) };
      },
    });
    const { client, progress } = await start(ollama.host);
    const result = await client.connection.sendRequest<DraftStrategyResult>(Requests.draftStrategy, { idea: 'ride the trend with two EMAs', workDoneToken: 'draft-1' });
    expect(result.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'proven', name: 'EMA trend rider', tier: 'COLD' });
    expect(result.attempts.map((a) => [a.attempt, a.stage, a.proven])).toEqual([[1, 'type check and lint', false], [2, 'type check and lint', false], [3, 'type check and lint', false], [4, 'proven', true]]);
    expect(result.attempts[0]!.findings[0]).toBe("line 11:11: error TS2322: Type 'number' is not assignable to type 'string'.");
    expect(progress.map((p) => `${p.attempt}/${p.of} ${p.state}`)).toEqual(['1/4 asking', '1/4 refused', '2/4 asking', '2/4 refused', '3/4 asking', '3/4 refused', '4/4 asking', '4/4 proven']);
    expect(progress[3]!.message).toMatch(/^attempt 2 of 4: refused at type check and lint: line 11:\d+: error VOLT106: fetch\(\)/);
    expect(client.progress.filter((p) => (p as { token: string }).token === 'draft-1').map((p) => (p as { value: { kind: string } }).value.kind)).toEqual(['begin', ...Array(8).fill('report'), 'end']);

    const file = fileURLToPath(result.uri!);
    expect(file).toBe(path.join(client.root, 'strategies/drafts/ema-trend-rider.strategy.ts'));
    expect(readdirSync(path.dirname(file))).toEqual(['ema-trend-rider.strategy.ts']);
    expect(result.report).toContain('Written to `strategies/drafts/ema-trend-rider.strategy.ts` (tier COLD).');
    expect(result.report).toContain('## Attempt 3: refused at type check and lint');
    expect(fileURLToPath(result.reportUri!)).toBe(path.join(client.root, '.volt/drafts/ema-trend-rider.report.md'));
    expect(readFileSync(fileURLToPath(result.reportUri!), 'utf8')).toBe(result.report);
    // The draft is a strategy like any other in the editor: no error-level finding on it.
    const uri = await client.open(file, readFileSync(file, 'utf8'));
    const lines = readFileSync(file, 'utf8').split('\n');
    critiqueLine = lines.findIndex((l) => l.includes('ctx.exit(')) + 1;
    const analysis = await client.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    expect(analysis.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // The critique reads the draft like any strategy: its point is a VOLT301 on the line it names, below the header.
    expect(analysis.critique).toMatchObject({ source: 'llm' });
    expect(analysis.findings.find((f) => f.code === 'VOLT301')).toMatchObject({ source: 'critique', range: { start: { line: critiqueLine - 1 } } });
    // And the lens: a backtest's headline numbers over its defineStrategy line.
    const run = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    expect(run.summary.trades).toBeGreaterThan(0);
    const [lens] = await client.codeLens(uri);
    expect(lens!.command!.title).toMatch(/^Sharpe -?\d+\.\d\d · Max DD \d+\.\d% · \d+ trades/);
    expect(lens!.range.start.line).toBe(lines.findIndex((l) => l.startsWith('export default defineStrategy')));
  }, 180_000);

  it('says at once that Ollama is not there, and writes nothing', async () => {
    const { client, progress } = await start(`http://127.0.0.1:${await closedPort()}`);
    const result = await client.connection.sendRequest<DraftStrategyResult>(Requests.draftStrategy, { idea: 'buy dips' });
    expect(result).toMatchObject({ status: 'unavailable', attempts: [] });
    expect(result.message).toMatch(/^LLM unavailable: Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.report).toContain('**Nothing written.**');
    expect(progress.map((p) => p.state)).toEqual(['asking']);
    expect(existsSync(path.join(client.root, 'strategies'))).toBe(false);
  });

  it('refuses a request without an idea', async () => {
    const { client } = await start(`http://127.0.0.1:${await closedPort()}`);
    await expect(client.connection.sendRequest(Requests.draftStrategy, { idea: '  ' })).rejects.toThrow(/needs \{ idea \}/);
  });
});
