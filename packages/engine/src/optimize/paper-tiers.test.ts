import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, moveTier, strategyTiers, tierMoves } from '../journal/index.js';
import { SessionStore, type SessionSettings } from '../trading/store.js';
import type { DriftReport } from '../trading/drift.js';
import { nextTier, paperSessions, reviewTierOnPaper, reviewTiersAfterSession, type TierEvidence } from './index.js';

// README.md "Tiers", paper results: WARM → HOT needs, beside the walk-forward bars, one ended paper
// session of ≥ 20 closed trades whose drift report has ≥ 60% of trades the same as the backtest and
// a P&L drift within 2% of its capital; HOT → WARM when the paper sessions since it became HOT lost
// more than 5% of their capital. A real SQLite journal, sessions written as `volt paper` writes them.
const hotSweep: TierEvidence = { outOfSampleSharpe: 1.3, outOfSampleTrades: 150, outOfSampleDrawdown: 0.08, folds: 4, deflatedSharpe: 0.98, overfitting: 0.1 };
const NAME = 'RSI mean reversion';
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'volt-paper-tiers-'));
  file = path.join(dir, 'journal.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = (strategyPath: string): SessionSettings => ({ strategyPath, exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 10_000, warmupBars: 50, hours: 1, params: {}, feeRate: 0.001, protection: {} });

/** A paper session that ended with `pnls` as its closed trades (and one still open), with a drift report when given. */
function session(pnls: number[], drift?: Pick<DriftReport, 'same' | 'sessionTrades' | 'backtestTrades' | 'pnlDrift'>, o: { name?: string; strategyPath?: string; mode?: 'paper' | 'live' } = {}): number {
  const store = SessionStore.create(file, o.mode ?? 'paper', settings(o.strategyPath ?? '/work/rsi.strategy.ts'), { strategyName: o.name ?? NAME, strategyPath: o.strategyPath ?? '/work/rsi.strategy.ts', contentHash: 'x', gitCommit: null }, null);
  const { id, runId } = store.session;
  const insert = store.journal.db.prepare(`INSERT INTO trades (run_id, trade_no, symbol, side, qty, entry_time, entry_price, exit_time, exit_price, exit_reason, pnl) VALUES (?, ?, 'BTC/USDT', 'long', 0.01, ?, 100, ?, ?, ?, ?)`);
  pnls.forEach((pnl, i) => insert.run(runId, i + 1, i * 60_000, i * 60_000 + 30_000, 100 + pnl, 'signal', pnl));
  store.journal.db.prepare(`INSERT INTO trades (run_id, trade_no, symbol, side, qty, entry_time, entry_price) VALUES (?, ?, 'BTC/USDT', 'long', 0.01, 1, 100)`).run(runId, pnls.length + 1);
  if (drift) store.journal.db.prepare(`UPDATE sessions SET drift = ? WHERE id = ?`).run(JSON.stringify({ session: id, bars: 500, warmupBars: 50, lines: [], ...drift }), id);
  store.end('finished', 'its hours are up');
  store.close();
  return id;
}

function withJournal<T>(f: (j: Journal) => T): T {
  const j = Journal.open(file);
  try {
    return f(j);
  } finally {
    j.close();
  }
}

describe('tiers from paper results', () => {
  it('the sweep alone no longer makes a strategy HOT: it needs a paper session within drift bounds', () => {
    expect(nextTier('WARM', hotSweep)).toBeUndefined();
    const ok = [{ session: 1, startedAt: 0, capital: 10_000, trades: 24, pnl: 80, drift: { agreement: 0.75, pnlDrift: -40 } }];
    expect(nextTier('WARM', hotSweep, undefined, ok)?.reason).toBe('promoted: out-of-sample Sharpe 1.30, 150 trades, max drawdown 8% over 4 folds, deflated Sharpe 0.98, PBO 10%; paper session 1: 24 trades, 75% the same as the backtest, P&L drift -0.4% of capital');
    expect(nextTier('WARM', hotSweep, undefined, [{ ...ok[0]!, trades: 19 }])).toBeUndefined();
    expect(nextTier('WARM', hotSweep, undefined, [{ ...ok[0]!, drift: { agreement: 0.5, pnlDrift: 0 } }])).toBeUndefined();
    expect(nextTier('WARM', hotSweep, undefined, [{ ...ok[0]!, drift: { agreement: 0.9, pnlDrift: 250 } }])).toBeUndefined();
  });

  it('reads ended paper sessions from the journal: closed trades, P&L, drift; live and running sessions do not count', () => {
    const a = session([5, -2, 7], { same: 2, sessionTrades: 3, backtestTrades: 4, pnlDrift: -12 });
    session([100], undefined, { mode: 'live' });
    const running = SessionStore.create(file, 'paper', settings('/work/rsi.strategy.ts'), { strategyName: NAME, contentHash: 'x', gitCommit: null }, null);
    running.close();
    const got = withJournal((j) => paperSessions(j, NAME));
    expect(got).toEqual([{ session: a, startedAt: expect.any(Number), capital: 10_000, trades: 3, pnl: 10, drift: { agreement: 0.5, pnlDrift: -12 } }]);
  });

  it('WARM → HOT after `volt drift` of a long enough paper session, journaled with both reasons; then HOT → WARM when paper loses', async () => {
    withJournal((j) => moveTier(j, { strategyName: NAME, at: Date.now() - 60_000, to: 'WARM', reason: 'promoted: …', sweepId: null, evidence: hotSweep }));
    const short = session(Array.from({ length: 12 }, () => 3), { same: 12, sessionTrades: 12, backtestTrades: 12, pnlDrift: 1 });
    expect(withJournal((j) => reviewTiersAfterSession(j, short))).toEqual([]);
    const drifting = session(Array.from({ length: 30 }, () => 3), { same: 10, sessionTrades: 30, backtestTrades: 31, pnlDrift: 5 });
    expect(withJournal((j) => reviewTiersAfterSession(j, drifting))).toEqual([]);
    const good = session(Array.from({ length: 25 }, (_, i) => (i % 3 === 0 ? -4 : 6)), { same: 20, sessionTrades: 25, backtestTrades: 24, pnlDrift: -30 });
    await new Promise((r) => setTimeout(r, 5));
    const promoted = withJournal((j) => reviewTiersAfterSession(j, good));
    await new Promise((r) => setTimeout(r, 5));
    expect(promoted).toEqual([{ strategy: NAME, from: 'WARM', to: 'HOT', reason: `promoted: out-of-sample Sharpe 1.30, 150 trades, max drawdown 8% over 4 folds, deflated Sharpe 0.98, PBO 10%; paper session ${good}: 25 trades, 80% the same as the backtest, P&L drift -0.3% of capital` }]);
    // Reviewed again, nothing new: no second move.
    expect(withJournal((j) => reviewTierOnPaper(j, NAME))).toBeUndefined();

    // Only the sessions since it became HOT count (those before it made money): a 2% loss is within bounds, 5.5% is not.
    session(Array.from({ length: 10 }, () => -20), { same: 10, sessionTrades: 10, backtestTrades: 10, pnlDrift: 0 });
    expect(withJournal((j) => reviewTierOnPaper(j, NAME))).toBeUndefined();
    const lost = session(Array.from({ length: 10 }, () => -90));
    const retired = withJournal((j) => reviewTiersAfterSession(j, lost));
    expect(retired).toEqual([{ strategy: NAME, from: 'HOT', to: 'WARM', reason: 'retired (paper P&L below -5%): -5.5% over 2 paper sessions since it became HOT (20 trades, -1100.00 on 20000)' }]);
    const moves = withJournal((j) => tierMoves(j, NAME));
    expect(moves.map((m) => `${m.from} → ${m.to}`)).toEqual(['null → WARM', 'WARM → HOT', 'HOT → WARM']);
    expect((moves[1]!.evidence as { sweep: TierEvidence; paper: { session: number }[] }).paper.map((p) => p.session)).toEqual([good]);
    expect(withJournal((j) => strategyTiers(j).get(NAME)?.tier)).toBe('WARM');
  });

  it('a session names its strategy by file: the sweeps of that file find it', () => {
    withJournal((j) => {
      j.db.prepare(`INSERT INTO sweeps (started_at, status, strategy_name, strategy_path, content_hash, data_spec, data_hash, method, objective, min_trades, trials, folds, windows, seed, settings) VALUES (1, 'complete', ?, '/work/rsi.strategy.ts', 'x', 'synthetic:1', 'h', 'random', 'sharpe', 30, 10, 2, 'rolling', 1, '{}')`).run(NAME);
      moveTier(j, { strategyName: NAME, at: 1, to: 'WARM', reason: 'promoted: …', sweepId: null, evidence: hotSweep });
    });
    const id = session(Array.from({ length: 22 }, () => 2), { same: 22, sessionTrades: 22, backtestTrades: 22, pnlDrift: 0 }, { name: 'rsi' });
    expect(withJournal((j) => reviewTiersAfterSession(j, id)).map((m) => `${m.strategy}: ${m.to}`)).toEqual([`${NAME}: HOT`]);
  });
});
