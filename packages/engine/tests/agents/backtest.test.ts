import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NAMES, backtestWithAgents, formatAgentSummary, loadVixSeries, type VixSeries } from '../../src/agents/index.js';
import { runBacktest } from '../../src/backtest/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { sliceSeries, type CandleSeries } from '../../src/data/index.js';
import { Journal } from '../../src/journal/index.js';
import { OllamaGateway } from '../../src/llm/index.js';
import { FakeOllama } from '../../src/llm/testing/fake-ollama.js';
import { ethBtc, greedyMomentum, VIX_FILE } from './fixtures.js';

let dir: string;
let series: CandleSeries;
let short: CandleSeries;
let tiny: CandleSeries;
let vix: VixSeries;
const options = { maxPositionCap: 0.5 };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'volt-agents-'));
  series = ethBtc();
  short = sliceSeries(series, undefined, series.time[1200]);
  tiny = sliceSeries(series, undefined, series.time[400]);
  vix = await loadVixSeries(VIX_FILE());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: FakeOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('volt backtest --agents rules', () => {
  it('every entry goes through the panel; no fill exceeds the 10% cap or the volatility stop', async () => {
    const config = defaultConfig();
    const strategy = greedyMomentum();
    const plain = runBacktest(strategy, series, options);
    const { report, summary } = await backtestWithAgents(strategy, series, options, { mode: 'rules', config, vix });
    const s = summary!;
    expect(s.proposals).toBe(s.approved + s.modified + s.rejected);
    expect(s.rejected).toBe(s.rejectedBy.consensus + s.rejectedBy.risk_gate);
    // The strategy asks for 15% with an 8% stop: every approval is a modified one.
    expect(s.approved).toBe(0);
    expect(s.modified).toBeGreaterThan(0);
    expect(s.gateModifications['max-position']).toBe(s.modified);
    expect(report.metrics.trades).toBeLessThan(plain.metrics.trades);
    expect(report.metrics.trades).toBeLessThanOrEqual(s.modified);
    // January 2018: VIX between 9 and 14, so stops sit within 3% (5% below VIX 12) of the entry.
    for (const t of report.trades) {
      expect(t.stopPrice).toBeDefined();
      expect(Math.abs(t.entryPrice - t.stopPrice!) / t.entryPrice).toBeLessThanOrEqual(0.05 * 1.01);
    }
    expect(s.regimes.crash).toBe(0);
    expect(formatAgentSummary(s)[0]).toMatch(/^agents: \d+ proposals — 0 approved, \d+ approved with modifications, \d+ rejected \(\d+ by consensus, \d+ by the risk gate\)$/);
  });

  it('journals each decision with agent_results, vote_breakdown and the risk review, and its messages', async () => {
    const journal = Journal.open(path.join(dir, 'rules.db'));
    try {
      const strategy = greedyMomentum();
      const runId = journal.startRun({ strategyName: 'greedy-momentum', agentsMode: 'rules' });
      const recorder = journal.recorder(runId);
      const { report, summary } = await backtestWithAgents(strategy, short, options, { mode: 'rules', vix, journal: recorder });
      recorder.finish(report);
      const decisions = journal.listDecisions({ runId });
      const reviewed = decisions.filter((d) => Object.keys(d.agentResults).length > 0);
      expect(reviewed).toHaveLength(summary!.proposals);
      const modified = reviewed.find((d) => d.status === 'modified')!;
      expect(Object.keys(modified.agentResults).sort()).toEqual(Object.values(AGENT_NAMES).sort());
      expect(modified.consensus).toMatchObject({ decision: modified.action.toUpperCase(), vote_breakdown: expect.any(Object) });
      expect((modified.consensus as Record<string, unknown>).risk_review).toMatchObject({ status: 'APPROVED_WITH_MODIFICATIONS', pct: 0.1 });
      expect(modified.tradeNo).toBeTypeOf('number');
      const rejected = reviewed.filter((d) => d.status === 'rejected');
      expect(rejected).toHaveLength(summary!.rejected);
      expect(rejected.every((d) => d.ignored?.startsWith('REJECTED by'))).toBe(true);
      const messages = journal.listAgentMessages(runId);
      expect(messages.filter((m) => m.kind === 'TRADE_PROPOSAL')).toHaveLength(summary!.proposals);
      expect(messages.filter((m) => m.kind === 'RISK_REVIEW')).toHaveLength(summary!.proposals);
      // Exits are not reviewed; they are journaled as plain signals.
      expect(decisions.some((d) => d.action === 'exit')).toBe(true);
    } finally {
      journal.close();
    }
  });
});

