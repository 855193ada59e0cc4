import { describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Journal, classifyOutcome, decisionJson, gitCommitOf, hashPrompt, recordBacktestRun, startBacktestRecording, runMetaFor, teeObservers } from './index.js';
import { runBacktest } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { busyBacktest, busyStrategy, tempDirs } from '../../tests/journal/support.js';

const tempDir = tempDirs();
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('recording a backtest', () => {
  it('stores the run, every trade with its outcome and every signal as a decision', () => {
    const file = path.join(tempDir(), 'journal.db');
    const report = busyBacktest();
    const runId = recordBacktestRun(file, report, { strategyPath: '/nowhere/busy.strategy.ts', gitCommit: null });

    const journal = Journal.open(file);
    const run = journal.getRun(runId)!;
    expect(run.status).toBe('complete');
    expect(run.pid).toBe(process.pid);
    expect(run.strategyName).toBe('Busy trader');
    expect(run.symbol).toBe('ETH/USDT');
    expect(run.params).toEqual({ every: 6, hold: 4 });
    expect(run.metrics).toEqual(report.metrics);
    expect(run.equityCurve).toEqual(report.equityCurve);
    expect(run.dataFrom).toBe(report.data.from);
    expect(run.tradeCount).toBe(report.trades.length);
    expect(run.decisionCount).toBe(report.signals.length);

    expect(journal.listRuns({ strategyPath: '/nowhere/busy.strategy.ts' }).map((r) => r.id)).toEqual([runId]);
    expect(journal.listRuns({ strategyPath: '/elsewhere.strategy.ts' })).toEqual([]);
    const trades = journal.listTrades({ runId });
    expect(journal.listTrades({ strategyPath: '/nowhere/busy.strategy.ts' })).toHaveLength(trades.length);
    expect(trades.map((t) => t.tradeNo).sort((a, b) => a - b)).toEqual(report.trades.map((t) => t.id));
    for (const t of trades) {
      const original = report.trades.find((r) => r.id === t.tradeNo)!;
      expect(t.pnl).toBe(original.pnl);
      expect(t.exitReason).toBe(original.exitReason);
      expect(t.outcome).toBe(classifyOutcome(original));
      expect(t.durationMs).toBe(original.exitTime - original.entryTime);
    }
    // The synthetic market gives every label a closed trade can earn.
    const counts = run.outcomes;
    expect(counts.STOPPED).toBe(report.trades.filter((t) => t.exitReason === 'stop').length);
    expect(counts.CORRECT).toBeGreaterThan(0);
    expect(counts.FALSE_POSITIVE).toBeGreaterThan(0);
    expect(counts.PENDING).toBe(0);
    journal.close();
  });

  it("keeps a ctx.options run's greeks curves and hedge efficiency, and none for a run without options", () => {
    const file = path.join(tempDir(), 'journal.db');
    const series = synthesize({ seed: 3, bars: 600, timeframe: '1h', start: Date.UTC(2024, 0, 1) });
    // One at-the-money put of the third expiry, bought at bar 100.
    const putBuyer = defineStrategy({
      name: 'put buyer',
      onBar(ctx) {
        if (ctx.index !== 100) return;
        const chain = ctx.options.chain();
        const expiry = [...new Set(chain.map((q) => q.expiry))][2]!;
        const atm = chain.filter((q) => q.right === 'put' && q.expiry === expiry).reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
        ctx.options.open([{ right: 'put', strike: atm.strike, expiry, quantity: 1 }], 'insurance');
      },
    });
    const report = runBacktest(putBuyer, series);
    const journal = Journal.open(file);
    const withOptions = journal.getRun(journal.recordBacktest(report, { gitCommit: null }))!;
    expect(report.options!.greeks.time.length).toBeGreaterThan(100);
    expect(withOptions.optionsGreeks).toEqual({ chain: 'synthetic', hedgeEfficiency: report.options!.hedgeEfficiency, greeks: report.options!.greeks });
    const plain = journal.getRun(journal.recordBacktest(busyBacktest(), { gitCommit: null }))!;
    expect(plain.optionsGreeks).toBeNull();
    journal.close();
  });

  it('filters trades and decisions by strategy, outcome, time range and limit, newest first', () => {
    const file = path.join(tempDir(), 'journal.db');
    const journal = Journal.open(file);
    const a = journal.recordBacktest(busyBacktest(400, 1, 'Alpha'), { gitCommit: null });
    journal.recordBacktest(busyBacktest(400, 2, 'Beta: "quoted"'), { gitCommit: null });

    const alpha = journal.listTrades({ strategy: 'Alpha' });
    expect(alpha.length).toBeGreaterThan(0);
    expect(alpha.every((t) => t.runId === a && t.strategyName === 'Alpha')).toBe(true);
    expect(journal.listTrades({ strategy: 'Beta: "quoted"' }).length).toBeGreaterThan(0);

    const stopped = journal.listTrades({ outcome: 'STOPPED' });
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.every((t) => t.exitReason === 'stop')).toBe(true);

    const all = journal.listTrades();
    const times = all.map((t) => t.entryTime);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    const mid = times[Math.floor(times.length / 2)]!;
    const late = journal.listTrades({ from: mid });
    expect(late.every((t) => t.entryTime >= mid)).toBe(true);
    expect(journal.listTrades({ to: mid }).every((t) => t.entryTime < mid)).toBe(true);
    expect(journal.listTrades({ limit: 3 })).toEqual(all.slice(0, 3));

    const correctDecisions = journal.listDecisions({ outcome: 'CORRECT', strategy: 'Alpha' });
    expect(correctDecisions.length).toBeGreaterThan(0);
    expect(correctDecisions.every((d) => d.outcome === 'CORRECT' && d.tradeNo !== null)).toBe(true);

    expect(journal.listRuns().map((r) => r.strategyName)).toEqual(['Beta: "quoted"', 'Alpha']);
    expect(journal.strategyHistory('Alpha').map((r) => r.id)).toEqual([a]);
    const summary = journal.listStrategies().find((s) => s.strategyName === 'Alpha')!;
    expect(summary.trades).toBe(alpha.length);
    expect(summary.wins + summary.losses + summary.stopped + summary.pending).toBe(alpha.length);
    journal.close();
  });

  it('streams a run through RunRecorder in batches while it happens, without duplicating anything at finish', () => {
    const file = path.join(tempDir(), 'journal.db');
    const series = synthesize({ seed: 3, bars: 2000, timeframe: '1h', symbol: 'BTC/USDT' });
    const strategy = { definition: busyStrategy() };
    const recording = startBacktestRecording(file, { ...runMetaFor(strategy, series), gitCommit: null }, 50);
    const flushedWhileRunning: number[] = [];
    const peek = Journal.open(file);
    const observer = {
      onSignal: recording.observer.onSignal,
      onTrade: (t: Parameters<typeof recording.observer.onTrade>[0]) => {
        recording.observer.onTrade(t);
        // Another connection sees committed batches before the run ends.
        flushedWhileRunning.push(peek.db.prepare('SELECT count(*) FROM decisions WHERE run_id = ?').pluck().get(recording.runId) as number);
      },
    };
    const report = runBacktest(strategy, series, {}, observer);
    expect(peek.getRun(recording.runId)!.status).toBe('running');
    recording.finish(report);

    expect(Math.max(...flushedWhileRunning)).toBeGreaterThan(0);
    const run = peek.getRun(recording.runId)!;
    expect(run.status).toBe('complete');
    expect(run.tradeCount).toBe(report.trades.length);
    expect(run.decisionCount).toBe(report.signals.length);
    expect(peek.listDecisions({ runId: run.id }).map((d) => d.seq).sort((a, b) => a - b)).toEqual(report.signals.map((_, i) => i + 1));
    peek.close();
  });

  it('shares a run between the recorder and a panel that refuses every entry (teeObservers)', () => {
    const file = path.join(tempDir(), 'journal.db');
    const series = synthesize({ seed: 4, bars: 300, timeframe: '1h', symbol: 'ETH/USDT' });
    const strategy = { definition: busyStrategy() };
    const recording = startBacktestRecording(file, { ...runMetaFor(strategy, series), gitCommit: null });
    const panel = {
      refusals: 0,
      decide() {
        this.refusals++;
        return { approved: false, note: 'REJECTED by risk_gate: test' };
      },
    };
    const report = runBacktest(strategy, series, {}, teeObservers({ onProgress: () => undefined }, recording.observer, panel));
    recording.finish(report);
    expect(panel.refusals).toBeGreaterThan(0);
    expect(report.trades).toHaveLength(0);
    const journal = Journal.open(file);
    const decisions = journal.listDecisions({ runId: recording.runId });
    expect(decisions).toHaveLength(report.signals.length);
    expect(decisions.every((d) => d.ignored?.includes('REJECTED by risk_gate'))).toBe(true);
    journal.close();
  });

  it('marks a run failed with the error when the backtest throws', () => {
    const file = path.join(tempDir(), 'journal.db');
    const recording = startBacktestRecording(file, { strategyName: 'Thrower', gitCommit: null });
    recording.observer.onSignal({ bar: 1, time: 0, action: 'buy', confidence: 1, reason: 'first' });
    recording.fail(new Error('onBar threw: x is undefined'));
    const journal = Journal.open(file);
    const run = journal.getRun(recording.runId)!;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('x is undefined');
    expect(run.decisionCount).toBe(1);
    journal.close();
  });
});

