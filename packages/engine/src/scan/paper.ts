/**
 * Paper execution of a cross-venue spread, both legs: buy on the cheap venue and sell on the dear
 * one when the net spread of the size, walked through both live books and after both taker fees,
 * exceeds a threshold; close both legs when the gap has converged. Each fill is a trade leg in the
 * journal (one long, one short, per venue), so `volt journal` shows them like any other trades.
 * A session journaled with its row in `spread_sessions` (spread-session.ts) writes its open spread
 * in the same transaction as the legs, and a trader made on that run again starts holding it.
 */
import type { Journal } from '../journal/index.js';
import { walk } from '../trading/book.js';
import { VoltError } from '../errors.js';
import { netSpread, type SpreadScanner, type VenueFailure, type VenueQuote } from './spreads.js';
import { saveSpreadPosition } from './spread-session.js';

export interface SpreadPaperOptions {
  /** Net spread of the walked fills (a fraction) above which both legs are opened. */
  threshold: number;
  /** Base units bought on one venue and sold on the other. */
  size: number;
  /** The legs close once the quoted gross gap (dear bid / cheap ask − 1) is at or below this; default 0. */
  closeAt?: number;
  /** A size past the book shown fills its rest this fraction beyond the last level (the trading module's rule). */
  beyondBook?: number;
  /** Where fills are written: a journal and the run they belong to. */
  journal?: { journal: Journal; runId: number };
}

export interface SpreadFill {
  exchange: string;
  side: 'buy' | 'sell';
  qty: number;
  /** Average price of the walk through the book. */
  price: number;
  /** The best level when it was taken: a fill worse than this paid for depth. */
  quoted: number;
  fee: number;
  time: number;
}

export interface OpenSpread {
  buyOn: string;
  sellOn: string;
  qty: number;
  long: SpreadFill;
  short: SpreadFill;
  /** Net at the top of the books, and net of the walked fills (what was actually locked in). */
  quotedNet: number;
  filledNet: number;
  /** Trade numbers of the legs in the journal. */
  tradeNos: [number, number];
}

export interface ClosedSpread extends OpenSpread {
  closeLong: SpreadFill;
  closeShort: SpreadFill;
  /** Both legs, net of all four fees, in the quote currency. */
  pnl: number;
}

export type SpreadStep =
  | { kind: 'opened'; position: OpenSpread; failures: VenueFailure[] }
  | { kind: 'closed'; trade: ClosedSpread; failures: VenueFailure[] }
  | { kind: 'holding'; position: OpenSpread; gap: number | null; failures: VenueFailure[] }
  | { kind: 'waiting'; bestNet: number | null; failures: VenueFailure[] };

export class SpreadPaperTrader {
  position: OpenSpread | null = null;
  readonly closed: ClosedSpread[] = [];
  /** Spreads the run closed before this trader took it over (a resumed session), and their P&L. */
  readonly before = { closed: 0, pnl: 0 };
  private nextTrade = 1;

  constructor(
    private readonly scanner: SpreadScanner,
    private readonly options: SpreadPaperOptions,
  ) {
    if (!(options.size > 0)) throw new VoltError({ kind: 'usage', message: `a paper spread needs a positive size, got ${options.size}`, hint: 'give --size in base units, e.g. --size 0.5' });
    const j = options.journal;
    if (j) {
      this.nextTrade = ((j.journal.db.prepare(`SELECT max(trade_no) FROM trades WHERE run_id = ?`).pluck().get(j.runId) as number | null) ?? 0) + 1;
      const kept = j.journal.db.prepare(`SELECT position FROM spread_sessions WHERE run_id = ?`).pluck().get(j.runId) as string | null | undefined;
      if (typeof kept === 'string') this.position = JSON.parse(kept) as OpenSpread;
      const done = j.journal.db.prepare(`SELECT count(*) AS legs, coalesce(sum(pnl), 0) AS pnl FROM trades WHERE run_id = ? AND exit_time IS NOT NULL`).get(j.runId) as { legs: number; pnl: number };
      this.before.closed = Math.floor(done.legs / 2);
      this.before.pnl = done.pnl;
    }
  }

  /** Base units held per venue: + on the venue bought, − on the venue sold. */
  positions(): Record<string, number> {
    const p = this.position;
    return p ? { [p.buyOn]: p.qty, [p.sellOn]: -p.qty } : {};
  }

