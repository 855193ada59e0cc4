/**
 * Deribit's public REST API (v2) on 127.0.0.1, for the endpoints ccxt's `deribit` client calls to
 * load markets and read options data: `public/get_currencies`, `public/get_instruments`,
 * `public/get_book_summary_by_currency` (the option chain), `public/get_volatility_index_data`
 * (DVOL, newest page first with a `continuation` for the older rest) and
 * `public/get_historical_volatility`. Answers in Deribit's JSON-RPC envelope
 * (`{ jsonrpc, result, usIn, usOut, usDiff, testnet }`), and refuses an unknown currency as Deribit
 * does (HTTP 400, error code -32602 "Invalid params"). Option prices are in BTC per unit, priced by
 * Black-76 on the expiry's futures price from a smile the test knows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { priceOption } from '../../src/options/index.js';

export interface DeribitApi {
  url: string;
  requests: URL[];
  close(): Promise<void>;
}

export interface ServedChain {
  /** The moment the chain is priced at, epoch ms. */
  asOf: number;
  /** Expiries (epoch ms) and their futures prices. */
  expiries: { time: number; futures: number }[];
  strikes: number[];
  /** Vol by strike and expiry, as a fraction. */
  smile: (strike: number, futures: number, years: number) => number;
  /** Open interest by strike (contracts). */
  openInterest?: (strike: number, right: 'call' | 'put') => number;
}

export interface DeribitApiOptions {
  chain: ServedChain;
  /** DVOL daily candles [time, open, high, low, close]. */
  dvol: number[][];
  /** DVOL candles per page (Deribit's is larger; small here so paging is tested). */
  dvolPage?: number;
  realized: [number, number][];
}

const DAY = 86_400_000;
const YEAR = 365 * DAY;

function yymmdd(ms: number): string {
  const d = new Date(ms);
  const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  return `${d.getUTCDate()}${months[d.getUTCMonth()]}${String(d.getUTCFullYear()).slice(2)}`;
}

export function instrumentName(expiry: number, strike: number, right: 'call' | 'put'): string {
  return `BTC-${yymmdd(expiry)}-${strike}-${right === 'call' ? 'C' : 'P'}`;
}

export async function startDeribitApi(options: DeribitApiOptions): Promise<DeribitApi> {
  const requests: URL[] = [];
  const { chain } = options;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const now = Date.now() * 1000;
    const send = (status: number, payload: object): void => {
      const text = JSON.stringify({ jsonrpc: '2.0', ...payload, usIn: now, usOut: now + 50, usDiff: 50, testnet: false });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const q = url.searchParams;
    const invalid = (param: string): void => send(400, { error: { message: 'Invalid params', data: { reason: 'wrong format', param }, code: -32602 } });
    const currency = q.get('currency');
    switch (url.pathname) {
      case '/api/v2/public/get_currencies':
        return send(200, { result: [{ currency: 'BTC', currency_long: 'Bitcoin', coin_type: 'BITCOIN', fee_precision: 4, min_confirmations: 1, min_withdrawal_fee: 0.0001, withdrawal_fee: 0.0001, withdrawal_priorities: [] }] });
      case '/api/v2/public/get_instruments':
        if (currency !== null && currency !== 'BTC' && currency !== 'any') return invalid('currency');
        return send(200, { result: instruments(chain) });
      case '/api/v2/public/get_book_summary_by_currency':
        if (currency !== 'BTC') return invalid('currency');
        if (q.get('kind') !== 'option') return send(200, { result: [] });
        return send(200, { result: bookSummary(chain) });
      case '/api/v2/public/get_volatility_index_data': {
        if (currency !== 'BTC') return invalid('currency');
        const start = Number(q.get('start_timestamp'));
        const end = Number(q.get('end_timestamp'));
        if (!Number.isFinite(start) || !Number.isFinite(end)) return invalid(Number.isFinite(start) ? 'end_timestamp' : 'start_timestamp');
        const inRange = options.dvol.filter((r) => r[0]! >= start && r[0]! <= end);
        const page = inRange.slice(-(options.dvolPage ?? 1000));
        const older = inRange.length > page.length;
        return send(200, { result: { data: page, continuation: older ? page[0]![0]! - 1 : null } });
      }
      case '/api/v2/public/get_historical_volatility':
        if (currency !== 'BTC') return invalid('currency');
        return send(200, { result: options.realized });
      default:
        return send(400, { error: { message: 'Method not found', code: -32601 } });
    }
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

function instruments(chain: ServedChain): object[] {
  const out: object[] = [
    {
      tick_size: 0.5, taker_commission: 0.0005, settlement_period: 'perpetual', settlement_currency: 'BTC', quote_currency: 'USD',
      min_trade_amount: 10, max_leverage: 50, maker_commission: 0, kind: 'future', is_active: true, instrument_name: 'BTC-PERPETUAL',
      future_type: 'reversed', expiration_timestamp: 32503708800000, creation_timestamp: 1534242287000, counter_currency: 'USD',
      contract_size: 10, block_trade_commission: 0.0001, base_currency: 'BTC', instrument_id: 1, price_index: 'btc_usd',
    },
  ];
  let id = 2;
  for (const e of chain.expiries) {
    for (const strike of chain.strikes) {
      for (const right of ['call', 'put'] as const) {
        out.push({
          tick_size: 0.0001, taker_commission: 0.0003, strike, settlement_period: 'month', settlement_currency: 'BTC', quote_currency: 'BTC',
          option_type: right, min_trade_amount: 0.1, maker_commission: 0.0003, kind: 'option', is_active: true,
          instrument_name: instrumentName(e.time, strike, right), expiration_timestamp: e.time, creation_timestamp: chain.asOf - 30 * DAY,
          counter_currency: 'USD', contract_size: 1, block_trade_commission: 0.0003, base_currency: 'BTC', instrument_id: id++, price_index: 'btc_usd',
        });
      }
    }
  }
  return out;
}

function bookSummary(chain: ServedChain): object[] {
  const out: object[] = [];
  for (const e of chain.expiries) {
    const years = (e.time - chain.asOf) / YEAR;
    for (const strike of chain.strikes) {
      for (const right of ['call', 'put'] as const) {
        const vol = chain.smile(strike, e.futures, years);
        const usd = priceOption({ right, spot: e.futures, strike, years, rate: 0, vol, model: 'black76' }).price;
        const mark = Number((usd / e.futures).toFixed(8));
        const bid = Math.max(0.0001, Number((mark - 0.0005).toFixed(4)));
        const ask = Number((mark + 0.0005).toFixed(4));
        out.push({
          mid_price: (bid + ask) / 2, volume_usd: 1000, quote_currency: 'BTC', estimated_delivery_price: e.futures,
          creation_timestamp: chain.asOf, base_currency: 'BTC', underlying_index: `BTC-${yymmdd(e.time)}`, underlying_price: e.futures,
          volume: 1, interest_rate: 0, price_change: 0, open_interest: chain.openInterest?.(strike, right) ?? 100,
          ask_price: ask, bid_price: bid, instrument_name: instrumentName(e.time, strike, right), mark_price: mark, last: mark, low: mark, high: mark,
        });
      }
    }
  }
  return out;
}
