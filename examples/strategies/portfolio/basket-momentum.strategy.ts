/**
 * Basket momentum
 *
 * Idea:    in a basket of majors, the coins already trending up tend to keep going for a while,
 *          and one account should hold the strongest few, not all of them.
 * Entry:   each market on its own: long when its fast EMA is above its slow EMA and its 20-bar
 *          momentum is above `minMomentum`. The portfolio limits (volt backtest --max-positions 3
 *          --max-correlation 0.9) keep the account from holding the same bet five times.
 * Exit:    when the fast EMA falls back under the slow one, or by the stop/target.
 * Risk:    5% stop, 12% target, 10% of the whole account's equity per market.
 *
 * Run:     volt backtest strategies/portfolio/basket-momentum.strategy.ts --max-positions 3
 *          (its symbols come from data.symbols of volt.config.json, else the exchange cache, else
 *          a synthetic market per symbol).
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'Basket momentum',
  timeframe: '1h',
  symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'],
  params: {
    fast: { value: 20, min: 5, max: 50, step: 1, description: 'fast EMA, bars' },
    slow: { value: 80, min: 30, max: 200, step: 5, description: 'slow EMA, bars' },
    minMomentum: { value: 0.02, min: 0, max: 0.1, step: 0.005, description: '20-bar return that counts as a trend' },
  },
  indicators: (ind, p) => ({ fast: ind.ema(p.fast), slow: ind.ema(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    const past = ctx.history(21).close(20);
    const momentum = past > 0 ? ctx.bar.close / past - 1 : 0;
    if (ctx.position.side === 0 && fast.value > slow.value && momentum > ctx.params.minMomentum) {
      ctx.buy({ confidence: Math.min(0.9, 0.5 + momentum * 4), reason: `${ctx.symbol} trending: ${(momentum * 100).toFixed(1)}% over 20 bars` });
    } else if (ctx.position.side === 1 && fast.value < slow.value) {
      ctx.exit({ confidence: 0.7, reason: `${ctx.symbol}: fast EMA under the slow one` });
    }
  },
  risk: { stopLoss: 0.05, takeProfit: 0.12, maxPositionPct: 0.1 },
});
