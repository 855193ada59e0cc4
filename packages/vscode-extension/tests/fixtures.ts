/** Results shaped as the sidecar sends them, for the unit tests. */
import { defineStrategy, runBacktest, synthesize, type StrategyContext } from '@volt/engine';
import type { BacktestResult, BacktestSummary } from '@volt/lsp-server/protocol';

const DAY = 86_400_000;
export const FROM = Date.UTC(2024, 0, 1);
export const TO = Date.UTC(2024, 11, 31);

export function summary(over: Partial<BacktestSummary> = {}): BacktestSummary {
  return {
    strategy: 'RSI mean reversion',
    symbol: 'BTC/USDT',
    timeframe: '1h',
    data: 'synthetic:42',
    bars: 8760,
    from: FROM,
    to: TO,
    sharpe: 1.234,
    maxDrawdown: 0.081,
    trades: 14,
    winRate: 0.5714,
    totalReturn: 0.1234,
    durationMs: 41.6,
    finishedAt: 1_000,
    ...over,
  };
}

export function backtestResult(uri: string, over: Partial<BacktestSummary> = {}): BacktestResult {
  const s = summary(over);
  const time = [FROM, FROM + DAY, FROM + 2 * DAY, FROM + 3 * DAY];
  return {
    uri,
    summary: s,
    delta: { sharpe: 0.2, maxDrawdown: -0.01, trades: 2, winRate: 0, totalReturn: 0.05 },
    findings: [],
    report: {
      schemaVersion: 1,
      strategy: { name: s.strategy, params: { oversold: 30 } },
      data: { symbol: s.symbol, timeframe: s.timeframe, source: s.data, from: s.from, to: s.to, bars: s.bars },
      config: { capital: 10_000, feeRate: 0.001, slippage: 0.0005, seed: 1, maxPositionCap: 0.1 },
      metrics: {
        startEquity: 10_000, endEquity: 11_234, totalReturn: 0.1234, cagr: 0.1234, sharpe: 1.234, sortino: null, calmar: 1.5,
        maxDrawdown: 0.081, maxDrawdownDurationMs: 3 * DAY, maxDrawdownDurationBars: 72, trades: 2, winRate: 0.5, profitFactor: 1.8,
        expectancy: 61.7, avgWin: 300, avgLoss: -176.6, bestTrade: 300, worstTrade: -176.6, maxConsecutiveWins: 1,
        maxConsecutiveLosses: 1, exposure: 0.25, feesPaid: 12.5, avgHoldingMs: 5 * 3_600_000, avgHoldingBars: 5,
        valueAtRisk: { historical: { var95: 0.012, var99: 0.021, cvar95: 0.017, cvar99: 0.024 }, parametric: { var95: 0.011, var99: 0.016, cvar95: 0.014, cvar99: 0.018 } },
      },
      trades: [
        { id: 1, symbol: 'BTC/USDT', side: 'long', qty: 0.02, entryTime: FROM + DAY, entryBar: 24, entryPrice: 42000.123, exitTime: FROM + DAY + 5 * 3_600_000, exitBar: 29, exitPrice: 43000, exitReason: 'signal', pnl: 300, pnlPct: 0.0238, fees: 6, barsHeld: 5, confidence: 0.7, reason: 'RSI 28 < oversold 30' },
        { id: 2, symbol: 'BTC/USDT', side: 'short', qty: 0.02, entryTime: FROM + 2 * DAY, entryBar: 48, entryPrice: 43100, exitTime: FROM + 2 * DAY + 5 * 3_600_000, exitBar: 53, exitPrice: 44000, exitReason: 'stop', pnl: -176.6, pnlPct: -0.0209, fees: 6.5, barsHeld: 5, confidence: 0.6, reason: 'RSI 74 > overbought 70', stopPrice: 44000, takeProfitPrice: 41000.5 },
      ],
      signals: [],
      equityCurve: { time, equity: [10_000, 10_300, 10_123.4, 11_234], drawdown: [0, 0, 0.0172, 0] },
    },
  };
}

/**
 * A real engine run that used `ctx.options`: ~100 units of the synthetic market bought at bar 100
 * with an at-the-money put on as many units (the engine's own hedge-efficiency test), so the
 * report's greeks curves and hedge efficiency are the engine's output, not numbers made up here.
 */
export function optionsBacktestResult(uri = 'file:///ws/protective-put.strategy.ts', bars = 2000): BacktestResult {
  const series = synthesize({ seed: 3, bars, timeframe: '1h', start: FROM });
  const strategy = defineStrategy({
    name: 'protective put',
    risk: { maxPositionPct: 0.1 },
    onBar(ctx: StrategyContext) {
      if (ctx.index !== 100) return;
      const chain = ctx.options.chain();
      const expiry = [...new Set(chain.map((q) => q.expiry))][3]!;
      const atm = chain.filter((q) => q.right === 'put' && q.expiry === expiry).reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
      ctx.buy({ reason: 'stock' });
      ctx.options.open([{ right: 'put', strike: atm.strike, expiry, quantity: 1 }], 'hedge');
    },
  });
  const report = runBacktest(strategy, series, { capital: 100 * series.close[100]! * 10, maxPositionCap: 0.1 });
  const base = backtestResult(uri, { strategy: report.strategy.name, bars, from: report.data.from, to: report.data.to });
  return { ...base, report };
}
