// A separate process that records backtests into a journal, for the crash and concurrency tests.
// It imports the built engine (packages/engine/dist), as the CLI and the sidecar do.
//
//   node record-child.mjs crash  DB          two complete runs, then a slow long one that never ends on its own
//   node record-child.mjs record DB SEED GO   waits for the file GO, then records one streamed run
import { existsSync } from 'node:fs';
import { Journal, defineStrategy, runBacktest, runMetaFor, startBacktestRecording, synthesize } from '../../dist/index.js';

const [mode, db, ...rest] = process.argv.slice(2);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// Trades every few bars so a run produces many rows; the same shape as tests/journal/support.ts.
const strategy = {
  definition: defineStrategy({
    name: 'Child trader',
    onBar(ctx) {
      if (ctx.position.side !== 0) {
        if (ctx.position.barsHeld >= 3) ctx.exit({ confidence: 0.5, reason: 'held 3 bars' });
        return;
      }
      if (ctx.index % 5 !== 0 || ctx.index < 2) return;
      if (ctx.bar.close >= ctx.history(2).close(1)) ctx.buy({ confidence: 0.6, reason: 'up' });
      else ctx.sell({ confidence: 0.6, reason: 'down' });
    },
    risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  }),
};

if (mode === 'crash') {
  const complete = [];
  for (const seed of [1, 2]) {
    const series = synthesize({ seed, bars: 3000, timeframe: '1h', symbol: 'ETH/USDT' });
    const rec = startBacktestRecording(db, { ...runMetaFor(strategy, series), gitCommit: null });
    const report = runBacktest(strategy, series, {}, rec.observer);
    rec.finish(report);
    complete.push({ runId: rec.runId, trades: report.trades.length, signals: report.signals.length });
  }
  say({ complete });

  // The long run: 400k bars, and every progress report pauses as if agents were thinking, so the
  // parent's kill -9 lands in the middle.
  const series = synthesize({ seed: 3, bars: 400_000, timeframe: '1m', symbol: 'BTC/USDT' });
  const rec = startBacktestRecording(db, { ...runMetaFor(strategy, series), gitCommit: null }, 1000);
  let told = false;
  const observer = {
    onSignal: (s) => rec.observer.onSignal(s),
    onTrade: (t) => rec.observer.onTrade(t),
    onProgress: () => {
      rec.observer.flush();
      if (!told) {
        told = true;
        say({ recording: rec.runId });
      }
      sleep(200);
    },
  };
  const report = runBacktest(strategy, series, {}, observer);
  rec.finish(report);
  say({ finished: rec.runId });
} else if (mode === 'record') {
  const [seed, go] = rest;
  const series = synthesize({ seed: Number(seed), bars: 40_000, timeframe: '5m', symbol: `SEED${seed}/USDT` });
  // Open the journal before waiting, so both processes hold it when the race starts.
  const peek = Journal.open(db);
  say({ ready: Number(seed) });
  while (!existsSync(go)) sleep(5);
  const rec = startBacktestRecording(db, { ...runMetaFor(strategy, series), gitCommit: null }, 200);
  const report = runBacktest(strategy, series, {}, rec.observer);
  rec.finish(report);
  peek.close();
  say({ runId: rec.runId, trades: report.trades.length, signals: report.signals.length });
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
