/**
 * EMA crossover with a volatility filter
 *
 * Idea:    the classic golden/death cross on fast and slow EMAs, skipped when the market is
 *          too wild for a trend signal to mean much (realized volatility above `maxVol`).
 * Entry:   long when the fast EMA crosses above the slow one; short when it crosses below.
 * Exit:    on the opposite cross, or by the stop/target.
 * Risk:    2.5% stop-loss, 7.5% take-profit, at most 5% of equity per position.
 * Note:    the crossing logic lives in ./lib/crossing.ts, to show a strategy importing its own files.
 */
import { defineStrategy } from '@volt/engine';
import { confidenceBetween, crossedAbove, crossedBelow } from './lib/crossing';

export default defineStrategy({
  name: 'EMA crossover',
  timeframe: '1h',
  params: {
    fast: { value: 21, min: 5, max: 50, step: 1, description: 'fast EMA period' },
    slow: { value: 55, min: 20, max: 200, step: 5, description: 'slow EMA period' },
    maxVol: { value: 1.2, min: 0.2, max: 3, step: 0.1, description: 'annualised realized volatility above which we stand aside' },
  },
  indicators: (ind, p) => ({
    fast: ind.ema(p.fast),
    slow: ind.ema(p.slow),
    vol: ind.realizedVol(30, 365 * 24),
  }),
  onBar(ctx) {
    const { fast, slow, vol } = ctx.ind;
    if (!fast.ready || !slow.ready || !vol.ready) return;
    const previousFast = ctx.state.previousFast as number | undefined;
    const previousSlow = ctx.state.previousSlow as number | undefined;
    ctx.state.previousFast = fast.value;
    ctx.state.previousSlow = slow.value;
    if (previousFast === undefined || previousSlow === undefined) return;

    const up = crossedAbove(previousFast, previousSlow, fast.value, slow.value);
    const down = crossedBelow(previousFast, previousSlow, fast.value, slow.value);
    if (ctx.position.side === 1 && down) {
      ctx.exit({ confidence: 0.7, reason: 'fast EMA crossed back below the slow EMA' });
      return;
    }
    if (ctx.position.side === -1 && up) {
      ctx.exit({ confidence: 0.7, reason: 'fast EMA crossed back above the slow EMA' });
      return;
    }
    if (ctx.position.side !== 0 || vol.value > ctx.params.maxVol) return;
    // Calmer markets make a cleaner cross: confidence falls as volatility nears the limit.
    const confidence = confidenceBetween(ctx.params.maxVol - vol.value, 0, ctx.params.maxVol);
    if (up) ctx.buy({ confidence, reason: `EMA(${ctx.params.fast}) crossed above EMA(${ctx.params.slow})` });
    else if (down) ctx.sell({ confidence, reason: `EMA(${ctx.params.fast}) crossed below EMA(${ctx.params.slow})` });
  },
  risk: {
    stopLoss: 0.025,
    takeProfit: 0.075,
    maxPositionPct: 0.05,
  },
});
