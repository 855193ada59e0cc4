/**
 * Pairs trading: ETH against BTC
 *
 * Idea:    two markets that move together drift apart and come back. The log of their price
 *          ratio has a mean and a spread; far from the mean, sell the rich leg and buy the cheap
 *          one, and close both when the ratio is back.
 * Entry:   z-score of log(ETH / BTC) over `lookback` bars beyond ±`entryZ`: short the rich leg,
 *          long the cheap one, the same share of equity on each (neutral in money).
 * Exit:    both legs when the z-score is back within ±`exitZ`, or past ±`stopZ` (the relation
 *          broke). Each leg also has its own 8% stop.
 * Needs:   a portfolio run, for ctx.markets: volt backtest strategies/portfolio/pairs-trading.strategy.ts
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'Pairs ETH/BTC',
  timeframe: '1h',
  symbols: ['ETH/USDT', 'BTC/USDT'],
  params: {
    lookback: { value: 100, min: 30, max: 300, step: 10, description: "bars of the ratio's mean and spread" },
    entryZ: { value: 2, min: 1, max: 3.5, step: 0.1, description: 'z-score that opens the pair' },
    exitZ: { value: 0.5, min: 0, max: 1.5, step: 0.1, description: 'z-score that closes it' },
    stopZ: { value: 4, min: 2.5, max: 6, step: 0.25, description: 'z-score at which the relation counts as broken' },
    legPct: { value: 0.1, min: 0.02, max: 0.1, step: 0.01, description: 'share of equity on each leg' },
  },
  onBar(ctx) {
    // Decided once a step, on BTC's bar (the last of `symbols`), when both legs' closes are in.
    const eth = ctx.markets?.['ETH/USDT'];
    const btc = ctx.markets?.['BTC/USDT'];
    if (ctx.symbol !== 'BTC/USDT' || !eth || !btc || !eth.hasBar) return;
    const n = ctx.params.lookback;
    const e = eth.history(n);
    const b = btc.history(n);
    if (e.length < n || b.length < n) return;
    let sum = 0;
    let sumSq = 0;
    for (let k = 0; k < n; k++) {
      const r = Math.log(e.close(k) / b.close(k));
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    if (!(sd > 0)) return;
    const z = (Math.log(eth.bar.close / btc.bar.close) - mean) / sd;
    const open = eth.position.side !== 0 || btc.position.side !== 0;
    const why = `log(ETH/BTC) z-score ${z.toFixed(2)}`;
    const pct = ctx.params.legPct;
    if (!open && z > ctx.params.entryZ) {
      eth.sell({ pct, confidence: 0.6, reason: `${why}: ETH rich` });
      btc.buy({ pct, confidence: 0.6, reason: `${why}: BTC cheap` });
    } else if (!open && z < -ctx.params.entryZ) {
      eth.buy({ pct, confidence: 0.6, reason: `${why}: ETH cheap` });
      btc.sell({ pct, confidence: 0.6, reason: `${why}: BTC rich` });
    } else if (open && (Math.abs(z) < ctx.params.exitZ || Math.abs(z) > ctx.params.stopZ)) {
      const reason = Math.abs(z) < ctx.params.exitZ ? `${why}: converged` : `${why}: relation broke`;
      if (eth.position.side !== 0) eth.exit({ reason });
      if (btc.position.side !== 0) btc.exit({ reason });
    }
  },
  risk: { stopLoss: 0.08, maxPositionPct: 0.1 },
});
