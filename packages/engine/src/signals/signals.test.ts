import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { runBacktest } from '../backtest/index.js';
import { synthesize, type CandleSeries } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { StrategyRunner } from '../runner/index.js';
import { defineStrategy, transpileStrategy } from '../strategy/index.js';
import {
  SIGNAL_SOURCES,
  SignalCache,
  SignalBoard,
  SIGNAL_NAMES,
  alignToBars,
  barCloses,
  blendScores,
  fearGreed,
  fetchSignal,
  fixtureSeries,
  loadRunSignals,
  outsideScore,
  pointsOf,
  readSignalFixture,
  signalSeries,
  signalsBefore,
  type SignalSet,
} from './index.js';

const FIXTURES = path.join(REPO_ROOT, 'examples', 'signals');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A loopback server that answers each source's path with its recorded body, and remembers the requests. */
let server: Server;
let base = '';
const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];
let override: { status: number; body: string } | undefined;
beforeAll(async () => {
  const bodies = new Map<string, unknown>();
  for (const s of SIGNAL_SOURCES) {
    const rec = readSignalFixture(path.join(FIXTURES, `${s.name}.json`)).recordings;
    const r = rec.find((x) => x.market === 'BTC') ?? rec[0]!;
    bodies.set(s.name, r.body);
  }
  const route = (url: string): string | undefined => {
    if (url.startsWith('/fng/')) return 'fear_greed';
    if (url.startsWith('/v2/historicalChainTvl')) return 'defi_tvl';
    if (url.startsWith('/coins/bitcoin/market_chart/range')) return 'volume_surge';
    if (url.startsWith('/search/trending')) return 'trending';
    if (url.startsWith('/api?module=stats&action=dailyavggasprice')) return 'gas_price';
    if (url.startsWith('/v1/transactions')) return 'whale_flow';
    if (url.startsWith('/api/v1/posts/')) return 'sentiment';
    return undefined;
  };
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (override) {
      res.writeHead(override.status, { 'content-type': 'application/json' }).end(override.body);
      return;
    }
    const name = route(req.url ?? '');
    if (!name) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(bodies.get(name)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function envFor(keys = true): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of SIGNAL_SOURCES) {
    env[s.urlEnv] = base;
    if (s.keyEnv && keys) env[s.keyEnv] = `key-${s.name}`;
  }
  return env;
}

describe('live fetchers against a server speaking each API', () => {
  it.each(SIGNAL_SOURCES.map((s) => [s.name, s] as const))('%s: requests its endpoint with the key and reads the answer', async (_name, source) => {
    seen.length = 0;
    const from = Date.UTC(2018, 0, 1);
    const got = await fetchSignal(source, { market: 'BTC', from, to: Date.UTC(2018, 1, 1), env: envFor(), now: () => Date.UTC(2019, 6, 11) });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    if (source.keyEnv) {
      const key = envFor()[source.keyEnv]!;
      const sent = req.url.includes(key) || req.headers['x-cg-demo-api-key'] === key;
      expect(sent).toBe(true);
      // The key is never kept in what was recorded.
      expect(got.recording.url).not.toContain(key);
    }
    expect(got.points.length).toBeGreaterThan(0);
    const file = path.join(FIXTURES, `${source.name}.json`);
    const replayed = pointsOf(source, [{ ...got.recording }], 'BTC', file);
    expect(replayed).toEqual(got.points);
    for (const p of got.points) expect(p.published).toBeGreaterThanOrEqual(p.time + source.minLagMs);
  });

  it('fear & greed reads alternative.me\u2019s strings: value "40" at timestamp "1551157200"', async () => {
    const pts = fearGreed.parse({ market: '', fetchedAt: 0, url: '', body: { name: 'Fear and Greed Index', data: [{ value: '40', value_classification: 'Fear', timestamp: '1551157200' }], metadata: { error: null } } }, '');
    expect(pts).toEqual([{ time: 1551157200000, published: 1551157200000, value: 40 }]);
  });

  it('refuses a missing key, a refusal and a wrong shape in one sentence each', async () => {
    const gas = SIGNAL_SOURCES.find((s) => s.name === 'gas_price')!;
    await expect(fetchSignal(gas, { market: 'BTC', from: 0, to: DAY, env: envFor(false) })).rejects.toThrow(/gas_price needs an API key: ETHERSCAN_API_KEY is not set/);
    override = { status: 401, body: '{"error":"invalid key"}' };
    try {
      await expect(fetchSignal(gas, { market: 'BTC', from: 0, to: DAY, env: envFor() })).rejects.toMatchObject({ message: expect.stringMatching(/HTTP 401/), hint: 'check ETHERSCAN_API_KEY' });
      override = { status: 200, body: '{"data":[{"value":"x","timestamp":"1"}],"metadata":{"error":null}}' };
      await expect(fetchSignal(fearGreed, { market: 'BTC', from: 0, to: DAY, env: envFor() })).rejects.toThrow(/fear_greed, recording 0: expected a number at data\[0\]\.value, found "x"/);
      // The key is not in the message either.
      override = { status: 500, body: 'oops' };
      const err = await fetchSignal(gas, { market: 'BTC', from: 0, to: DAY, env: envFor() }).catch((e: Error) => e);
      expect(String((err as Error).message)).not.toContain('key-gas_price');
    } finally {
      override = undefined;
    }
  });
});

describe('time alignment', () => {
  const series = synthesize({ seed: 3, bars: 48, timeframe: '1h', start: Date.UTC(2018, 0, 1) });
  const closes = barCloses(series);

  it('a bar sees a value only when it was published before its close', () => {
    const close5 = closes[5]!;
    const data = signalSeries(fearGreed, [
      { time: close5 - 1, published: close5 - 1, value: 10 },
      { time: close5, published: close5, value: 20 },
      { time: close5 + 1, published: close5 + 1, value: 30 },
    ], 'test');
    const at = alignToBars(data, closes);
    const board = new SignalBoard({ fear_greed: data }, series);
    const k = SIGNAL_NAMES.indexOf('fear_greed');
    expect(board.valueAt(k, 4)).toBeNaN();
    expect(board.valueAt(k, 5)).toBe(10);
    // Published at bar 5's close exactly, or 1 ms after: first seen at bar 6.
    expect(board.valueAt(k, 6)).toBe(30);
    expect(at[5]).toBe(0);
  });

  it('a value older than the source allows counts as missing', () => {
    const data = signalSeries(fearGreed, [{ time: closes[0]! - 4 * DAY, published: closes[0]! - 4 * DAY, value: 50 }], 'test');
    expect(alignToBars(data, closes)[0]).toBe(-1);
  });

  it('refuses a value stamped as published before its source could know it, naming the file', () => {
    const gas = SIGNAL_SOURCES.find((s) => s.name === 'gas_price')!;
    expect(() => signalSeries(gas, [{ time: Date.UTC(2018, 0, 2), published: Date.UTC(2018, 0, 2, 12), value: 30 }], 'gas.json')).toThrow(
      /gas_price: the value for 2018-01-02T00:00:00Z says it was published at 2018-01-02T12:00:00Z, before the source could know it/,
    );
  });

  it('ctx.signals in a backtest: a strategy buying on a value published after a bar\u2019s close never buys at that bar', () => {
    const at = closes[20]!;
    const set: SignalSet = { fear_greed: signalSeries(fearGreed, [{ time: at, published: at + 1, value: 5 }], 'test') };
    const strategy = defineStrategy({
      name: 'fearful',
      onBar(ctx) {
        if (ctx.position.side === 0 && ctx.signals.fear_greed < 20) ctx.buy({ confidence: 0.7, reason: `fear ${ctx.signals.fear_greed}` });
      },
    });
    const report = runBacktest(strategy, series, { signals: set });
    expect(report.signals[0]).toMatchObject({ bar: 21, action: 'buy', reason: 'fear 5' });
    // Without signals the value is NaN and nothing trades.
    expect(runBacktest(strategy, series, {}).signals).toHaveLength(0);
  });

  it('signalsBefore keeps only values published before the cut', () => {
    const d = signalSeries(fearGreed, [1, 2, 3].map((h) => ({ time: h * HOUR, published: h * HOUR, value: h })), 'test');
    expect([...signalsBefore({ fear_greed: d }, 3 * HOUR).fear_greed!.value]).toEqual([1, 2]);
  });
});

describe('fixtures, the journal cache and the aggregator', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-signals-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('every fixture replays into an aligned series for BTC', () => {
    for (const s of SIGNAL_SOURCES) {
      const d = fixtureSeries(path.join(FIXTURES, `${s.name}.json`), 'BTC');
      expect(d.value.length, s.name).toBeGreaterThan(50);
      for (let i = 1; i < d.published.length; i++) expect(d.published[i]!).toBeGreaterThanOrEqual(d.published[i - 1]!);
    }
  });

  it('a fixture that is not one is refused at its file', () => {
    const bad = path.join(tmp, 'fear_greed.json');
    writeFileSync(bad, '{"source":"fear_greed","recordings":[{"market":"","fetchedAt":1,"url":"","body":{"data":{}}}]}');
    expect(() => fixtureSeries(bad, 'BTC')).toThrow(/fear_greed, recording 0: expected an array at data, found object/);
  });

  it('cached values live in the journal file and win over fixtures in the next process\u2019s run', () => {
    const file = path.join(tmp, 'journal.db');
    const j = Journal.open(file);
    new SignalCache(j.db).put('fear_greed', '', [{ time: Date.UTC(2018, 0, 1), published: Date.UTC(2018, 0, 1), value: 7 }], 1);
    j.close();
    const again = Journal.open(file);
    try {
      const set = loadRunSignals({ symbol: 'BTC/USD', cache: new SignalCache(again.db), fixtures: FIXTURES });
      expect([...set.fear_greed!.value]).toEqual([7]);
      expect(set.fear_greed!.source).toBe('journal cache');
      expect(set.defi_tvl!.source).toContain('defi_tvl.json');
    } finally {
      again.close();
    }
  });

  it('blends technical 0.6 / outside 0.4 by default; outside alone counts for nothing without values', () => {
    const values = SIGNAL_NAMES.map(() => Number.NaN);
    values[SIGNAL_NAMES.indexOf('fear_greed')] = 10; // extreme fear: +0.8 contrarian
    expect(outsideScore(values)).toBeCloseTo(0.8, 10);
    expect(blendScores(0.5, 0.8)).toBeCloseTo(0.6 * 0.5 + 0.4 * 0.8, 10);
    expect(blendScores(0.5, 0.8, { technical: 1, outside: 1 })).toBeCloseTo(0.65, 10);
    expect(blendScores(0.5, Number.NaN)).toBe(0.5);
  });
});

