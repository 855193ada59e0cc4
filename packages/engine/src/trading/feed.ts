import type { Exchange } from 'ccxt';
import type { Candle } from '../data/index.js';
import { EXCHANGE_API_URL_ENV, loadCcxt, pointAt } from '../data/exchange.js';
import { VoltError } from '../errors.js';
import type { OrderBookSnapshot } from './book.js';
import type { MarketFeed } from './session.js';

export interface SessionClientOptions {
  exchange: string;
  /** A mirror of the exchange's API (a test server); default VOLT_EXCHANGE_API_URL. */
  apiUrl?: string;
  /** The venue's testnet (`volt live` without --real). */
  sandbox?: boolean;
  /** API key and secret for private endpoints (`volt live`); paper sessions use none. */
  credentials?: { apiKey: string; secret: string };
  timeoutMs?: number;
  /** Least time between requests, ms (ccxt's rateLimit); default the venue's own. */
  rateLimitMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A ccxt client for a session: rate-limited, on the testnet when asked (set right after creation), pointed at a mirror when given. */
export async function sessionClient(options: SessionClientOptions): Promise<Exchange> {
  const ccxt = await loadCcxt();
  const classes = ccxt.exchanges as unknown as Record<string, new (config?: Record<string, unknown>) => Exchange>;
  const id = options.exchange;
  if (!Object.hasOwn(classes, id) || typeof classes[id] !== 'function') {
    throw new VoltError({ kind: 'usage', message: `ccxt knows no exchange '${id}'`, hint: 'exchange ids are lowercase, e.g. binance, kraken, coinbase' });
  }
  const client = new classes[id]!({
    enableRateLimit: true,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.rateLimitMs !== undefined ? { rateLimit: options.rateLimitMs } : {}),
    options: { fetchCurrencies: false, fetchMarkets: ['spot'] },
    ...(options.credentials ? { apiKey: options.credentials.apiKey, secret: options.credentials.secret } : {}),
  });
  // Before anything else: the testnet's URLs replace the venue's, so no request reaches the real one.
  if (options.sandbox) client.setSandboxMode(true);
  const apiUrl = options.apiUrl ?? (options.env ?? process.env)[EXCHANGE_API_URL_ENV];
  if (apiUrl !== undefined && apiUrl !== '') pointAt(client, apiUrl);
  return client;
}

/** The venue said to wait (429 / 418 with Retry-After): the session waits that long before asking again. */
export class RetryLater extends Error {
  constructor(readonly waitMs: number, message: string) {
    super(message);
  }
}

/** A session's market through ccxt: polling REST, paced by ccxt's rate limiter. */
export class CcxtFeed implements MarketFeed {
  constructor(
    readonly client: Exchange,
    readonly symbol: string,
    readonly timeframe: string,
  ) {}

  /** The market's taker fee (ccxt's market data), for paper fills. */
  async takerFee(): Promise<number> {
    await this.client.loadMarkets();
    const taker = this.client.market(this.symbol).taker;
    return typeof taker === 'number' && taker >= 0 ? taker : 0.001;
  }

  time(): Promise<number> {
    return this.call(() => this.client.fetchTime()) as Promise<number>;
  }

  async candles(since: number, limit: number): Promise<Candle[]> {
    const rows = await this.call(() => this.client.fetchOHLCV(this.symbol, this.timeframe, since, limit));
    return rows.map((r) => ({ time: r[0]!, open: r[1]!, high: r[2]!, low: r[3]!, close: r[4]!, volume: r[5]! }));
  }

  async book(): Promise<OrderBookSnapshot> {
    const b = await this.call(() => this.client.fetchOrderBook(this.symbol, 20));
    return { bids: b.bids as number[][], asks: b.asks as number[][], ...(b.timestamp ? { time: b.timestamp } : {}) };
  }

  async last(): Promise<{ price: number; time: number }> {
    const asked = Date.now();
    const t = await this.call(() => this.client.fetchTicker(this.symbol));
    const p = t.last ?? t.close;
    if (typeof p !== 'number') throw new Error(`${this.client.id} sent no last price for ${this.symbol}`);
    return { price: p, time: typeof t.timestamp === 'number' ? t.timestamp : asked };
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      const ccxt = await loadCcxt();
      if (e instanceof ccxt.DDoSProtection || e instanceof ccxt.RateLimitExceeded) {
        const headers = (this.client as unknown as { last_response_headers?: Record<string, string> }).last_response_headers ?? {};
        const after = Number(headers['retry-after'] ?? headers['Retry-After'] ?? 1);
        throw new RetryLater(Math.max(0, after) * 1000, e.message);
      }
      throw e;
    }
  }
}

/** A failure before the session could start (markets, clock, warm-up), in the trader's words. */
export function startFailure(exchange: string, e: unknown): unknown {
  if (e instanceof VoltError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const detail = raw.startsWith(`${exchange} `) ? raw.slice(exchange.length + 1) : raw;
  return new VoltError({
    kind: 'data',
    message: `cannot start the session: ${exchange} did not answer (${detail})`,
    hint: 'check the network, or --api-url / VOLT_EXCHANGE_API_URL when trading against a mirror',
    cause: e,
  });
}
