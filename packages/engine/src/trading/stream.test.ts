/**
 * Candles from the venue's kline stream (ccxt pro's watchOHLCV) against the loopback Binance's
 * WebSocket stream, in real time on 1s bars: the same bars as polling, a dropped socket filled in
 * by REST with nothing doubled, and polling when the venue does not stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { CcxtFeed, LocalSeat, MarketSession, SessionStore, sessionClient, type SessionEvent, type SessionSettings } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let server: ExchangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const flip = defineStrategy({
  name: 'flip',
  onBar(ctx) {
    if (ctx.position.side === 0) ctx.buy({ reason: 'in' });
    else if (ctx.position.barsHeld >= 2) ctx.exit({ reason: 'out' });
  },
});

function settings(over: Partial<SessionSettings> = {}): SessionSettings {
  return { strategyPath: 'flip.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1s', capital: 20_000, warmupBars: 5, hours: 1, params: {}, feeRate: 0.001, protection: {}, ...over };
}

async function realTime(name: string, opts: { stream?: boolean; poll?: boolean } = {}) {
  const market = synthesize({ seed: 5, bars: 600, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 200_000 });
  server = await startExchangeServer({ market, speed: 1, startAtNow: true, ...(opts.stream === false ? { stream: false } : {}) });
  const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1 });
  const states: string[] = [];
  const feed = new CcxtFeed(client, 'BTC/USDT', '1s', { ...(opts.poll ? { stream: false } : {}), onStream: (s) => states.push(s) });
  const store = SessionStore.create(path.join(tmp, `${name}.db`), 'paper', settings(), { strategyName: 'flip' }, server.now() + 3_600_000);
  const events: SessionEvent[] = [];
  const stopFlag = { why: null as string | null };
  const s = new MarketSession({
    store, feed, stopFlag, lookEveryMs: 250,
    strategy: new LocalSeat({ definition: flip }, { symbol: 'BTC/USDT', timeframe: '1s', source: 'binance' }),
    protection: { maxClockSkewMs: Infinity, maxConsecutiveLosses: Infinity },
    onEvent: (e) => events.push(e),
  });
  const bars = () => events.filter((e): e is Extract<SessionEvent, { type: 'bar' }> => e.type === 'bar');
  const until = async (f: () => boolean) => { while (!f()) await new Promise((r) => setTimeout(r, 20)); };
  const klineRequests = () => server!.requests.filter((r) => r.path === '/api/v3/klines').length;
  /** Every bar once, in order, exactly as the market has it. */
  const checkBars = () => {
    const b = bars();
    for (let k = 1; k < b.length; k++) expect(b[k]!.time - b[k - 1]!.time).toBe(1000);
    for (const e of b) {
      const i = Math.round((e.time - market.time[0]!) / 1000);
      expect(e.close).toBeCloseTo(market.close[i]!, 6);
    }
  };
  return { s, store, feed, bars, until, klineRequests, checkBars, states, stopFlag, events };
}

describe('a session on the kline stream', () => {
  it('takes 1s bars from watchOHLCV as they close: every bar once and as the market has it, REST asked for candles only for the warm-up', async () => {
    const t = await realTime('stream');
    const done = t.s.run();
    await t.until(() => t.bars().length >= 8);
    t.stopFlag.why = 'enough';
    await done;
    t.store.close();
    expect(t.feed.mode).toBe('stream');
    expect(server!.socketsOpened()).toBe(1);
    t.checkBars();
    // The warm-up and the bars before the first streamed one: a couple of REST pages, not one a bar.
    expect(t.klineRequests()).toBeLessThanOrEqual(3);
    expect(t.s.trades.length).toBeGreaterThan(0);
  }, 30_000);

  it('polls every bar with --poll (the stream off), the same bars', async () => {
    const t = await realTime('poll', { poll: true });
    const done = t.s.run();
    await t.until(() => t.bars().length >= 5);
    t.stopFlag.why = 'enough';
    await done;
    t.store.close();
    expect(t.feed.mode).toBe('poll');
    expect(server!.socketsOpened()).toBe(0);
    t.checkBars();
    expect(t.klineRequests()).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('reconnects after a dropped socket and fetches the bars it missed by REST: nothing lost, nothing doubled', async () => {
    const t = await realTime('drop');
    const done = t.s.run();
    await t.until(() => t.bars().length >= 3);
    const before = t.klineRequests();
    server!.dropSockets();
    // Down long enough for bars to close unseen by the stream.
    await new Promise((r) => setTimeout(r, 2500));
    await t.until(() => t.bars().length >= 10);
    t.stopFlag.why = 'enough';
    await done;
    t.store.close();
    expect(t.states).toContain('down');
    expect(server!.socketsOpened()).toBeGreaterThanOrEqual(2);
    expect(t.klineRequests()).toBeGreaterThan(before);
    expect(t.feed.mode).toBe('stream');
    t.checkBars();
  }, 40_000);

  it('polls when the venue does not stream: the socket is refused, the feed says so and the session goes on by REST', async () => {
    const t = await realTime('nostream', { stream: false });
    const done = t.s.run();
    await t.until(() => t.states.includes('polling') && t.bars().length >= 4);
    const before = t.bars().length;
    await t.until(() => t.bars().length >= before + 2);
    t.stopFlag.why = 'enough';
    await done;
    t.store.close();
    expect(t.feed.mode).toBe('poll');
    t.checkBars();
  }, 40_000);
});
