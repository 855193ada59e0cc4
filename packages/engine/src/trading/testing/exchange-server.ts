/**
 * A Binance spot exchange on 127.0.0.1 for market sessions: public and private REST as Binance
 * answers it (`/api/v3/time`, `exchangeInfo`, `klines` including `1s`, `depth`, `ticker/24hr`,
 * `ticker/price`, `order` POST/GET/DELETE, `openOrders`, `account`), signed requests checked
 * (HMAC-SHA256 of the query and body with the secret, `X-MBX-APIKEY`, `timestamp` within
 * `recvWindow`), driven by a synthetic market on its own clock: real time (speed 1) or accelerated.
 * Errors on demand: 429 with Retry-After, 5xx, requests left unanswered (timeouts), a frozen
 * (stale) feed, a clock that is off, dropped sockets.
 *
 * The kline stream (`/ws/…`, as ccxt pro subscribes: `{"method":"SUBSCRIBE","params":["btcusdt@kline_1m"],"id":N}`)
 * pushes the forming bar as it stands and, once a bar closes, that bar whole with `"x":true` before
 * the next one's first update, as Binance does. `stream: false` makes a venue that does not stream.
 *
 * The market: bar k of `market` opens at market.time[k]; the exchange's clock starts at
 * `startAt` (default: the open of bar `startBar`) and runs at `speed` × real time. Bars that have
 * closed by the clock are served whole; the one forming is served as it stands: its price stays at
 * the open for the first fifth of the bar (the first trades after a close, where a session's orders
 * land), then walks open → low → high → close (open → high → low → close on a down bar) in equal legs.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CandleSeries } from '../../data/candle.js';

export interface ExchangeServerOptions {
  market: CandleSeries;
  /** Binance's id, base and quote of the market, default BTCUSDT / BTC / USDT. */
  id?: string;
  base?: string;
  quote?: string;
  /** Bar whose open the clock starts at (default 200: room for a warm-up). */
  startBar?: number;
  /** The clock starts at the real time now (the market must span it): a real-time session with no skew. */
  startAtNow?: boolean;
  /** Exchange ms per real ms (default 1). */
  speed?: number;
  /** Keys the private endpoints accept. */
  apiKey?: string;
  secret?: string;
  /** Starting balances of the account. */
  balances?: Record<string, number>;
  /** Taker fee the account pays (default 0.001). */
  takerFee?: number;
  /** Amount at each of the 20 depth levels, in base units (default 0.5). */
  levelSize?: number;
  /** Half-spread and level spacing as fractions of price (default 0.0001). */
  tick?: number;
  /** Serve the kline WebSocket stream (default true). */
  stream?: boolean;
}

export interface Fault {
  /** HTTP status to answer with (429, 500, 502, 503 …), or 'hang' to never answer. */
  status: number | 'hang';
  /** Seconds in Retry-After (429). */
  retryAfter?: number;
  /** Requests it applies to (default 1). */
  times?: number;
  /** Only requests to this path. */
  path?: string;
}

export interface ExchangeServer {
  url: string;
  /** Every request: method and path. */
  requests: { method: string; path: string; signed: boolean; at: number }[];
  /** The exchange's clock now. */
  now(): number;
  /** The last price now. */
  price(): number;
  /** The next matching requests fail. */
  fail(fault: Fault): void;
  /** Klines stop at the bar closed now (a stale feed); `false` lets them flow again. */
  freeze(on?: boolean): void;
  /** The exchange's clock is off by this many ms (clock skew). */
  skew(ms: number): void;
  /** Drops every kline socket now (the client sees the connection close). */
  dropSockets(): void;
  /** Kline sockets opened so far. */
  socketsOpened(): number;
  /** Orders placed, as the exchange keeps them. */
  orders: ServedOrder[];
  balances: Record<string, number>;
  close(): Promise<void>;
}

export interface ServedOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  price: number;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED';
  time: number;
  fills: { price: number; qty: number; commission: number }[];
}

/** Share of each bar spent at its open price. */
const OPEN_SHARE = 0.2;

const INTERVAL_MS: Record<string, number> = {
  '1s': 1000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '1d': 86_400_000,
};

