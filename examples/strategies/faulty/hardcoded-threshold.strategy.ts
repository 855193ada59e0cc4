/**
 * A deliberately faulty strategy, for trying out Volt's editor checks. Open it in VS Code or
 * Neovim and the sidecar should flag each mistake below; the examples one folder up show the fixes.
 *
 * - no stop-loss: one bad trade can take any amount of equity;
 * - thresholds written as literals in onBar instead of `params` (cannot be tuned or swept);
 * - Math.random in a signal: the backtest is not reproducible (use ctx.random());
 * - 25% of equity per position, above the 10% cap;
 * - no confidence or reason on the orders.
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'Hard-coded RSI',
  timeframe: '1h',
  indicators: (ind) => ({
    rsi: ind.rsi(14),
  }),
  onBar(ctx) {
    const rsi = ctx.ind.rsi.value;
    if (ctx.position.side === 0 && rsi < 30 && Math.random() > 0.5) {
      ctx.buy();
    } else if (ctx.position.side === 1 && rsi > 70) {
      ctx.exit();
    }
  },
  risk: {
    maxPositionPct: 0.25,
  },
});
