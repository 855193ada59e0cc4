/**
 * Capital protection acting live in a session against the loopback Binance, in real time on 1s
 * bars: the daily loss stop counting unrealized P&L, the kill file, and requests the venue never
 * answers (timeouts) tripping the exchange breaker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { defineStrategy } from '../strategy/index.js';
import { CcxtFeed, LocalSeat, MarketSession, SessionStore, sessionClient, type ProtectionLimits, type SessionEvent, type SessionSettings } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-protection-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let server: ExchangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** In whenever flat: every halt below must be what keeps it out. */
const hold = defineStrategy({ name: 'hold', onBar(ctx) { if (ctx.position.side === 0) ctx.buy({ reason: 'hold' }); } });
/** In one bar, out the next: each round trip loses its fees. */
const flip = defineStrategy({ name: 'flip', onBar(ctx) { if (ctx.position.side === 0) ctx.buy({ reason: 'in' }); else ctx.exit({ reason: 'out' }); } });

async function realTime(name: string, protection: Partial<ProtectionLimits>, opts: { killFile?: string; timeoutMs?: number; strategy?: 'flip' } = {}) {
  const market = synthesize({ seed: 8, bars: 600, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 200_000 });
  server = await startExchangeServer({ market, speed: 1, startAtNow: true, stream: false });
  const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1, stream: false, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  const settings: SessionSettings = { strategyPath: 'hold.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1s', capital: 20_000, warmupBars: 5, hours: 1, params: {}, feeRate: 0.001, protection: {} };
  const file = path.join(tmp, `${name}.db`);
  const store = SessionStore.create(file, 'paper', settings, { strategyName: 'hold' }, server.now() + 3_600_000);
  const events: SessionEvent[] = [];
  const stopFlag = { why: null as string | null };
  const s = new MarketSession({
    store, feed: new CcxtFeed(client, 'BTC/USDT', '1s'), stopFlag, lookEveryMs: 50,
    strategy: new LocalSeat({ definition: opts.strategy === 'flip' ? flip : hold }, { symbol: 'BTC/USDT', timeframe: '1s', source: 'binance' }),
    protection: { maxClockSkewMs: Infinity, ...protection },
    ...(opts.killFile ? { killFile: opts.killFile } : {}),
    onEvent: (e) => events.push(e),
  });
  const done = s.run();
  const until = async (f: () => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const of = <T extends SessionEvent['type']>(type: T) => events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
  return { s, store, file, done, until, of, stopFlag };
}

/** The test's "rest of the day" is the real UTC day (a real-time session): one started in the last minute would see entries resume at midnight. */
async function clearOfMidnight(): Promise<void> {
  const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (toMidnight < 60_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
}

describe('capital protection in a session', () => {
  it('stops the day at the daily loss in money, unrealized P&L counted: the position is closed and no entry goes out for the rest of the UTC day', async () => {
    await clearOfMidnight();
    // The entry's fee and the spread alone (2.5 on a 2,000 position) lose more than 1 of 20,000 once marked.
    const r = await realTime('daily', { dailyLossMoney: 1, dailyLossPct: 1 });
    await r.until(() => r.of('halt').length > 0);
    const halt = r.of('halt')[0]!;
    expect(halt.kind).toBe('daily-loss');
    expect(halt.why).toMatch(/^daily loss stop: \d+\.\d\d lost today \(limit .* or 1\.00\), no entries until \d{4}-\d\d-\d\dT00:00:00\.000Z$/);
    await r.until(() => r.s.trades.length === 1);
    const barsAtHalt = r.of('bar').length;
    await r.until(() => r.of('bar').length >= barsAtHalt + 4);
    // The strategy asked to buy at every bar since; the guard refused each and held the session flat.
    expect(r.of('fill')).toHaveLength(1);
    expect(r.of('bar').at(-1)!.position).toBe(0);
    r.stopFlag.why = 'kill switch: test';
    expect(await r.done).toBe('stopped');
    r.store.close();
    const j = Journal.open(r.file);
    const refused = j.db.prepare(`SELECT count(*) FROM decisions WHERE ignored LIKE 'REJECTED by capital guard: daily loss stop%'`).pluck().get() as number;
    j.close();
    expect(refused).toBeGreaterThan(0);
  }, 100_000);

  it('ends the session at the max drawdown from its marked peak, the position closed', async () => {
    // 0.01% of 20,000 is 2: the entry's fee and spread pass it once marked.
    const r = await realTime('drawdown', { maxDrawdownPct: 0.0001, maxConsecutiveLosses: Infinity });
    expect(await r.done).toBe('stopped');
    r.store.close();
    expect(r.of('halt')[0]!.kind).toBe('max-drawdown');
    expect(r.of('end')[0]!.reason).toMatch(/^max drawdown: \d+\.\d\d% below the peak \(limit 0\.01%\), session stopped$/);
    expect(r.s.trades).toHaveLength(1);
    const j = Journal.open(r.file);
    expect(j.db.prepare(`SELECT status FROM sessions`).pluck().get()).toBe('stopped');
    expect(j.db.prepare(`SELECT count(*) FROM trades WHERE exit_time IS NULL`).pluck().get()).toBe(0);
    j.close();
  }, 40_000);

  it('pauses entries for --pause-bars after --max-losses losing trades in a row, then trades again', async () => {
    const r = await realTime('streak', { maxConsecutiveLosses: 2, pauseBars: 3 }, { strategy: 'flip' });
    await r.until(() => r.s.trades.length >= 3);
    r.stopFlag.why = 'kill switch: test';
    await r.done;
    r.store.close();
    const j = Journal.open(r.file);
    const refused = j.db.prepare(`SELECT bar, ignored FROM decisions WHERE ignored LIKE 'REJECTED by capital guard: paused%'`).all() as { bar: number; ignored: string }[];
    j.close();
    // Flipping in and out every bar loses the fees each time: two losses, then three bars without an entry.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.ignored).toMatch(/paused after 2 losing trades in a row, until bar \d+/);
    const t = r.s.trades;
    expect(t[0]!.pnl).toBeLessThan(0);
    expect(t[1]!.pnl).toBeLessThan(0);
    expect(t[2]!.entryBar - t[1]!.exitBar).toBeGreaterThanOrEqual(3);
  }, 40_000);

  it('stops on the kill file: the position is closed at the book and the session ends stopped', async () => {
    const kill = path.join(tmp, 'STOP');
    const r = await realTime('killfile', { maxConsecutiveLosses: Infinity }, { killFile: kill });
    await r.until(() => (r.of('bar').at(-1)?.position ?? 0) > 0);
    // Journaled as it happened: the open trade is in the journal, PENDING.
    const during = Journal.open(r.file);
    expect(during.db.prepare(`SELECT o.outcome FROM outcomes o JOIN trades t ON t.id = o.trade_id WHERE t.exit_time IS NULL`).pluck().all()).toEqual(['PENDING']);
    during.close();
    writeFileSync(kill, '');
    expect(await r.done).toBe('stopped');
    r.store.close();
    expect(r.of('end')[0]).toMatchObject({ status: 'stopped', reason: `kill file ${kill}` });
    expect(r.s.trades).toHaveLength(1);
    expect(r.s.trades[0]!.exitReason).toBe('signal');
    const j = Journal.open(r.file);
    expect(j.db.prepare(`SELECT status, stop_reason FROM sessions`).get()).toEqual({ status: 'stopped', stop_reason: `kill file ${kill}` });
    expect(j.db.prepare(`SELECT count(*) FROM trades WHERE exit_time IS NULL`).pluck().get()).toBe(0);
    expect(j.db.prepare(`SELECT outcome FROM outcomes`).pluck().all()).not.toContain('PENDING');
    j.close();
  }, 40_000);

  it('says a lasting problem once, while the figure in it moves: one event when clock skew starts, one when it clears', async () => {
    const r = await realTime('skew', { maxClockSkewMs: 3000, maxConsecutiveLosses: Infinity });
    await r.until(() => r.of('bar').length >= 2);
    server!.skew(10_000);
    await r.until(() => r.of('exchange').length > 0);
    const looks = server!.requests.length;
    // Many looks at the clock while it stays off (each measuring a slightly different skew).
    await r.until(() => server!.requests.filter((q, k) => k >= looks && q.path === '/api/v3/time').length >= 8);
    expect(r.of('exchange').map((e) => e.problem?.replace(/\d+ ms/, 'N ms') ?? null)).toEqual(['clock skew N ms with the exchange (limit 3000 ms)']);
    server!.skew(0);
    await r.until(() => r.of('exchange').length > 1);
    expect(r.of('exchange').at(-1)!.problem).toBeNull();
    r.stopFlag.why = 'kill switch: test';
    expect(await r.done).toBe('stopped');
    r.store.close();
    expect(r.of('exchange')).toHaveLength(2);
  }, 40_000);

  it('counts requests the venue never answers (timeouts) as exchange errors: the breaker flattens, then clears', async () => {
    const r = await realTime('timeouts', { maxExchangeErrors: 3, maxConsecutiveLosses: Infinity }, { timeoutMs: 300 });
    await r.until(() => (r.of('bar').at(-1)?.position ?? 0) > 0);
    server!.fail({ status: 'hang', times: 3, path: '/api/v3/time' });
    await r.until(() => r.of('exchange').length > 0);
    expect(r.of('exchange')[0]!.problem).toMatch(/^3 exchange errors in a row: .*timed out/);
    await r.until(() => r.s.trades.length === 1);
    await r.until(() => r.of('exchange').at(-1)!.problem === null);
    r.stopFlag.why = 'kill switch: test';
    expect(await r.done).toBe('stopped');
    r.store.close();
  }, 40_000);
});
