/**
 * The LLM hindsight guard in the editor: a run with LLM seats (agents.mode ollama, a scripted
 * Ollama on 127.0.0.1) whose data ends before a seat's knowledge cutoff is marked on the lens and
 * in the report; the tokens its answers cost are reported against agents.llm.tokenBudget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';
import { sharedDataFile } from '../../../test-support/shared-data.js';
import { Commands, HINDSIGHT_MARK, type BacktestResult } from '../src/protocol.js';
import { startInBand, type TestClient } from './utils/connection.js';

let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await FakeOllama.start({
    models: ['llama3.3:latest'],
    reply: () => ({ content: JSON.stringify({ decision: 'BUY', confidence: 0.8, reasoning: 'fine' }), promptEvalCount: 200, evalCount: 50 }),
  });
});
afterAll(async () => {
  await ollama.close();
});

/** ETH/BTC 5m of January 2018, the LLM seats all llama3.3, whose cutoff is `cutoff`. */
async function sidecar(cutoff: string): Promise<TestClient> {
  const client = await startInBand({
    settings: {
      data: { default: sharedDataFile('ETH_BTC-5m.json') },
      lint: { debounceMs: 5 },
      onSave: { backtest: true, critique: false },
      agents: { mode: 'ollama', llm: { tokenBudget: 3000 } },
      ollama: { host: ollama.host, models: { risk: 'llama3.3', market: 'llama3.3' }, cutoffs: { 'llama3.3': cutoff } },
    },
  });
  await client.initialize();
  return client;
}

/** Buys a 12-bar rise, leaves when it turns: many entries for the panel on 5m bars. */
const strategy = () => `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'rise buyer',
  timeframe: '5m',
  symbols: ['ETH/BTC'],
  params: { lookback: { value: 12, min: 2, max: 100 }, rise: { value: 0.003, min: 0, max: 0.1 } },
  risk: { stopLoss: 0.03, takeProfit: 0.06 },
  onBar(ctx) {
    const h = ctx.history(ctx.params.lookback + 1);
    if (h.length <= ctx.params.lookback) return;
    const change = h.close(0) / h.close(ctx.params.lookback) - 1;
    if (ctx.position.side === 0 && change > ctx.params.rise) ctx.buy({ pct: 0.05, confidence: 0.7, reason: 'rise' });
    else if (ctx.position.side !== 0 && change < 0) ctx.exit({ reason: 'turned' });
  },
});
`;

describe('the sidecar marks a run whose LLM votes may know what followed its data', () => {
  it('data ending before the cutoff: the lens and the report say so, and the tokens are reported', async () => {
    const client = await sidecar('2018-06');
    try {
      const { uri, status } = await client.saveAndRun('ema.strategy.ts', strategy());
      expect(status.message ?? status.state).toBe('done');
      const [lens] = await client.codeLens(uri);
      expect(lens!.command!.title).toContain(` · ${HINDSIGHT_MARK}`);
      const result = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
      const llm = result.summary.llm!;
      expect(llm.hindsight).toMatch(/^LLM votes may contain hindsight: llama3\.3 knows up to 2018-06; the data ends 2018-01-\d\d$/);
      // 4 seats × 250 tokens a proposal: three proposals fit under 3,000 (0, 1,000, 2,000 used before each).
      expect(llm.tokens).toMatchObject({ used: 3000, budget: 3000, exhausted: true });
      const lines = result.summary.agents!.lines.join('\n');
      expect(lines).toContain('LLM tokens: 3000 used of a budget of 3000');
      expect(lines).toContain(llm.hindsight!);
    } finally {
      await client.dispose();
    }
  });

  it('data ending after the cutoff: no mark', async () => {
    const client = await sidecar('2017-11');
    try {
      const { uri, status } = await client.saveAndRun('ema.strategy.ts', strategy());
      expect(status.message ?? status.state).toBe('done');
      const [lens] = await client.codeLens(uri);
      expect(lens!.command!.title).not.toContain(HINDSIGHT_MARK);
      expect(status.summary!.llm!.hindsight).toBeNull();
      expect(status.summary!.agents!.lines.join('\n')).not.toContain('hindsight');
    } finally {
      await client.dispose();
    }
  });
});
