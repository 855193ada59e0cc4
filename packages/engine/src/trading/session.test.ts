/**
 * Market sessions against the loopback Binance (tests/trading/exchange-server.ts) through the real
 * ccxt client: accelerated replays of long sessions, fills from the book, the journal as it
 * happens, resume after a crash, and the capital protection acting live.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { defineStrategy } from '../strategy/index.js';
import { runSessionBacktest } from '../backtest/index.js';
import { CcxtFeed, LocalSeat, MarketSession, lineUp, SessionStore, requestStop, sessionClient, type SessionEvent, type SessionSettings } from './index.js';

const MINUTE = 60_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let server: ExchangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Crosses of two moving averages, with a stop and a target: trades every few dozen bars. */
const crossing = defineStrategy({
  name: 'crossing',
  params: { fast: 5, slow: 20 },
  risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (ctx.position.side === 0 && fast.value > slow.value) ctx.buy({ reason: 'fast above slow', confidence: 0.7 });
    else if (ctx.position.side === 1 && fast.value < slow.value) ctx.exit({ reason: 'fast below slow' });
  },
});

const market = synthesize({ seed: 11, bars: 3000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 2, 1) });

function settings(over: Partial<SessionSettings> = {}): SessionSettings {
  return { strategyPath: 'crossing.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 20_000, warmupBars: 50, hours: 12, params: {}, feeRate: 0.001, protection: {}, ...over };
}

async function session(journalPath: string, opts: { store?: SessionStore; hours?: number; onEvent?: (e: SessionEvent) => void; protection?: object; stopFlag?: { why: string | null } } = {}) {
  // The loopback server allows any pace; an accelerated clock needs the session to keep up.
  const client = await sessionClient({ exchange: 'binance', apiUrl: server!.url, rateLimitMs: 1 });
  const feed = new CcxtFeed(client, 'BTC/USDT', '1m');
  const hours = opts.hours ?? 12;
  const store = opts.store ?? SessionStore.create(journalPath, 'paper', settings({ hours }), { strategyName: 'crossing', symbol: 'BTC/USDT', timeframe: '1m', dataSource: 'binance' }, server!.now() + hours * 3_600_000);
  const s = new MarketSession({
    store,
    feed,
    strategy: new LocalSeat({ definition: crossing }, { symbol: 'BTC/USDT', timeframe: '1m', source: 'binance' }),
    lookEveryMs: 10,
    protection: { maxClockSkewMs: Infinity, ...opts.protection },
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.stopFlag ? { stopFlag: opts.stopFlag } : {}),
  });
  return { s, store };
}

