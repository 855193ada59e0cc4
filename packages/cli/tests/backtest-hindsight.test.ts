/**
 * `volt backtest --agents ollama` and the LLM hindsight guard: a run on real data that ends before
 * a seat's knowledge cutoff says "LLM votes may contain hindsight" in its report and its JSON, and
 * the tokens the answers cost are reported against agents.llm.tokenBudget. A scripted Ollama on
 * 127.0.0.1 answers, with the token counts Ollama reports.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';
import { sharedDataFile } from '../../../test-support/shared-data.js';
import { main } from '../src/main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-hindsight-cli-'));
const STRATEGY = `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'rise buyer',
  timeframe: '5m',
  params: { lookback: { value: 12, min: 2, max: 100 } },
  risk: { stopLoss: 0.03, takeProfit: 0.06 },
  onBar(ctx) {
    const h = ctx.history(ctx.params.lookback + 1);
    if (h.length <= ctx.params.lookback) return;
    const change = h.close(0) / h.close(ctx.params.lookback) - 1;
    if (ctx.position.side === 0 && change > 0.003) ctx.buy({ pct: 0.05, confidence: 0.7, reason: 'rise' });
    else if (ctx.position.side !== 0 && change < 0) ctx.exit({ reason: 'turned' });
  },
});
`;

let server: FakeOllama;
beforeAll(async () => {
  server = await FakeOllama.start({
    models: ['llama3.3:latest'],
    reply: () => ({ content: JSON.stringify({ decision: 'BUY', confidence: 0.8, reasoning: 'fine' }), promptEvalCount: 90, evalCount: 35 }),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

/** A workspace whose LLM seats are all llama3.3 with the given cutoff, and the given budget. */
async function backtest(name: string, cutoff: string, json: boolean): Promise<string> {
  const root = path.join(tmp, name);
  mkdirSync(root, { recursive: true });
  const strategy = path.join(root, 'rise.strategy.ts');
  writeFileSync(strategy, STRATEGY);
  writeFileSync(
    path.join(root, 'volt.config.json'),
    JSON.stringify({
      agents: { llm: { tokenBudget: 1000 } },
      ollama: { host: server.host, models: { risk: 'llama3.3', market: 'llama3.3' }, cutoffs: { 'llama3.3': cutoff } },
    }),
  );
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const args = ['backtest', strategy, '--data', sharedDataFile('ETH_BTC-5m.json'), '--to', '2018-01-14', '--agents', 'ollama', '--no-journal'];
    expect(await main(json ? [...args, '--json'] : args)).toBe(0);
  } finally {
    process.chdir(cwd);
  }
  return out;
}

describe('volt backtest --agents ollama: the hindsight mark and the token budget', () => {
  it('data ending before the cutoff: the report and its JSON say the LLM votes may contain hindsight', async () => {
    const text = await backtest('before', '2018-06', false);
    expect(text).toMatch(/^ {2}LLM votes may contain hindsight: llama3\.3 knows up to 2018-06; the data ends 2018-01-1\d$/m);
    // 4 seats × 125 tokens = 500 a proposal: two fit under 1,000.
    expect(text).toContain('LLM tokens: 1000 used of a budget of 1000');
    expect(text).toMatch(/the budget ran out: the rule-based agents answered the last \d+ proposals/);
    expect(err.match(/token budget/g)).toHaveLength(1);

    out = '';
    const report = JSON.parse(await backtest('before-json', '2018-06', true));
    expect(report.agents.llm.hindsight).toMatchObject({ marked: true, seats: expect.arrayContaining([{ role: 'trend', model: 'llama3.3', cutoff: '2018-06', mayKnowOutcome: true }]) });
    expect(report.agents.llm.tokens).toMatchObject({ used: 1000, budget: 1000 });
    expect(report.agents.llm.tokens.refused).toBeGreaterThan(0);
  });

  it('data ending after the cutoff: no mark', async () => {
    const text = await backtest('after', '2017-10', false);
    expect(text).toContain('LLM seats: volatility=llama3.3');
    expect(text).not.toContain('hindsight');
    const report = JSON.parse((out = '', await backtest('after-json', '2017-10', true)));
    expect(report.agents.llm.hindsight).toMatchObject({ marked: false, message: null });
  });
});
