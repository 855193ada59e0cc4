import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../test-support/redis.js';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { runBacktest } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { LocalBus, channelMatches, openBus, parseBusMessage, runMessages, type BusMessage } from './index.js';
import { RedisBus } from './redis.js';

const signal = (symbol: string, time = 1): BusMessage => ({ kind: 'signal', symbol, action: 'buy', confidence: 0.7, reason: 'cross up', time, bar: 3, source: 'ema' });
const alert: BusMessage = { kind: 'risk-alert', symbol: 'BTC/USDT', rule: 'max-drawdown', message: 'drawdown 26% is past the 25% limit', time: 5, source: 'ema' };

describe('the in-process bus', () => {
  it('delivers each message to the subscriptions whose channel matches, in order', () => {
    const bus = new LocalBus();
    const seen: string[] = [];
    bus.subscribe('signals/BTC/USDT', (m, c) => seen.push(`btc ${c} ${m.time}`));
    bus.subscribe('signals/*', (m, c) => seen.push(`all ${c} ${m.time}`));
    const off = bus.subscribe('alerts/risk', (m) => seen.push(`alert ${(m as { rule: string }).rule}`));
    bus.publish(signal('BTC/USDT', 1));
    bus.publish(signal('ETH/USDT', 2));
    bus.publish(alert);
    off();
    bus.publish(alert);
    expect(seen).toEqual(['btc signals/BTC/USDT 1', 'all signals/BTC/USDT 1', 'all signals/ETH/USDT 2', 'alert max-drawdown']);
  });

  it('a subscriber that throws is reported and the others still hear the message', () => {
    const errors: unknown[] = [];
    const bus = new LocalBus((e) => errors.push(e));
    let heard = 0;
    bus.subscribe('*', () => { throw new Error('dashboard broke'); });
    bus.subscribe('*', () => heard++);
    bus.publish(alert);
    expect(heard).toBe(1);
    expect(String(errors[0])).toContain('dashboard broke');
  });

  it('only a trailing * is a wildcard; a symbol may hold a slash', () => {
    expect(channelMatches('signals/BTC', 'signals/BTC/USDT')).toBe(false);
    expect(channelMatches('signals/BTC*', 'signals/BTC/USDT')).toBe(true);
    expect(channelMatches('positions/open', 'positions/close')).toBe(false);
  });

  it('refuses what is not a bus message', () => {
    expect(parseBusMessage(signal('X'))).not.toBeNull();
    expect(parseBusMessage({ ...signal('X'), action: 'hold' })).toBeNull();
    expect(parseBusMessage({ ...alert, rule: 3 })).toBeNull();
    expect(parseBusMessage({ kind: 'position-closed', symbol: 'X', time: 1, source: 's' })).toBeNull();
    expect(parseBusMessage('signal')).toBeNull();
  });
});

describe("a run's messages", () => {
  it('are its signals, each trade opened then closed, in market-time order', () => {
    const strategy = defineStrategy({
      name: 'flip', params: {},
      onBar(ctx) {
        if (ctx.index % 10 === 5) ctx[ctx.index % 20 === 5 ? 'buy' : 'exit']({ reason: `bar ${ctx.index}` });
      },
    });
    const report = runBacktest(strategy, synthesize({ seed: 3, bars: 200, timeframe: '1h' }));
    expect(report.trades.length).toBeGreaterThan(2);
    const messages = runMessages(report);
    const opens = messages.filter((m) => m.kind === 'position-opened');
    const closes = messages.filter((m) => m.kind === 'position-closed');
    expect(opens).toHaveLength(report.trades.length);
    expect(closes).toHaveLength(report.trades.length);
    expect(messages.filter((m) => m.kind === 'signal')).toHaveLength(report.signals.length);
    for (let i = 1; i < messages.length; i++) expect(messages[i]!.time).toBeGreaterThanOrEqual(messages[i - 1]!.time);
    const t = report.trades[0]!;
    expect(closes[0]).toMatchObject({ tradeId: t.id, pnl: t.pnl, price: t.exitPrice, entryPrice: t.entryPrice, symbol: report.data.symbol, source: 'flip' });
    expect(messages.indexOf(opens[0]!)).toBeLessThan(messages.indexOf(closes[0]!));
  });

  it('carry a risk alert for each entry the gate refused', () => {
    const report = runBacktest(defineStrategy({ name: 'q', params: {}, onBar: () => undefined }), synthesize({ seed: 1, bars: 60, timeframe: '1h' }));
    const messages = runMessages(report, [
      { kind: 'decision', seq: 1, decision: { time: 9, symbol: 'BTC/USDT', action: 'buy', status: 'rejected', consensus_decision: { decision: 'BUY', vote_breakdown: {}, risk_review: { status: 'REJECTED', reasons: ['daily loss 3.2% is past the 3% limit'] }, outcome: { rejected_by: 'risk_gate' } } } },
      { kind: 'decision', seq: 2, decision: { time: 10, symbol: 'BTC/USDT', action: 'buy', status: 'approved', consensus_decision: { decision: 'BUY', vote_breakdown: {}, risk_review: { status: 'APPROVED', reasons: [] } } } },
    ]);
    expect(messages).toEqual([{ kind: 'risk-alert', symbol: 'BTC/USDT', rule: 'risk_gate', message: 'daily loss 3.2% is past the 3% limit', time: 9, source: 'q' }]);
  });
});

