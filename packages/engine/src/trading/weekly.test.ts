/**
 * The weekly report on a paper session's clock: an accelerated loopback Binance (through the real
 * ccxt client) runs a session across a week's end; the session writes that week's note to the
 * vault and POSTs its summary to a loopback webhook receiver, with the trades that closed in it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeServer, type ExchangeServer } from './testing/exchange-server.js';
import { synthesize } from '../data/index.js';
import { Journal } from '../journal/index.js';
import { defineStrategy } from '../strategy/index.js';
import { isoWeekOf } from '../vault/index.js';
import { CcxtFeed, LocalSeat, MarketSession, SessionStore, sessionClient, type SessionEvent, type WeeklySchedule } from './index.js';

const HOUR = 3_600_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-weekly-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let exchange: ExchangeServer | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await exchange?.close();
  exchange = undefined;
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

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

// 1m bars from Sunday 3 March 2024 20:00 UTC; the clock starts at bar 100 (21:40), so ISO week
// 2024-W09 ends (Monday 00:00) 2h20 into the session.
const SUNDAY_EVENING = Date.UTC(2024, 2, 3, 20, 0);
const MONDAY = Date.UTC(2024, 2, 4);
const market = synthesize({ seed: 11, bars: 600, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: SUNDAY_EVENING });

/** A webhook receiver on loopback: every POST's body, parsed. */
async function webhook(): Promise<{ url: string; posts: Record<string, unknown>[] }> {
  const posts: Record<string, unknown>[] = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push({ method: req.method, contentType: req.headers['content-type'], ...(JSON.parse(body) as object) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(receiver!.address() as AddressInfo).port}/volt`, posts };
}

async function runSession(file: string, hours: number, weekly: WeeklySchedule): Promise<SessionEvent[]> {
  // 3000× real time: an hour of the market in 1.2 s.
  exchange = await startExchangeServer({ market, startBar: 100, speed: 3000 });
  const client = await sessionClient({ exchange: 'binance', apiUrl: exchange.url, rateLimitMs: 1 });
  const store = SessionStore.create(
    file,
    'paper',
    { strategyPath: 'crossing.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 20_000, warmupBars: 50, hours, params: {}, feeRate: 0.001, protection: {} },
    { strategyName: 'crossing', symbol: 'BTC/USDT', timeframe: '1m', dataSource: 'binance' },
    exchange.now() + hours * HOUR,
  );
  const events: SessionEvent[] = [];
  const session = new MarketSession({
    store,
    feed: new CcxtFeed(client, 'BTC/USDT', '1m'),
    strategy: new LocalSeat({ definition: crossing }, { symbol: 'BTC/USDT', timeframe: '1m', source: 'binance' }),
    lookEveryMs: 10,
    protection: { maxClockSkewMs: Infinity, maxConsecutiveLosses: Infinity },
    onEvent: (e) => events.push(e),
    weekly,
  });
  expect(await session.run()).toBe('finished');
  store.close();
  return events;
}

/** Closed trades of the journal's session, by the week they closed in. */
function tradesClosed(file: string, from: number, to: number): { n: number; pnl: number } {
  const journal = Journal.openExisting(file);
  try {
    return journal.db.prepare(`SELECT count(*) AS n, coalesce(sum(pnl), 0) AS pnl FROM trades WHERE exit_time >= ? AND exit_time < ?`).get(from, to) as { n: number; pnl: number };
  } finally {
    journal.close();
  }
}

describe('the weekly report while a paper session runs', () => {
  it('writes the week\u2019s note and POSTs its summary once, when the week ends on the exchange\u2019s clock, with the trades that closed in it', async () => {
    const vault = path.join(tmp, 'vault-boundary');
    const file = path.join(tmp, 'boundary.db');
    const hook = await webhook();
    const week = isoWeekOf(SUNDAY_EVENING);
    expect(week.label).toBe('2024-W09');
    expect(week.end).toBe(MONDAY);

    const events = await runSession(file, 3, { vault, webhook: hook.url });
    const reports = events.filter((e) => e.type === 'report');
    expect(reports).toHaveLength(1);
    const closed = tradesClosed(file, week.start, week.end);
    expect(closed.n).toBeGreaterThan(0);
    expect(reports[0]).toMatchObject({ week: '2024-W09', reason: 'week-ended', trades: closed.n, problem: null });
    // Written once the week's last bar (23:59) was taken, and while the session went on into Monday.
    const at = events.indexOf(reports[0]!);
    const barTimes = (list: SessionEvent[]) => list.filter((e) => e.type === 'bar').map((e) => (e as { time: number }).time);
    expect(barTimes(events.slice(0, at))).toContain(MONDAY - 60_000);
    expect(barTimes(events.slice(at)).length).toBeGreaterThan(0);

    const note = path.join(vault, 'Performance', 'Week_2024-W09.md');
    expect((reports[0] as { note: string }).note).toBe(note);
    const text = readFileSync(note, 'utf8');
    expect(text).toMatch(/^---\nweek: 2024-W09\n/);
    expect(text).toContain(`trades: ${closed.n}\n`);
    expect(text).toMatch(/\| \[\[.*crossing.*\]\] \| 1 \| \d+ \|/);
    // The week after has no note: it had not ended when the session did.
    expect(existsSync(path.join(vault, 'Performance', 'Week_2024-W10.md'))).toBe(false);
    // Monday's trades are not in Sunday's week.
    expect(tradesClosed(file, MONDAY, MONDAY + 7 * 24 * HOUR).n).toBeGreaterThan(0);

    expect(hook.posts).toHaveLength(1);
    expect(hook.posts[0]).toMatchObject({ method: 'POST', contentType: 'application/json', type: 'volt.weekly', week: '2024-W09', runs: 1, trades: closed.n });
    expect(hook.posts[0]!['pnl']).toBeCloseTo(closed.pnl, 6);
    expect(events.filter((e) => e.type === 'webhook')).toEqual([expect.objectContaining({ week: '2024-W09', url: hook.url, problem: null })]);
  }, 60_000);

  it('with everyHours also writes the week so far that often; a receiver that is down is an event, never the session\u2019s end', async () => {
    const vault = path.join(tmp, 'vault-every');
    const file = path.join(tmp, 'every.db');
    const hook = await webhook();
    const url = hook.url;
    await new Promise<void>((resolve) => receiver!.close(() => resolve()));
    receiver = undefined;

    const events = await runSession(file, 4, { vault, webhook: url, everyHours: 1 });
    const reports = events.filter((e) => e.type === 'report') as { week: string; reason: string }[];
    // 22:40 and 23:40 (the week so far), Monday 00:00 (the week ended), 00:40 (the new week so far).
    expect(reports.map((r) => `${r.week} ${r.reason}`).slice(0, 4)).toEqual(['2024-W09 every', '2024-W09 every', '2024-W09 week-ended', '2024-W10 every']);
    expect(existsSync(path.join(vault, 'Performance', 'Week_2024-W09.md'))).toBe(true);
    const monday = readFileSync(path.join(vault, 'Performance', 'Week_2024-W10.md'), 'utf8');
    expect(monday).toMatch(/^---\nweek: 2024-W10\n/);
    const posts = events.filter((e) => e.type === 'webhook') as { problem: string | null }[];
    expect(posts.length).toBe(reports.length);
    for (const p of posts) expect(p.problem).toMatch(/^the webhook http:\/\/127\.0\.0\.1:\d+\/volt did not answer: /);
  }, 60_000);
});
