/**
 * `volt paper` as a user runs it: the built CLI, its strategy in the sandbox, the real ccxt client
 * against the loopback Binance (engine/tests/trading/exchange-server.ts), a real journal file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { Journal, synthesize } from '@volt/engine';
import { startExchangeServer, type ExchangeServer } from '../../../engine/src/trading/testing/exchange-server.js';

const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-paper-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/paper.js'))) throw new Error('packages/cli/dist is missing: run `npx tsc -b` first (npm test does)');
});
let server: ExchangeServer | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await server?.close();
  server = undefined;
});

const STRATEGY = path.join(tmp, 'crossing.strategy.ts');
writeFileSync(
  STRATEGY,
  `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'crossing',
  params: { fast: 3, slow: 8 },
  risk: { stopLoss: 0.003, takeProfit: 0.004, maxPositionPct: 0.1 },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (ctx.position.side === 0 && fast.value > slow.value) ctx.buy({ reason: 'fast above slow' });
    else if (ctx.position.side === 1 && fast.value < slow.value) ctx.exit({ reason: 'fast below slow' });
  },
});
`,
);

function paperArgs(journal: string, tf: string, hours: number, extra: string[] = []): string[] {
  return [VOLT, 'paper', STRATEGY, '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', tf, '--hours', String(hours), '--warmup', '20', '--capital', '20000', '--api-url', server!.url, '--journal', journal, '--max-skew-ms', '1e12', '--look-ms', '20', ...extra];
}

function start(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

const until = async (f: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function journalFacts(file: string) {
  const j = Journal.open(file);
  try {
    const session = j.db.prepare(`SELECT * FROM sessions ORDER BY id DESC LIMIT 1`).get() as Record<string, unknown>;
    const bars = j.db.prepare(`SELECT bar, time FROM session_bars WHERE session_id = ? ORDER BY bar`).all(session['id']) as { bar: number; time: number }[];
    const trades = j.db.prepare(`SELECT trade_no, exit_time, exit_reason FROM trades WHERE run_id = ? ORDER BY trade_no`).all(session['run_id']) as { trade_no: number; exit_time: number | null; exit_reason: string | null }[];
    const outcomes = j.db.prepare(`SELECT outcome FROM outcomes WHERE run_id = ?`).pluck().all(session['run_id']) as string[];
    return { session, bars, trades, outcomes };
  } finally {
    j.close();
  }
}

describe('volt paper', () => {
  it('trades 1s bars in real time: a line per bar, the journal filled as it goes, finished at its hours', async () => {
    // Bars on whole seconds, as an exchange has them.
    const market = synthesize({ seed: 5, bars: 200, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 50_000 });
    server = await startExchangeServer({ market, startBar: 50, speed: 1, startAtNow: true });
    const file = path.join(tmp, 'realtime.db');
    const r = start(paperArgs(file, '1s', 8 / 3600));
    expect(await r.exited).toBe(0);
    const lines = r.out().split('\n').filter((l) => /close [\d,.]+ /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(lines[0]).toMatch(/next bar in \ds/);
    // Binance streams klines: the session took them from the socket.
    expect(r.out()).toContain('candles by the kline stream');
    expect(server.socketsOpened()).toBe(1);
    const { session, bars } = journalFacts(file);
    expect(session['status']).toBe('finished');
    expect(bars.length).toBe(20 + lines.length);
    for (let k = 1; k < bars.length; k++) expect(bars[k]!.time - bars[k - 1]!.time).toBe(1000);
  }, 40_000);

  it('polls REST at each close with --poll: no socket opened, every bar once', async () => {
    const market = synthesize({ seed: 6, bars: 200, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 50_000 });
    server = await startExchangeServer({ market, startBar: 50, speed: 1, startAtNow: true });
    const file = path.join(tmp, 'poll.db');
    const r = start(paperArgs(file, '1s', 5 / 3600, ['--poll']));
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('candles by polling');
    expect(server.socketsOpened()).toBe(0);
    const { session, bars } = journalFacts(file);
    expect(session['status']).toBe('finished');
    for (let k = 1; k < bars.length; k++) expect(bars[k]!.time - bars[k - 1]!.time).toBe(1000);
  }, 40_000);

  it('survives kill -9 mid-bar again and again: the same command continues from the journal, every bar once, nothing doubled', async () => {
    // 1m bars at 600× real time: ten bars a second; the session lasts two hours of the market.
    const market = synthesize({ seed: 9, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 600 });
    const file = path.join(tmp, 'kills.db');
    const args = paperArgs(file, '1m', 2, ['--json']);
    for (let kill = 0; kill < 4; kill++) {
      const r = start(args);
      const bars = () => r.out().split('\n').filter((l) => l.includes('"type":"bar"')).length;
      await until(() => bars() >= 3 + kill);
      // Mid-bar: some ms after a bar line, while the next is being fetched or decided.
      await new Promise((res) => setTimeout(res, 7 * (kill + 1)));
      r.child.kill('SIGKILL');
      await r.exited;
    }
    const last = start(args);
    expect(await last.exited).toBe(0);
    expect(last.out()).toContain('"resumed":true');
    const { session, bars, trades, outcomes } = journalFacts(file);
    expect(session['status']).toBe('finished');
    expect(bars.map((b) => b.bar)).toEqual(bars.map((_, k) => k));
    for (let k = 1; k < bars.length; k++) if (bars[k]!.time - bars[k - 1]!.time !== 60_000) expect({ k, gap: bars[k]!.time - bars[k - 1]!.time }).toEqual({ k, gap: 60_000 });
    expect(bars.length).toBeGreaterThan(20 + 100);
    expect(trades.map((t) => t.trade_no)).toEqual(trades.map((_, k) => k + 1));
    expect(trades.length).toBeGreaterThan(2);
    for (const t of trades) expect(t.exit_time).not.toBeNull();
    expect(outcomes.length).toBe(trades.length);
    expect(outcomes).not.toContain('PENDING');
    // One session, one run.
    const j = Journal.open(file);
    expect(j.db.prepare(`SELECT count(*) FROM sessions`).pluck().get()).toBe(1);
    j.close();
  }, 120_000);

  it('stops on SIGTERM with its position closed, and the same command again resumes it (a signal is not `volt paper stop`); the exchange from VOLT_EXCHANGE_API_URL', async () => {
    const market = synthesize({ seed: 9, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 600 });
    const file = path.join(tmp, 'sigterm.db');
    const args = paperArgs(file, '1m', 0.5, ['--json']);
    args.splice(args.indexOf('--api-url'), 2);
    const env = { ...process.env, VOLT_EXCHANGE_API_URL: server.url };
    const run = () => {
      const child = spawn(process.execPath, args, { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, out: () => out, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
    };
    const first = run();
    await until(() => first.out().includes('"type":"fill"'));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.out()).toMatch(/"type":"end","session":1,"status":"stopped","reason":"kill switch: SIGTERM"/);
    let facts = journalFacts(file);
    expect(facts.session['status']).toBe('stopped');
    for (const t of facts.trades) expect(t.exit_time).not.toBeNull();
    const second = run();
    expect(await second.exited).toBe(0);
    expect(second.out()).toContain('"resumed":true');
    facts = journalFacts(file);
    expect(facts.session['status']).toBe('finished');
    expect(facts.bars.map((b) => b.bar)).toEqual(facts.bars.map((_, k) => k));
    const j = Journal.open(file);
    expect(j.db.prepare(`SELECT count(*) FROM sessions`).pluck().get()).toBe(1);
    j.close();
    expect(server.requests.length).toBeGreaterThan(0);
  }, 60_000);

  it('stops on the kill switch (`volt paper stop`): the position is closed, the session ends stopped and cannot be resumed', async () => {
    const market = synthesize({ seed: 9, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 120 });
    const file = path.join(tmp, 'stop.db');
    const r = start(paperArgs(file, '1m', 12));
    await until(() => /close [\d,.]+ /.test(r.out()));
    const stop = spawnSync(process.execPath, [VOLT, 'paper', 'stop', '1', '--journal', file], { encoding: 'utf8' });
    expect(stop.stdout).toMatch(/session 1: stop requested/);
    expect(await r.exited).toBe(0);
    // Who pulled the switch, not the SIGTERM that woke it.
    expect(r.out()).toMatch(/session 1 stopped: kill switch: volt paper stop;/);
    const { session, trades } = journalFacts(file);
    expect(session['status']).toBe('stopped');
    for (const t of trades) expect(t.exit_time).not.toBeNull();
    const again = spawnSync(process.execPath, [VOLT, 'paper', '--resume', '1', '--journal', file], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/session 1 is stopped .*nothing to resume/);
    const status = spawnSync(process.execPath, [VOLT, 'paper', 'status', '--journal', file], { encoding: 'utf8' });
    expect(status.stdout).toMatch(/^\s+1 {2}paper {3}stopped {2}binance BTC\/USDT 1m {2}crossing\.strategy\.ts {2}\d+ bars/m);
  }, 60_000);
});

describe('volt live', () => {
  const KEY = 'k-7f3a9c1e5b2d4f60a8e1';
  const SECRET = 's-0d9e8c7b6a5f4e3d2c1b0a99';
  const env = { ...process.env, VOLT_BINANCE_API_KEY: KEY, VOLT_BINANCE_API_SECRET: SECRET };

  it('places every position change as a signed market order on the testnet, journals the orders, and the keys appear nowhere but the requests', async () => {
    const market = synthesize({ seed: 9, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 600, apiKey: KEY, secret: SECRET });
    // Its own workspace with a vault, so the grep below covers the journal and every note Volt wrote.
    const ws = path.join(tmp, 'live-ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ vault: { path: 'vault' } }));
    const file = path.join(ws, 'live.db');
    const args = paperArgs(file, '1m', 1, ['--json']);
    args[1] = 'live';
    const child = spawn(process.execPath, args, { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    const orders = server.orders;
    expect(orders.length).toBeGreaterThanOrEqual(2);
    expect(orders.every((o) => o.type === 'MARKET' && o.status === 'FILLED')).toBe(true);
    expect(server.requests.filter((r) => r.path === '/api/v3/order' && r.method === 'POST').every((r) => r.signed)).toBe(true);
    const j = Journal.open(file);
    const rows = j.db.prepare(`SELECT order_id, side, filled, average, status FROM session_orders ORDER BY time`).all() as { order_id: string; side: string; filled: number; average: number | null; status: string }[];
    expect(j.db.prepare(`SELECT mode FROM sessions`).pluck().get()).toBe('testnet');
    j.close();
    expect(rows.map((r) => r.order_id).sort()).toEqual(orders.map((o) => String(o.orderId)).sort());
    // The venue ends flat, as the ledger does.
    const net = orders.reduce((sum, o) => sum + (o.side === 'BUY' ? 1 : -1) * o.executedQty, 0);
    expect(Math.abs(net)).toBeLessThan(1e-6);
    // The reports on the session, and the journal after they wrote to it.
    for (const report of [['drift', '1', '--json'], ['paper', 'status', '--json'], ['journal', 'show', '1', '--json']]) {
      const r = spawnSync(process.execPath, [VOLT, ...report, '--journal', file], { cwd: ws, env, encoding: 'utf8' });
      expect(r.status, `${report.join(' ')}: ${r.stderr}`).toBe(0);
      out += r.stdout + r.stderr;
      if (report[0] !== 'drift') continue;
      // The drift report puts the venue's fills beside the ledger's book-walk prices, order by order.
      const drift = JSON.parse(r.stdout) as { lines: { session?: { id: number; entryPrice: number }; venue?: { entry?: { orderId: string; average: number; diffBps: number } }; why: string }[] };
      const traded = drift.lines.filter((l) => l.session);
      expect(traded.length).toBeGreaterThan(0);
      for (const l of traded) {
        const venue = l.venue?.entry;
        expect(venue, JSON.stringify(l)).toBeDefined();
        expect(venue!.average).toBeCloseTo(rows.find((o) => o.order_id === venue!.orderId)!.average!, 6);
        expect(venue!.diffBps).toBeCloseTo(((venue!.average - l.session!.entryPrice) / l.session!.entryPrice) * 10_000, 6);
        expect(l.why).toMatch(/the venue filled the entry at [\d.]+ \([+-]\d+\.\d bps against the book walk(, one order with the other trade at that bar)?\)/);
      }
    }
    // Neither key nor secret in the journal (database, WAL), the vault's notes, the output or anything else Volt wrote.
    const written = readdirSync(ws, { recursive: true, encoding: 'utf8' }).map((f) => path.join(ws, f)).filter((p) => statSync(p).isFile());
    expect(written.some((p) => p.includes(`${path.sep}Sessions${path.sep}`))).toBe(true);
    for (const p of written) {
      const bytes = readFileSync(p).toString('latin1');
      expect(bytes.includes(KEY), p).toBe(false);
      expect(bytes.includes(SECRET), p).toBe(false);
    }
    expect(out.includes(KEY) || out.includes(SECRET)).toBe(false);
  }, 60_000);

  it('--real without a terminal asks for the typed confirmation and sends nothing', async () => {
    const market = synthesize({ seed: 9, bars: 400, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 60, apiKey: KEY, secret: SECRET });
    const args = paperArgs(path.join(tmp, 'real.db'), '1m', 1, ['--real']);
    args[1] = 'live';
    const r = spawnSync(process.execPath, args, { cwd: tmp, env, encoding: 'utf8', input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/volt live --real trades real money and needs a typed confirmation/);
    expect(server.requests).toEqual([]);
  });

  it('refuses a missing strategy file, an unknown timeframe, exchange or market in one line each, and writes no session', async () => {
    const market = synthesize({ seed: 9, bars: 400, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 60 });
    const file = path.join(tmp, 'typos.db');
    // Spawned, not spawnSync: the loopback exchange answers from this process's event loop.
    const paper = async (over: Record<string, string>, strategy = STRATEGY) => {
      const flags = { '--exchange': 'binance', '--symbol': 'BTC/USDT', '--timeframe': '1m', ...over };
      const child = spawn(process.execPath, [VOLT, 'paper', strategy, ...Object.entries(flags).flat(), '--api-url', server!.url, '--journal', file, '--signals', 'off'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      return { status, stderr };
    };
    const cases: [Awaited<ReturnType<typeof paper>>, RegExp][] = [
      [await paper({}, path.join(tmp, 'missing.strategy.ts')), /^volt paper: .*missing\.strategy\.ts: no such strategy file\n/],
      [await paper({ '--timeframe': '7q' }), /^volt paper: unknown timeframe '7q'\n/],
      [await paper({ '--exchange': 'nope' }), /^volt paper: ccxt knows no exchange 'nope'\n/],
      [await paper({ '--symbol': 'btc/usdt' }), /^volt paper: binance has no market btc\/usdt\n {2}fix: its BTC markets include BTC\/USDT\n$/],
    ];
    for (const [r, message] of cases) {
      expect(r.stderr, r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).not.toBe(0);
    }
    expect(cases.map(([r]) => r.status)).toEqual([1, 2, 2, 2]);
    // Nothing half-written: no journal, so no failed session in it for a typo.
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('refuses an unknown --signals name in one line, before it asks the exchange', () => {
    const r = spawnSync(process.execPath, [VOLT, 'paper', STRATEGY, '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '1m', '--signals', 'fear_greed,moon_phase', '--api-url', 'http://127.0.0.1:9'], { cwd: tmp, env: { PATH: process.env['PATH'] }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--signals: unknown signal 'moon_phase'; the sources are fear_greed, .*, or off/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to start without VOLT_<EXCHANGE>_API_KEY and _SECRET', () => {
    const r = spawnSync(process.execPath, [VOLT, 'live', STRATEGY, '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '1m'], { cwd: tmp, env: { PATH: process.env['PATH'] }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/volt live needs VOLT_BINANCE_API_KEY and VOLT_BINANCE_API_SECRET in the environment/);
  });
});

describe('volt drift', () => {
  it("lines a finished paper session up with the backtest of its own bars: every trade of each on one line, a table and JSON, kept with the session", async () => {
    const market = synthesize({ seed: 21, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 600 });
    const file = path.join(tmp, 'drift.db');
    const r = start(paperArgs(file, '1m', 1.5));
    expect(await r.exited).toBe(0);
    const json = spawnSync(process.execPath, [VOLT, 'drift', '1', '--json', '--journal', file], { cwd: tmp, encoding: 'utf8' });
    expect(json.stderr).toBe('');
    const report = JSON.parse(json.stdout) as { sessionTrades: number; backtestTrades: number; same: number; lines: { kind: string; session?: { id: number }; backtest?: { id: number }; why: string }[] };
    const { trades } = journalFacts(file);
    expect(report.sessionTrades).toBe(trades.length);
    expect(report.sessionTrades).toBeGreaterThan(2);
    const sessionIds = report.lines.flatMap((l) => (l.session ? [l.session.id] : [])).sort((a, b) => a - b);
    expect(sessionIds).toEqual(trades.map((t) => t.trade_no));
    expect(report.lines.filter((l) => l.backtest).length).toBe(report.backtestTrades);
    for (const l of report.lines) expect(['same', 'price', 'exit', 'missed', 'extra']).toContain(l.kind);
    // The loopback book fills a tick from the price, the backtest's model 5 bps from the open: paired entries differ in price.
    expect(report.lines.some((l) => l.kind === 'price' || l.kind === 'exit')).toBe(true);
    const table = spawnSync(process.execPath, [VOLT, 'drift', '1', '--journal', file], { cwd: tmp, encoding: 'utf8' });
    expect(table.stdout).toMatch(/^session 1 \(crossing\.strategy\.ts\): \d+ bars after a 20-bar warm-up; \d+ session trades, \d+ backtest trades, \d+ the same/);
    expect(table.stdout).toMatch(/P&L drift over the paired trades: [+-]\d+\.\d\d/);
    const j = Journal.open(file);
    expect(JSON.parse(j.db.prepare(`SELECT drift FROM sessions WHERE id = 1`).pluck().get() as string)).toEqual(report);
    j.close();
  }, 60_000);
});

describe('volt paper and the vault', () => {
  it('keeps Sessions/Session N.md and the trades’ notes up to date when volt.config.json names a vault', async () => {
    const market = synthesize({ seed: 9, bars: 2000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 4, 1) });
    server = await startExchangeServer({ market, startBar: 100, speed: 600 });
    const ws = path.join(tmp, 'vaulted');
    mkdirSync(ws, { recursive: true });
    writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ vault: { path: 'vault' } }));
    const child = spawn(process.execPath, paperArgs(path.join(ws, 'j.db'), '1m', 1), { cwd: ws, stdio: 'ignore' });
    children.push(child);
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    const note = readFileSync(path.join(ws, 'vault', 'Sessions', 'Session 1.md'), 'utf8');
    expect(note).toMatch(/^---\nsession: 1\nmode: paper\nstatus: finished\n/);
    expect(note).toMatch(/# Session 1: crossing\.strategy\.ts on binance BTC\/USDT 1m \(paper\)/);
    const { trades } = journalFacts(path.join(ws, 'j.db'));
    expect(trades.length).toBeGreaterThan(0);
    const rows = note.split('\n').filter((l) => /^\| \[\[Trade /.test(l));
    expect(rows.length).toBe(trades.length);
    expect(readdirSync(path.join(ws, 'vault', 'Trades')).length).toBe(trades.length);
  }, 60_000);

  it('writes the week\u2019s note and POSTs weeklyReport.webhook when the week ends during the session', async () => {
    const posts: { week?: string; type?: string; trades?: number }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      // 1m bars from Sunday 3 March 2024 21:00 UTC; the clock starts at bar 120 (23:00), 600× real
      // time: the week ends six seconds in, after the CLI has started (a second or two, half an hour of this market).
      const market = synthesize({ seed: 9, bars: 400, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 2, 3, 21, 0) });
      server = await startExchangeServer({ market, startBar: 120, speed: 600 });
      const ws = path.join(tmp, 'weekly');
      mkdirSync(ws, { recursive: true });
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      writeFileSync(path.join(ws, 'volt.config.json'), JSON.stringify({ vault: { path: 'vault' }, weeklyReport: { webhook: url } }));
      const child = spawn(process.execPath, paperArgs(path.join(ws, 'j.db'), '1m', 1.5), { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      expect(await new Promise((r) => child.once('exit', r)), out).toBe(0);
      const note = path.join(ws, 'vault', 'Performance', 'Week_2024-W09.md');
      expect(out).toMatch(new RegExp(`  weekly report 2024-W09 \\(the week ended\\): \\d+ trades, P&L [+-][\\d,.]+, written to ${note.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
      expect(out).toContain(`  weekly report 2024-W09 posted to ${url}\n`);
      expect(readFileSync(note, 'utf8')).toMatch(/^---\nweek: 2024-W09\n/);
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({ type: 'volt.weekly', week: '2024-W09' });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 60_000);
});
