/**
 * A Binance spot REST API on 127.0.0.1 for the endpoints ccxt's `binance` calls to load markets,
 * fetch candles and the order book — `GET /api/v3/exchangeInfo`, `GET /api/v3/klines` and
 * `GET /api/v3/depth` — answering as Binance
 * does: the same JSON shapes, 12-field klines with prices as 8-decimal strings, the same paging
 * (startTime/endTime inclusive, limit default 500, at most 1000) and the same errors
 * (`{"code":-1121,"msg":"Invalid symbol."}` with HTTP 400). Tests point the real ccxt client at it.
 *
 * Candles are served from one CandleSeries per symbol at its own interval; a valid interval the
 * series is not at answers no candles (Binance would aggregate — no test here needs that).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CandleSeries } from '../../src/data/candle.js';

export interface ServedMarket {
  /** Binance's id, e.g. 'BTCUSDT'. */
  id: string;
  base: string;
  quote: string;
  candles?: CandleSeries;
  /** The book `GET /api/v3/depth` answers: best levels first, [price, quantity]. Settable while serving. */
  book?: { bids: [number, number][]; asks: [number, number][] };
}

export interface BinanceApi {
  /** `http://127.0.0.1:PORT` — what `apiUrl` / `--api-url` / VOLT_EXCHANGE_API_URL take. */
  url: string;
  /** Every request, in order. */
  requests: URL[];
  /** Requests to /api/v3/klines only. */
  klineRequests(): URL[];
  close(): Promise<void>;
}

export interface BinanceApiOptions {
  markets: ServedMarket[];
  /** Listed by exchangeInfo but answered with -1121 by klines (a market delisted between the two calls). */
  refuseKlines?: string[];
  /** Accept connections and never answer: for timeouts. */
  silent?: boolean;
  /** Answer klines this many ms late, as a distant exchange would. */
  delayMs?: number;
  /** Every request is also pushed here as 'binance PATH?QUERY': one log shared by several servers shows their order. */
  log?: string[];
}

const INTERVAL_MS: Record<string, number> = {
  '1s': 1000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000,
  '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000, '1M': 2_592_000_000,
};

export async function startBinanceApi(options: BinanceApiOptions): Promise<BinanceApi> {
  const requests: URL[] = [];
  const byId = new Map(options.markets.map((m) => [m.id, m]));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    options.log?.push(`binance ${url.pathname}${url.search}`);
    if (options.silent) return;
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'GET') return send(405, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
    if (url.pathname === '/api/v3/exchangeInfo') return send(200, exchangeInfo(options.markets));
    if (url.pathname === '/api/v3/klines') {
      const q = url.searchParams;
      const id = q.get('symbol');
      if (!id) return send(400, { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." });
      const interval = q.get('interval');
      if (!interval) return send(400, { code: -1102, msg: "Mandatory parameter 'interval' was not sent, was empty/null, or malformed." });
      const market = byId.get(id);
      if (!market || options.refuseKlines?.includes(id)) return send(400, { code: -1121, msg: 'Invalid symbol.' });
      if (!(interval in INTERVAL_MS)) return send(400, { code: -1120, msg: 'Invalid interval.' });
      const limit = q.has('limit') ? Number(q.get('limit')) : 500;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return send(400, { code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
      const start = q.has('startTime') ? Number(q.get('startTime')) : undefined;
      const end = q.has('endTime') ? Number(q.get('endTime')) : undefined;
      const page = klines(market.candles, interval, start, end, limit);
      if (options.delayMs) {
        setTimeout(() => send(200, page), options.delayMs);
        return;
      }
      return send(200, page);
    }
    if (url.pathname === '/api/v3/depth') {
      const market = byId.get(url.searchParams.get('symbol') ?? '');
      if (!market) return send(400, { code: -1121, msg: 'Invalid symbol.' });
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 100;
      const level = ([p, q]: [number, number]): [string, string] => [p.toFixed(8), q.toFixed(8)];
      const book = market.book ?? { bids: [], asks: [] };
      return send(200, { lastUpdateId: requests.length, bids: book.bids.slice(0, limit).map(level), asks: book.asks.slice(0, limit).map(level) });
    }
    send(404, { code: -1, msg: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    klineRequests: () => requests.filter((u) => u.pathname === '/api/v3/klines'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Binance's answer, trimmed to the fields ccxt's parseMarket reads and a few that every answer has. */
function exchangeInfo(markets: ServedMarket[]): object {
  return {
    timezone: 'UTC',
    serverTime: Date.now(),
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: markets.map((m) => ({
      symbol: m.id,
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
        { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
        { filterType: 'ICEBERG_PARTS', limit: 10 },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
        { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
        { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    })),
  };
}

/**
 * Binance's paging: with startTime, the first `limit` bars opening at or after it; with only
 * endTime, the last `limit` bars opening at or before it; with neither, the latest `limit`.
 */
function klines(series: CandleSeries | undefined, interval: string, start: number | undefined, end: number | undefined, limit: number): unknown[] {
  if (!series || series.timeframe !== interval) return [];
  const ms = INTERVAL_MS[interval]!;
  const picked: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const t = series.time[i]!;
    if ((start === undefined || t >= start) && (end === undefined || t <= end)) picked.push(i);
  }
  const page = start === undefined ? picked.slice(-limit) : picked.slice(0, limit);
  const price = (x: number): string => x.toFixed(8);
  return page.map((i) => {
    const t = series.time[i]!;
    const volume = series.volume[i]!;
    const quoteVolume = volume * series.close[i]!;
    return [
      t,
      price(series.open[i]!),
      price(series.high[i]!),
      price(series.low[i]!),
      price(series.close[i]!),
      price(volume),
      t + ms - 1,
      price(quoteVolume),
      Math.round(volume * 3),
      price(volume / 2),
      price(quoteVolume / 2),
      '0',
    ];
  });
}
