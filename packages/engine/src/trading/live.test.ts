/**
 * `volt live`'s orders (VenueOrders) against the loopback Binance's signed order endpoints through
 * the real ccxt client: a partial fill followed and its rest cancelled, and a session killed
 * between a bar's commit and its order, or while an order was being followed, resumed without the
 * venue's position drifting from the ledger's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { defineStrategy } from '../strategy/index.js';
import { CcxtFeed, LocalSeat, MarketSession, SessionStore, VenueOrders, sessionClient, type PositionMirror, type SessionSettings } from './index.js';

const KEY = 'test-key-live';
const SECRET = 'test-secret-live';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let server: ExchangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function settings(over: Partial<SessionSettings> = {}): SessionSettings {
  return { strategyPath: 'hold.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1s', capital: 20_000, warmupBars: 5, hours: 1, params: {}, feeRate: 0.001, protection: {}, ...over };
}

async function liveServer(levelSize?: number) {
  const market = synthesize({ seed: 4, bars: 600, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 200_000 });
  server = await startExchangeServer({ market, speed: 1, startAtNow: true, stream: false, apiKey: KEY, secret: SECRET, ...(levelSize !== undefined ? { levelSize } : {}) });
  return sessionClient({ exchange: 'binance', apiUrl: server.url, sandbox: true, credentials: { apiKey: KEY, secret: SECRET }, rateLimitMs: 1, stream: false });
}

const until = async (f: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function orderRows(file: string) {
  const j = Journal.open(file);
  try {
    return j.db.prepare(`SELECT order_id, side, amount, filled, status, reason FROM session_orders ORDER BY time`).all() as { order_id: string; side: string; amount: number; filled: number; status: string; reason: string }[];
  } finally {
    j.close();
  }
}

describe('orders on the venue (volt live)', () => {
  it('follows a partial fill and cancels what is still open after the wait: the fill is kept and journaled', async () => {
    // 20 levels of 0.001: a market order for 0.05 fills 0.02 and stays open (PARTIALLY_FILLED).
    const client = await liveServer(0.001);
    const file = path.join(tmp, 'partial.db');
    const store = SessionStore.create(file, 'testnet', settings(), { strategyName: 'hold' }, null);
    const venue = new VenueOrders(client, 'BTC/USDT', store, 300, 50);
    await venue.follow(0.05, 7, Date.now(), 'entry');
    store.close();
    expect(venue.held).toBeCloseTo(0.02, 9);
    const [row] = orderRows(file);
    expect(row).toMatchObject({ side: 'buy', amount: 0.05, status: 'canceled', reason: 'entry' });
    expect(row!.filled).toBeCloseTo(0.02, 9);
    const asked = server!.requests.filter((r) => r.path === '/api/v3/order');
    expect(asked.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(2);
    expect(asked.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(asked.every((r) => r.signed)).toBe(true);
    expect(server!.orders[0]!.status).toBe('CANCELED');
  }, 30_000);

  it('journals an order as soon as the venue takes it: a process killed while following it resumes knowing what it holds', async () => {
    const client = await liveServer(0.001);
    const file = path.join(tmp, 'following.db');
    const store = SessionStore.create(file, 'testnet', settings(), { strategyName: 'hold' }, null);
    // The first process follows its order for a minute; it "dies" while doing so.
    const first = new VenueOrders(client, 'BTC/USDT', store, 60_000, 50);
    const following = first.follow(0.05, 7, Date.now(), 'entry').catch(() => undefined);
    await until(() => orderRows(file).length === 1);
    expect(orderRows(file)[0]!.status).toBe('open');
    // The resumed one follows the journaled order to its end (cancelled here) and holds its fill.
    const resumed = new VenueOrders(client, 'BTC/USDT', store, 200, 50);
    await resumed.recover();
    expect(resumed.held).toBeCloseTo(0.02, 9);
    expect(orderRows(file)[0]).toMatchObject({ status: 'canceled' });
    await following;
    store.close();
    // Nothing placed twice.
    expect(server!.orders).toHaveLength(1);
  }, 30_000);

  it('a session killed between a bar and its order places that order when resumed: the venue ends flat with the ledger', async () => {
    const client = await liveServer();
    const file = path.join(tmp, 'resume.db');
    const hold = defineStrategy({ name: 'hold', onBar(ctx) { if (ctx.position.side === 0) ctx.buy({ reason: 'hold' }); } });
    const seat = () => new LocalSeat({ definition: hold }, { symbol: 'BTC/USDT', timeframe: '1s', source: 'binance' });
    const store = SessionStore.create(file, 'testnet', settings(), { strategyName: 'hold' }, server!.now() + 6000);
    // The first process commits the bar that bought, then dies before its order reaches the venue.
    let reached!: () => void;
    const atOrder = new Promise<void>((r) => (reached = r));
    const dies: PositionMirror = { held: 0, follow: () => { reached(); return new Promise<void>(() => {}); } };
    const first = new MarketSession({ store, feed: new CcxtFeed(client, 'BTC/USDT', '1s'), strategy: seat(), venue: dies, lookEveryMs: 50, protection: { maxClockSkewMs: Infinity } });
    void first.run();
    await atOrder;
    store.close();
    expect(server!.orders).toHaveLength(0);

    const again = SessionStore.resume(file, store.session.id);
    const resumed = new MarketSession({ store: again, feed: new CcxtFeed(client, 'BTC/USDT', '1s'), strategy: seat(), venue: new VenueOrders(client, 'BTC/USDT', again), lookEveryMs: 50, protection: { maxClockSkewMs: Infinity } });
    expect(await resumed.run()).toBe('finished');
    again.close();
    const orders = server!.orders;
    expect(orders.map((o) => o.side)).toEqual(['BUY', 'SELL']);
    expect(orderRows(file)[0]!.reason).toBe('resume: the venue brought to the ledger');
    const net = orders.reduce((sum, o) => sum + (o.side === 'BUY' ? 1 : -1) * o.executedQty, 0);
    expect(Math.abs(net)).toBeLessThan(1e-9);
  }, 30_000);
});
