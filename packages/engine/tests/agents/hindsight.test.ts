import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmAgent, MarketContextBuilder, MarketAnalyst, backtestWithAgents, ruleAgents, type Proposal } from '../../src/agents/index.js';
import { defaultConfig, type VoltConfig } from '../../src/config/index.js';
import { sliceSeries, type CandleSeries } from '../../src/data/index.js';
import { OllamaGateway } from '../../src/llm/index.js';
import { FakeOllama } from '../../src/llm/testing/fake-ollama.js';
import { describeSignals, loadRunSignals, type SignalSet } from '../../src/signals/index.js';
import { defineStrategy } from '../../src/strategy/index.js';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { ethBtc } from './fixtures.js';

const FIXTURES = path.join(REPO_ROOT, 'examples', 'signals');
const options = { maxPositionCap: 0.5 };

let tiny: CandleSeries;
let signals: SignalSet;
beforeAll(() => {
  tiny = sliceSeries(ethBtc(), undefined, ethBtc().time[400]);
  signals = loadRunSignals({ symbol: 'ETH/BTC', fixtures: FIXTURES });
});

let server: FakeOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Buys on a rise; its reason names the market and the bar's date, as a careless strategy might. */
const chatty = () =>
  defineStrategy({
    name: 'chatty',
    risk: { stopLoss: 0.03, takeProfit: 0.06 },
    onBar(ctx) {
      const h = ctx.history(13);
      if (h.length <= 12) return;
      const change = h.close(0) / h.close(12) - 1;
      if (ctx.position.side === 0 && change > 0.003) ctx.buy({ pct: 0.05, confidence: 0.7, reason: `ETH/BTC up since ${new Date(ctx.bar.time).toISOString()} (ETH strong in 2018)` });
      else if (ctx.position.side !== 0 && change < 0) ctx.exit({ reason: 'turned' });
    },
  });

async function model(): Promise<FakeOllama> {
  server = await FakeOllama.start({
    models: ['llama3.3:latest'],
    reply: () => ({ content: JSON.stringify({ decision: 'BUY', confidence: 0.8, reasoning: 'fine', modifications: { stopPrice: 98.5 } }) }),
  });
  return server;
}

function configFor(host: string, mask?: boolean): VoltConfig {
  const config = defaultConfig();
  config.ollama.host = host;
  config.ollama.models = { ...config.ollama.models, risk: 'llama3.3', market: 'llama3.3' };
  if (mask !== undefined) config.agents.llm = { mask };
  return config;
}

/** Every year the data touches, and its ISO dates. */
function yearsOf(series: CandleSeries): string[] {
  const first = new Date(series.time[0]!).getUTCFullYear();
  const last = new Date(series.time[series.length - 1]!).getUTCFullYear();
  const out: string[] = [];
  for (let y = first; y <= last; y++) out.push(String(y));
  return out;
}

describe('masked prompts (agents.llm.mask, default on)', () => {
  it('the prompts the server received name neither the market nor any date or year of the data', async () => {
    const s = await model();
    const r = await backtestWithAgents(chatty(), tiny, { ...options, signals }, { mode: 'ollama', config: configFor(s.host) });
    expect(r.llm!.answeredByModel).toBeGreaterThan(0);
    expect(s.calls.length).toBeGreaterThan(0);
    for (const call of s.calls) {
      const text = call.messages.map((m) => m.content).join('\n');
      expect(text).toContain('asset A');
      expect(text).not.toMatch(/ETH\/BTC|\bETH\b|\bBTC\b/i);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      for (const year of yearsOf(tiny)) expect(text).not.toContain(year);
    }
  });

  it("a stop the model names in indexed prices is read back in the market's prices", async () => {
    const s = await model();
    const r = await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config: configFor(s.host) });
    expect(r.report.trades.length).toBeGreaterThan(0);
    // 98.5 of an entry indexed to 100: a stop 1.5% under the signal close, tighter than the strategy's 3%.
    for (const t of r.report.trades) expect(t.stopPrice!).toBeGreaterThan(t.entryPrice * 0.97);
    expect(r.summary!.gateModifications['agent-advice']).toBeGreaterThan(0);
  });

  it('agents.llm.mask false sends the symbol and the ISO date as before', async () => {
    const s = await model();
    await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config: configFor(s.host, false) });
    const text = s.calls.map((c) => c.messages.map((m) => m.content).join('\n')).join('\n');
    expect(text).toContain('ETH/BTC');
    expect(text).toMatch(/\(2018-01-\d\dT/);
    expect(text).not.toContain('asset A');
  });
});

describe('LLM seats see the outside signals', () => {
  function proposalAt(c: { bar: number; time: number; price: number }): Proposal {
    return { symbol: 'ETH/BTC', side: 'BUY', pct: 0.05, stopPrice: c.price * 0.98, takeProfitPrice: c.price * 1.05, confidence: 0.8, reason: 'test', bar: c.bar, time: c.time, price: c.price, equity: 10_000 };
  }

  it('the prompt carries the values the market analyst read at that bar, and the cache key changes with them', () => {
    const series = ethBtc();
    const gateway = new OllamaGateway({ host: 'http://127.0.0.1:9' });
    const seat = new LlmAgent('market', 'llama3.3', gateway, ruleAgents().market);
    const withSignals = new MarketContextBuilder(series, { signals }).at(3000);
    const p = proposalAt(withSignals);
    const described = describeSignals(withSignals.signals);
    expect(described).toMatch(/fear & greed \d+/);
    const prompt = seat.request(p, withSignals).prompt;
    expect(prompt).toContain(`Outside signals published before this close: ${described}`);
    // The rule agent names the same reading.
    expect(new MarketAnalyst().assess(p, withSignals).reasoning).toContain(described);
    const keyWith = seat.keyFor(p, withSignals);

    const without = new MarketContextBuilder(series).at(3000);
    expect(seat.request(p, without).prompt).toContain('Outside signals: none published before this close.');
    expect(seat.keyFor(p, without)).not.toBe(keyWith);

    // One signal moved, nothing else: another question, another key.
    const moved = new MarketContextBuilder(series, { signals }).at(3000);
    moved.signals[0] = moved.signals[0]! + 1;
    expect(seat.keyFor(p, moved)).not.toBe(keyWith);
  });
});
