/**
 * `volt scan spreads` end to end: the built `volt` binary in a child process, the real ccxt client
 * inside it, Binance and Kraken REST APIs on 127.0.0.1 (engine tests/data/) reached through
 * --api-url ID=URL. Needs the build (`npx tsc -b`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';
import { startBinanceApi, type BinanceApi, type ServedMarket } from '../../engine/tests/data/binance-api.js';
import { startKrakenApi, type KrakenApi, type KrakenPair } from '../../engine/tests/data/kraken-api.js';
import { candlesToCsv, synthesize } from '@volt/engine';

const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-scan-'));
const START = Date.UTC(2024, 0, 1);
const BTC = synthesize({ seed: 5, bars: 300, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });

let binance: BinanceApi;
let kraken: KrakenApi;
const binanceMarket: ServedMarket = { id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: BTC, book: { bids: [[99_900, 0.5]], asks: [[100_000, 1.2]] } };
const krakenPair: KrakenPair = { id: 'XBTUSDT', base: 'XXBT', quote: 'USDT', wsname: 'XBT/USDT', takerPercent: 0.26, book: { bids: [[100_600, 0.8]], asks: [[100_700, 2]] } };
beforeAll(async () => {
  binance = await startBinanceApi({ markets: [binanceMarket] });
  kraken = await startKrakenApi({ pairs: [krakenPair] });
});
afterAll(async () => {
  await binance?.close();
  await kraken?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function volt(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VOLT, 'scan', 'spreads', ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const apis = () => ['--api-url', `binance=${binance.url}`, '--api-url', `kraken=${kraken.url}`];

describe('volt scan spreads (live)', () => {
  it('prints each venue\'s top of book and every pair net of both taker fees', async () => {
    const r = await volt(['--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', ...apis()]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^BTC\/USDT across 2 venues, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(r.stdout).toContain('binance   99,900   0.5  100,000   1.2     0.100%');
    expect(r.stdout).toContain('kraken   100,600   0.8  100,700     2     0.260%');
    expect(r.stdout).toMatch(/binance\s+100,000\s+kraken\s+100,600\s+\+0\.600%\s+0\.360%\s+\+0\.238%\s+0\.8/);
    expect(r.stdout).toContain('best: buy on binance, sell on kraken: +0.238% after fees, up to 0.8 at the top of both books');
  });

  it('writes one JSON document with --json', async () => {
    const r = await volt(['--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--json', '--fee', 'kraken=0.004', ...apis()]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.quotes.map((q: { exchange: string; takerFee: number }) => [q.exchange, q.takerFee])).toEqual([['binance', 0.001], ['kraken', 0.004]]);
    expect(doc.spreads[0].buyOn).toBe('binance');
    expect(doc.spreads[0].net).toBeCloseTo((100_600 * 0.996) / (100_000 * 1.001) - 1, 12);
  });

  it('--watch asks again and shows the books as they move, until interrupted', async () => {
    const child = spawn(process.execPath, [VOLT, 'scan', 'spreads', '--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--json', '--watch', '0.2', ...apis()], { cwd: tmp, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } });
    const docs: { spreads: { net: number }[] }[] = [];
    let buffer = '';
    const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          docs.push(JSON.parse(buffer.slice(0, nl)));
          buffer = buffer.slice(nl + 1);
          // After the first round, Kraken's bid falls below Binance's ask: no pair pays any more.
          if (docs.length === 1) krakenPair.book = { bids: [[99_950, 1]], asks: [[100_050, 1]] };
          if (docs.length >= 3) resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await done).toBe(0);
    krakenPair.book = { bids: [[100_600, 0.8]], asks: [[100_700, 2]] };
    expect(docs[0]!.spreads[0]!.net).toBeGreaterThan(0);
    expect(docs.at(-1)!.spreads[0]!.net).toBeLessThan(0);
  });

  it('fails with exit 1 and the reason when fewer than two venues answer', async () => {
    const r = await volt(['--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--api-url', `binance=${binance.url}`, '--api-url', 'kraken=http://127.0.0.1:9', '--timeout', '2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^volt scan: only 1 of 2 venues answered: no spread to show \(kraken: (cannot reach kraken|kraken did not answer)/);
    expect(r.stderr.split('\n')[1]).toBe('  fix: check the network (or the --api-url of a mirror), or leave this venue out of --exchanges');
    expect(r.stdout).toBe('');
  });

  it('refuses a single venue as a usage error', async () => {
    const r = await volt(['--symbol', 'BTC/USDT', '--exchanges', 'binance']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("volt scan: --exchanges needs two venues at least to have a spread, got 'binance'\n");
  });
});

describe('volt scan spreads --history', () => {
  it('counts the bars and episodes above the threshold over a Binance range fetched through ccxt and a second venue\'s file', async () => {
    // The second venue: Binance's closes 0.5 % higher on bars 100–109 and 200–204, else equal.
    const other = synthesize({ seed: 5, bars: 300, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });
    for (let i = 0; i < other.length; i++) {
      const up = (i >= 100 && i < 110) || (i >= 200 && i < 205) ? 1.005 : 1;
      (other.close as Float64Array)[i] = BTC.close[i]! * up;
      (other.high as Float64Array)[i] = Math.max(other.high[i]!, other.close[i]!);
    }
    const file = path.join(tmp, 'venue-b.csv');
    writeFileSync(file, [...candlesToCsv(other)].join(''));
    const r = await volt(['--history', '--symbol', 'BTC/USDT', '--exchanges', 'binance', '--candles', `kraken=${file}`, '--fee', 'kraken=0.001', '--since', '2024-01-01', '--until', '2024-01-13T12:00', '--threshold', '0.002', '--json', '--api-url', `binance=${binance.url}`]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.fees).toEqual({ kraken: 0.001, binance: 0.001 });
    const buyBinance = doc.pairs.find((p: { buyOn: string }) => p.buyOn === 'binance');
    // 1.005 × 0.999 / 1.001 − 1 = 0.299 % > 0.2 %: 15 bars in two episodes, the longest 10 bars (10 h).
    expect(buyBinance).toMatchObject({ sellOn: 'kraken', bars: 300, barsAbove: 15, episodes: 2, longestBars: 10, longestMs: 36_000_000 });
    expect(buyBinance.maxNet).toBeCloseTo((1.005 * 0.999) / 1.001 - 1, 9);
    expect(r.stderr).toMatch(/fetched 300 1h candles of BTC\/USDT from binance; cached in/);
    // The table says the same in words.
    const text = await volt(['--history', '--symbol', 'BTC/USDT', '--exchanges', 'binance', '--candles', `kraken=${file}`, '--fee', 'kraken=0.001', '--since', '2024-01-01', '--until', '2024-01-13T12:00', '--threshold', '0.002', '--api-url', `binance=${binance.url}`]);
    expect(text.stdout).toMatch(/binance\s+kraken\s+300\s+15\s+5\.0%\s+2\s+10 bars \(10 h\)\s+7\.5 bars\s+\+0\.299%/);
    expect(text.stderr).toMatch(/from the cache/);
  });
});

describe('volt scan spreads --paper', () => {
  it('opens both legs when the filled net beats the threshold, closes them when the gap converges, and journals each leg', async () => {
    binanceMarket.book = { bids: [[99_900, 0.5]], asks: [[100_000, 0.3], [100_100, 4]] };
    krakenPair.book = { bids: [[100_600, 0.8]], asks: [[100_700, 2]] };
    const journalPath = path.join(tmp, 'paper-spread.db');
    const child = spawn(process.execPath, [VOLT, 'scan', 'spreads', '--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--paper', '--size', '0.5', '--threshold', '0.001', '--json', '--watch', '0.2', '--rounds', '3', '--journal', journalPath, ...apis()], { cwd: tmp, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } });
    const docs: Record<string, unknown>[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const doc = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        docs.push(doc);
        buffer = buffer.slice(nl + 1);
        // Once open, Kraken's bid falls to Binance's level: the gap has closed.
        if (doc['step'] === 'opened') krakenPair.book = { bids: [[99_950, 5]], asks: [[100_000, 5]] };
      }
    });
    const status = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(docs.map((d) => d['step'] ?? d['kind'])).toEqual(['opened', 'closed', 'waiting', 'paper-spread-summary']);
    const opened = docs[0]!['position'] as { long: { price: number; quoted: number }; short: { price: number } };
    // 0.3 at 100,000 and 0.2 at 100,100: the buy leg fills worse than its quote.
    expect(opened.long.quoted).toBe(100_000);
    expect(opened.long.price).toBeCloseTo((0.3 * 100_000 + 0.2 * 100_100) / 0.5, 6);
    expect(opened.short.price).toBe(100_600);
    const closed = docs[1]!['trade'] as { pnl: number; closeLong: { price: number }; closeShort: { price: number } };
    expect(closed.closeLong.price).toBe(99_900);
    expect(closed.closeShort.price).toBe(100_000);
    const { Journal } = await import('@volt/engine');
    const journal = Journal.open(journalPath);
    const rows = journal.db.prepare(`SELECT symbol, side, pnl FROM trades ORDER BY trade_no`).all() as { symbol: string; side: string; pnl: number }[];
    journal.close();
    expect(rows.map((r) => [r.symbol, r.side])).toEqual([['binance:BTC/USDT', 'long'], ['kraken:BTC/USDT', 'short']]);
    expect(rows[0]!.pnl + rows[1]!.pnl).toBeCloseTo(closed.pnl, 6);
    expect((docs[3] as { pnl: number }).pnl).toBeCloseTo(closed.pnl, 6);
  });

  it('resumes after kill -9 holding both legs it had open, closes them as the same trades, and finishes the run', async () => {
    binanceMarket.book = { bids: [[99_900, 0.5]], asks: [[100_000, 0.3], [100_100, 4]] };
    krakenPair.book = { bids: [[100_600, 0.8]], asks: [[100_700, 2]] };
    const journalPath = path.join(tmp, 'paper-resume.db');
    const args = ['scan', 'spreads', '--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--paper', '--size', '0.5', '--threshold', '0.001', '--json', '--watch', '0.2', '--journal', journalPath, ...apis()];
    const child = spawn(process.execPath, [VOLT, ...args], { cwd: tmp, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } });
    let buffer = '';
    // Killed the moment the legs are journaled, with no chance to flatten them.
    const opened = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.on('exit', () => reject(new Error('the session ended before opening')));
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const line of buffer.split('\n').slice(0, -1)) {
          const doc = JSON.parse(line) as Record<string, unknown>;
          if (doc['step'] === 'opened') {
            child.kill('SIGKILL');
            resolve(doc);
          }
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const { Journal } = await import('@volt/engine');
    let journal = Journal.open(journalPath);
    const legs = journal.db.prepare(`SELECT trade_no, symbol, side, exit_time FROM trades ORDER BY trade_no`).all() as { trade_no: number; symbol: string; side: string; exit_time: number | null }[];
    const session = journal.db.prepare(`SELECT run_id, status, position FROM spread_sessions`).get() as { run_id: number; status: string; position: string | null };
    journal.close();
    expect(legs).toEqual([
      { trade_no: 1, symbol: 'binance:BTC/USDT', side: 'long', exit_time: null },
      { trade_no: 2, symbol: 'kraken:BTC/USDT', side: 'short', exit_time: null },
    ]);
    expect(session.status).toBe('running');
    expect(JSON.parse(session.position!)).toEqual(opened['position']);

    // While it was down, Kraken's bid fell to Binance's level: the resumed session closes both legs.
    krakenPair.book = { bids: [[99_950, 5]], asks: [[100_000, 5]] };
    const again = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [VOLT, ...args, '--rounds', '2'], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, VOLT_EXCHANGE_API_URL: '' } }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const docs = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs.map((d) => d['step'] ?? d['kind'])).toEqual(['resumed', 'closed', 'waiting', 'paper-spread-summary']);
    expect(docs[0]!['position']).toEqual(opened['position']);
    expect(docs[0]!['runId']).toBe(session.run_id);
    const closed = docs[1]!['trade'] as { tradeNos: number[]; pnl: number; long: unknown; short: unknown };
    expect(closed.tradeNos).toEqual([1, 2]);
    expect(closed.long).toEqual((opened['position'] as { long: unknown }).long);
    expect(docs[3]).toMatchObject({ runId: session.run_id, closed: 1 });

    journal = Journal.open(journalPath);
    const after = journal.db.prepare(`SELECT trade_no, pnl, exit_time FROM trades ORDER BY trade_no`).all() as { trade_no: number; pnl: number; exit_time: number | null }[];
    const finished = journal.db.prepare(`SELECT s.status, s.position, r.status AS run FROM spread_sessions s JOIN runs r ON r.id = s.run_id`).get();
    journal.close();
    expect(after.map((t) => t.trade_no)).toEqual([1, 2]);
    expect(after.every((t) => t.exit_time !== null)).toBe(true);
    expect(after[0]!.pnl + after[1]!.pnl).toBeCloseTo(closed.pnl, 6);
    expect((docs[3] as { pnl: number }).pnl).toBeCloseTo(closed.pnl, 6);
    expect(finished).toEqual({ status: 'finished', position: null, run: 'complete' });

    // A finished session is not resumed again.
    const refused = await volt(['--paper', '--resume', String(session.run_id), '--journal', journalPath, ...apis()]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`the paper spread session of run ${session.run_id} has finished`);
  });

  it('refuses --paper without a size', async () => {
    const r = await volt(['--symbol', 'BTC/USDT', '--exchanges', 'binance,kraken', '--paper', ...apis()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--paper needs --size QTY');
  });
});
