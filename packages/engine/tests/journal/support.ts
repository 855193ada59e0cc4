import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { synthesize } from '../../src/data/index.js';
import { defineStrategy, type StrategyDefinition } from '../../src/strategy/index.js';
import { runBacktest, type BacktestObserver, type BacktestReport } from '../../src/backtest/index.js';

/**
 * A strategy that trades often on purpose, so a short synthetic market produces wins, losses and
 * stops: enters every `every` bars (long or short by the last bar's direction), exits after `hold`.
 */
export function busyStrategy(name = 'Busy trader', every = 6, hold = 4, why?: string): StrategyDefinition {
  return defineStrategy({
    name,
    params: { every: { value: every, min: 2, max: 100 }, hold: { value: hold, min: 1, max: 100 } },
    onBar(ctx) {
      const p = ctx.params as unknown as { every: number; hold: number };
      if (ctx.position.side !== 0) {
        if (ctx.position.barsHeld >= p.hold) ctx.exit({ confidence: 0.5, reason: `held ${p.hold} bars` });
        return;
      }
      if (ctx.index % p.every !== 0 || ctx.index < 2) return;
      const up = ctx.bar.close >= ctx.history(2).close(1);
      const reason = why ?? (up ? 'close rose: ride it' : 'close fell: short it');
      if (up) ctx.buy({ confidence: 0.6, reason });
      else ctx.sell({ confidence: 0.55, reason });
    },
    risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  });
}

export function busyBacktest(bars = 600, seed = 7, name?: string, observer?: BacktestObserver, why?: string): BacktestReport {
  const series = synthesize({ seed, bars, timeframe: '1h', symbol: 'ETH/USDT' });
  return runBacktest(busyStrategy(name, 6, 4, why), series, {}, observer);
}

/** A fresh temp folder per test, removed afterwards. */
export function tempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(path.join(tmpdir(), 'volt-journal-'));
    made.push(d);
    return d;
  };
}
