/**
 * The real ccxt `deribit` client against Deribit's public API on 127.0.0.1
 * (tests/data/deribit-api.ts): the option chain, DVOL with paging and the `exchange:` spec's
 * cache, Deribit's realized volatility, and the errors Deribit gives.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDeribitApi, type DeribitApi, type DeribitApiOptions } from '../../tests/data/deribit-api.js';
import { chainSkew, impliedVolatility } from '../options/index.js';
import { closedPort } from '../../../../test-support/ports.js';
import { VoltError } from '../errors.js';
import { fetchDeribitOptionChain, fetchDeribitRealizedVolatility, fetchDvol } from './deribit.js';
import { deribitOptionChain, loadDeribitChainCache } from './deribit-cache.js';
import { resolveDataSpec } from './spec.js';

const DAY = 86_400_000;
const AS_OF = Date.UTC(2030, 0, 1, 8);
const DVOL_START = Date.UTC(2024, 0, 1);
const smile = (k: number, f: number): number => 0.55 + 0.4 * Math.log(k / f) ** 2 - 0.08 * Math.log(k / f);

const SERVED: DeribitApiOptions = {
  chain: {
    asOf: AS_OF,
    expiries: [
      { time: AS_OF + 10 * DAY, futures: 60_000 },
      { time: AS_OF + 38 * DAY, futures: 60_400 },
    ],
    strikes: Array.from({ length: 17 }, (_, i) => 40_000 + 2500 * i),
    smile,
    openInterest: (k) => (k === 60_000 ? 5000 : 200),
  },
  dvol: Array.from({ length: 400 }, (_, i) => {
    const v = 60 + 20 * Math.sin(i / 30);
    return [DVOL_START + i * DAY, v, v + 2, v - 2, v + 0.5];
  }),
  dvolPage: 100,
  realized: Array.from({ length: 48 }, (_, i) => [AS_OF - (48 - i) * 3_600_000, 40 + i / 10] as [number, number]),
};

let api: DeribitApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-deribit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the Deribit option chain through ccxt', () => {
  it('lists every option with strike, expiry, prices in BTC and USD, and open interest', async () => {
    api = await startDeribitApi(SERVED);
    const chain = await fetchDeribitOptionChain({ currency: 'btc', apiUrl: api.url });
    expect(chain.currency).toBe('BTC');
    expect(chain.quotes).toHaveLength(2 * 17 * 2);
    const first = chain.quotes[0]!;
    expect(first).toMatchObject({ instrument: 'BTC-11JAN30-40000-C', right: 'call', strike: 40_000, expiry: AS_OF + 10 * DAY, underlyingPrice: 60_000, openInterest: 200 });
    expect(first.symbol).toMatch(/^BTC\/USD:BTC-300111-40000-C$/);
    expect(first.markUsd).toBeCloseTo(first.mark * 60_000, 9);
    expect(first.bid).toBeLessThan(first.ask);
    // Through ccxt's loadMarkets (currencies, then every instrument at once) and one book summary.
    expect(api.requests.map((u) => u.pathname)).toEqual(['/api/v2/public/get_currencies', '/api/v2/public/get_instruments', '/api/v2/public/get_book_summary_by_currency']);
    expect(Object.fromEntries(api.requests[2]!.searchParams)).toEqual({ currency: 'BTC', kind: 'option' });
  });

  it('its mark prices give back the smile they were priced from (Black-76 on each expiry’s futures), and its skew', async () => {
    api = await startDeribitApi(SERVED);
    const chain = await fetchDeribitOptionChain({ currency: 'BTC', apiUrl: api.url });
    const front = chain.quotes.filter((q) => q.expiry === AS_OF + 10 * DAY);
    const years = 10 / 365;
    const solved = front.map((q) => {
      const r = impliedVolatility({ right: q.right, spot: q.underlyingPrice, strike: q.strike, years, rate: 0, price: q.markUsd, model: 'black76' });
      if (!r.ok) throw new Error(`${q.instrument}: ${r.message}`);
      // mark prices carry 8 decimals of BTC: the vol comes back to well under 0.02 points
      expect(Math.abs(r.vol - smile(q.strike, 60_000))).toBeLessThan(2e-4);
      return { right: q.right, strike: q.strike, iv: r.vol };
    });
    // The skew of the fetched chain, on the forward (Black-76 ≡ BSM with q = r = 0 here)
    const skew = chainSkew(solved, { spot: 60_000, years, rate: 0 });
    expect(skew.riskReversal25).toBeLessThan(0); // −0.08·ln(K/F): puts richer
    expect(skew.butterfly25).toBeGreaterThan(0);
  });

  it('an unknown currency is refused as Deribit refuses it; no server is a network error with the offline hint', async () => {
    api = await startDeribitApi(SERVED);
    const e = await fetchDeribitOptionChain({ currency: 'XYZ', apiUrl: api.url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VoltError);
    expect((e as VoltError).message).toMatch(/XYZ/);
    const port = await closedPort();
    const offline = await fetchDeribitOptionChain({ currency: 'BTC', apiUrl: `http://127.0.0.1:${port}`, timeout: 2000 }).catch((x: unknown) => x);
    expect((offline as VoltError).message).toMatch(/^cannot reach deribit/);
    expect((offline as VoltError).hint).toMatch(/no network\?/);
  });
});

describe('DVOL', () => {
  it('pages back through Deribit’s continuation and returns daily candles in order, checked like a file', async () => {
    api = await startDeribitApi(SERVED);
    const since = DVOL_START + 10 * DAY;
    const until = DVOL_START + 360 * DAY;
    const dvol = await fetchDvol({ currency: 'BTC', since, until, apiUrl: api.url });
    expect(dvol).toMatchObject({ symbol: 'DVOL/BTC', timeframe: '1d', source: 'deribit', length: 350 });
    expect(dvol.time[0]).toBe(since);
    expect(dvol.time[349]).toBe(until - DAY);
    expect(dvol.close[0]).toBeCloseTo(SERVED.dvol[10]![4]!, 9);
    const pages = api.requests.filter((u) => u.pathname.endsWith('get_volatility_index_data'));
    expect(pages).toHaveLength(4); // 100 + 100 + 100 + 50, newest first
    expect(Object.fromEntries(pages[0]!.searchParams)).toMatchObject({ currency: 'BTC', resolution: '1D', start_timestamp: String(since) });
  });

  it('as a data spec: fetched once, cached under .volt/cache, read from disk the next time', async () => {
    api = await startDeribitApi(SERVED);
    const spec = 'exchange:deribit:DVOL/BTC:1d:2024-02-01:2024-06-01';
    const notes: string[] = [];
    const first = await resolveDataSpec(spec, { cwd: tmp, exchangeApiUrl: api.url, onNote: (n) => notes.push(n) });
    expect(first.length).toBe(121);
    expect(notes.join('\n')).toMatch(/cached in/);
    expect(readdirSync(path.join(tmp, '.volt', 'cache'))).toEqual(['deribit-DVOL_BTC-1d-20240201T000000Z-20240601T000000Z.csv']);
    const served = api.requests.length;
    const again = await resolveDataSpec(spec, { cwd: tmp, exchangeApiUrl: api.url });
    expect(api.requests.length).toBe(served);
    expect(Array.from(again.close)).toEqual(Array.from(first.close));
    await expect(resolveDataSpec('exchange:deribit:DVOL/BTC:1h:2024-02-01:2024-03-01', { cwd: tmp, exchangeApiUrl: api.url, cache: false })).rejects.toThrow(/DVOL comes in daily candles/);
  });
});

describe('realized volatility (fetchVolatilityHistory)', () => {
  it('gives Deribit’s history, oldest first, in vol points', async () => {
    api = await startDeribitApi(SERVED);
    const r = await fetchDeribitRealizedVolatility({ currency: 'BTC', apiUrl: api.url });
    expect(r.time).toHaveLength(48);
    expect(r.vol[0]).toBeCloseTo(40, 12);
    expect(r.vol[47]).toBeCloseTo(44.7, 12);
    expect(api.requests.at(-1)!.pathname).toBe('/api/v2/public/get_historical_volatility');
  });
});

describe('Deribit option chains cached like candles', () => {
  it('a fetched chain is kept under .volt/cache; within a minute it is read from there; older, fetched again; offline, the newest cached one', async () => {
    api = await startDeribitApi(SERVED);
    const cwd = mkdtempSync(path.join(tmp, 'chains-'));
    let clock = Date.UTC(2029, 11, 31, 9, 0, 0);
    const notes: string[] = [];
    const ask = () => deribitOptionChain({ currency: 'btc', apiUrl: api!.url, cwd, now: () => clock, onNote: (n) => notes.push(n) });

    const first = await ask();
    expect(first.quotes).toHaveLength(68);
    expect(first.fetchedAt).toBe(clock);
    expect(readdirSync(path.join(cwd, '.volt', 'cache'))).toEqual(['deribit-BTC-options-20291231T090000Z.json']);
    expect(notes.pop()).toBe('fetched 68 BTC options from deribit; cached in .volt/cache/deribit-BTC-options-20291231T090000Z.json (read instead for 60 s, and by --options-chain deribit:BTC)');
    const served = api.requests.length;

    clock += 30_000;
    const cached = await ask();
    expect(api.requests.length).toBe(served);
    expect(cached).toEqual(first);
    expect(notes.pop()).toMatch(/^read the BTC option chain of 2029-12-31T09:00:00\.000Z from the cache .*\(30 s old\)$/);

    clock += 60_000;
    await ask();
    expect(api.requests.length).toBeGreaterThan(served);
    expect(readdirSync(path.join(cwd, '.volt', 'cache'))).toHaveLength(2);

    await api.close();
    api = undefined;
    clock += 3 * 3_600_000;
    const port = await closedPort();
    const offline = await deribitOptionChain({ currency: 'BTC', apiUrl: `http://127.0.0.1:${port}`, timeout: 2000, cwd, now: () => clock, onNote: (n) => notes.push(n) });
    expect(offline.quotes).toEqual(first.quotes);
    expect(notes.pop()).toMatch(/^cannot reach deribit.*; using the newest cached BTC chain, .*deribit-BTC-options-20291231T090130Z\.json, 3\.0 hours old$/);
    // No cache to fall back on: the network error as it was.
    await expect(deribitOptionChain({ currency: 'BTC', apiUrl: `http://127.0.0.1:${port}`, timeout: 2000, cwd: mkdtempSync(path.join(tmp, 'empty-')) })).rejects.toThrow(/^cannot reach deribit/);
  });

  it('the cached chains are a chain history a backtest replays: one snapshot per fetch, in USD', async () => {
    api = await startDeribitApi(SERVED);
    const cwd = mkdtempSync(path.join(tmp, 'history-'));
    for (const minute of [0, 5]) await deribitOptionChain({ currency: 'BTC', apiUrl: api.url, cwd, now: () => Date.UTC(2029, 11, 31, 9, minute) });
    const history = await loadDeribitChainCache('btc', { cwd });
    expect(history.source).toBe('deribit:BTC (2 cached chains)');
    expect(history.snapshots.map((s) => s.time)).toEqual([Date.UTC(2029, 11, 31, 9, 0), Date.UTC(2029, 11, 31, 9, 5)]);
    const chain = await fetchDeribitOptionChain({ currency: 'BTC', apiUrl: api.url });
    const q = history.snapshots[0]!.quotes[0]!;
    const served = chain.quotes.find((x) => x.strike === q.strike && x.expiry === q.expiry && x.right === q.right)!;
    expect(q).toMatchObject({ ask: served.askUsd, bid: served.bidUsd, openInterest: served.openInterest });
    await expect(loadDeribitChainCache('ETH', { cwd })).rejects.toThrow(/^no cached ETH option chains in /);
  });
});