describe('outcomes of live trades', () => {
  it('goes PENDING → CORRECT | FALSE_POSITIVE | STOPPED when the trade closes, with exit price, P&L and duration', () => {
    const journal = Journal.open(path.join(tempDir(), 'journal.db'));
    const runId = journal.startRun({ strategyName: 'Paper', gitCommit: null, agentsMode: 'rules' });
    const base = { symbol: 'ETH/USDT', qty: 2, entryTime: 1_000, entryPrice: 100, fees: 0.2 };
    journal.openTrade(runId, { ...base, tradeNo: 1, side: 'long', stopPrice: 95, takeProfitPrice: 110 });
    journal.openTrade(runId, { ...base, tradeNo: 2, side: 'short' });
    journal.openTrade(runId, { ...base, tradeNo: 3, side: 'long' });
    journal.openTrade(runId, { ...base, tradeNo: 4, side: 'long' });
    expect(journal.listTrades({ outcome: 'PENDING' })).toHaveLength(4);

    expect(journal.closeTrade(runId, 1, { exitTime: 61_000, exitPrice: 110, exitReason: 'takeProfit', fees: 0.22 })).toBe('CORRECT');
    // Short, price went up: a loss by the signal.
    expect(journal.closeTrade(runId, 2, { exitTime: 5_000, exitPrice: 101, exitReason: 'signal' })).toBe('FALSE_POSITIVE');
    expect(journal.closeTrade(runId, 3, { exitTime: 5_000, exitPrice: 95, exitReason: 'stop' })).toBe('STOPPED');
    // Up by less than the fees: the signal did not pay.
    expect(journal.closeTrade(runId, 4, { exitTime: 5_000, exitPrice: 100.05, exitReason: 'signal' })).toBe('FALSE_POSITIVE');

    const t1 = journal.listTrades({ runId }).find((t) => t.tradeNo === 1)!;
    expect(t1.outcome).toBe('CORRECT');
    expect(t1.exitPrice).toBe(110);
    expect(t1.pnl).toBeCloseTo(20 - 0.42, 10);
    expect(t1.durationMs).toBe(60_000);
    expect(journal.listTrades({ outcome: 'PENDING' })).toHaveLength(0);
    expect(journal.getRun(runId)!.outcomes).toEqual({ PENDING: 0, CORRECT: 1, FALSE_POSITIVE: 2, STOPPED: 1 });
    journal.close();
  });
});

