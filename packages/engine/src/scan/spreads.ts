/**
 * Cross-venue spreads of one market: the best bid and ask on each venue through ccxt, and for every
 * ordered pair of venues what buying at one's ask and selling at the other's bid would keep after
 * both venues' taker fees.
 */
import type { Exchange } from 'ccxt';
import { VoltError } from '../errors.js';
import type { OrderBookSnapshot } from '../trading/book.js';
import { createClient, loadCcxt, DEFAULT_EXCHANGE_TIMEOUT_MS } from '../data/exchange.js';

const UNREACHABLE_HINT = 'check the network (or the --api-url of a mirror), or leave this venue out of --exchanges';

export interface VenueQuote {
  exchange: string;
  symbol: string;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  /** The taker fee as a fraction of notional: the venue's (ccxt's market) unless overridden. */
  takerFee: number;
  /** Where the fee came from. */
  feeSource: 'market' | 'exchange default' | 'given';
}

export interface VenueFailure {
  exchange: string;
  message: string;
  hint: string;
}

/**
 * Buying one unit on `buyOn` at its ask, selling it on `sellOn` at its bid, each paying its taker
 * fee: net = bid × (1 − fee_sell) / (ask × (1 + fee_buy)) − 1, a fraction of what was spent.
 */
export interface CrossVenueSpread {
  buyOn: string;
  sellOn: string;
  ask: number;
  bid: number;
  /** bid / ask − 1: before fees. */
  gross: number;
  /** Both legs' taker fees, as fractions. */
  buyFee: number;
  sellFee: number;
  net: number;
  /** The most both top-of-book levels can fill: min(ask size, bid size), in the base currency. */
  size: number;
}

export interface QuoteOptions {
  symbol: string;
  exchanges: string[];
  /** A mirror (or a test server) per exchange id; '*' for every one. Default VOLT_EXCHANGE_API_URL. */
  apiUrls?: Readonly<Record<string, string>>;
  /** Taker fees to use instead of the venues' own, by exchange id. */
  fees?: Readonly<Record<string, number>>;
  /** Milliseconds a request may take; default 10 s. */
  timeout?: number;
  /** Levels of each book side to ask for (default 5); paper execution walks them. */
  depth?: number;
}

/** Net of fees: what a unit bought at `ask` (paying `buyFee`) and sold at `bid` (paying `sellFee`) returns. */
export function netSpread(ask: number, bid: number, buyFee: number, sellFee: number): number {
  return (bid * (1 - sellFee)) / (ask * (1 + buyFee)) - 1;
}

/** Every ordered pair of venues with a quote, best net first (ties: by venue names). */
export function crossVenueSpreads(quotes: readonly VenueQuote[]): CrossVenueSpread[] {
  const out: CrossVenueSpread[] = [];
  for (const buy of quotes) {
    for (const sell of quotes) {
      if (buy === sell || !(buy.ask > 0) || !(sell.bid > 0)) continue;
      out.push({
        buyOn: buy.exchange,
        sellOn: sell.exchange,
        ask: buy.ask,
        bid: sell.bid,
        gross: sell.bid / buy.ask - 1,
        buyFee: buy.takerFee,
        sellFee: sell.takerFee,
        net: netSpread(buy.ask, sell.bid, buy.takerFee, sell.takerFee),
        size: Math.min(buy.askSize, sell.bidSize),
      });
    }
  }
  return out.sort((a, b) => b.net - a.net || a.buyOn.localeCompare(b.buyOn) || a.sellOn.localeCompare(b.sellOn));
}

/**
 * A scanner keeps one ccxt client per venue (markets loaded once), so `--watch` asks only for the
 * order books after the first round. Venues are asked at once, each paced by its own rate limiter;
 * a venue that fails is reported and the others still answer.
 */
export class SpreadScanner {
  private clients: Map<string, Promise<Exchange>> = new Map();
  private lastBooks: Map<string, OrderBookSnapshot> = new Map();

  constructor(private readonly options: QuoteOptions) {
    if (options.exchanges.length < 2) {
      throw new VoltError({ kind: 'usage', message: `a spread needs two venues at least, got ${options.exchanges.length}`, hint: 'give --exchanges binance,kraken (ccxt ids, comma-separated)' });
    }
  }

  async quotes(): Promise<{ quotes: VenueQuote[]; failures: VenueFailure[] }> {
    const settled = await Promise.allSettled(this.options.exchanges.map((id) => this.quote(id)));
    const quotes: VenueQuote[] = [];
    const failures: VenueFailure[] = [];
    settled.forEach((r, i) => {
      const exchange = this.options.exchanges[i]!;
      if (r.status === 'fulfilled') quotes.push(r.value);
      else {
        const e = r.reason;
        failures.push({ exchange, message: e instanceof Error ? e.message : String(e), hint: e instanceof VoltError && e.hint ? e.hint : UNREACHABLE_HINT });
        // The next round loads its markets again: the failure may have been the market list.
        this.clients.delete(exchange);
      }
    });
    return { quotes, failures };
  }

