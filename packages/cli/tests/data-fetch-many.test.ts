/**
 * `volt data fetch` of several markets at once, end to end: the built `volt`, the real ccxt clients,
 * Binance and Kraken REST APIs on 127.0.0.1 given per venue with --api-url ID=URL.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';
import { startBinanceApi, type BinanceApi } from '../../engine/tests/data/binance-api.js';
import { startKrakenApi, type KrakenApi } from '../../engine/tests/data/kraken-api.js';
import { loadCandlesSync, synthesize } from '@volt/engine';
import { fetchProgressLine } from '../src/commands/data-fetch-many.js';

const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const START = Date.UTC(2024, 0, 1);
const BTC = synthesize({ seed: 1, bars: 800, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });
const ETH = synthesize({ seed: 2, bars: 800, timeframe: '1h', start: START, symbol: 'ETH/USDT', startPrice: 2_300 });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-fetch-many-'));
let binance: BinanceApi;
let kraken: KrakenApi;
beforeAll(async () => {
  binance = await startBinanceApi({ markets: [{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: BTC }, { id: 'ETHUSDT', base: 'ETH', quote: 'USDT', candles: ETH }] });
  kraken = await startKrakenApi({ pairs: [{ id: 'XBTUSDT', base: 'XXBT', quote: 'USDT', wsname: 'XBT/USDT', candles: BTC }] });
});
afterAll(async () => {
  await binance?.close();
  await kraken?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function volt(args: string[], cwd = tmp): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VOLT, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('volt data fetch, several markets', () => {
  it('fetches every symbol on every venue into .volt/cache/, names the one that fails, and a backtest then reads them offline', async () => {
    const r = await volt(['data', 'fetch', '--exchange', 'binance,kraken', '--symbol', 'BTC/USDT,ETH/USDT', '--since', '2024-01-01', '--until', '2024-01-21', '--api-url', `binance=${binance.url}`, '--api-url', `kraken=${kraken.url}`]);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'binance BTC/USDT: 480 1h candles (2024-01-01 00:00 → 2024-01-20 23:00) → .volt/cache/binance-BTC_USDT-1h-20240101T000000Z-20240121T000000Z.csv  (--data exchange:binance:BTC/USDT:1h:2024-01-01:2024-01-21)',
      'binance ETH/USDT: 480 1h candles (2024-01-01 00:00 → 2024-01-20 23:00) → .volt/cache/binance-ETH_USDT-1h-20240101T000000Z-20240121T000000Z.csv  (--data exchange:binance:ETH/USDT:1h:2024-01-01:2024-01-21)',
      'kraken BTC/USDT: 480 1h candles (2024-01-01 00:00 → 2024-01-20 23:00) → .volt/cache/kraken-BTC_USDT-1h-20240101T000000Z-20240121T000000Z.csv  (--data exchange:kraken:BTC/USDT:1h:2024-01-01:2024-01-21)',
      'in .volt/cache: backtests read these ranges offline; map them in volt.config.json under data.symbols to trade them by symbol',
      '',
    ]);
    expect(r.stderr).toMatch(/^volt data fetch: kraken ETH\/USDT: kraken has no market 'ETH\/USDT'/);
    const eth = loadCandlesSync(path.join(tmp, '.volt/cache/binance-ETH_USDT-1h-20240101T000000Z-20240121T000000Z.csv'), { symbol: 'ETH/USDT' }).series;
    expect(eth.close[479]).toBeCloseTo(ETH.close[479]!, 6);
    // Offline: the API is not asked again.
    const asked = binance.requests.length;
    const bt = await volt(['backtest', path.join(REPO_ROOT, 'examples/strategies/rsi-mean-reversion.strategy.ts'), '--data', 'exchange:binance:ETH/USDT:1h:2024-01-01:2024-01-21', '--no-journal', '--json']);
    expect(bt.status).toBe(0);
    expect(JSON.parse(bt.stdout).data).toMatchObject({ symbol: 'ETH/USDT', bars: 480 });
    expect(binance.requests.length).toBe(asked);
  });

  it('writes to --out-dir instead, and refuses --out or an open range for several markets', async () => {
    const dir = path.join(tmp, 'candles');
    const r = await volt(['data', 'fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT,ETH/USDT', '--since', '2024-01-01', '--until', '2024-01-03', '--out-dir', dir, '--api-url', binance.url]);
    expect(r.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['binance-BTC_USDT-1h.csv', 'binance-ETH_USDT-1h.csv']);
    const noUntil = await volt(['data', 'fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT,ETH/USDT', '--since', '2024-01-01']);
    expect(noUntil.status).toBe(2);
    expect(noUntil.stderr).toBe('volt data: several markets need --until (a date): each closed range is kept in .volt/cache/ and read offline after\n');
    const out = await volt(['data', 'fetch', '--exchange', 'binance,kraken', '--symbol', 'BTC/USDT', '--since', '2024-01-01', '--until', '2024-01-03', '--out', 'x.csv']);
    expect(out.status).toBe(2);
    expect(existsSync(path.join(tmp, 'x.csv'))).toBe(false);
  });

  it('draws one progress bar over every market', () => {
    expect(fetchProgressLine({ candles: 4130, expected: 13_200, marketsDone: 1, markets: 4 })).toBe('[#########.....................]  31%  4,130/13,200 candles  1/4 markets');
    expect(fetchProgressLine({ candles: 13_200, expected: 13_200, marketsDone: 4, markets: 4 })).toBe(`[${'#'.repeat(30)}] 100%  13,200/13,200 candles  4/4 markets`);
  });
});
