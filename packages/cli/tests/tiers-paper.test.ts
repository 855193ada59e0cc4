import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Journal, SessionStore, moveTier, reviewTiersAfterSession } from '@volt/engine';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// `volt tiers` shows a move made on paper results (optimize/README.md, "Tiers"): a WARM strategy
// whose paper session of 24 trades lines up with its backtest is HOT, and says why.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const ws = mkdtempSync(path.join(os.tmpdir(), 'volt-tiers-paper-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

function volt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ws }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

it('volt tiers lists a WARM → HOT move made on a paper session, with the sweep and paper figures', async () => {
  writeFileSync(path.join(ws, 'volt.config.json'), '{}');
  mkdirSync(path.join(ws, '.volt'));
  const file = path.join(ws, '.volt', 'journal.db');
  const name = 'EMA trend rider';
  const j = Journal.open(file);
  moveTier(j, { strategyName: name, at: Date.UTC(2026, 10, 30, 9), to: 'WARM', reason: 'promoted: out-of-sample Sharpe 1.40', sweepId: null, evidence: { outOfSampleSharpe: 1.4, outOfSampleTrades: 160, outOfSampleDrawdown: 0.07, folds: 4, deflatedSharpe: 0.97, overfitting: 0.15 } });
  j.close();
  const store = SessionStore.create(file, 'paper', { strategyPath: path.join(ws, 'ema.strategy.ts'), exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 10_000, warmupBars: 50, hours: 2, params: {}, feeRate: 0.001, protection: {} }, { strategyName: name, contentHash: 'x', gitCommit: null }, null);
  const insert = store.journal.db.prepare(`INSERT INTO trades (run_id, trade_no, symbol, side, qty, entry_time, entry_price, exit_time, exit_price, exit_reason, pnl) VALUES (?, ?, 'BTC/USDT', 'long', 0.01, ?, 100, ?, 101, 'signal', ?)`);
  for (let i = 0; i < 24; i++) insert.run(store.session.runId, i + 1, i * 60_000, i * 60_000 + 30_000, i % 4 === 0 ? -3 : 5);
  store.journal.db.prepare(`UPDATE sessions SET drift = ? WHERE id = ?`).run(JSON.stringify({ session: store.session.id, bars: 200, warmupBars: 50, sessionTrades: 24, backtestTrades: 25, same: 21, lines: [], pnlDrift: 12 }), store.session.id);
  store.end('finished', 'its hours are up');
  const id = store.session.id;
  store.close();
  const journal = Journal.open(file);
  const moves = reviewTiersAfterSession(journal, id, Date.UTC(2026, 11, 1, 12));
  journal.close();
  expect(moves.map((m) => m.to)).toEqual(['HOT']);

  const list = await volt(['tiers']);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(new RegExp(`HOT\\s+${name}\\s+2026-12-01 12:00\\s+promoted: .*paper session ${id}: 24 trades, 84% the same as the backtest, P&L drift 0\\.1% of capital`));
  const history = await volt(['tiers', name]);
  expect(history.code).toBe(0);
  expect(history.stdout.trim().split('\n')).toEqual([
    '2026-11-30 09:00  new  → WARM  promoted: out-of-sample Sharpe 1.40',
    `2026-12-01 12:00  WARM → HOT   promoted: out-of-sample Sharpe 1.40, 160 trades, max drawdown 7% over 4 folds, deflated Sharpe 0.97, PBO 15%; paper session ${id}: 24 trades, 84% the same as the backtest, P&L drift 0.1% of capital`,
  ]);
});