  /** One round: fresh books from every venue, then open, hold or close. */
  async step(now = Date.now()): Promise<SpreadStep> {
    const { quotes, failures } = await this.scanner.quotes();
    const byVenue = new Map(quotes.map((q) => [q.exchange, q]));
    const open = this.position;
    if (open) {
      const cheap = byVenue.get(open.buyOn);
      const dear = byVenue.get(open.sellOn);
      // A leg's venue that did not answer: neither leg is closed alone.
      if (!cheap || !dear) return { kind: 'holding', position: open, gap: null, failures };
      const gap = dear.bid / cheap.ask - 1;
      if (gap > (this.options.closeAt ?? 0)) return { kind: 'holding', position: open, gap, failures };
      return { kind: 'closed', trade: this.close(open, cheap, dear, now), failures };
    }
    let best: { quotedNet: number; filledNet: number; buy: VenueQuote; sell: VenueQuote; long: SpreadFill; short: SpreadFill } | null = null;
    for (const buy of quotes) {
      for (const sell of quotes) {
        if (buy === sell) continue;
        const long = this.fill(buy, 'buy', this.options.size, now);
        const short = this.fill(sell, 'sell', this.options.size, now);
        const filledNet = netSpread(long.price, short.price, buy.takerFee, sell.takerFee);
        if (best === null || filledNet > best.filledNet) best = { quotedNet: netSpread(buy.ask, sell.bid, buy.takerFee, sell.takerFee), filledNet, buy, sell, long, short };
      }
    }
    if (best === null || !(best.filledNet > this.options.threshold)) return { kind: 'waiting', bestNet: best?.filledNet ?? null, failures };
    const position: OpenSpread = {
      buyOn: best.buy.exchange, sellOn: best.sell.exchange, qty: this.options.size, long: best.long, short: best.short,
      quotedNet: best.quotedNet, filledNet: best.filledNet, tradeNos: [this.nextTrade, this.nextTrade + 1],
    };
    this.nextTrade += 2;
    this.journalOpen(position);
    this.position = position;
    return { kind: 'opened', position, failures };
  }

  /**
   * Both legs closed at the books whatever the gap (the end of a paper run: its result is realized,
   * as a session's is). Null when flat, or when a leg's venue does not answer (both stay open).
   */
  async flatten(now = Date.now()): Promise<ClosedSpread | null> {
    const open = this.position;
    if (!open) return null;
    const { quotes } = await this.scanner.quotes();
    const cheap = quotes.find((q) => q.exchange === open.buyOn);
    const dear = quotes.find((q) => q.exchange === open.sellOn);
    return cheap && dear ? this.close(open, cheap, dear, now) : null;
  }

  private close(open: OpenSpread, cheap: VenueQuote, dear: VenueQuote, now: number): ClosedSpread {
    const closeLong = this.fill(cheap, 'sell', open.qty, now);
    const closeShort = this.fill(dear, 'buy', open.qty, now);
    const pnl =
      (closeLong.price - open.long.price) * open.qty + (open.short.price - closeShort.price) * open.qty -
      (open.long.fee + open.short.fee + closeLong.fee + closeShort.fee);
    const trade: ClosedSpread = { ...open, closeLong, closeShort, pnl };
    this.journalClose(trade);
    this.position = null;
    this.closed.push(trade);
    return trade;
  }

  /** A market order of `qty` on a venue, walked through the book behind its quote. */
  private fill(q: VenueQuote, side: 'buy' | 'sell', qty: number, time: number): SpreadFill {
    const book = this.scanner.book(q.exchange);
    const levels = side === 'buy' ? book?.asks : book?.bids;
    const quoted = side === 'buy' ? q.ask : q.bid;
    const price = levels && levels.length > 0 ? walk(levels, qty, side === 'buy' ? 1 : -1, this.options.beyondBook ?? 0.001) : quoted;
    return { exchange: q.exchange, side, qty, price, quoted, fee: qty * price * q.takerFee, time };
  }

  private journalOpen(p: OpenSpread): void {
    const j = this.options.journal;
    if (!j) return;
    const symbol = this.scanner.symbol;
    j.journal.db.transaction(() => {
      j.journal.openTrade(j.runId, { tradeNo: p.tradeNos[0], symbol: `${p.buyOn}:${symbol}`, side: 'long', qty: p.qty, entryTime: p.long.time, entryPrice: p.long.price, fees: p.long.fee, reason: `spread: buy on ${p.buyOn}, sell on ${p.sellOn}, net ${(p.filledNet * 100).toFixed(4)}% filled (${(p.quotedNet * 100).toFixed(4)}% quoted)` });
      j.journal.openTrade(j.runId, { tradeNo: p.tradeNos[1], symbol: `${p.sellOn}:${symbol}`, side: 'short', qty: p.qty, entryTime: p.short.time, entryPrice: p.short.price, fees: p.short.fee, reason: `spread: the other leg of trade ${p.tradeNos[0]}` });
      saveSpreadPosition(j.journal, j.runId, p);
    }).immediate();
  }

  private journalClose(t: ClosedSpread): void {
    const j = this.options.journal;
    if (!j) return;
    j.journal.db.transaction(() => {
      j.journal.closeTrade(j.runId, t.tradeNos[0], { exitTime: t.closeLong.time, exitPrice: t.closeLong.price, exitReason: 'signal', fees: t.closeLong.fee, pnl: (t.closeLong.price - t.long.price) * t.qty - t.long.fee - t.closeLong.fee });
      j.journal.closeTrade(j.runId, t.tradeNos[1], { exitTime: t.closeShort.time, exitPrice: t.closeShort.price, exitReason: 'signal', fees: t.closeShort.fee, pnl: (t.short.price - t.closeShort.price) * t.qty - t.short.fee - t.closeShort.fee });
      saveSpreadPosition(j.journal, j.runId, null);
    }).immediate();
  }
}
