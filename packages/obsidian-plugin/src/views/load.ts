/** What the views fetch from the sidecar before drawing. */
import type { BarsResult, ReviewTradeEntry, TradeDetailResult } from '@volt/lsp-server/protocol';
import type { VoltClient } from '../client.js';
import { barsAround } from './trade-render.js';

/** A trade and the candles around it; the candles are left out (and the view says so) when the run's data cannot be read. */
export async function tradeWithBars(client: VoltClient, tradeId: number): Promise<{ detail: TradeDetailResult; bars: BarsResult | undefined }> {
  const detail = await client.trade(tradeId);
  const bars = await client.bars(barsAround(detail)).catch(() => undefined);
  return { detail, bars };
}

/** The closed trades of a strategy's runs (or of every run), newest runs first, at most `runs` of them. */
export async function calendarTrades(client: VoltClient, strategy: string | undefined, runs = 50): Promise<ReviewTradeEntry[]> {
  const list = await client.runs({ ...(strategy ? { strategy } : {}), limit: runs });
  const details = await Promise.all(list.runs.map((r) => client.run(Number(r.runId))));
  return details.flatMap((d) => d.trades);
}