describe('volt backtest --agents ollama (a scripted Ollama on 127.0.0.1)', () => {
  /** A deterministic "model": backs longs in a rising market, holds otherwise. */
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

  it('asks the models, then a re-run with the journal cache asks nothing and reports the same', async () => {
    const s = await startModel();
    const journal = Journal.open(path.join(dir, 'ollama.db'));
    try {
      const config = { ...defaultConfig(), ollama: { ...defaultConfig().ollama, host: s.host } };
      config.ollama.models = { ...config.ollama.models, risk: 'deepseek-r1:8b', market: 'llama3.3' };
      const strategy = greedyMomentum();
      const passes: number[] = [];
      const first = await backtestWithAgents(strategy, tiny, options, { mode: 'ollama', config, vix, cache: journal, onPass: (_, missing) => passes.push(missing) });
      expect(passes.at(-1)).toBe(0);
      expect(passes[0]).toBeGreaterThan(0);
      expect(first.llm!.requests).toBeGreaterThan(0);
      expect(first.llm!.passes).toBeGreaterThanOrEqual(2);
      expect(first.llm!.answeredByRules).toBe(0);
      expect(first.summary!.agents.volatility_assessor!.kind).toBe('llm');
      const callsAfterFirst = s.calls.length;

      const second = await backtestWithAgents(strategy, tiny, options, { mode: 'ollama', config, vix, cache: journal });
      expect(second.llm!.requests).toBe(0);
      expect(second.llm!.passes).toBe(1);
      // One cache row per proposal holds every seat's answer: a re-run reads one row, not four.
      expect(second.llm!.cacheHits).toBe(second.summary!.proposals);
      expect(second.llm!.answeredByModel).toBe(4 * second.summary!.proposals);
      expect(s.calls.length).toBe(callsAfterFirst);
      expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
      // The models' advice (6%) is below the cap, and the gate took it.
      expect(first.summary!.gateModifications['agent-advice']).toBeGreaterThan(0);
      for (const t of first.report.trades) expect(t.qty * t.entryPrice).toBeLessThanOrEqual(0.06 * 10_000 * 1.5);
    } finally {
      journal.close();
    }
  });

  it('without Ollama the rule agents answer, it is said once, and the result is the rules result', async () => {
    const notices: string[] = [];
    const config = { ...defaultConfig(), ollama: { ...defaultConfig().ollama, host: 'http://127.0.0.1:9' } };
    const strategy = greedyMomentum();
    const rules = await backtestWithAgents(strategy, short, options, { mode: 'rules', config, vix });
    const started = Date.now();
    const ollama = await backtestWithAgents(strategy, short, options, { mode: 'ollama', config, vix, onNotice: (m) => notices.push(m) });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('LLM unavailable');
    expect(ollama.llm!.answeredByModel).toBe(0);
    expect(JSON.stringify(ollama.report.trades)).toBe(JSON.stringify(rules.report.trades));
  });

  it('a gateway given by the caller (the sidecar) is used as is', async () => {
    const s = await startModel();
    const gateway = new OllamaGateway({ host: s.host });
    const config = defaultConfig();
    config.ollama.models = { ...config.ollama.models, risk: 'llama3.3', market: 'llama3.3' };
    const r = await backtestWithAgents(greedyMomentum(), sliceSeries(short, undefined, short.time[200]), options, { mode: 'ollama', config, gateway });
    expect(r.llm!.requests).toBe(gateway.requests);
    expect(s.calls.every((c) => c.model === 'llama3.3')).toBe(true);
  });
});