export async function startExchangeServer(options: ExchangeServerOptions): Promise<ExchangeServer> {
  const m = options.market;
  const id = options.id ?? 'BTCUSDT';
  const base = options.base ?? 'BTC';
  const quote = options.quote ?? 'USDT';
  const tfMs = INTERVAL_MS[m.timeframe];
  if (tfMs === undefined) throw new Error(`exchange server: no Binance interval for ${m.timeframe}`);
  const speed = options.speed ?? 1;
  const startAt = options.startAtNow ? Date.now() : m.time[Math.min(options.startBar ?? 200, m.length - 1)]!;
  const realStart = Date.now();
  const fee = options.takerFee ?? 0.001;
  const levelSize = options.levelSize ?? 0.5;
  const tick = options.tick ?? 0.0001;
  const apiKey = options.apiKey ?? 'test-key';
  const secret = options.secret ?? 'test-secret';
  const balances: Record<string, number> = { [base]: 0, [quote]: 100_000, ...options.balances };
  const requests: ExchangeServer['requests'] = [];
  const faults: Fault[] = [];
  const orders: ServedOrder[] = [];
  let frozenAt: number | null = null;
  let skewMs = 0;
  let nextOrderId = 1;

  const clock = () => startAt + (Date.now() - realStart) * speed;
  const barAt = (t: number) => {
    const k = Math.floor((t - m.time[0]!) / tfMs);
    return Math.max(0, Math.min(m.length - 1, k));
  };
  /** Price of bar k at fraction f of its time, on the path open → extreme → extreme → close. */
  const pathPrice = (k: number, f: number): number => {
    const o = m.open[k]!, h = m.high[k]!, l = m.low[k]!, c = m.close[k]!;
    const [a, b] = c >= o ? [l, h] : [h, l];
    const leg = (x: number, y: number, g: number) => x + (y - x) * g;
    if (f < OPEN_SHARE) return o;
    const g = (f - OPEN_SHARE) / (1 - OPEN_SHARE);
    if (g < 1 / 3) return leg(o, a, g * 3);
    if (g < 2 / 3) return leg(a, b, (g - 1 / 3) * 3);
    return leg(b, c, Math.min(1, (g - 2 / 3) * 3));
  };
  const price = (t = clock()) => {
    const k = barAt(t);
    return pathPrice(k, (t - m.time[k]!) / tfMs);
  };
  /** Bar k as it stands at time t: whole once closed, else open, extremes so far and the price now. */
  const barAsOf = (k: number, t: number): [number, number, number, number, number] => {
    const f = (t - m.time[k]!) / tfMs;
    if (f >= 1) return [m.open[k]!, m.high[k]!, m.low[k]!, m.close[k]!, m.volume[k]!];
    const o = m.open[k]!;
    let h = o, l = o;
    for (let g = 0; g <= f; g += 1 / 90) {
      const p = pathPrice(k, g);
      if (p > h) h = p;
      if (p < l) l = p;
    }
    const now = pathPrice(k, f);
    return [o, Math.max(h, now), Math.min(l, now), now, m.volume[k]! * Math.max(0, f)];
  };
  const book = () => {
    const p = price();
    const level = (side: 1 | -1, n: number) => [p * (1 + side * tick * (n + 1)), levelSize];
    return { bids: Array.from({ length: 20 }, (_, n) => level(-1, n)), asks: Array.from({ length: 20 }, (_, n) => level(1, n)) };
  };

  const fmt = (x: number) => x.toFixed(8);
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      const q = new URLSearchParams(url.search);
      for (const [k, v] of new URLSearchParams(body)) q.set(k, v);
      const signed = q.has('signature');
      requests.push({ method, path: url.pathname, signed, at: Date.now() });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
        res.end(text);
      };
      const fault = faults.find((f) => f.path === undefined || f.path === url.pathname);
      if (fault) {
        if (--fault.times! <= 0) faults.splice(faults.indexOf(fault), 1);
        if (fault.status === 'hang') return;
        if (fault.status === 429) return send(429, { code: -1003, msg: 'Too many requests; current limit of IP is 6000 request weight per 1 MINUTE.' }, { 'retry-after': String(fault.retryAfter ?? 1) });
        return send(fault.status, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' });
      }
      const now = clock() + skewMs;
      const path = url.pathname;
      if (path === '/api/v3/ping') return send(200, {});
      if (path === '/api/v3/time') return send(200, { serverTime: Math.round(now) });
      if (path === '/api/v3/exchangeInfo') return send(200, exchangeInfo(id, base, quote));
      if (path === '/api/v3/klines') {
        if (q.get('symbol') !== id) return send(400, { code: -1121, msg: 'Invalid symbol.' });
        const interval = q.get('interval') ?? '';
        if (!(interval in INTERVAL_MS)) return send(400, { code: -1120, msg: 'Invalid interval.' });
        if (interval !== m.timeframe) return send(200, []);
        const limit = Math.min(1000, Number(q.get('limit') ?? 500));
        const asOf = frozenAt ?? clock();
        const last = barAt(asOf);
        const from = q.has('startTime') ? Number(q.get('startTime')) : m.time[Math.max(0, last - limit + 1)]!;
        const to = q.has('endTime') ? Number(q.get('endTime')) : Infinity;
        const rows: unknown[] = [];
        for (let k = Math.max(0, Math.ceil((from - m.time[0]!) / tfMs)); k <= last && rows.length < limit; k++) {
          const t = m.time[k]!;
          if (t < from || t > to) continue;
          const [o, h, l, c, v] = barAsOf(k, asOf);
          rows.push([t, fmt(o), fmt(h), fmt(l), fmt(c), fmt(v), t + tfMs - 1, fmt(v * c), Math.round(v * 3), fmt(v / 2), fmt((v * c) / 2), '0']);
        }
        return send(200, rows);
      }
      if (path === '/api/v3/depth') {
        const b = book();
        return send(200, { lastUpdateId: Math.round(now), bids: b.bids.map(([p, a]) => [fmt(p!), fmt(a!)]), asks: b.asks.map(([p, a]) => [fmt(p!), fmt(a!)]) });
      }
      if (path === '/api/v3/ticker/24hr' || path === '/api/v3/ticker/price' || path === '/api/v3/ticker/bookTicker') {
        const p = price(frozenAt ?? clock());
        const b = book();
        return send(200, {
          symbol: id, lastPrice: fmt(p), price: fmt(p), bidPrice: fmt(b.bids[0]![0]!), askPrice: fmt(b.asks[0]![0]!), bidQty: fmt(levelSize), askQty: fmt(levelSize),
          openPrice: fmt(p), highPrice: fmt(p), lowPrice: fmt(p), volume: '0', quoteVolume: '0', openTime: Math.round(now) - 86_400_000, closeTime: Math.round(now), count: 0,
          priceChange: '0', priceChangePercent: '0', weightedAvgPrice: fmt(p), prevClosePrice: fmt(p),
        });
      }
      // Private endpoints: signed with the secret, from the key's owner, in time.
      if (['/api/v3/order', '/api/v3/openOrders', '/api/v3/account', '/api/v3/myTrades'].includes(path)) {
        if (req.headers['x-mbx-apikey'] !== apiKey) return send(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
        const signature = q.get('signature');
        const payload = `${url.search.slice(1).replace(/&?signature=[^&]*/, '')}${body ? body.replace(/&?signature=[^&]*/, '') : ''}`;
        const expected = createHmac('sha256', secret).update(payload).digest('hex');
        if (signature !== expected) return send(400, { code: -1022, msg: 'Signature for this request is not valid.' });
        const ts = Number(q.get('timestamp'));
        const window = Number(q.get('recvWindow') ?? 5000);
        if (!(Math.abs(Date.now() - ts) <= window)) return send(400, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
        if (path === '/api/v3/account') {
          return send(200, {
            makerCommission: 10, takerCommission: 10, canTrade: true, canWithdraw: false, canDeposit: false, updateTime: Math.round(now), accountType: 'SPOT',
            balances: Object.entries(balances).map(([asset, free]) => ({ asset, free: fmt(free), locked: '0.00000000' })), permissions: ['SPOT'],
          });
        }
        if (path === '/api/v3/openOrders') return send(200, orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').map(orderJson));
        const find = () => orders.find((o) => (q.has('orderId') && o.orderId === Number(q.get('orderId'))) || (q.has('origClientOrderId') && o.clientOrderId === q.get('origClientOrderId')));
        if (method === 'GET') {
          const o = find();
          return o ? send(200, orderJson(o)) : send(400, { code: -2013, msg: 'Order does not exist.' });
        }
        if (method === 'DELETE') {
          const o = find();
          if (!o || o.status === 'FILLED' || o.status === 'CANCELED') return send(400, { code: -2011, msg: 'Unknown order sent.' });
          o.status = 'CANCELED';
          return send(200, orderJson(o));
        }
        if (method === 'POST') {
          if (q.get('symbol') !== id) return send(400, { code: -1121, msg: 'Invalid symbol.' });
          const side = q.get('side') as 'BUY' | 'SELL';
          const type = q.get('type') as 'MARKET' | 'LIMIT';
          const qty = Number(q.get('quantity'));
          if (!(qty > 0)) return send(400, { code: -1013, msg: 'Invalid quantity.' });
          const o: ServedOrder = {
            orderId: nextOrderId++, clientOrderId: q.get('newClientOrderId') ?? `volt${nextOrderId}`, symbol: id, side, type, origQty: qty,
            executedQty: 0, cummulativeQuoteQty: 0, price: Number(q.get('price') ?? 0), status: 'NEW', time: Math.round(now), fills: [],
          };
          if (type === 'MARKET') {
            const levels = side === 'BUY' ? book().asks : book().bids;
            let left = qty;
            for (const [p, a] of levels) {
              const take = Math.min(left, a!);
              o.fills.push({ price: p!, qty: take, commission: take * p! * fee });
              o.executedQty += take;
              o.cummulativeQuoteQty += take * p!;
              left -= take;
              if (left <= 1e-12) break;
            }
            o.status = left > 1e-12 ? 'PARTIALLY_FILLED' : 'FILLED';
            const sign = side === 'BUY' ? 1 : -1;
            balances[base] = (balances[base] ?? 0) + sign * o.executedQty;
            balances[quote] = (balances[quote] ?? 0) - sign * o.cummulativeQuoteQty - o.fills.reduce((s, f) => s + f.commission, 0);
          }
          orders.push(o);
          return send(200, { ...orderJson(o), transactTime: o.time, fills: o.fills.map((f) => ({ price: fmt(f.price), qty: fmt(f.qty), commission: fmt(f.commission), commissionAsset: quote })) });
        }
      }
      send(404, { code: -1, msg: 'not found' });
    });
  });
  const orderJson = (o: ServedOrder) => ({
    symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, price: fmt(o.price), origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty), cummulativeQuoteQty: fmt(o.cummulativeQuoteQty), status: o.status, timeInForce: 'GTC', type: o.type,
    side: o.side, stopPrice: '0.00000000', icebergQty: '0.00000000', time: o.time, updateTime: o.time, isWorking: true, origQuoteOrderQty: '0.00000000',
  });
  // The kline stream: each socket's subscriptions, pushed on a timer from the same clock as the REST.
  const sockets = new Set<WebSocket>();
  let opened = 0;
  const wss = options.stream === false ? null : new WebSocketServer({ server });
  wss?.on('connection', (socket) => {
    sockets.add(socket);
    opened++;
    let subscribed = false;
    let sentBar = -1;
    const kline = (k: number, asOf: number) => {
      const [o, h, l, c, v] = barAsOf(k, asOf);
      const t = m.time[k]!;
      return JSON.stringify({
        e: 'kline', E: Math.round(asOf), s: id,
        k: { t, T: t + tfMs - 1, s: id, i: m.timeframe, f: k * 10, L: k * 10 + 9, o: fmt(o), c: fmt(c), h: fmt(h), l: fmt(l), v: fmt(v), n: 10, x: asOf >= t + tfMs, q: fmt(v * c), V: fmt(v / 2), Q: fmt((v * c) / 2), B: '0' },
      });
    };
    const push = () => {
      if (!subscribed || frozenAt !== null || socket.readyState !== socket.OPEN) return;
      const now = clock();
      const k = barAt(now);
      // Bars that closed since the last push, whole, then the one forming.
      for (let j = sentBar < 0 ? k : Math.max(sentBar, k - 5); j < k; j++) socket.send(kline(j, m.time[j]! + tfMs));
      socket.send(kline(k, now));
      sentBar = k;
    };
    // Binance pushes klines about every second; an accelerated clock needs a push per bar or more.
    const timer = setInterval(push, Math.max(5, Math.min(1000, tfMs / speed / 4)));
    socket.on('message', (raw) => {
      let msg: { method?: string; params?: string[]; id?: number };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        return socket.send(JSON.stringify({ error: { code: 2, msg: 'Invalid JSON' } }));
      }
      if (msg.method === 'SUBSCRIBE') {
        const wanted = `${id.toLowerCase()}@kline_${m.timeframe}`;
        subscribed = subscribed || (msg.params ?? []).includes(wanted);
        socket.send(JSON.stringify({ result: null, id: msg.id }));
        push();
      } else if (msg.method === 'UNSUBSCRIBE') {
        subscribed = false;
        socket.send(JSON.stringify({ result: null, id: msg.id }));
      }
    });
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    now: clock,
    price: () => price(),
    fail: (f) => faults.push({ times: 1, ...f }),
    freeze: (on = true) => {
      frozenAt = on ? clock() : null;
    },
    skew: (ms) => {
      skewMs = ms;
    },
    dropSockets: () => {
      for (const socket of sockets) socket.terminate();
    },
    socketsOpened: () => opened,
    orders,
    balances,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        wss?.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function exchangeInfo(id: string, base: string, quote: string): object {
  return {
    timezone: 'UTC',
    serverTime: Date.now(),
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: [{
      symbol: id, status: 'TRADING', baseAsset: base, baseAssetPrecision: 8, quoteAsset: quote, quotePrecision: 8, quoteAssetPrecision: 8,
      baseCommissionPrecision: 8, quoteCommissionPrecision: 8, orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true, ocoAllowed: true, quoteOrderQtyMarketAllowed: true, allowTrailingStop: true, cancelReplaceAllowed: true,
      isSpotTradingAllowed: true, isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.00000100', maxPrice: '1000000.00000000', tickSize: '0.00000100' },
        { filterType: 'LOT_SIZE', minQty: '0.00000100', maxQty: '9000.00000000', stepSize: '0.00000100' },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '9000.00000000', stepSize: '0.00000000' },
        { filterType: 'NOTIONAL', minNotional: '1.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      ],
      permissions: [], permissionSets: [['SPOT']], defaultSelfTradePreventionMode: 'EXPIRE_MAKER', allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    }],
  };
}
