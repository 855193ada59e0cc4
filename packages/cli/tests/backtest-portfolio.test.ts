/** `volt backtest` of a portfolio, end to end: the built `volt`, the sandbox, a real SQLite journal. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';
import { candlesToCsv, createRandom, seriesFromCandles, synthesize, type Candle } from '@volt/engine';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const PAIRS = path.join(REPO_ROOT, 'examples/strategies/portfolio/pairs-trading.strategy.ts');
const BASKET = path.join(REPO_ROOT, 'examples/strategies/portfolio/basket-momentum.strategy.ts');
const RSI = path.join(REPO_ROOT, 'examples/strategies/rsi-mean-reversion.strategy.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-portfolio-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function volt(args: string[], cwd = tmp): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

// BTC, and ETH as BTC × a mean-reverting factor with three of its bars missing.
const btc = synthesize({ seed: 21, bars: 3000, timeframe: '1h', symbol: 'BTC/USDT', startPrice: 40_000 });
const rnd = createRandom(5);
let x = 0;
const ethCandles: Candle[] = [];
for (let i = 0; i < btc.length; i++) {
  x = 0.97 * x + 0.008 * (rnd() - 0.5);
  if (i === 1000 || i === 1001 || i === 2000) continue;
  const f = 0.05 * Math.exp(x);
  const o = btc.open[i]! * f;
  const c = btc.close[i]! * f;
  ethCandles.push({ time: btc.time[i]!, open: o, close: c, high: Math.max(btc.high[i]! * f, o, c), low: Math.min(btc.low[i]! * f, o, c), volume: 1 });
}
const eth = seriesFromCandles(ethCandles, { symbol: 'ETH/USDT', timeframe: '1h', source: 'eth' });
const btcFile = path.join(tmp, 'BTC_USDT.csv');
const ethFile = path.join(tmp, 'eth.csv');
writeFileSync(btcFile, [...candlesToCsv(btc)].join(''));
writeFileSync(ethFile, [...candlesToCsv(eth)].join(''));

describe('volt backtest, a portfolio', () => {
  it('runs the pairs example on both markets given with --market, and reports the missing bars', async () => {
    const args = [PAIRS, '--market', `ETH/USDT=${ethFile}`, '--market', `BTC/USDT=${btcFile}`, '--symbols', 'ETH/USDT,BTC/USDT', '--no-journal'];
    const json = await volt(['backtest', ...args, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.data).toMatchObject({ symbol: 'ETH/USDT,BTC/USDT', bars: 3000 });
    expect(report.portfolio.markets.map((m: { symbol: string; missingBars: number }) => [m.symbol, m.missingBars])).toEqual([['ETH/USDT', 3], ['BTC/USDT', 0]]);
    expect(new Set(report.trades.map((t: { symbol: string }) => t.symbol))).toEqual(new Set(['ETH/USDT', 'BTC/USDT']));
    const text = await volt(['backtest', ...args]);
    expect(text.stdout).toContain('portfolio of 2 markets over 3,000 steps');
    expect(text.stdout).toMatch(/ETH\/USDT: 3 bars missing between its first and last \(\d{4}-\d\d-\d\d \d\d:\d\d, .*\): left out, not filled/);
  });

  it('takes a declared basket\'s data from data.symbols of volt.config.json, applies the limits and records the run', async () => {
    const ws = path.join(tmp, 'ws');
    mkdirSync(ws, { recursive: true });
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
    const mapped: Record<string, string> = {};
    symbols.forEach((s, k) => {
      const file = path.join(ws, `${s.replace('/', '_')}.csv`);
      writeFileSync(file, [...candlesToCsv(synthesize({ seed: 300 + k, bars: 3000, timeframe: '1h', symbol: s }))].join(''));
      mapped[s] = path.basename(file);
    });
    writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:1', symbols: mapped } }));
    const r = await volt(['backtest', BASKET, '--max-positions', '2', '--json'], ws);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.portfolio.symbols).toEqual(symbols);
    expect(report.portfolio.markets.map((m: { source: string }) => path.basename(m.source))).toEqual(symbols.map((s) => `${s.replace('/', '_')}.csv`));
    expect(report.portfolio.maxPositions).toBeLessThanOrEqual(2);
    expect(report.portfolio.gate.refused['max positions']).toBeGreaterThan(0);
    const list = await volt(['journal', 'list', '--json'], ws);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('BTC/USDT,ETH/USDT,SOL/USDT,BNB/USDT,XRP/USDT');
  });

  it('takes the limits from the portfolio section of volt.config.json, each flag overriding its own', async () => {
    const ws = path.join(tmp, 'ws-limits');
    mkdirSync(ws, { recursive: true });
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
    const mapped: Record<string, string> = {};
    symbols.forEach((s, k) => {
      const file = path.join(ws, `${s.replace('/', '_')}.csv`);
      writeFileSync(file, [...candlesToCsv(synthesize({ seed: 300 + k, bars: 3000, timeframe: '1h', symbol: s }))].join(''));
      mapped[s] = path.basename(file);
    });
    writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:1', symbols: mapped }, portfolio: { maxPositions: 2, maxGross: 0.9 } }));
    const fromConfig = JSON.parse((await volt(['backtest', BASKET, '--no-journal', '--json'], ws)).stdout);
    expect(fromConfig.portfolio.limits).toMatchObject({ maxPositions: 2, maxGrossExposure: 0.9 });
    expect(fromConfig.portfolio.maxPositions).toBeLessThanOrEqual(2);
    expect(fromConfig.portfolio.gate.refused['max positions']).toBeGreaterThan(0);
    const overridden = JSON.parse((await volt(['backtest', BASKET, '--max-positions', '5', '--no-journal', '--json'], ws)).stdout);
    expect(overridden.portfolio.limits).toMatchObject({ maxPositions: 5, maxGrossExposure: 0.9 });
    expect(overridden.portfolio.gate.refused['max positions'] ?? 0).toBe(0);
    writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:1', symbols: mapped }, portfolio: { maxCorrelation: 3 } }));
    const bad = await volt(['backtest', BASKET, '--no-journal'], ws);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/volt\.config\.json.*portfolio\.maxCorrelation/s);
  });

  it('gives a one-market portfolio the trades of the plain backtest', async () => {
    const single = await volt(['backtest', RSI, '--data', btcFile, '--no-journal', '--json']);
    const portfolio = await volt(['backtest', RSI, '--symbols', 'BTC/USDT', '--market', `BTC/USDT=${btcFile}`, '--no-journal', '--json']);
    expect(portfolio.code).toBe(0);
    const a = JSON.parse(single.stdout);
    const b = JSON.parse(portfolio.stdout);
    expect(a.trades.length).toBeGreaterThan(0);
    expect(JSON.stringify(b.trades)).toBe(JSON.stringify(a.trades));
    expect(b.metrics).toEqual(a.metrics);
  });

  it('sends every market\'s entries through the rule agents\' panel with --agents rules, journaling decisions that name the market', async () => {
    const ws = path.join(tmp, 'ws-agents');
    mkdirSync(ws, { recursive: true });
    const args = ['backtest', PAIRS, '--market', `ETH/USDT=${ethFile}`, '--market', `BTC/USDT=${btcFile}`, '--symbols', 'ETH/USDT,BTC/USDT', '--agents', 'rules', '--json'];
    const r = await volt(args, ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.agents.proposals).toBeGreaterThan(0);
    const plain = JSON.parse((await volt([...args.filter((a) => a !== '--agents' && a !== 'rules'), '--no-journal'], ws)).stdout);
    // The panel refused or shrank some entries: the trades are not the plain run's.
    expect(report.agents.rejected + report.agents.modified).toBeGreaterThan(0);
    expect(JSON.stringify(report.trades)).not.toBe(JSON.stringify(plain.trades));
    const { Journal } = await import('@volt/engine');
    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    const rows = journal.db.prepare(`SELECT symbol, status, count(*) AS n FROM decisions WHERE agent_results IS NOT NULL GROUP BY symbol, status`).all() as { symbol: string; status: string; n: number }[];
    const mode = journal.db.prepare(`SELECT agents_mode FROM runs ORDER BY id DESC LIMIT 1`).pluck().get();
    journal.close();
    expect(new Set(rows.map((x) => x.symbol))).toEqual(new Set(['ETH/USDT', 'BTC/USDT']));
    expect(rows.reduce((n, x) => n + x.n, 0)).toBe(report.agents.proposals);
    expect(mode).toBe('rules');
  });

  it('puts local models in the panel\'s seats with --agents ollama (a scripted Ollama on 127.0.0.1), caching their answers in the journal', async () => {
    const model = await FakeOllama.start({
      models: ['llama3.3:latest', 'deepseek-r1:8b'],
      reply: () => ({ content: JSON.stringify({ decision: 'BUY', confidence: 0.8, reasoning: 'the spread is wide', modifications: { pct: 0.05 } }) }),
    });
    try {
      const ws = path.join(tmp, 'ws-ollama');
      mkdirSync(ws, { recursive: true });
      writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ ollama: { host: model.host } }));
      const args = ['backtest', PAIRS, '--market', `ETH/USDT=${ethFile}`, '--market', `BTC/USDT=${btcFile}`, '--symbols', 'ETH/USDT,BTC/USDT', '--to', new Date(btc.time[900]!).toISOString().slice(0, 16), '--agents', 'ollama', '--json'];
      const first = await volt(args, ws);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const a = JSON.parse(first.stdout);
      expect(a.agents.proposals).toBeGreaterThan(0);
      expect(a.agents.llm.requests).toBeGreaterThan(0);
      expect(a.agents.llm.answeredByRules).toBe(0);
      expect(a.agents.llm.passes).toBeGreaterThanOrEqual(2);
      const calls = model.calls.length;
      const second = await volt(args, ws);
      const b = JSON.parse(second.stdout);
      expect(b.agents.llm.requests).toBe(0);
      expect(model.calls.length).toBe(calls);
      expect(JSON.stringify(b.trades)).toBe(JSON.stringify(a.trades));
      const { Journal } = await import('@volt/engine');
      const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
      const modes = journal.db.prepare(`SELECT agents_mode FROM runs ORDER BY id`).pluck().all();
      const decided = journal.db.prepare(`SELECT count(*) FROM decisions WHERE agent_results IS NOT NULL AND run_id = (SELECT max(id) FROM runs)`).pluck().get();
      journal.close();
      expect(modes).toEqual(['ollama', 'ollama']);
      expect(decided).toBe(b.agents.proposals);
    } finally {
      await model.close();
    }
  });

  it('refuses --data with --symbols, and a market not in --symbols, as usage errors', async () => {
    const data = await volt(['backtest', PAIRS, '--symbols', 'ETH/USDT,BTC/USDT', '--data', btcFile]);
    expect(data.code).toBe(2);
    const market = await volt(['backtest', PAIRS, '--symbols', 'ETH/USDT', '--market', `BTC/USDT=${btcFile}`]);
    expect(market.stderr).toBe('volt backtest: --market BTC/USDT is not one of --symbols (ETH/USDT)\n');
  });
});
