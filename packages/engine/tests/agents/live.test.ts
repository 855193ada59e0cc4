import { afterEach, describe, expect, it } from 'vitest';
import { AgentPanel, LlmAgent, MarketContextBuilder, ruleAgents, type Proposal } from '../../src/agents/index.js';
import { OllamaGateway } from '../../src/llm/index.js';
import { FakeOllama } from '../../src/llm/testing/fake-ollama.js';
import { ethBtc } from './fixtures.js';

let server: FakeOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function proposalAt(bar: number, price: number, time: number): Proposal {
  return { symbol: 'ETH/BTC', side: 'BUY', pct: 0.05, stopPrice: price * 0.98, takeProfitPrice: price * 1.05, confidence: 0.8, reason: 'test', bar, time, price, equity: 10_000 };
}

describe('a live proposal waits for the LLM seats (decideAsync)', () => {
  it("the models' votes count; a model too slow to answer is replaced by its rule agent", async () => {
    server = await FakeOllama.start({
      models: ['llama3.3:latest', 'deepseek-r1:8b'],
      reply: (call) =>
        call.model === 'deepseek-r1:8b'
          ? { content: JSON.stringify({ decision: 'HOLD', confidence: 0.95, reasoning: 'tail risk too high' }) }
          : { content: JSON.stringify({ decision: 'BUY', confidence: 0.9, reasoning: 'trend' }), delayMs: 3_000 },
    });
    const series = ethBtc();
    const context = new MarketContextBuilder(series).at(3000);
    const rules = ruleAgents();
    const notices: string[] = [];
    const gateway = new OllamaGateway({ host: server.host, timeoutMs: 200, onNotice: (m) => notices.push(m) });
    const seats = [
      new LlmAgent('volatility', 'deepseek-r1:8b', gateway, rules.volatility),
      new LlmAgent('hedge', 'deepseek-r1:8b', gateway, rules.hedge),
      new LlmAgent('trend', 'llama3.3', gateway, rules.trend),
    ];
    const panel = new AgentPanel();
    const d = await panel.decideAsync(proposalAt(3000, context.price, context.time), context, seats);
    const vote = (role: string) => d.votes.find((v) => v.role === role)!;
    expect(vote('volatility')).toMatchObject({ kind: 'llm', decision: 'HOLD', confidence: 0.95, reasoning: 'tail risk too high' });
    expect(vote('hedge')).toMatchObject({ kind: 'llm', decision: 'HOLD' });
    expect(vote('trend').reasoning).toMatch(/^rules \(LLM timeout\): /);
    // 0.75 of the weight holds: the proposal cannot pass.
    expect(d.approved).toBe(false);
    expect(d.rejectedBy).toBe('consensus');
    expect(notices).toEqual([expect.stringContaining('llama3.3 did not answer within 200 ms')]);
  });
});
