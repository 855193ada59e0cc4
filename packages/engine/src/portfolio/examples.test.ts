/**
 * The portfolio examples run where every run runs: in the sandbox process, through StrategyRunner,
 * and give there the report they give in this process.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { createRandom, seriesFromCandles, synthesize, type Candle, type CandleSeries } from '../data/index.js';
import { StrategyRunner } from '../runner/index.js';
import { loadStrategyFile, transpileStrategy } from '../strategy/index.js';
import { runPortfolioBacktest } from './run.js';
import type { PortfolioReport } from './types.js';

const PAIRS = path.join(REPO_ROOT, 'examples/strategies/portfolio/pairs-trading.strategy.ts');
const BASKET = path.join(REPO_ROOT, 'examples/strategies/portfolio/basket-momentum.strategy.ts');
const runner = new StrategyRunner({ timeoutMs: 10_000, maxMemoryMb: 256, spares: 0 });
afterAll(() => runner.dispose());

/** ETH as BTC × 0.05 × a mean-reverting factor: a pair that drifts apart and comes back. */
function cointegrated(bars: number): [CandleSeries, CandleSeries] {
  const btc = synthesize({ seed: 21, bars, timeframe: '1h', symbol: 'BTC/USDT', startPrice: 40_000 });
  const rnd = createRandom(5);
  let x = 0;
  const candles: Candle[] = [];
  for (let i = 0; i < bars; i++) {
    x = 0.97 * x + 0.004 * (rnd() - 0.5) * 2;
    const f = 0.05 * Math.exp(x);
    const open = btc.open[i]! * f;
    const close = btc.close[i]! * f;
    candles.push({ time: btc.time[i]!, open, close, high: Math.max(btc.high[i]! * f, open, close), low: Math.min(btc.low[i]! * f, open, close), volume: 1 });
  }
  return [seriesFromCandles(candles, { symbol: 'ETH/USDT', timeframe: '1h', source: 'test:eth' }), btc];
}

describe('portfolio runs in the sandbox', () => {
  it('trades the pairs example on both legs, as in this process', async () => {
    const markets = cointegrated(3000);
    const outcome = await runner.run({ bundle: await transpileStrategy(PAIRS), series: markets[0], portfolio: { markets } });
    expect(outcome.status === 'failed' ? outcome.failure : outcome.status).toBe('done');
    const report = (outcome as { report: PortfolioReport }).report;
    const here = runPortfolioBacktest(await loadStrategyFile(PAIRS), markets);
    expect(JSON.stringify(report)).toBe(JSON.stringify(here));
    const eth = report.trades.filter((t) => t.symbol === 'ETH/USDT');
    const btc = report.trades.filter((t) => t.symbol === 'BTC/USDT');
    expect(eth.length).toBeGreaterThan(3);
    // Every pair is two legs on opposite sides, entered at the same time.
    expect(btc.length).toBe(eth.length);
    for (let k = 0; k < eth.length; k++) {
      expect(eth[k]!.entryTime).toBe(btc[k]!.entryTime);
      expect(eth[k]!.side).not.toBe(btc[k]!.side);
    }
    expect(report.portfolio.markets.map((m) => m.symbol)).toEqual(['ETH/USDT', 'BTC/USDT']);
  });

  it('runs the basket example under a limit of positions, through the sandbox', async () => {
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
    const markets = symbols.map((symbol, k) => synthesize({ seed: 100 + k, bars: 4000, timeframe: '1h', symbol }));
    const outcome = await runner.run({ bundle: await transpileStrategy(BASKET), series: markets[0]!, portfolio: { markets, limits: { maxPositions: 2 } } });
    expect(outcome.status).toBe('done');
    const report = (outcome as { report: PortfolioReport }).report;
    expect(report.portfolio.maxPositions).toBeLessThanOrEqual(2);
    expect(report.portfolio.gate.refused['max positions']).toBeGreaterThan(0);
    expect(new Set(report.trades.map((t) => t.symbol)).size).toBeGreaterThan(2);
  });

  it('stops a portfolio run that loops forever, at its line, as any run', async () => {
    const markets = cointegrated(200);
    const slow = new StrategyRunner({ timeoutMs: 500, maxMemoryMb: 128, spares: 0 });
    try {
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const os = await import('node:os');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-portfolio-'));
      const file = path.join(dir, 'loop.strategy.ts');
      writeFileSync(file, "import { defineStrategy } from '@volt/engine';\nexport default defineStrategy({ name: 'loop', onBar(ctx) {\n  if (ctx.symbol === 'BTC/USDT') for (;;) {}\n} });\n");
      const outcome = await slow.run({ bundle: await transpileStrategy(file), series: markets[0], portfolio: { markets } });
      expect(outcome.status).toBe('failed');
      expect((outcome as { failure: { message: string; line?: number } }).failure).toMatchObject({ kind: 'timeout', line: 3 });
    } finally {
      await slow.dispose();
    }
  });
});
