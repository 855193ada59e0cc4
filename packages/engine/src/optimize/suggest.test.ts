import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seriesFromCandles, type Candle, type CandleSeries } from '../data/index.js';
import { StrategyRunner } from '../runner/index.js';
import { transpileStrategy } from '../strategy/index.js';
import { suggestParams } from './suggest.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-suggest-'));
const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 128, spares: 1 });
afterAll(async () => {
  await runner.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

// Long for 5 bars at a time when `bias` is 1; no trades at 0.
const file = path.join(tmp, 'bias.strategy.ts');
writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'bias',
  params: { bias: { value: 0, min: 0, max: 1, step: 1 } },
  onBar(ctx) {
    if (ctx.params.bias < 1) return;
    if (ctx.position.side === 0) ctx.buy({ confidence: 0.6, reason: 'bias' });
    else if (ctx.position.barsHeld >= 5) ctx.exit({ reason: 'five bars' });
  },
});
`);

/** 600 hourly bars drifting 0.3% a bar, up until bar `turn` and down after, with ±0.1% wiggle. */
function market(turn: number): CandleSeries {
  const candles: Candle[] = [];
  let price = 100;
  for (let i = 0; i < 600; i++) {
    const open = price;
    price *= 1 + (i < turn ? 0.003 : -0.003) + (i % 2 === 0 ? 0.001 : -0.001);
    candles.push({ time: Date.UTC(2024, 0, 1) + i * 3_600_000, open, high: Math.max(open, price) * 1.0005, low: Math.min(open, price) * 0.9995, close: price, volume: 1 });
  }
  return seriesFromCandles(candles, { symbol: 'TEST/USD', timeframe: '1h', source: 'test' });
}

describe('bounded suggestions', () => {
  it('offers a change inside the declared range that did better out of sample, saying by how much', async () => {
    const [s] = await suggestParams({ runner, bundle: await transpileStrategy(file), series: market(600), params: { bias: { value: 0, min: 0, max: 1, step: 1 } } });
    expect(s).toMatchObject({ param: 'bias', from: 0, to: 1, status: 'offered', picked: 3, folds: 3 });
    expect(s!.outOfSample.after).toBeGreaterThan(s!.outOfSample.before);
    expect(s!.message).toMatch(/^1 did better out of sample: Sharpe 0\.00 → \d+\.\d\d over 3 folds, \d+ trades$/);
  }, 60_000);

  it('refuses a change that only fits in sample: the training windows rose, the test windows fell', async () => {
    const [s] = await suggestParams({ runner, bundle: await transpileStrategy(file), series: market(300), params: { bias: { value: 0, min: 0, max: 1, step: 1 } } });
    expect(s).toMatchObject({ param: 'bias', to: 1, status: 'refused' });
    expect(s!.inSample.after).toBeGreaterThan(s!.inSample.before);
    expect(s!.outOfSample.after).toBeLessThan(s!.outOfSample.before);
    expect(s!.message).toMatch(/bias 0 → 1 not offered: it fits only in sample \(Sharpe 0\.00 → .* on the training windows, 0\.00 → -.* on the test windows\)/);
  }, 60_000);

  it('never leaves the declared range', async () => {
    const out = await suggestParams({ runner, bundle: await transpileStrategy(file), series: market(600), params: { bias: { value: 1, min: 0, max: 1, step: 1 } } });
    for (const s of out) expect(s.to).toBeGreaterThanOrEqual(0);
    expect(out.every((s) => s.to <= 1)).toBe(true);
  }, 60_000);
});
