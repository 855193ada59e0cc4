/**
 * `volt data fetch` end to end: the built `volt` binary in a child process, the real ccxt client
 * inside it, and a Binance spot REST API on 127.0.0.1 (engine tests/data/binance-api.ts) reached
 * through --api-url or VOLT_EXCHANGE_API_URL. Needs the build (`npx tsc -b`, run first by `npm test`).
 * Children are spawned asynchronously: the API answers from this process's event loop.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';
import { startBinanceApi, type BinanceApi } from '../../engine/tests/data/binance-api.js';
import { parseCandles, synthesize } from '@volt/engine';

const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);
const BTC = synthesize({ seed: 11, bars: 1500, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-data-fetch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let api: BinanceApi | undefined;
beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/engine/dist/data/exchange.js'))) {
    throw new Error('packages/engine/dist is missing the exchange code: run `npx tsc -b` first (npm test does)');
  }
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(): Promise<BinanceApi> {
  api = await startBinanceApi({ markets: [{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: BTC }] });
  return api;
}

function volt(args: string[], env: Record<string, string> = {}, cwd = tmp): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VOLT, ...(args[0] === 'backtest' ? args : ['data', 'fetch', ...args])],
      { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, VOLT_EXCHANGE_API_URL: '', ...env } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('volt data fetch', () => {
  it('writes the served candles to a CSV file, paging through the API given by --api-url', async () => {
    const api = await serve();
    const out = path.join(tmp, 'btc.csv');
    const r = await volt(['--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '1h', '--since', '2024-01-01', '--until', '2024-02-25', '--out', out, '--api-url', api.url]);
    expect(r.stderr).toBe(`fetched 1320 candles of BTC/USDT 1h from binance (2024-01-01 00:00 → 2024-02-24 23:00) to ${out}\n`);
    expect(r.status).toBe(0);
    expect(api.klineRequests()).toHaveLength(2);
    const { series } = parseCandles(readFileSync(out, 'utf8'), out, { symbol: 'BTC/USDT' });
    expect(series.length).toBe(1320);
    for (let i = 0; i < series.length; i++) {
      const want = [START + i * HOUR, BTC.open[i]!, BTC.high[i]!, BTC.low[i]!, BTC.close[i]!, BTC.volume[i]!].map((v, k) => (k === 0 ? v : Number(v.toFixed(8))));
      const got = [series.time[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]];
      if (got.some((v, k) => v !== want[k])) expect({ i, got }).toEqual({ i, got: want });
    }
  });

  it('takes the API from VOLT_EXCHANGE_API_URL and writes JSON to stdout with --format json', async () => {
    const api = await serve();
    const r = await volt(['--exchange', 'binance', '--symbol', 'BTC/USDT', '--since', '2024-01-03', '--limit', '3', '--format', 'json'], { VOLT_EXCHANGE_API_URL: api.url });
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as number[][];
    expect(rows.map((row) => row[0])).toEqual([0, 1, 2].map((i) => START + (48 + i) * HOUR));
    expect(rows[0]![4]).toBe(Number(BTC.close[48]!.toFixed(8)));
  });

  it('an unknown symbol exits 1 naming the markets the exchange lists', async () => {
    const api = await serve();
    const r = await volt(['--exchange', 'binance', '--symbol', 'BTC/EUR', '--since', '2024-01-01', '--api-url', api.url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("volt data: binance has no market 'BTC/EUR' (does not have market symbol BTC/EUR)\n  fix: binance lists BTC/USDT\n");
  });

  it('no server: exits 1 with the hint to work offline', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const r = await volt(['--exchange', 'binance', '--symbol', 'BTC/USDT', '--since', '2024-01-01', '--api-url', `http://127.0.0.1:${port}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^volt data: cannot reach binance: .*ECONNREFUSED.*\n  fix: no network\? use --data synthetic:42 or a local candle file/);
  });

  it('refuses a missing --since or a bad date with exit 2', async () => {
    const missing = await volt(['--exchange', 'binance', '--symbol', 'BTC/USDT']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--since is required');
    const bad = await volt(['--exchange', 'binance', '--symbol', 'BTC/USDT', '--since', '2024-01-01', '--until', 'soon']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--until expects a date like 2024-01-01");
  });
});

describe('volt backtest --data exchange:…', () => {
  it('fetches the range once, then backtests the same candles from .volt/cache with the API gone', async () => {
    const api = await serve();
    const cwd = mkdtempSync(path.join(tmp, 'workspace-'));
    const strategy = path.join(REPO_ROOT, 'examples/strategies/macd-trend.strategy.ts');
    const args = ['backtest', strategy, '--data', 'exchange:binance:BTC/USDT:1h:2024-01-01:2024-02-15', '--json', '--no-journal'];
    const online = await volt(args, { VOLT_EXCHANGE_API_URL: api.url }, cwd);
    expect(online.stderr).not.toContain('fix:');
    expect(online.status).toBe(0);
    expect(api.klineRequests()).toHaveLength(2);
    expect(existsSync(path.join(cwd, '.volt/cache/binance-BTC_USDT-1h-20240101T000000Z-20240215T000000Z.csv'))).toBe(true);
    await api.close();
    const offline = await volt(args, { VOLT_EXCHANGE_API_URL: api.url }, cwd);
    expect(offline.status).toBe(0);
    const [first, second] = [JSON.parse(online.stdout), JSON.parse(offline.stdout)];
    expect(first.trades.length).toBeGreaterThan(0);
    expect(second.metrics).toEqual(first.metrics);
    expect(second.trades).toEqual(first.trades);
  });
});
