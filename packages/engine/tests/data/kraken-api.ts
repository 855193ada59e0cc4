/**
 * Kraken's public REST API on 127.0.0.1 for what ccxt's `kraken` calls to load markets and read
 * the order book and candles — `GET /0/public/Assets`, `/0/public/AssetPairs`, `/0/public/Depth` and
 * `/0/public/OHLC` (bars after `since`, in seconds, at most 720 as Kraken gives) — in
 * Kraken's envelope (`{"error": [], "result": …}`, errors as `["EQuery:Unknown asset pair"]` with
 * HTTP 200), Kraken's asset names (XXBT, ZUSD, USDT) and its fee tiers in percent. Tests point the
 * real ccxt client at it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CandleSeries } from '../../src/data/candle.js';

export interface KrakenPair {
  /** Kraken's pair id, e.g. 'XBTUSDT'. */
  id: string;
  /** Kraken's asset ids, e.g. 'XXBT' and 'USDT'. */
  base: string;
  quote: string;
  /** e.g. 'XBT/USDT'. */
  wsname: string;
  /** The first taker tier, in percent as Kraken gives it (0.26 = 0.26%). */
  takerPercent?: number;
  /** What `GET /0/public/OHLC` serves, at the series' own interval. */
  candles?: CandleSeries;
  /** Best levels first, [price, volume]. Settable while serving. */
  book?: { bids: [number, number][]; asks: [number, number][] };
}

export interface KrakenApi {
  url: string;
  requests: URL[];
  close(): Promise<void>;
}

const ASSETS: Record<string, { altname: string; decimals: number }> = {
  XXBT: { altname: 'XBT', decimals: 10 },
  XETH: { altname: 'ETH', decimals: 10 },
  ZUSD: { altname: 'USD', decimals: 4 },
  USDT: { altname: 'USDT', decimals: 8 },
};

/** `log`: every request is also pushed there as 'kraken PATH?QUERY' (one log shared by several servers). */
export async function startKrakenApi(options: { pairs: KrakenPair[]; log?: string[] }): Promise<KrakenApi> {
  const requests: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    options.log?.push(`kraken ${url.pathname}${url.search}`);
    const send = (body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (url.pathname === '/0/public/Assets') {
      const result: Record<string, object> = {};
      for (const [id, a] of Object.entries(ASSETS)) result[id] = { aclass: 'currency', altname: a.altname, decimals: a.decimals, display_decimals: 5, status: 'enabled' };
      return send({ error: [], result });
    }
    if (url.pathname === '/0/public/AssetPairs') {
      const result: Record<string, object> = {};
      for (const p of options.pairs) {
        const taker = p.takerPercent ?? 0.4;
        result[p.id] = {
          altname: p.id,
          wsname: p.wsname,
          aclass_base: 'currency',
          base: p.base,
          aclass_quote: 'currency',
          quote: p.quote,
          lot: 'unit',
          cost_decimals: 5,
          pair_decimals: 1,
          lot_decimals: 8,
          lot_multiplier: 1,
          leverage_buy: [],
          leverage_sell: [],
          fees: [[0, taker], [10000, taker - 0.05]],
          fees_maker: [[0, taker - 0.15], [10000, taker - 0.2]],
          fee_volume_currency: 'ZUSD',
          margin_call: 80,
          margin_stop: 40,
          ordermin: '0.00005',
          costmin: '0.5',
          tick_size: '0.1',
          status: 'online',
        };
      }
      return send({ error: [], result });
    }
    if (url.pathname === '/0/public/Depth') {
      const pair = options.pairs.find((p) => p.id === url.searchParams.get('pair'));
      if (!pair) return send({ error: ['EQuery:Unknown asset pair'] });
      const count = url.searchParams.has('count') ? Number(url.searchParams.get('count')) : 100;
      const level = ([p, v]: [number, number]): [string, string, number] => [p.toFixed(1), v.toFixed(8), 1764547200];
      const book = pair.book ?? { bids: [], asks: [] };
      return send({ error: [], result: { [pair.id]: { asks: book.asks.slice(0, count).map(level), bids: book.bids.slice(0, count).map(level) } } });
    }
    if (url.pathname === '/0/public/OHLC') {
      const pair = options.pairs.find((p) => p.id === url.searchParams.get('pair'));
      if (!pair) return send({ error: ['EQuery:Unknown asset pair'] });
      const series = pair.candles;
      const interval = Number(url.searchParams.get('interval') ?? 1) * 60_000;
      const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) * 1000 : -Infinity;
      const rows: unknown[] = [];
      if (series && series.length > 1 && series.time[1]! - series.time[0]! === interval) {
        for (let i = 0; i < series.length && rows.length < 720; i++) {
          const t = series.time[i]!;
          if (t <= since) continue;
          const f = (x: number) => x.toFixed(1);
          rows.push([t / 1000, f(series.open[i]!), f(series.high[i]!), f(series.low[i]!), f(series.close[i]!), f(series.close[i]!), series.volume[i]!.toFixed(8), 10]);
        }
      }
      const last = rows.length > 0 ? (rows[rows.length - 1] as number[])[0]! : Math.floor(since / 1000);
      return send({ error: [], result: { [pair.id]: rows, last } });
    }
    send({ error: ['EGeneral:Unknown method'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
