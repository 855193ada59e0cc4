import type { Exchange } from 'ccxt';
import type { Candle } from '../data/index.js';
import { EXCHANGE_API_URL_ENV, loadCcxt, pointAt } from '../data/exchange.js';
import { VoltError } from '../errors.js';
import { timeframeToMs } from '../data/index.js';
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
  /** ccxt pro's client (REST and WebSocket streams) where ccxt has one for the venue; false: REST only (`--poll`). */
  stream?: boolean;
}

/** A ccxt client for a session: rate-limited, on the testnet when asked (set right after creation), pointed at a mirror when given. */
export async function sessionClient(options: SessionClientOptions): Promise<Exchange> {
  const ccxt = await loadCcxt();
  type Classes = Record<string, new (config?: Record<string, unknown>) => Exchange>;
  const classes = ccxt.exchanges as unknown as Classes;
  const id = options.exchange;
  if (!Object.hasOwn(classes, id) || typeof classes[id] !== 'function') {
    throw new VoltError({ kind: 'usage', message: `ccxt knows no exchange '${id}'`, hint: 'exchange ids are lowercase, e.g. binance, kraken, coinbase' });
  }
  // ccxt pro's class is the REST client plus the venue's streams; a venue without one is polled.
  const pro = (ccxt as unknown as { pro?: Record<string, unknown> }).pro ?? {};
  const Class = options.stream !== false && Object.hasOwn(pro, id) && typeof pro[id] === 'function' ? (pro as unknown as Classes)[id]! : classes[id]!;
  const client = new Class({
    enableRateLimit: true,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.rateLimitMs !== undefined ? { rateLimit: options.rateLimitMs } : {}),
    options: { fetchCurrencies: false, fetchMarkets: ['spot'] },
    ...(options.credentials ? { apiKey: options.credentials.apiKey, secret: options.credentials.secret } : {}),
  });
  // Before anything else: the testnet's URLs replace the venue's, so no request reaches the real one.
  if (options.sandbox) client.setSandboxMode(true);
  const apiUrl = options.apiUrl ?? (options.env ?? process.env)[EXCHANGE_API_URL_ENV];
  if (apiUrl !== undefined && apiUrl !== '') {
    pointAt(client, apiUrl);
    // The mirror's streams are on the same host, over ws:// where the API is http://.
    const ws = (client.urls['api'] as Record<string, unknown>)['ws'];
    if (ws !== undefined) {
      (client.urls['api'] as Record<string, unknown>)['ws'] = toWs(ws);
      // ccxt opens a plain ws:// socket only through an http agent it is asked to load first.
      const load = (client as unknown as { loadHttpProxyAgent?: () => Promise<unknown> }).loadHttpProxyAgent;
      if (apiUrl.startsWith('http://') && typeof load === 'function') await load.call(client);
    }
  }
  return client;
}

function toWs(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/^http(s?):\/\//i, 'ws$1://');
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWs(v)]));
  return value;
}

/** The venue said to wait (429 / 418 with Retry-After): the session waits that long before asking again. */
export class RetryLater extends Error {
  constructor(readonly waitMs: number, message: string) {
    super(message);
  }
}

export interface FeedOptions {
  /** Candles from the venue's kline stream (`watchOHLCV`) where ccxt streams it (default); false: REST polling only (`--poll`). */
  stream?: boolean;
  /** The stream went down (and why), came back, or was given up for polling. */
  onStream?: (state: 'up' | 'down' | 'polling', why?: string) => void;
}

/** Failures in a row after which the stream is given up and the session polls to its end. */
const STREAM_TRIES = 5;
/** Closed bars the stream keeps for the session to take (a session takes them at each close). */
const STREAM_KEEP = 64;

/**
 * A session's market through ccxt. Candles come from the venue's kline stream where it has one
 * (`watchOHLCV`), else by polling REST (`fetchOHLCV`), paced by ccxt's rate limiter. A streamed bar
 * counts as closed once the stream has moved on to a later bar (Binance sends a bar whole, `x`,
 * before the next one's first update). Whatever the stream does not hold (the warm-up, bars missed
 * while a socket was down, a silent stream) is fetched over REST, so streaming changes when a bar
 * arrives, never which bars a session sees.
 */
