import { loadCandlesSync, type CandleSeries } from '../../src/data/index.js';
import { defineStrategy, type StrategyDefinition } from '../../src/strategy/index.js';
import { sharedDataFile } from '../../../../test-support/shared-data.js';

/** ETH/BTC 5m, 2018-01-10 → 01-30 (5,760 bars), from ../shared/data. */
export function ethBtc(): CandleSeries {
  return loadCandlesSync(sharedDataFile('ETH_BTC-5m.json'), { symbol: 'ETH/BTC' }).series;
}

/** BTC/USD 1h, 2017-07 → 2019-07: spans the February 2018 VIX spike and the late-2018 sell-off. */
export function btcUsdHourly(): CandleSeries {
  return loadCandlesSync(sharedDataFile('bitfinex-1h-btc-usd.csv'), { symbol: 'BTC/USD', lenient: true }).series;
}

export const VIX_FILE = (): string => sharedDataFile('vix-daily.csv');

/**
 * A momentum strategy that asks for 15% of equity (over the 10% cap) with an 8% stop (wider than
 * any volatility-table stop), so the risk gate has something to shrink and tighten on every entry.
 */
export function greedyMomentum(lookback = 24, risk: StrategyDefinition['risk'] = { stopLoss: 0.08, takeProfit: 0.12, maxPositionPct: 0.15 }): StrategyDefinition {
  return defineStrategy({
    name: 'greedy-momentum',
    params: { lookback: { value: lookback, min: 2, max: 200 } },
    risk,
    onBar(ctx) {
      const n = ctx.params.lookback;
      const h = ctx.history(n + 1);
      if (h.length <= n) return;
      const change = h.close(0) / h.close(n) - 1;
      if (ctx.position.side === 0 && change > 0.004) ctx.buy({ pct: 0.15, confidence: 0.7, reason: `up ${(change * 100).toFixed(2)}% over ${n} bars` });
      else if (ctx.position.side === 0 && change < -0.004) ctx.sell({ pct: 0.15, confidence: 0.6, reason: `down ${(change * 100).toFixed(2)}% over ${n} bars` });
      else if (ctx.position.side !== 0 && Math.sign(change) !== ctx.position.side) ctx.exit({ reason: 'momentum turned' });
    },
  });
}
