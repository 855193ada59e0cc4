/** Journal entries (engine shapes) as the protocol's JournalResult, which every editor reads. */
import type { RunEntry, TradeEntry } from '@volt/engine';
import type { JournalResult, JournalRunEntry, JournalTradeEntry } from '../protocol.js';

export interface NotePaths {
  run(runId: number): string;
  trade(trade: TradeEntry): string;
}

export function runEntry(r: RunEntry, notes?: NotePaths): JournalRunEntry {
  const m = r.metrics;
  const out: JournalRunEntry = {
    runId: r.id,
    strategy: r.strategyName,
    startedAt: r.startedAt,
    data: r.dataSource ?? '',
    summary: m
      ? {
          strategy: r.strategyName,
          symbol: r.symbol ?? '',
          timeframe: r.timeframe ?? '',
          data: r.dataSource ?? '',
          bars: r.bars ?? 0,
          from: r.dataFrom ?? 0,
          to: r.dataTo ?? 0,
          sharpe: m.sharpe,
          maxDrawdown: m.maxDrawdown,
          trades: m.trades,
          winRate: m.winRate,
          totalReturn: m.totalReturn,
          ...(r.contentHash ? { contentHash: r.contentHash } : {}),
        }
      : null,
    complete: r.status === 'complete',
  };
  if (r.strategyPath) out.path = r.strategyPath;
  if (r.contentHash) out.contentHash = r.contentHash;
  if (notes) out.notePath = notes.run(r.id);
  return out;
}

export function tradeEntry(t: TradeEntry, notes?: NotePaths): JournalTradeEntry {
  const out: JournalTradeEntry = {
    tradeId: t.id,
    runId: t.runId,
    asset: t.symbol,
    action: t.side === 'long' ? 'BUY' : 'SELL',
    entry: t.entryPrice,
    exitPrice: t.exitPrice,
    pnl: t.pnl,
    outcome: t.outcome,
    confidence: t.confidence ?? 0,
    strategy: t.strategyName,
    entryTime: t.entryTime,
  };
  if (notes) out.notePath = notes.trade(t);
  return out;
}

export function journalResult(journalPath: string, runs: RunEntry[], trades: TradeEntry[], vault?: { path: string; notes: NotePaths }): JournalResult {
  const out: JournalResult = {
    runs: runs.map((r) => runEntry(r, vault?.notes)),
    trades: trades.map((t) => tradeEntry(t, vault?.notes)),
    journalPath,
  };
  if (vault) out.vaultPath = vault.path;
  return out;
}