describe('in the strategy sandbox', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-signals-run-'));
  const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 128, spares: 0 });
  afterAll(async () => {
    await runner.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('ctx.signals reaches strategy code in its own process, the same as in process', async () => {
    const series: CandleSeries = synthesize({ seed: 5, bars: 24 * 60, timeframe: '1h', start: Date.UTC(2018, 0, 1) });
    const signals = loadRunSignals({ symbol: 'BTC/USD', fixtures: FIXTURES });
    const file = path.join(tmp, 'greedy.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'greedy',
  onBar(ctx) {
    const fg = ctx.signals.fear_greed;
    if (ctx.position.side === 0 && fg < 30) ctx.buy({ confidence: 0.6, reason: 'fear ' + fg + ' tvl ' + ctx.signals.defi_tvl.toFixed(3) });
    else if (ctx.position.side === 1 && fg > 60) ctx.exit({ reason: 'greed ' + fg });
  },
});
`);
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series, options: { signals }, lookahead: true });
    expect(outcome.status).toBe('done');
    if (outcome.status !== 'done') return;
    const { loadStrategyFile } = await import('../strategy/index.js');
    const inProcess = runBacktest(await loadStrategyFile(file), series, { signals });
    expect(outcome.report.trades.length).toBeGreaterThan(0);
    expect(JSON.stringify(outcome.report)).toBe(JSON.stringify(inProcess));
    expect(outcome.lookahead?.firstDifference).toBeUndefined();
  });
});