describe('agents, messages and the LLM cache', () => {
  it('keeps the structured decision JSON of DESIGN.md and the messages that led to it', () => {
    const journal = Journal.open(path.join(tempDir(), 'journal.db'));
    const runId = journal.startRun({ strategyName: 'With agents', gitCommit: null, agentsMode: 'rules' });
    const rec = journal.recorder(runId, { symbol: 'ETH/USDT' });
    const seq = rec.recordDecision({
      time: Date.UTC(2026, 0, 28, 13),
      bar: 42,
      action: 'buy',
      confidence: 0.62,
      reason: 'RSI 28: oversold',
      status: 'modified',
      tradeNo: 1,
      agent_results: { risk_assessor: { decision: 'HOLD', confidence: 0.65 }, trend: { decision: 'BUY', confidence: 0.8, reasoning: 'higher lows' } },
      consensus_decision: { decision: 'BUY', vote_breakdown: { BUY: 1, SELL: 0, HOLD: 4 } },
      recommendations: ['cut size to 5%'],
    });
    rec.recordMessage({ time: Date.UTC(2026, 0, 28, 13), from: 'trend', to: 'consensus', kind: 'vote', content: { decision: 'BUY' }, decisionSeq: seq });
    rec.flush();

    const [d] = journal.listDecisions({ runId });
    expect(decisionJson(d!)).toMatchObject({
      timestamp: '2026-01-28T13:00:00.000Z',
      agent_results: { risk_assessor: { decision: 'HOLD', confidence: 0.65 } },
      consensus_decision: { decision: 'BUY', vote_breakdown: { BUY: 1, SELL: 0, HOLD: 4 } },
      recommendations: ['cut size to 5%'],
      status: 'modified',
    });
    expect(d!.symbol).toBe('ETH/USDT');
    const [m] = journal.listAgentMessages(runId);
    expect(m).toMatchObject({ from: 'trend', to: 'consensus', kind: 'vote', decisionSeq: seq, content: { decision: 'BUY' } });
    journal.close();
  });

  it('caches LLM replies by model and prompt hash, across processes that share the file', () => {
    const file = path.join(tempDir(), 'journal.db');
    const a = Journal.open(file);
    const key = hashPrompt('Critique this strategy: …');
    expect(a.getCachedLlm('qwen2.5-coder:7b', key)).toBeUndefined();
    a.putCachedLlm('qwen2.5-coder:7b', key, '{"findings":[]}');
    a.close();
    const b = Journal.open(file);
    expect(b.getCachedLlm('qwen2.5-coder:7b', key)).toBe('{"findings":[]}');
    expect(b.getCachedLlm('llama3.3', key)).toBeUndefined();
    b.close();
  });
});