describe('a paper session', () => {
  it('runs 12 hours of 1m bars as an accelerated replay: every bar once, in order, trades journaled with outcomes, lined up with the backtest of the same bars trade by trade', async () => {
    // 12 hours at 3000× real time: about 14 s.
    server = await startExchangeServer({ market, startBar: 100, speed: 3000 });
    const file = path.join(tmp, 'twelve.db');
    const events: SessionEvent[] = [];
    // No losing-streak pause here: the backtest has none, and the two are compared trade by trade.
    const { s, store } = await session(file, { onEvent: (e) => events.push(e), protection: { maxConsecutiveLosses: Infinity } });
    const endsAt = store.session.endsAt!;
    expect(await s.run()).toBe('finished');
    store.close();

    // Every bar from the end of the warm-up to the session's end, once each, in order.
    const bars = events.filter((e) => e.type === 'bar');
    const times = bars.map((e) => (e as { time: number }).time);
    expect(times.length).toBeGreaterThan(650);
    for (let k = 1; k < times.length; k++) if (times[k]! - times[k - 1]! !== MINUTE) expect({ k, step: times[k]! - times[k - 1]! }).toEqual({ k, step: MINUTE });
    expect(times.at(-1)! + MINUTE).toBeLessThanOrEqual(endsAt);
    expect(times.at(-1)! + 2 * MINUTE).toBeGreaterThan(endsAt);

    const journal = Journal.open(file);
    const sessionRow = journal.db.prepare(`SELECT * FROM sessions`).get() as Record<string, unknown>;
    expect(sessionRow['status']).toBe('finished');
    const recorded = journal.db.prepare(`SELECT time FROM session_bars ORDER BY bar`).pluck().all() as number[];
    expect(recorded.length).toBe(50 + bars.length);
    expect(recorded[50]).toBe(recorded[49]! + MINUTE);
    const outcomes = journal.db.prepare(`SELECT o.outcome, t.exit_reason, t.pnl FROM outcomes o JOIN trades t ON t.id = o.trade_id`).all() as { outcome: string; exit_reason: string; pnl: number }[];
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.length).toBe(s.trades.length);
    for (const o of outcomes) expect(o.outcome).toBe(o.exit_reason === 'stop' ? 'STOPPED' : o.pnl > 0 ? 'CORRECT' : 'FALSE_POSITIVE');
    expect(new Set(outcomes.map((o) => o.outcome))).toContain('STOPPED');
    journal.close();

    // The same bars through the backtester: the same trades, entered and left on the same bars.
    const first = market.time.indexOf(recorded[0]!);
    const slice = { ...market, length: recorded.length, time: market.time.subarray(first, first + recorded.length), open: market.open.subarray(first, first + recorded.length), high: market.high.subarray(first, first + recorded.length), low: market.low.subarray(first, first + recorded.length), close: market.close.subarray(first, first + recorded.length), volume: market.volume.subarray(first, first + recorded.length) };
    // The loopback book quotes one tick (1 bp) either side of the price: the backtest's slippage.
    const report = runSessionBacktest(crossing, slice, 50, { capital: 20_000, slippage: 0.0001 });
    const line = (t: { entryBar: number; exitBar: number; exitReason: string }) => `${t.entryBar}-${t.exitBar} ${t.exitReason}`;
    // Accelerated 3000×, a few ms of the session's own latency are seconds of the market (more on a
    // busy machine): a fill lands later in the bar than the backtest's open fill, its stop and
    // target move with it, and the two part ways now and then — what `volt drift` reports. What
    // latency cannot change: the first entry is decided on the same bar, and the line-up accounts
    // for every trade of each side exactly once.
    expect(line(s.trades[0]!).split('-')[0]).toBe(line(report.trades[0]!).split('-')[0]);
    const sessionTrades = s.trades.map((t) => ({ id: t.id, side: t.side, qty: t.qty, entryBar: t.entryBar, entryTime: t.entryTime, entryPrice: t.entryPrice, exitBar: t.exitBar, exitTime: t.exitTime, exitPrice: t.exitPrice, exitReason: t.exitReason, pnl: t.pnl, reason: t.reason }));
    const drift = lineUp(1, sessionTrades, report.trades, slice, { warmupBars: 50, slippage: 0.0001 });
    expect(drift.lines.flatMap((l) => (l.session ? [l.session.id] : [])).sort((a, b) => a - b)).toEqual(s.trades.map((t) => t.id));
    expect(drift.lines.filter((l) => l.backtest).length).toBe(report.trades.filter((t) => t.exitReason !== 'end').length);
  }, 60_000);

  it('keeps capital safe when the exchange misbehaves: waits out a 429, flattens on errors in a row, a stale feed and clock skew, and trades again once healthy', async () => {
    const live = synthesize({ seed: 3, bars: 400, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 100_000 });
    server = await startExchangeServer({ market: live, speed: 1, startAtNow: true });
    const hold = defineStrategy({ name: 'hold', onBar(ctx) { if (ctx.position.side === 0) ctx.buy({ reason: 'hold' }); } });
    const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1 });
    const store = SessionStore.create(path.join(tmp, 'breaker.db'), 'paper', settings({ timeframe: '1s', warmupBars: 5, hours: 1 }), { strategyName: 'hold' }, server.now() + 3_600_000);
    const stopFlag = { why: null as string | null };
    const events: SessionEvent[] = [];
    const bars = () => events.filter((e) => e.type === 'bar').length;
    const s = new MarketSession({
      store, feed: new CcxtFeed(client, 'BTC/USDT', '1s'), stopFlag, lookEveryMs: 50,
      strategy: new LocalSeat({ definition: hold }, { symbol: 'BTC/USDT', timeframe: '1s', source: 'binance' }),
      protection: { maxExchangeErrors: 3, staleBars: 2, maxClockSkewMs: 3000, onExchangeTrouble: 'flatten' },
      onEvent: (e) => events.push(e),
    });
    const done = s.run();
    const wait = async (f: () => boolean) => { while (!f()) await new Promise((r) => setTimeout(r, 20)); };
    const problems = () => events.filter((e) => e.type === 'exchange').map((e) => (e as { problem: string | null }).problem);
    const closed = () => s.trades.length;
    // Each fault below must find a position to flatten: wait for the re-entry after the last one.
    const held = () => { const last = events.filter((e) => e.type === 'bar').at(-1) as { position: number } | undefined; return (last?.position ?? 0) > 0; };

    await wait(() => bars() >= 2 && s.trades.length === 0);
    // 429 with Retry-After: 2 s: the session asks again only after it.
    server.fail({ status: 429, retryAfter: 2, path: '/api/v3/time' });
    const before = server.requests.length;
    // The first clock request after the fault is the refused one (other requests may come between).
    const clockAsks = () => server!.requests.slice(before).filter((r) => r.path === '/api/v3/time');
    await wait(() => clockAsks().length >= 2);
    const [refused, next] = clockAsks() as [{ at: number }, { at: number }];
    expect(next.at - refused.at).toBeGreaterThanOrEqual(1900);

    // Three 503s in a row trip the breaker: the position is closed, entries wait.
    server.fail({ status: 503, times: 3, path: '/api/v3/time' });
    await wait(() => problems().some((p) => p?.startsWith('3 exchange errors in a row')));
    await wait(() => closed() >= 1);
    expect(s.trades[0]!.exitReason).toBe('signal');
    await wait(() => problems().at(-1) === null);

    // A stale feed: no new closed bar for more than two bars.
    await wait(() => bars() >= 6 && held());
    server.freeze();
    await wait(() => problems().some((p) => p?.startsWith('stale feed')));
    server.freeze(false);
    await wait(() => problems().at(-1) === null);

    // The exchange's clock 10 s off ours.
    await wait(held);
    server.skew(10_000);
    await wait(() => problems().some((p) => p?.startsWith('clock skew')));
    server.skew(0);
    await wait(() => problems().at(-1) === null);

    stopFlag.why = 'kill switch: test';
    expect(await done).toBe('stopped');
    store.close();
    const j = Journal.open(path.join(tmp, 'breaker.db'));
    const times = j.db.prepare(`SELECT time FROM session_bars ORDER BY bar`).pluck().all() as number[];
    for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBe(1000);
    expect(j.db.prepare(`SELECT status, stop_reason FROM sessions`).get()).toEqual({ status: 'stopped', stop_reason: 'kill switch: test' });
    j.close();
    // It traded again after each flatten once the exchange was healthy.
    expect(s.trades.length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('closes a lot on its stop inside the bar, from the ticker, journaled before the bar closes', async () => {
    // Real time on 1s bars: the forming bar's price walks to its low within the second, and the
    // session looks at the ticker every 20 ms while it holds.
    const live = synthesize({ seed: 12, bars: 400, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 100_000 });
    server = await startExchangeServer({ market: live, speed: 1, startAtNow: true, stream: false });
    const tight = defineStrategy({ name: 'tight', risk: { stopLoss: 0.0001 }, onBar(ctx) { if (ctx.position.side === 0) ctx.buy({ reason: 'in' }); } });
    const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1, stream: false });
    const file = path.join(tmp, 'inbar.db');
    const store = SessionStore.create(file, 'paper', settings({ timeframe: '1s', warmupBars: 5, hours: 1 }), { strategyName: 'tight' }, server.now() + 3_600_000);
    const stopFlag = { why: null as string | null };
    const s = new MarketSession({
      store, feed: new CcxtFeed(client, 'BTC/USDT', '1s'), stopFlag, lookEveryMs: 20,
      strategy: new LocalSeat({ definition: tight }, { symbol: 'BTC/USDT', timeframe: '1s', source: 'binance' }),
      protection: { maxClockSkewMs: Infinity, maxConsecutiveLosses: Infinity, dailyLossPct: 1 },
    });
    const done = s.run();
    const inBar = () => s.trades.filter((t) => t.exitReason === 'stop' && t.exitTime % 1000 !== 0);
    const end = Date.now() + 30_000;
    while (inBar().length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    // At once, before the bar it fell in has closed: the trade is closed in the journal, the bar not yet in it.
    const seen = inBar()[0];
    const early = Journal.open(file);
    const closedEarly = seen ? early.db.prepare(`SELECT exit_reason FROM trades WHERE trade_no = ?`).pluck().get(seen.id) : undefined;
    const barTaken = seen ? early.db.prepare(`SELECT count(*) FROM session_bars WHERE time = ?`).pluck().get(Math.floor(seen.exitTime / 1000) * 1000) : undefined;
    early.close();
    stopFlag.why = 'kill switch: test';
    await done;
    store.close();
    const t = inBar()[0]!;
    expect(t, 'a stop taken inside a bar').toBeDefined();
    // The ticker's look that closed it, in the journal at its own time, and the trade closed then.
    const j = Journal.open(file);
    const look = j.db.prepare(`SELECT kind, time, low FROM session_fills WHERE kind = 'watch' AND time = ?`).get(t.exitTime) as { kind: string; time: number; low: number } | undefined;
    const row = j.db.prepare(`SELECT exit_time, exit_reason FROM trades WHERE trade_no = ?`).get(t.id);
    const outcome = j.db.prepare(`SELECT o.outcome FROM outcomes o JOIN trades t ON t.id = o.trade_id WHERE t.trade_no = ?`).pluck().get(t.id);
    j.close();
    expect(look).toBeDefined();
    expect(look!.low).toBeLessThanOrEqual(t.stopPrice!);
    expect(row).toEqual({ exit_time: t.exitTime, exit_reason: 'stop' });
    expect(outcome).toBe('STOPPED');
    expect(closedEarly).toBe('stop');
    expect(barTaken).toBe(0);
  }, 60_000);

  it("puts every entry before the agents' panel and its risk gate, in this process, and journals the votes bar by bar", async () => {
    server = await startExchangeServer({ market, startBar: 100, speed: 3000 });
    const file = path.join(tmp, 'agents.db');
    const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1 });
    const store = SessionStore.create(file, 'paper', settings({ hours: 2, agents: 'rules' }), { strategyName: 'crossing', agentsMode: 'rules' }, server.now() + 2 * 3_600_000);
    const s = new MarketSession({
      store, feed: new CcxtFeed(client, 'BTC/USDT', '1m'), lookEveryMs: 10, agents: {},
      strategy: new LocalSeat({ definition: crossing }, { symbol: 'BTC/USDT', timeframe: '1m', source: 'binance' }),
      protection: { maxClockSkewMs: Infinity },
    });
    expect(await s.run()).toBe('finished');
    store.close();
    const j = Journal.open(file);
    const reviewed = j.db.prepare(`SELECT status, agent_results, consensus_decision FROM decisions WHERE agent_results IS NOT NULL`).all() as { status: string; agent_results: string; consensus_decision: string }[];
    const entries = j.db.prepare(`SELECT count(*) FROM decisions WHERE action = 'buy'`).pluck().get() as number;
    j.close();
    expect(reviewed.length).toBeGreaterThan(3);
    // Every buy the strategy asked for was reviewed: none reached the stepper unvoted.
    expect(reviewed.length).toBe(entries);
    expect(Object.keys(JSON.parse(reviewed[0]!.agent_results) as object).length).toBeGreaterThanOrEqual(5);
    expect(s.trades.length).toBeGreaterThan(0);
  }, 60_000);
});

