/**
 * Outside signals in a market session: the loopback Binance (accelerated) through the real ccxt
 * client, and a loopback alternative.me answering /fng/ in its real shape to the real fetcher, with
 * only the days its clock (the exchange's) has reached: values arrive by live polling, as they would.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { defineStrategy } from '../strategy/index.js';
import { LiveSignals, SignalCache, loadRunSignals } from '../signals/index.js';
import { CcxtFeed, LocalSeat, MarketSession, SessionStore, sessionClient, type SessionEvent, type SessionSettings, type StrategyPort } from './index.js';
import type { Trade } from '../backtest/index.js';
import { StrategyRunner } from '../runner/index.js';
import { transpileStrategy } from '../strategy/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-session-signals-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let exchange: ExchangeServer | undefined;
let fng: Server | undefined;
afterEach(async () => {
  await exchange?.close();
  exchange = undefined;
  await new Promise<void>((r) => (fng ? fng.close(() => r()) : r()));
  fng = undefined;
});

/** The index of a day: fear on even days (20), greed on odd ones (60). */
const indexOn = (day: number) => (Math.floor(day / DAY) % 2 === 0 ? 20 : 60);

/** alternative.me's answer, newest first, holding only the days `clock()` has reached; `failing()` answers 503. */
async function fearGreedServer(clock: () => number, failing: () => boolean = () => false): Promise<{ url: string; asked: () => number }> {
  let asked = 0;
  fng = createServer((req, res) => {
    asked++;
    if (failing() || !req.url?.startsWith('/fng/')) {
      res.writeHead(failing() ? 503 : 404).end('unavailable');
      return;
    }
    const data = [];
    for (let d = Math.floor(clock() / DAY) * DAY; d >= Date.UTC(2024, 1, 1); d -= DAY) {
      const v = indexOn(d);
      data.push({ value: String(v), value_classification: v < 25 ? 'Extreme Fear' : 'Greed', timestamp: String(d / 1000) });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Fear and Greed Index', data, metadata: { error: null } }));
  });
  await new Promise<void>((r) => fng!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(fng.address() as AddressInfo).port}`, asked: () => asked };
}

/** Buys in fear (index under 30), leaves when it is gone; notes what it read at every bar. */
function contrarian(seen: { time: number; fg: number }[]) {
  return defineStrategy({
    name: 'contrarian',
    onBar(ctx) {
      const fg = ctx.signals.fear_greed;
      seen.push({ time: ctx.bar.time, fg });
      if (ctx.position.side === 0 && fg < 30) ctx.buy({ reason: `fear & greed ${fg}` });
      else if (ctx.position.side === 1 && !(fg < 30)) ctx.exit({ reason: `fear & greed ${fg}` });
    },
  });
}

// Hourly bars from a midnight; the session starts at bar 100 (04:00 of day 5) and runs 50 hours.
const market = synthesize({ seed: 5, bars: 400, timeframe: '1h', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 2, 1) });
const settings = (over: Partial<SessionSettings> = {}): SessionSettings => ({ strategyPath: 'contrarian.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', capital: 20_000, warmupBars: 20, hours: 50, params: {}, feeRate: 0.001, protection: {}, ...over });
// Loose limits: this test is about what the strategy reads, not the guard.
const protection = { maxClockSkewMs: Infinity, maxConsecutiveLosses: Infinity, dailyLossPct: Infinity, maxDrawdownPct: Infinity };

async function run(file: string, signals: (store: SessionStore) => LiveSignals, seen: { time: number; fg: number }[], events: SessionEvent[], strategy?: StrategyPort, watch?: (e: SessionEvent) => void) {
  const client = await sessionClient({ exchange: 'binance', apiUrl: exchange!.url, rateLimitMs: 1 });
  const store = SessionStore.create(file, 'paper', settings(), { strategyName: 'contrarian', symbol: 'BTC/USDT', timeframe: '1h', dataSource: 'binance' }, exchange!.now() + 50 * HOUR);
  const s = new MarketSession({
    store, feed: new CcxtFeed(client, 'BTC/USDT', '1h'), lookEveryMs: 10, protection, signals: signals(store),
    strategy: strategy ?? new LocalSeat({ definition: contrarian(seen) }, { symbol: 'BTC/USDT', timeframe: '1h', source: 'binance' }),
    onEvent: (e) => {
      events.push(e);
      watch?.(e);
    },
  });
  return { s, store, status: await s.run() };
}

/** The index a bar opening at `open` may read: that of the day started strictly before its close. */
const expected = (open: number) => indexOn(Math.floor((open + HOUR - 1) / DAY) * DAY);

/** The session traded exactly on the index: in at the close of the first bar reading fear while flat, out at the first that does not. */
function expectTradesOnTheIndex(events: SessionEvent[], trades: readonly Trade[]): void {
  const live = events.filter((e) => e.type === 'bar').map((e) => (e as { time: number }).time);
  const wanted: { entry: number; exit: number }[] = [];
  let entry = NaN;
  for (const t of live) {
    const fear = expected(t) < 30;
    if (entry !== entry && fear) entry = t + HOUR;
    else if (entry === entry && !fear) {
      wanted.push({ entry, exit: t + HOUR });
      entry = NaN;
    }
  }
  expect(wanted.length).toBeGreaterThanOrEqual(1);
  // A position still open at the end is closed by the session's end, not by the index.
  expect(trades.length).toBe(wanted.length + (entry === entry ? 1 : 0));
  expect(trades.slice(0, wanted.length).map((t) => ({ entry: t.entryTime, exit: t.exitTime }))).toEqual(wanted);
  if (entry === entry) expect(trades.at(-1)!.entryTime).toBe(entry);
}

describe('outside signals in a paper session', () => {
  it('ctx.signals.fear_greed at each bar is the value published strictly before its close, polled live; the strategy trades exactly on it', async () => {
    // An hour of the market in 100 ms.
    exchange = await startExchangeServer({ market, startBar: 100, speed: 36_000 });
    const source = await fearGreedServer(() => exchange!.now());
    const file = path.join(tmp, 'live.db');
    const seen: { time: number; fg: number }[] = [];
    const events: SessionEvent[] = [];
    const started = exchange.now();
    const { s, store, status } = await run(file, (st) => new LiveSignals({ symbol: 'BTC/USDT', names: ['fear_greed'], env: { VOLT_FEAR_GREED_URL: source.url }, cache: new SignalCache(st.journal.db) }), seen, events);
    expect(status).toBe('finished');

    // Every bar (warm-up too) read the index of the day that started strictly before its close: the
    // bar closing at midnight still reads the day before, the one closing at 01:00 the new day.
    expect(seen.length).toBeGreaterThan(60);
    for (const b of seen) if (b.fg !== expected(b.time)) expect({ bar: new Date(b.time).toISOString(), fg: b.fg }).toEqual({ bar: new Date(b.time).toISOString(), fg: expected(b.time) });
    const atMidnight = seen.filter((b) => (b.time + HOUR) % DAY === 0 && b.time > started);
    expect(atMidnight.length).toBeGreaterThanOrEqual(2);
    for (const b of atMidnight) expect(b.fg).toBe(indexOn(b.time + HOUR - DAY));

    expectTradesOnTheIndex(events, s.trades);

    // Live answers are in the journal's cache, as `volt signals fetch` keeps them: the days the
    // session reached too, which the server had not published at its start.
    store.close();
    const j = Journal.open(file);
    const days = new SignalCache(j.db).points('fear_greed', '').map((p) => p.time);
    j.close();
    expect(days.at(-1)).toBeGreaterThan(started + DAY);
    expect(source.asked()).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => e.type === 'signal-source')).toBe(false);
  }, 60_000);

  it('a source that fails is an event, the session goes on on the values it has (the journal cache), and takes the new ones once it answers', async () => {
    exchange = await startExchangeServer({ market, startBar: 100, speed: 36_000 });
    const started = exchange.now();
    // Down from the start (04:00 of day 5) until the session has taken the bar closing at 06:00 of
    // day 6: the midnight between passes with the source down, whatever the session's pace.
    const startDay = Math.floor(started / DAY) * DAY;
    const recoverAt = startDay + DAY + 6 * HOUR;
    let down = true;
    const source = await fearGreedServer(() => exchange!.now(), () => down);
    const file = path.join(tmp, 'failing.db');
    const seen: { time: number; fg: number }[] = [];
    const events: SessionEvent[] = [];
    const { status, store } = await run(
      file,
      (st) => {
        // What an earlier `volt signals fetch` left: the days up to the session's start.
        const cache = new SignalCache(st.journal.db);
        const cached = [];
        for (let d = Date.UTC(2024, 2, 1); d <= started; d += DAY) cached.push({ time: d, published: d, value: indexOn(d) });
        cache.put('fear_greed', '', cached, started);
        // The warm-up's history from the loader `volt backtest` uses.
        return new LiveSignals({ symbol: 'BTC/USDT', names: ['fear_greed'], env: { VOLT_FEAR_GREED_URL: source.url }, cache, initial: loadRunSignals({ symbol: 'BTC/USDT', cache }) });
      },
      seen,
      events,
      undefined,
      (e) => {
        if (e.type === 'bar' && e.time + HOUR >= recoverAt) down = false;
      },
    );
    store.close();
    expect(status).toBe('finished');
    const problems = events.filter((e) => e.type === 'signal-source') as Extract<SessionEvent, { type: 'signal-source' }>[];
    expect(problems[0]!.problem).toMatch(/fear_greed: .* answered HTTP 503/);
    expect(problems.at(-1)!.problem).toBeNull();
    // One event per change, not one per retry.
    expect(problems.length).toBe(2);
    // Until it answered, the cached day stood (fresh for 3 days); after, each bar read its own day.
    for (const b of seen) expect(Number.isFinite(b.fg)).toBe(true);
    // Asked again within 15 minutes of the market once it answers: a few bars on, every bar reads its day.
    const afterRecovery = seen.filter((b) => b.time >= recoverAt + 6 * HOUR);
    expect(afterRecovery.length).toBeGreaterThan(10);
    for (const b of afterRecovery) expect(b.fg).toBe(indexOn(Math.floor((b.time + HOUR - 1) / DAY) * DAY));
    const beforeRecovery = seen.filter((b) => b.time + HOUR > startDay + DAY && b.time + HOUR <= recoverAt);
    expect(beforeRecovery.length).toBeGreaterThan(0);
    for (const b of beforeRecovery) expect(b.fg).toBe(indexOn(startDay));
  }, 60_000);

  it('the strategy in its sandbox reads ctx.signals as in-process: the same trades on the index', async () => {
    exchange = await startExchangeServer({ market, startBar: 100, speed: 36_000 });
    const source = await fearGreedServer(() => exchange!.now());
    const file = path.join(tmp, 'sandbox.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'contrarian',
  onBar(ctx) {
    const fg = ctx.signals.fear_greed;
    if (ctx.position.side === 0 && fg < 30) ctx.buy({ reason: 'fear' });
    else if (ctx.position.side === 1 && !(fg < 30)) ctx.exit({ reason: 'no fear' });
  },
});
`);
    const runner = new StrategyRunner({ timeoutMs: 2000, maxMemoryMb: 128, spares: 0, warmUp: false });
    const seat = await runner.openSeat({ bundle: await transpileStrategy(file), symbol: 'BTC/USDT', timeframe: '1h', source: 'binance' });
    try {
      const events: SessionEvent[] = [];
      const { s, store, status } = await run(path.join(tmp, 'sandbox.db'), () => new LiveSignals({ symbol: 'BTC/USDT', names: ['fear_greed'], env: { VOLT_FEAR_GREED_URL: source.url } }), [], events, seat);
      store.close();
      expect(status).toBe('finished');
      expectTradesOnTheIndex(events, s.trades);
    } finally {
      await seat.close();
      await runner.dispose();
    }
  }, 60_000);

  it("the agents' market context reads the same values at the entry's bar", async () => {
    exchange = await startExchangeServer({ market, startBar: 100, speed: 36_000 });
    const source = await fearGreedServer(() => exchange!.now());
    const file = path.join(tmp, 'agents.db');
    const client = await sessionClient({ exchange: 'binance', apiUrl: exchange.url, rateLimitMs: 1 });
    const store = SessionStore.create(file, 'paper', settings({ agents: 'rules' }), { strategyName: 'contrarian', agentsMode: 'rules' }, exchange.now() + 50 * HOUR);
    const s = new MarketSession({
      store, feed: new CcxtFeed(client, 'BTC/USDT', '1h'), lookEveryMs: 10, protection, agents: {},
      signals: new LiveSignals({ symbol: 'BTC/USDT', names: ['fear_greed'], env: { VOLT_FEAR_GREED_URL: source.url } }),
      strategy: new LocalSeat({ definition: contrarian([]) }, { symbol: 'BTC/USDT', timeframe: '1h', source: 'binance' }),
    });
    expect(await s.run()).toBe('finished');
    store.close();
    const j = Journal.open(file);
    const reviewed = j.db.prepare(`SELECT time, outside_signals FROM decisions WHERE agent_results IS NOT NULL`).all() as { time: number; outside_signals: string }[];
    j.close();
    expect(reviewed.length).toBeGreaterThanOrEqual(1);
    for (const r of reviewed) expect({ time: r.time, fear_greed: (JSON.parse(r.outside_signals) as { fear_greed: number }).fear_greed }).toEqual({ time: r.time, fear_greed: expected(r.time) });
  }, 60_000);
});
