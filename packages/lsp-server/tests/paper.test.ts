/** volt.paper.status / volt.paper.stop and VOLT206, from a workspace journal holding a paper session. */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, SessionStore, synthesize, type DriftReport } from '@volt/engine';
import { startInBand, type TestClient } from './utils/connection.js';
import { PaperRequests, type PaperStartResult, type PaperStatusResult, type PaperStopResult } from '../src/protocol.js';
import { startExchangeServer } from '../../engine/src/trading/testing/exchange-server.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'volt-paper-lsp-'));
const strategyPath = path.join(root, 'crossing.strategy.ts');
const TEXT = [
  "import { defineStrategy } from '@volt/engine';",
  'export default defineStrategy({',
  "  name: 'crossing',",
  '  onBar(ctx) {',
  "    if (ctx.position.side === 0) ctx.buy({ reason: 'fast above slow' });",
  "    else ctx.exit({ reason: 'fast below slow' });",
  '  },',
  '});',
  '',
].join('\n');
let client: TestClient;

beforeAll(async () => {
  mkdirSync(path.join(root, '.volt'), { recursive: true });
  const journalPath = path.join(root, '.volt', 'journal.db');
  const store = SessionStore.create(journalPath, 'paper', { strategyPath, exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 10_000, warmupBars: 0, hours: 1, params: {}, feeRate: 0.001, protection: {} }, { strategyName: 'crossing' }, null);
  store.journal.openTrade(store.session.runId, { tradeNo: 1, symbol: 'BTC/USDT', side: 'long', qty: 0.01, entryTime: 1, entryPrice: 40_000, fees: 0.4 });
  store.journal.closeTrade(store.session.runId, 1, { exitTime: 2, exitPrice: 48_400, exitReason: 'signal', fees: 0 });
  store.journal.openTrade(store.session.runId, { tradeNo: 2, symbol: 'BTC/USDT', side: 'long', qty: 0.01, entryTime: 3, entryPrice: 40_000 });
  const drift: DriftReport = {
    session: 1, bars: 100, warmupBars: 0, sessionTrades: 2, backtestTrades: 2, same: 0, pnlDrift: 0,
    lines: [{ kind: 'price', signalBar: 9, time: Date.UTC(2024, 0, 1, 0, 9), side: 'long', entryDiffBps: 7, why: "the session paid 12.0 bps over the open, the backtest's slippage model 5.0 bps", reason: 'fast above slow' }],
  };
  // The session's process is elsewhere (pid none here: this test's own pid would get the SIGTERM).
  store.journal.db.prepare(`UPDATE sessions SET drift = ?, pid = NULL WHERE id = ?`).run(JSON.stringify(drift), store.session.id);
  store.close();
  client = await startInBand({ root, settings: { lint: { debounceMs: 5 }, onSave: { backtest: false } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('paper sessions in the sidecar', () => {
  it('lists the sessions with the lens text, from the journal', async () => {
    const r = await client.connection.sendRequest<PaperStatusResult>(PaperRequests.status, {});
    expect(r.sessions).toHaveLength(1);
    // 0.01 × (48,400 − 40,000) − 0.4 = 83.6 on 10,000: +0.8%.
    expect(r.sessions[0]).toMatchObject({ id: 1, mode: 'paper', status: 'running', trades: 1, open: 1, label: 'paper: +0.8% · 1 trade · 1 open', driftLines: 1 });
  });

  it("shows the drift as VOLT206 on the line that gave the decision's reason", async () => {
    const uri = await client.open(strategyPath, TEXT);
    const d = await client.diagnosticsFor(uri, (ds) => ds.some((x) => x.code === 'VOLT206'));
    const drift = d.find((x) => x.code === 'VOLT206')!;
    expect(drift.range.start.line).toBe(4);
    expect(drift.message).toMatch(/^session 1 drifted from the backtest here: bar 9 \(2024-01-01 00:09\), price: the session paid 12\.0 bps over the open/);
  });

  it('pulls the kill switch of a session', async () => {
    const r = await client.connection.sendRequest<PaperStopResult>(PaperRequests.stop, { session: 1 });
    expect(r).toEqual({ stopped: true, status: 'running' });
    const j = Journal.open(path.join(root, '.volt', 'journal.db'));
    expect(j.db.prepare(`SELECT stop_requested FROM sessions WHERE id = 1`).pluck().get()).toBe('kill switch: the editor');
    j.close();
  });

  it('starts a session of the strategy as a detached `volt paper` process, sees it run in the journal, and stops it', async () => {
    // 1s bars in real time: the exchange's clock is ours, so the session trades (an accelerated one trips the clock-skew breaker).
    const market = synthesize({ seed: 9, bars: 400, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40_000, start: Math.floor(Date.now() / 1000) * 1000 - 60_000 });
    const server = await startExchangeServer({ market, speed: 1, startAtNow: true });
    try {
      const uri = client.uri('crossing.strategy.ts');
      // A typo is the request's error, in the CLI's words, and no session: the process ended before it had one.
      await expect(client.connection.sendRequest<PaperStartResult>(PaperRequests.start, { uri, exchange: 'binance', symbol: 'BTC/USDX', timeframe: '1s', apiUrl: server.url })).rejects.toThrow(/^volt paper: binance has no market BTC\/USDX — {3}fix: its BTC markets include BTC\/USDT$/);
      const { pid, session } = await client.connection.sendRequest<PaperStartResult>(PaperRequests.start, { uri, exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1s', hours: 1, warmup: 10, apiUrl: server.url });
      // The answer came once the session was in the journal.
      expect((await client.connection.sendRequest<PaperStatusResult>(PaperRequests.status, { uri })).sessions.map((x) => x.id)).toContain(session);
      const status = () => client.connection.sendRequest<PaperStatusResult>(PaperRequests.status, { uri });
      const poll = async <T>(f: () => Promise<T | undefined>, what: string): Promise<T> => {
        const end = Date.now() + 30_000;
        for (;;) {
          const v = await f();
          if (v !== undefined) return v;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const mine = await poll(async () => (await status()).sessions.find((x) => x.id !== 1 && x.status === 'running' && x.bars > 3), 'the started session running with bars');
      // The lens shows it beside the backtest's, from the journal.
      await client.open('crossing.strategy.ts', TEXT);
      const lenses = await client.codeLens(uri);
      expect(lenses.map((l) => l.command?.title)).toContainEqual(expect.stringMatching(new RegExp(`^paper: [+-]\\d+\\.\\d% · \\d+ trades? · [01] open \\(session ${mine.id}\\)$`)));
      // Refreshed from the journal: as the session trades, the editor is asked for the lenses again, and they follow.
      const titleNow = async () => (await client.codeLens(uri)).map((l) => l.command?.title).find((t) => t?.endsWith(`(session ${mine.id})`));
      const first = await titleNow();
      const refreshes = client.lensRefreshes;
      await poll(async () => (client.lensRefreshes > refreshes && (await titleNow()) !== first ? true : undefined), 'a code lens refresh with new figures');
      expect(await client.connection.sendRequest<PaperStopResult>(PaperRequests.stop, { session: mine.id })).toEqual({ stopped: true, status: 'running' });
      await poll(async () => ((await status()).sessions.find((x) => x.id === mine.id)?.status === 'stopped' ? true : undefined), 'the session stopped');
      await poll(async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 'the process ended');
    } finally {
      await server.close();
    }
  }, 60_000);
});

