import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { runBacktest } from './index.js';

/**
 * The bar loop must not allocate per bar: a million-bar run that boxes one number per bar makes
 * 16 MB of garbage. V8's sampling heap profiler (including objects already collected) attributes
 * allocations to the functions that made them; the loop's share must stay near zero once warm.
 */
describe('the bar loop', () => {
  it('allocates nothing per bar once warm', async () => {
    const bars = 200_000;
    const market = synthesize({ seed: 3, bars, timeframe: '1m' });
    // Touches everything a strategy reads each bar: the bar, the history window, the position,
    // equity, params, random; trades now and then (those allocate per trade, which is allowed).
    const strategy = defineStrategy({
      name: 'reader',
      params: { lookback: 20 },
      risk: { stopLoss: 0.01, takeProfit: 0.02 },
      onBar(ctx) {
        const h = ctx.history(ctx.params.lookback);
        const back = h.close(h.length - 1);
        const move = ctx.bar.close / back - 1;
        if (ctx.position.side === 0 && ctx.index % 500 === 0) ctx.buy({ reason: 'scheduled' });
        else if (ctx.position.side !== 0 && (move > 0.05 || ctx.position.unrealizedPnl < -ctx.equity * 0.01)) ctx.exit();
        if (ctx.random() > 2) ctx.sell();
      },
    });
    for (let k = 0; k < 3; k++) runBacktest(strategy, market);

    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const report = runBacktest(strategy, market);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();

    const perFunction = new Map<string, number>();
    const walk = (node: typeof profile.head): void => {
      perFunction.set(node.callFrame.functionName, (perFunction.get(node.callFrame.functionName) ?? 0) + node.selfSize);
      node.children.forEach(walk);
    };
    walk(profile.head);
    const inLoop = ['runBars', 'step', 'onBar', 'aim', 'history', 'markPosition', 'checkStops', 'stopOut'].reduce((sum, name) => sum + (perFunction.get(name) ?? 0), 0);
    expect(report.trades.length).toBeGreaterThan(50);
    // One boxed number per bar would be 16 bytes per bar. What remains is a handful of chunks V8
    // runs unoptimised while it re-optimises after a rare path (a stop, a reversal) first runs.
    expect(inLoop / bars).toBeLessThan(1);
  });
});
