/**
 * Bollinger squeeze breakout
 *
 * Idea:    quiet markets do not stay quiet. When the Bollinger bands pinch together (low
 *          bandwidth) energy is building; the close that finally escapes the band shows the side.
 * Entry:   after a squeeze (bandwidth below `squeeze` within the last `lookback` bars), long on a
 *          close above the upper band, short on a close below the lower band.
 * Exit:    when price falls back to the middle band (the breakout failed or is spent), or by the
 *          stop/target.
 * Risk:    3% stop-loss, 9% take-profit (3:1), at most 10% of equity per position.
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'Bollinger breakout',
  timeframe: '1h',
  symbols: ['BTC/USDT'],
  params: {
    period: { value: 20, min: 10, max: 50, step: 1, description: 'bars in the bands’ moving average' },
    width: { value: 2, min: 1, max: 3.5, step: 0.1, description: 'band distance in standard deviations' },
    squeeze: { value: 0.04, min: 0.005, max: 0.2, step: 0.005, description: 'bandwidth below which the market is coiled' },
    lookback: { value: 12, min: 1, max: 60, step: 1, description: 'bars since the squeeze that still count' },
  },
  indicators: (ind, p) => ({
    bands: ind.bollinger(p.period, p.width),
  }),
  onBar(ctx) {
    const { bands } = ctx.ind;
    if (!bands.ready) return;
    if (bands.bandwidth < ctx.params.squeeze) ctx.state.lastSqueezeBar = ctx.index;
    const lastSqueeze = ctx.state.lastSqueezeBar as number | undefined;
    const afterSqueeze = lastSqueeze !== undefined && ctx.index - lastSqueeze <= ctx.params.lookback;
    const close = ctx.bar.close;

    if (ctx.position.side === 1 && close < bands.middle) {
      ctx.exit({ confidence: 0.65, reason: 'closed back under the middle band: breakout spent' });
    } else if (ctx.position.side === -1 && close > bands.middle) {
      ctx.exit({ confidence: 0.65, reason: 'closed back over the middle band: breakdown spent' });
    } else if (ctx.position.side === 0 && afterSqueeze) {
      // A close well beyond the band is a stronger break than one that barely pokes out.
      const beyond = Math.abs(bands.percentB - 0.5) - 0.5;
      const confidence = Math.min(0.9, 0.55 + beyond);
      if (close > bands.upper) {
        ctx.buy({ confidence, reason: `close ${close.toFixed(2)} broke above the upper band after a squeeze` });
      } else if (close < bands.lower) {
        ctx.sell({ confidence, reason: `close ${close.toFixed(2)} broke below the lower band after a squeeze` });
      }
    }
  },
  risk: {
    stopLoss: 0.03,
    takeProfit: 0.09,
    maxPositionPct: 0.1,
  },
});