describe('the bus over a real redis-server', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('another process hears the channels the issue names; the publisher hears itself once', async () => {
    // The listener is a second Node process with its own bus, as a dashboard or a paper session would be.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { RedisBus } = await import(${JSON.stringify(path.join(REPO_ROOT, 'packages/engine/dist/bus/redis.js'))});
      const bus = await RedisBus.open(process.argv[1]);
      for (const p of ['signals/BTC/USDT', 'positions/open', 'positions/close', 'alerts/risk']) bus.subscribe(p, (m, c) => console.log(JSON.stringify({ c, m })));
      console.log('ready');
      process.stdin.on('end', async () => { await bus.close(); });
      process.stdin.resume();
    `, redis.url], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const got: { c: string; m: BusMessage }[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    let done!: () => void;
    const allIn = new Promise<void>((r) => (done = r));
    lines.on('line', (l) => {
      if (l === 'ready') return ready();
      got.push(JSON.parse(l));
      if (got.length === 4) done();
    });
    await isReady;

    const bus = await RedisBus.open(redis.url);
    const mine: string[] = [];
    bus.subscribe('*', (_m, c) => mine.push(c));
    const opened: BusMessage = { kind: 'position-opened', symbol: 'BTC/USDT', side: 'long', qty: 0.01, price: 42_000, time: 2, tradeId: 1, source: 'ema' };
    const closed: BusMessage = { kind: 'position-closed', symbol: 'BTC/USDT', side: 'long', qty: 0.01, entryPrice: 42_000, price: 43_000, time: 3, tradeId: 1, exitReason: 'signal', pnl: 9.1, pnlPct: 0.0217, source: 'ema' };
    bus.publish(signal('ETH/USDT'));
    bus.publish(signal('BTC/USDT'));
    bus.publish(opened);
    bus.publish(closed);
    bus.publish(alert);
    await allIn;
    expect(got).toEqual([
      { c: 'signals/BTC/USDT', m: signal('BTC/USDT') },
      { c: 'positions/open', m: opened },
      { c: 'positions/close', m: closed },
      { c: 'alerts/risk', m: alert },
    ]);
    // Its own messages came back from Redis too, and were skipped: each heard once.
    await new Promise((r) => setTimeout(r, 100));
    expect(mine).toEqual(['signals/ETH/USDT', 'signals/BTC/USDT', 'positions/open', 'positions/close', 'alerts/risk']);
    await bus.close();
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
  });

  it('drops what another client publishes that is not a bus message', async () => {
    const errors: unknown[] = [];
    const bus = await RedisBus.open(redis.url, { onError: (e) => errors.push(e) });
    const heard: BusMessage[] = [];
    bus.subscribe('*', (m) => heard.push(m));
    const raw = new Redis(redis.url);
    await raw.publish('alerts/risk', 'not json');
    await raw.publish('alerts/risk', JSON.stringify({ origin: 'x', message: signal('BTC') })); // a signal on the alerts channel
    await raw.publish('alerts/risk', JSON.stringify({ origin: 'x', message: alert }));
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual([alert]);
    expect(bus.dropped).toBe(2);
    expect(errors).toHaveLength(2);
    raw.disconnect();
    await bus.close();
  });

  it('openBus is in-process without bus.redis, and names the setting when Redis is not there', async () => {
    expect(await openBus({})).toBeInstanceOf(LocalBus);
    await expect(openBus({ bus: { redis: 'http://x' } })).rejects.toThrow("bus.redis in volt.config.json expects redis://HOST:PORT, got 'http://x'");
    const down = redis.url.replace(/:\d+$/, ':1');
    await expect(openBus({ bus: { redis: down } })).rejects.toThrow(/cannot reach the agent bus at redis:\/\/127\.0\.0\.1:1 \(bus\.redis in volt\.config\.json\)/);
  });
});