  get symbol(): string {
    return this.options.symbol;
  }

  /** The book behind a venue's last quote (as deep as `depth`), for walking a paper fill. */
  book(id: string): OrderBookSnapshot | undefined {
    return this.lastBooks.get(id);
  }

  private client(id: string): Promise<Exchange> {
    let c = this.clients.get(id);
    if (!c) {
      c = (async () => {
        const ccxt = await loadCcxt();
        const apiUrl = this.options.apiUrls?.[id] ?? this.options.apiUrls?.['*'];
        const client = createClient(ccxt, id, { symbol: this.options.symbol, ...(this.options.timeout === undefined ? {} : { timeout: this.options.timeout }), ...(apiUrl === undefined ? {} : { apiUrl }) });
        if (client.has['fetchOrderBook'] !== true) throw new VoltError({ kind: 'data', message: `${id} has no order book through ccxt`, hint: 'leave it out of --exchanges' });
        await client.loadMarkets();
        return client;
      })();
      this.clients.set(id, c);
    }
    return c;
  }

  private async quote(id: string): Promise<VenueQuote> {
    const { symbol } = this.options;
    const ccxt = await loadCcxt();
    let client: Exchange | undefined;
    try {
      client = await this.client(id);
      const market = client.market(symbol);
      const book = await client.fetchOrderBook(symbol, this.options.depth ?? 5);
      this.lastBooks.set(id, { bids: book.bids as number[][], asks: book.asks as number[][], ...(typeof book.timestamp === 'number' ? { time: book.timestamp } : {}) });
      const [bid, bidSize] = (book.bids[0] ?? []) as (number | undefined)[];
      const [ask, askSize] = (book.asks[0] ?? []) as (number | undefined)[];
      if (!(typeof bid === 'number' && bid > 0 && typeof ask === 'number' && ask > 0)) {
        throw new VoltError({ kind: 'data', message: `${id}'s ${symbol} book is empty on one side`, hint: 'the market may be halted; leave it out of --exchanges' });
      }
      const given = this.options.fees?.[id];
      const fromMarket = typeof market.taker === 'number' ? market.taker : undefined;
      const fallback = (client.fees as { trading?: { taker?: unknown } } | undefined)?.trading?.taker;
      const takerFee = given ?? fromMarket ?? (typeof fallback === 'number' ? fallback : 0);
      return {
        exchange: id,
        symbol,
        bid,
        bidSize: typeof bidSize === 'number' ? bidSize : 0,
        ask,
        askSize: typeof askSize === 'number' ? askSize : 0,
        takerFee,
        feeSource: given !== undefined ? 'given' : fromMarket !== undefined ? 'market' : 'exchange default',
      };
    } catch (e) {
      if (e instanceof VoltError) throw e;
      const raw = e instanceof Error ? e.message : String(e);
      const detail = raw.startsWith(`${id} `) ? raw.slice(id.length + 1) : raw;
      if (e instanceof ccxt.BadSymbol) throw new VoltError({ kind: 'data', message: `${id} has no market '${symbol}' (${detail})`, hint: 'write the market as ccxt does (BTC/USDT), or leave this venue out' });
      if (e instanceof ccxt.RequestTimeout) throw new VoltError({ kind: 'data', message: `${id} did not answer within ${(this.options.timeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS) / 1000} s`, hint: UNREACHABLE_HINT });
      if (e instanceof ccxt.NetworkError) throw new VoltError({ kind: 'data', message: `cannot reach ${id}: ${detail}`, hint: UNREACHABLE_HINT });
      throw new VoltError({ kind: 'data', message: `${id} refused the order book request for ${symbol}: ${detail}`, hint: 'check the symbol; or leave this venue out' });
    }
  }
}

/** The taker fee ccxt lists for an exchange without asking it (its `fees.trading.taker`): for candles, which carry none. */
export async function defaultTakerFee(id: string): Promise<number | undefined> {
  const ccxt = await loadCcxt();
  const classes = ccxt.exchanges as unknown as Record<string, new () => Exchange>;
  if (!Object.hasOwn(classes, id)) return undefined;
  const taker = (new classes[id]!().fees as { trading?: { taker?: unknown } } | undefined)?.trading?.taker;
  return typeof taker === 'number' ? taker : undefined;
}
