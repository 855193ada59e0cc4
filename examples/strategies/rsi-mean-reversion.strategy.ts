/**
 * RSI mean reversion
 *
 * Idea:    after a sharp sell-off price tends to snap back towards its average. RSI(14) measures
 *          how stretched the move is; below `oversold` sellers are exhausted.
 * Entry:   go long when RSI turns back up through `oversold` (the dip is over, not still falling),
 *          and only while price is above its long moving average, so we buy dips in an uptrend
 *          rather than catch a falling knife.
 * Exit:    when RSI recovers to `exitLevel` (the snap-back has happened), or by the stop/target.
 * Risk:    4% stop-loss, 8% take-profit, at most 10% of equity per position. Long only.
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI mean reversion',
  timeframe: '1h',
  symbols: ['BTC/USDT'],
  params: {
    rsiPeriod: { value: 14, min: 5, max: 30, step: 1, description: 'RSI lookback in bars' },
    oversold: { value: 35, min: 10, max: 45, step: 1, description: 'RSI level that counts as a washed-out dip' },
    exitLevel: { value: 55, min: 45, max: 80, step: 1, description: 'RSI level at which the bounce is taken' },
    trendPeriod: { value: 200, min: 50, max: 400, step: 10, description: 'moving average that defines the uptrend' },
  },
  indicators: (ind, p) => ({
    rsi: ind.rsi(p.rsiPeriod),
    trend: ind.sma(p.trendPeriod),
  }),
  onBar(ctx) {
    const { rsi, trend } = ctx.ind;
    if (!rsi.ready || !trend.ready) return;
    const previous = ctx.state.previousRsi as number | undefined;
    ctx.state.previousRsi = rsi.value;
    if (previous === undefined) return;

    if (ctx.position.side === 0) {
      const turnedUp = previous < ctx.params.oversold && rsi.value >= ctx.params.oversold;
      if (turnedUp && ctx.bar.close > trend.value) {
        // The deeper the dip was, the more room for the snap-back.
        const depth = (ctx.params.oversold - Math.min(previous, ctx.params.oversold)) / ctx.params.oversold;
        ctx.buy({
          confidence: Math.min(0.9, 0.55 + depth),
          reason: `RSI turned up through ${ctx.params.oversold} (${previous.toFixed(1)} → ${rsi.value.toFixed(1)}) in an uptrend`,
        });
      }
    } else if (ctx.position.side === 1 && rsi.value >= ctx.params.exitLevel) {
      ctx.exit({ confidence: 0.7, reason: `RSI back to ${rsi.value.toFixed(1)}: bounce taken` });
    }
  },
  risk: {
    stopLoss: 0.04,
    takeProfit: 0.08,
    maxPositionPct: 0.1,
  },
});
