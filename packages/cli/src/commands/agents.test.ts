import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { closedPort } from '../../../../test-support/ports.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../../../engine/src/llm/testing/fake-ollama.js';
import { main } from '../main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-agents-cli-'));
const strategy = path.resolve(__dirname, '../../../../examples/strategies/ema-crossover.strategy.ts');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let out = '';
let err = '';
let server: FakeOllama | undefined;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

function workspace(name: string, config: object): string {
  const root = path.join(tmp, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify(config));
  return root;
}


describe('volt agents status', () => {
  it('shows the LLM seats, Ollama version and models, and metrics from a journaled agents backtest', async () => {
    server = await FakeOllama.start({ models: ['llama3.3:latest', 'deepseek-r1:8b', 'qwen2.5-coder:7b'], version: '0.9.1' });
    const root = workspace('up', { agents: { mode: 'ollama' }, ollama: { host: server.host }, risk: { maxPinning: 0.3, minDealerGamma: 0 } });
    const journal = path.join(root, '.volt', 'journal.db');
    expect(await main(['backtest', strategy, '--data', 'synthetic:7:1500', '--agents', 'rules', '--journal', journal])).toBe(0);
    expect(out).toMatch(/agents: \d+ proposals — \d+ approved, \d+ approved with modifications, \d+ rejected \(\d+ by consensus, \d+ by the risk gate\)/);

    out = '';
    expect(await main(['agents', 'status', '--json', '--root', root])).toBe(0);
    const status = JSON.parse(out);
    expect(status.llm).toMatchObject({ host: server.host, available: true, version: '0.9.1', models: ['llama3.3:latest', 'deepseek-r1:8b', 'qwen2.5-coder:7b'] });
    expect(status.agents.map((a: { name: string; kind: string; model?: string }) => [a.name, a.kind, a.model ?? null])).toEqual([
      ['volatility_assessor', 'llm', 'deepseek-r1:8b'],
      ['hedge_optimizer', 'llm', 'deepseek-r1:8b'],
      ['trend_analyzer', 'llm', 'llama3.3'],
      ['market_analyst', 'llm', 'llama3.3'],
      ['execution_agent', 'rules', null],
      ['auditor', 'rules', null],
    ]);
    const trend = status.agents[2];
    expect(trend.available).toBe(true);
    expect(trend.metrics.proposals).toBeGreaterThan(0);
    expect(trend.metrics.approvals).toBeLessThanOrEqual(trend.metrics.proposals);
    expect(status.riskGate.metrics.reviews).toBeGreaterThan(0);
    // The options limits are the config's, as the gate applies them.
    expect(status.riskGate.limits).toMatchObject({ maxPinning: 0.3, minDealerGamma: 0, maxVolatilityCrush: 0.3 });

    out = '';
    expect(await main(['agents', 'status', '--root', root])).toBe(0);
    expect(out).toContain('Ollama: reachable at');
    expect(out).toContain('version 0.9.1');
    expect(out).toMatch(/trend_analyzer\s+llm\s+llama3\.3\s+0\.25\s+\d+/);
  });

  it('without Ollama: says LLM unavailable, shows rules standing in, exits 0 without a stack trace', async () => {
    const root = workspace('down', { agents: { mode: 'ollama' }, ollama: { host: `http://127.0.0.1:${await closedPort()}` } });
    expect(await main(['agents', 'status', '--root', root])).toBe(0);
    expect(out).toMatch(/^Ollama: LLM unavailable at http:\/\/127\.0\.0\.1:\d+ — not reachable/);
    expect(out).toContain('(down)');
    expect(out).toContain('no journal');
    expect(err).toBe('');
  });

  it('rejects an unknown subcommand with usage', async () => {
    expect(await main(['agents', 'dance'])).toBe(2);
    expect(err).toContain('usage: volt agents status');
  });
});

describe('volt backtest --agents', () => {
  it('rejects a mode it does not know', async () => {
    expect(await main(['backtest', strategy, '--agents', 'psychic', '--no-journal'])).toBe(2);
    expect(err).toContain("--agents expects off, rules or ollama, got 'psychic'");
  });

  it('ollama mode with a scripted Ollama: a re-run against the same journal asks no model', async () => {
    server = await FakeOllama.start({
      models: ['llama3.3:latest', 'deepseek-r1:8b'],
      reply: () => ({ content: JSON.stringify({ decision: 'HOLD', confidence: 0.9, reasoning: 'stand aside' }) }),
    });
    const root = workspace('ollama-run', {});
    const journal = path.join(root, 'j.db');
    const cwd = process.cwd();
    process.chdir(root);
    writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ ollama: { host: server.host } }));
    try {
      expect(await main(['backtest', strategy, '--data', 'synthetic:3:800', '--agents', 'ollama', '--journal', journal, '--json'])).toBe(0);
      const first = JSON.parse(out);
      expect(first.agents.llm.requests).toBeGreaterThan(0);
      // Every model says HOLD with 0.9: nothing gets through.
      expect(first.trades).toEqual([]);
      const calls = server.calls.length;
      out = '';
      expect(await main(['backtest', strategy, '--data', 'synthetic:3:800', '--agents', 'ollama', '--journal', journal, '--json'])).toBe(0);
      const second = JSON.parse(out);
      expect(second.agents.llm.requests).toBe(0);
      expect(server.calls.length).toBe(calls);
      expect(second.metrics).toEqual(first.metrics);
    } finally {
      process.chdir(cwd);
    }
  });
});
