/**
 * MACD trend following
 *
 * Idea:    ride established trends. MACD's histogram (MACD line minus its signal line) changing
 *          sign marks momentum turning; an EMA filter keeps us on the side of the bigger trend.
 * Entry:   long when the histogram crosses above zero with price above the trend EMA;
 *          short when it crosses below zero with price below the trend EMA.
 * Exit:    when the histogram crosses back against the position, or by the stop.
 * Risk:    volatility stop 2.5 ATRs from entry (wider in wild markets, tighter in calm ones),
 *          at most 8% of equity per position. Long and short.
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'MACD trend',
  timeframe: '4h',
  symbols: ['ETH/USDT'],
  params: {
    fast: { value: 12, min: 5, max: 20, step: 1, description: 'fast EMA of the MACD line' },
    slow: { value: 26, min: 20, max: 60, step: 1, description: 'slow EMA of the MACD line' },
    signal: { value: 9, min: 3, max: 18, step: 1, description: 'EMA of the MACD line that it must cross' },
    trendPeriod: { value: 100, min: 30, max: 300, step: 10, description: 'EMA that defines the bigger trend' },
    minStrength: { value: 0.05, min: 0, max: 0.5, step: 0.01, description: 'smallest histogram, in ATRs, worth acting on' },
  },
  indicators: (ind, p) => ({
    macd: ind.macd(p.fast, p.slow, p.signal),
    trend: ind.ema(p.trendPeriod),
    atr: ind.atr(14),
  }),
  onBar(ctx) {
    const { macd, trend, atr } = ctx.ind;
    if (!macd.ready || !trend.ready || !atr.ready) return;
    const previous = ctx.state.previousHistogram as number | undefined;
    const histogram = macd.histogram;
    ctx.state.previousHistogram = histogram;
    if (previous === undefined) return;

    // Histogram measured in ATRs, so the same threshold means the same thing on any market.
    const strength = atr.value > 0 ? Math.abs(histogram) / atr.value : 0;
    const crossedUp = previous <= 0 && histogram > 0;
    const crossedDown = previous >= 0 && histogram < 0;
    const confidence = Math.min(0.9, 0.5 + strength);

    if (ctx.position.side === 1 && crossedDown) {
      ctx.exit({ confidence: 0.7, reason: 'MACD histogram turned negative: momentum gone' });
    } else if (ctx.position.side === -1 && crossedUp) {
      ctx.exit({ confidence: 0.7, reason: 'MACD histogram turned positive: momentum gone' });
    } else if (ctx.position.side === 0 && strength >= ctx.params.minStrength) {
      if (crossedUp && ctx.bar.close > trend.value) {
        ctx.buy({ confidence, reason: `MACD crossed above its signal with price above EMA(${ctx.params.trendPeriod})` });
      } else if (crossedDown && ctx.bar.close < trend.value) {
        ctx.sell({ confidence, reason: `MACD crossed below its signal with price below EMA(${ctx.params.trendPeriod})` });
      }
    }
  },
  risk: {
    stopLoss: { kind: 'volatility', atrMultiple: 2.5, period: 14 },
    maxPositionPct: 0.08,
  },
});