describe('runs whose process died', () => {
  it('become incomplete on the next open; live and foreign-host runs stay running', () => {
    const file = path.join(tempDir(), 'journal.db');
    const journal = Journal.open(file);
    const dead = journal.startRun({ strategyName: 'Killed', gitCommit: null });
    const alive = journal.startRun({ strategyName: 'Still going', gitCommit: null });
    const elsewhere = journal.startRun({ strategyName: 'Other machine', gitCommit: null });
    journal.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), dead);
    journal.db.prepare("UPDATE runs SET pid = ?, host = 'another-host' WHERE id = ?").run(deadPid(), elsewhere);
    journal.close();

    const again = Journal.open(file);
    expect(again.getRun(dead)!.status).toBe('incomplete');
    expect(again.getRun(dead)!.error).toMatch(/ended before the run finished/);
    expect(again.getRun(alive)!.status).toBe('running');
    expect(again.getRun(alive)!.host).toBe(hostname());
    expect(again.getRun(elsewhere)!.status).toBe('running');
    again.close();
  });
});

describe('provenance', () => {
  it('reads the commit from .git/HEAD, loose refs and packed refs', () => {
    const repo = tempDir();
    const sha = 'a'.repeat(40);
    mkdirSync(path.join(repo, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(path.join(repo, 'strategies'));
    writeFileSync(path.join(repo, 'strategies', 'x.strategy.ts'), 'export default {}');
    writeFileSync(path.join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(repo, '.git', 'packed-refs'), `# pack-refs with: peeled\n${'b'.repeat(40)} refs/heads/main\n`);
    expect(gitCommitOf(path.join(repo, 'strategies', 'x.strategy.ts'))).toBe('b'.repeat(40));
    writeFileSync(path.join(repo, '.git', 'refs', 'heads', 'main'), `${sha}\n`);
    expect(gitCommitOf(path.join(repo, 'strategies'))).toBe(sha);
    writeFileSync(path.join(repo, '.git', 'HEAD'), `${'c'.repeat(40)}\n`);
    expect(gitCommitOf(repo)).toBe('c'.repeat(40));
  });

  it('agrees with git itself, and is null outside a repository', () => {
    const repo = tempDir();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    try {
      git('init', '-q');
    } catch {
      return; // no git binary on this machine: the hand-built repository above covers the reading
    }
    writeFileSync(path.join(repo, 'a.strategy.ts'), 'export default {}');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'first');
    expect(gitCommitOf(path.join(repo, 'a.strategy.ts'))).toBe(git('rev-parse', 'HEAD'));

    const journal = Journal.open(path.join(repo, '.volt', 'journal.db'));
    const runId = journal.startRun({ strategyName: 'A', strategyPath: path.join(repo, 'a.strategy.ts') });
    const run = journal.getRun(runId)!;
    expect(run.gitCommit).toBe(git('rev-parse', 'HEAD'));
    expect(run.contentHash).toMatch(/^[0-9a-f]{64}$/);
    journal.close();

    expect(gitCommitOf(tempDir())).toBeNull();
  });
});
