import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmAgent, MarketContextBuilder, MarketAnalyst, backtestWithAgents, checkHindsight, formatLlmUse, maskText, ruleAgents, type Proposal } from '../../src/agents/index.js';
import { defaultConfig, type VoltConfig } from '../../src/config/index.js';
import { sliceSeries, type CandleSeries } from '../../src/data/index.js';
import { MemoryLlmCache, OllamaGateway } from '../../src/llm/index.js';
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

describe('knowledge cutoffs (ollama.cutoffs): a run whose data ends before a voting seat knows is marked', () => {
  async function run(cutoffs: Record<string, string>) {
    const s = server ?? (await model());
    const config = configFor(s.host);
    config.ollama.cutoffs = cutoffs;
    return backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config });
  }

  it('data ending (January 2018) after the cutoff: not marked', async () => {
    const r = await run({ 'llama3.3': '2017-12' });
    expect(r.llm!.hindsight).toMatchObject({ marked: false, message: null });
    expect(r.llm!.hindsight.seats.every((seat) => seat.cutoff === '2017-12' && !seat.mayKnowOutcome)).toBe(true);
    expect(formatLlmUse(r.llm!).join('\n')).not.toContain('hindsight');
  });

  it('data ending before the cutoff: marked, with the model and the dates', async () => {
    const r = await run({ 'llama3.3:latest': '2018-02' });
    expect(r.llm!.hindsight.marked).toBe(true);
    expect(r.llm!.hindsight.message).toMatch(/^LLM votes may contain hindsight: llama3\.3 knows up to 2018-02; the data ends 2018-01-\d\d$/);
    expect(formatLlmUse(r.llm!).at(-1)).toBe(`  ${r.llm!.hindsight.message}`);
  });

  it("the defaults know llama3.3's cutoff (December 2023); a model nobody knows counts as knowing", () => {
    const end = tiny.time[tiny.length - 1]!;
    expect(checkHindsight({ trend: 'llama3.3' }, end).message).toContain('llama3.3 knows up to 2023-12');
    expect(checkHindsight({ trend: 'llama3.3' }, Date.UTC(2024, 0, 1)).marked).toBe(false);
    expect(checkHindsight({ trend: 'llama3.3' }, Date.UTC(2023, 11, 31)).marked).toBe(true);
    expect(checkHindsight({ trend: 'my-finetune:3b' }, Date.UTC(2030, 0, 1)).message).toContain("my-finetune:3b's cutoff is unknown (set ollama.cutoffs)");
    expect(checkHindsight({ trend: 'llama3.3' }, end, {}, true)).toMatchObject({ marked: false, synthetic: true });
  });

  it('a run where no model voted (Ollama down) is not marked', async () => {
    const config = configFor('http://127.0.0.1:9');
    const r = await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config });
    expect(r.llm!.answeredByModel).toBe(0);
    expect(r.llm!.hindsight.marked).toBe(false);
  });
});

describe('a token budget per run (agents.llm.tokenBudget)', () => {
  /** Each answer costs 150 tokens (100 prompt + 50 reply), as the server reports them. */
  async function pricedModel(): Promise<FakeOllama> {
    server = await FakeOllama.start({
      models: ['llama3.3:latest'],
      reply: () => ({ content: JSON.stringify({ decision: 'BUY', confidence: 0.8, reasoning: 'fine' }), promptEvalCount: 100, evalCount: 50 }),
    });
    return server;
  }

  it('past the budget the rule agents answer, it is said once, and a replay from the cache counts the same', async () => {
    const s = await pricedModel();
    const config = configFor(s.host);
    // Four LLM seats × 150 tokens = 600 per proposal: the first three proposals fit under 1,500 (0, 600, 1,200 used before each).
    config.agents.llm = { tokenBudget: 1500 };
    const cache = new MemoryLlmCache();
    const notices: string[] = [];
    const first = await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config, cache, onNotice: (m) => notices.push(m) });
    const proposals = first.summary!.proposals;
    expect(proposals).toBeGreaterThan(3);
    expect(first.llm!.answeredByModel).toBe(12);
    expect(first.llm!.answeredByRules).toBe(4 * (proposals - 3));
    expect(first.llm!.tokens).toEqual({ used: 1800, budget: 1500, spent: s.calls.length * 150, refused: proposals - 3 });
    // Only about what the budget could pay for (a pass whose path changed asks about its new proposals too).
    expect(s.calls.length).toBeLessThan(4 * 6);
    expect(notices.filter((n) => n.includes('token budget'))).toEqual([
      `the LLM token budget (agents.llm.tokenBudget 1500) was spent after 1800 tokens: the rule-based agents answered the last ${proposals - 3} of ${proposals} proposals`,
    ]);
    const lines = formatLlmUse(first.llm!).join('\n');
    expect(lines).toContain('LLM tokens: 1800 used of a budget of 1500');
    expect(lines).toContain(`the budget ran out: the rule-based agents answered the last ${proposals - 3} proposals`);

    // Cached answers count what they cost when recorded: the replay stops at the same proposal.
    const again = await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config, cache });
    expect(again.llm!.requests).toBe(0);
    expect(again.llm!.tokens).toEqual({ used: 1800, budget: 1500, spent: 0, refused: proposals - 3 });
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(first.report));
  });

  it('without a budget every proposal is the models’, and the use is still counted', async () => {
    const s = await pricedModel();
    const r = await backtestWithAgents(chatty(), tiny, options, { mode: 'ollama', config: configFor(s.host) });
    expect(r.llm!.answeredByRules).toBe(0);
    expect(r.llm!.tokens).toMatchObject({ budget: null, refused: 0, used: r.llm!.answeredByModel * 150 });
  });
});

describe('maskText (a strategy reason in a masked prompt)', () => {
  it('takes out the pair, its base and quote, ISO dates and years', () => {
    expect(maskText('BTCUSDT dip: BTC down 4% since 2018-02-05T14:00:00.000Z, weakest since 2017', 'BTCUSDT')).toBe('asset A dip: asset A down 4% since a date, weakest since a year');
    expect(maskText('eth/btc above its 2019-06-30 high', 'ETH/BTC')).toBe('asset A above its a date high');
    // Words that merely contain a name are left alone.
    expect(maskText('WETH whether BTCX', 'ETH/BTC')).toBe('WETH whether BTCX');
  });
});
