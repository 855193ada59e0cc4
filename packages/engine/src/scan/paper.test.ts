import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKrakenApi, type KrakenApi, type KrakenPair } from '../../tests/data/kraken-api.js';
import { seriesFromCandles } from '../data/candle.js';
import { Journal } from '../journal/index.js';
import { startExchangeServer, type ExchangeServer } from '../trading/testing/exchange-server.js';
import { SpreadPaperTrader } from './paper.js';
import { SpreadScanner } from './spreads.js';

// Binance (the trading module's loopback exchange) quotes a flat 100,000: asks 100,010, 100,020, …
// and bids 99,990, 99,980, …, 0.5 BTC a level. Kraken's book is set by the test.
let binance: ExchangeServer;
let kraken: KrakenApi;
const pair: KrakenPair = { id: 'XBTUSDT', base: 'XXBT', quote: 'USDT', wsname: 'XBT/USDT', takerPercent: 0.26, book: { bids: [[100_600, 0.8], [100_500, 2]], asks: [[100_700, 2]] } };
let dir: string;
beforeAll(async () => {
  const minute = 60_000;
  const t0 = Math.floor(Date.now() / minute) * minute - 200 * minute;
  const market = seriesFromCandles(
    Array.from({ length: 400 }, (_, i) => ({ time: t0 + i * minute, open: 100_000, high: 100_000, low: 100_000, close: 100_000, volume: 1 })),
    { symbol: 'BTC/USDT', timeframe: '1m', source: 'test' },
  );
  binance = await startExchangeServer({ market, levelSize: 0.5, tick: 0.0001 });
  kraken = await startKrakenApi({ pairs: [pair] });
  dir = mkdtempSync(path.join(os.tmpdir(), 'volt-spread-paper-'));
});
afterAll(async () => {
  await binance?.close();
  await kraken?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('paper execution of a cross-venue spread, Binance and Kraken on 127.0.0.1 through the real ccxt client', () => {
  it('opens both legs walked through each book when the filled net beats the threshold, holds, and closes both when the gap converges', async () => {
    const journal = Journal.open(path.join(dir, 'journal.db'));
    const runId = journal.startRun({ strategyName: 'spread BTC/USDT', contentHash: '', gitCommit: null });
    const scanner = new SpreadScanner({ symbol: 'BTC/USDT', exchanges: ['binance', 'kraken'], apiUrls: { binance: binance.url, kraken: kraken.url }, timeout: 5000, depth: 20 });
    const trader = new SpreadPaperTrader(scanner, { threshold: 0.001, size: 1.2, journal: { journal, runId } });

    const opened = await trader.step(1000);
    expect(opened.kind).toBe('opened');
    if (opened.kind !== 'opened') return;
    const p = opened.position;
    expect([p.buyOn, p.sellOn]).toEqual(['binance', 'kraken']);
    // Buying 1.2 on Binance takes three levels: 0.5 @ 100,010, 0.5 @ 100,020, 0.2 @ 100,030.
    const buyAt = (0.5 * 100_010 + 0.5 * 100_020 + 0.2 * 100_030) / 1.2;
    // Selling 1.2 on Kraken: 0.8 @ 100,600 and 0.4 @ 100,500, worse than the 100,600 quoted.
    const sellAt = (0.8 * 100_600 + 0.4 * 100_500) / 1.2;
    expect(p.long.price).toBeCloseTo(buyAt, 6);
    expect(p.long.quoted).toBeCloseTo(100_010, 6);
    expect(p.short.price).toBeCloseTo(sellAt, 6);
    expect(p.short.quoted).toBe(100_600);
    expect(p.short.price).toBeLessThan(p.short.quoted);
    expect(p.filledNet).toBeCloseTo((sellAt * 0.9974) / (buyAt * 1.001) - 1, 10);
    expect(p.filledNet).toBeLessThan(p.quotedNet);
    expect(trader.positions()).toEqual({ binance: 1.2, kraken: -1.2 });

    // The gap narrows but stays open: both legs held.
    pair.book = { bids: [[100_300, 5]], asks: [[100_400, 5]] };
    const held = await trader.step(2000);
    expect(held.kind).toBe('holding');

    // Kraken's bid falls under Binance's ask: the gap has closed, both legs close at the books.
    pair.book = { bids: [[100_000, 5]], asks: [[100_050, 5]] };
    const closed = await trader.step(3000);
    expect(closed.kind).toBe('closed');
    if (closed.kind !== 'closed') return;
    const exitSell = (0.5 * 99_990 + 0.5 * 99_980 + 0.2 * 99_970) / 1.2;
    expect(closed.trade.closeLong.price).toBeCloseTo(exitSell, 6);
    expect(closed.trade.closeShort.price).toBe(100_050);
    const fees = 1.2 * (buyAt * 0.001 + sellAt * 0.0026 + exitSell * 0.001 + 100_050 * 0.0026);
    const pnl = (exitSell - buyAt) * 1.2 + (sellAt - 100_050) * 1.2 - fees;
    expect(closed.trade.pnl).toBeCloseTo(pnl, 6);
    expect(trader.positions()).toEqual({});

    // Each leg is a trade in the journal, entry and exit fills with their fees; the pnls add up.
    const rows = journal.db.prepare(`SELECT trade_no, symbol, side, qty, entry_price, exit_price, fees, pnl FROM trades WHERE run_id = ? ORDER BY trade_no`).all(runId) as Record<string, number | string>[];
    expect(rows.map((r) => [r['trade_no'], r['symbol'], r['side'], r['qty']])).toEqual([[1, 'binance:BTC/USDT', 'long', 1.2], [2, 'kraken:BTC/USDT', 'short', 1.2]]);
    expect(rows[0]!['entry_price']).toBeCloseTo(buyAt, 6);
    expect(rows[1]!['exit_price']).toBe(100_050);
    expect((rows[0]!['pnl'] as number) + (rows[1]!['pnl'] as number)).toBeCloseTo(pnl, 6);
    expect((rows[0]!['fees'] as number) + (rows[1]!['fees'] as number)).toBeCloseTo(fees, 6);
    journal.close();
  });

  it('does not open when the spread crosses at the top but not for the size walked through the books', async () => {
    pair.book = { bids: [[100_400, 0.1], [99_000, 10]], asks: [[100_700, 2]] };
    const scanner = new SpreadScanner({ symbol: 'BTC/USDT', exchanges: ['binance', 'kraken'], apiUrls: { binance: binance.url, kraken: kraken.url }, timeout: 5000, depth: 20 });
    const trader = new SpreadPaperTrader(scanner, { threshold: 0, size: 1 });
    const step = await trader.step();
    expect(step.kind).toBe('waiting');
    expect(trader.position).toBeNull();
  });
});