export class CcxtFeed implements MarketFeed {
  private readonly tfMs: number;
  private streaming: boolean;
  private started = false;
  private closed = false;
  private up = false;
  private lastMessageAt = 0;
  private newest = -Infinity;
  private readonly streamed = new Map<number, Candle>();
  private wake: (() => void) | null = null;

  constructor(
    readonly client: Exchange,
    readonly symbol: string,
    readonly timeframe: string,
    private readonly options: FeedOptions = {},
  ) {
    this.tfMs = timeframeToMs(timeframe);
    this.streaming = options.stream !== false && client.has['watchOHLCV'] === true;
  }

  /** 'stream' while candles come from the venue's stream (REST filling what it misses), else 'poll'. */
  get mode(): 'stream' | 'poll' {
    return this.streaming ? 'stream' : 'poll';
  }

  /** The market's taker fee (ccxt's market data), for paper fills. */
  async takerFee(): Promise<number> {
    const markets = await this.client.loadMarkets();
    if (!Object.hasOwn(markets, this.symbol)) {
      const base = this.symbol.split('/')[0]!.toUpperCase();
      const near = Object.keys(markets).filter((m) => m.startsWith(`${base}/`)).slice(0, 5);
      throw new VoltError({
        kind: 'usage',
        message: `${this.client.id} has no market ${this.symbol}`,
        hint: near.length > 0 ? `its ${base} markets include ${near.join(', ')}` : 'symbols are BASE/QUOTE as the exchange lists them, e.g. BTC/USDT',
      });
    }
    const taker = this.client.market(this.symbol).taker;
    return typeof taker === 'number' && taker >= 0 ? taker : 0.001;
  }

  time(): Promise<number> {
    return this.call(() => this.client.fetchTime()) as Promise<number>;
  }

  async candles(since: number, limit: number): Promise<Candle[]> {
    if (this.streaming) {
      if (!this.started) this.startStream();
      const out: Candle[] = [];
      for (let t = since; out.length < limit && t < this.newest; t += this.tfMs) {
        const c = this.streamed.get(t);
        if (c === undefined) break;
        out.push(c);
      }
      // Nothing streamed yet for `since`: not closed yet, unless the stream holds later bars
      // (missed while down), is down, or has been silent for longer than a bar and a second.
      const silent = Date.now() - this.lastMessageAt > this.tfMs + 1000;
      if (out.length > 0 || (this.up && !silent && !(this.newest > since))) return out;
    }
    return this.fetch(since, limit);
  }

  /** Waits up to `ms`, less when the stream brings a new bar. */
  waitForBar(ms: number): Promise<void> {
    if (!this.streaming || !this.up) return new Promise((r) => setTimeout(r, ms));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Stops the stream and closes the client's sockets. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const c = this.client as unknown as { close?: () => Promise<void> };
    if (this.started && typeof c.close === 'function') await c.close().catch(() => {});
  }

  private startStream(): void {
    this.started = true;
    void this.stream();
  }

  private async stream(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        const rows = await this.client.watchOHLCV(this.symbol, this.timeframe);
        if (this.closed) return;
        if (!this.up) this.options.onStream?.('up');
        this.up = true;
        failures = 0;
        this.lastMessageAt = Date.now();
        const before = this.newest;
        for (const r of rows) {
          const t = r[0]!;
          // An update of a bar older than the newest is the previous bar's final one: still taken.
          this.streamed.set(t, { time: t, open: r[1]!, high: r[2]!, low: r[3]!, close: r[4]!, volume: r[5]! });
          if (t > this.newest) this.newest = t;
        }
        for (const t of this.streamed.keys()) {
          if (this.streamed.size <= STREAM_KEEP) break;
          this.streamed.delete(t);
        }
        if (this.newest > before) this.wake?.();
      } catch (e) {
        if (this.closed) return;
        const why = e instanceof Error ? e.message : String(e);
        // The bar forming when the socket dropped may never get its final update: REST gives it whole.
        this.streamed.delete(this.newest);
        this.up = false;
        this.wake?.();
        if (++failures >= STREAM_TRIES) {
          this.streaming = false;
          this.options.onStream?.('polling', why);
          return;
        }
        this.options.onStream?.('down', why);
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures)));
      }
    }
  }

  private async fetch(since: number, limit: number): Promise<Candle[]> {
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
