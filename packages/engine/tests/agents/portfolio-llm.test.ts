/**
 * LLM seats in a portfolio run, against a scripted Ollama on 127.0.0.1 through the real `ollama`
 * client: the same passes as a one-market run (agents/backtest.ts llmPasses), the same trades on one
 * market, the answers cached, and only the pass that counts in the journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backtestWithAgents, loadVixSeries, type VixSeries } from '../../src/agents/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { sliceSeries, type CandleSeries } from '../../src/data/index.js';
import { Journal } from '../../src/journal/index.js';
import { MemoryLlmCache } from '../../src/llm/index.js';
import { FakeOllama } from '../../src/llm/testing/fake-ollama.js';
import { portfolioWithAgents } from '../../src/portfolio/index.js';
import { ethBtc, greedyMomentum, VIX_FILE } from './fixtures.js';

let dir: string;
let eth: CandleSeries;
let other: CandleSeries;
let vix: VixSeries;
const options = { maxPositionCap: 0.5 };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'volt-portfolio-llm-'));
  eth = sliceSeries(ethBtc(), undefined, ethBtc().time[500]);
  // A second market on the same bars, moving the other way: the model backs one and not the other.
  const mirror = (xs: Float64Array) => Float64Array.from(xs, (x) => 2 * eth.close[0]! - x);
  other = { ...eth, symbol: 'MIRROR/BTC', source: 'test:mirror', open: mirror(eth.open), high: mirror(eth.low), low: mirror(eth.high), close: mirror(eth.close) };
  vix = await loadVixSeries(VIX_FILE());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: FakeOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A deterministic "model": backs longs in a rising market with 6% of equity, holds otherwise. */
async function startModel(): Promise<FakeOllama> {
  server = await FakeOllama.start({
    models: ['llama3.3:latest', 'deepseek-r1:8b'],
    reply: (call) => {
      const prompt = call.messages.find((m) => m.role === 'user')!.content;
      const rising = /momentum (\d|0\.)/.test(prompt) && !/momentum -/.test(prompt);
      const content = rising
        ? { decision: 'BUY', confidence: 0.9, reasoning: 'momentum is positive', modifications: { pct: 0.06 } }
        : { decision: 'HOLD', confidence: 0.7, reasoning: 'no edge' };
      return { content: JSON.stringify(content) };
    },
  });
  return server;
}

function configFor(s: FakeOllama) {
  const config = { ...defaultConfig(), ollama: { ...defaultConfig().ollama, host: s.host } };
  config.ollama.models = { ...config.ollama.models, risk: 'deepseek-r1:8b', market: 'llama3.3' };
  return config;
}

describe('a portfolio run with LLM seats (a scripted Ollama on 127.0.0.1)', () => {
  it('on one market gives the trades and the votes of the one-market run with the same models', async () => {
    const config = configFor(await startModel());
    const single = await backtestWithAgents(greedyMomentum(), eth, options, { mode: 'ollama', config, vix, cache: new MemoryLlmCache() });
    const portfolio = await portfolioWithAgents(greedyMomentum(), [eth], options, { mode: 'ollama', config, vix, cache: new MemoryLlmCache() });
    expect(single.llm!.answeredByModel).toBeGreaterThan(0);
    expect(single.llm!.answeredByRules).toBe(0);
    expect(JSON.stringify(portfolio.report.trades)).toBe(JSON.stringify(single.report.trades));
    expect(portfolio.llm).toMatchObject({ answeredByModel: single.llm!.answeredByModel, answeredByRules: 0, seats: single.llm!.seats });
    expect(portfolio.summary).toMatchObject({ proposals: single.summary!.proposals, approved: single.summary!.approved, modified: single.summary!.modified, rejected: single.summary!.rejected });
    expect(portfolio.summary!.agents.volatility_assessor!.kind).toBe('llm');
    // The models' 6% is what the gate took.
    expect(portfolio.summary!.gateModifications['agent-advice']).toBeGreaterThan(0);
  });

  it('over two markets asks the models in passes, journals only the pass that counts, and a re-run from the cache asks nothing', async () => {
    const s = await startModel();
    const config = configFor(s);
    const journal = Journal.open(path.join(dir, 'portfolio.db'));
    try {
      const runId = journal.startRun({ strategyName: 'greedy-momentum', agentsMode: 'ollama' });
      const recorder = journal.recorder(runId);
      const passes: number[] = [];
      const first = await portfolioWithAgents(greedyMomentum(), [eth, other], options, { mode: 'ollama', config, vix, cache: journal, journal: recorder, onPass: (_, missing) => passes.push(missing) });
      recorder.finish(first.report);
      expect(passes.length).toBeGreaterThanOrEqual(2);
      expect(passes[0]).toBeGreaterThan(0);
      expect(passes.at(-1)).toBe(0);
      expect(first.llm!.requests).toBeGreaterThan(0);
      expect(first.llm!.passes).toBe(passes.length);
      const reviewed = journal.listDecisions({ runId }).filter((d) => Object.keys(d.agentResults).length > 0);
      expect(reviewed).toHaveLength(first.summary!.proposals);
      expect(new Set(reviewed.map((d) => d.symbol))).toEqual(new Set(['ETH/BTC', 'MIRROR/BTC']));
      expect(first.bySymbol['ETH/BTC']!.proposals + first.bySymbol['MIRROR/BTC']!.proposals).toBe(first.summary!.proposals);

      const calls = s.calls.length;
      const second = await portfolioWithAgents(greedyMomentum(), [eth, other], options, { mode: 'ollama', config, vix, cache: journal });
      expect(second.llm!.requests).toBe(0);
      expect(second.llm!.passes).toBe(1);
      expect(s.calls.length).toBe(calls);
      expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
    } finally {
      journal.close();
    }
  });
});
