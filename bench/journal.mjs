// Journal and vault speed, each against a peer measured in the same run:
// - recording decisions through RunRecorder (batched transactions) vs one autocommit INSERT per row;
// - exporting 10,000 trades to an Obsidian vault, then re-exporting with nothing changed, vs a
//   forced rewrite of every note.
// Targets (issue 4): ≥100,000 decisions/s; export <5 s; unchanged re-export <1 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Journal, defineStrategy, exportVault, runBacktest, synthesize } from '../packages/engine/dist/index.js';

const DECISIONS = 200_000;
const PEER_ROWS = 5_000;
const TRADES = 10_000;

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const verdict = (ok) => (ok ? 'met' : 'NOT met on this machine');

function recordDecisions(journal) {
  const runId = journal.startRun({ strategyName: 'bench: batched', gitCommit: null });
  // Past the per-run cap (MAX_DECISIONS_PER_RUN) rows are only counted: lift it to time real inserts.
  const recorder = journal.recorder(runId, { batchSize: 1000, symbol: 'BTC/USDT', maxDecisions: DECISIONS });
  // One signal object reused, as the backtester's hot loop would; the recorder copies what it keeps.
  const signal = { bar: 0, time: 0, action: 'buy', confidence: 0.6, reason: 'RSI turned up through 30', tradeId: undefined, ignored: undefined };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < DECISIONS; i++) {
    signal.bar = i;
    signal.time = 1_600_000_000_000 + i * 60_000;
    signal.action = i % 2 === 0 ? 'buy' : 'exit';
    recorder.onSignal(signal);
  }
  recorder.flush();
  return seconds(t0);
}

function recordDecisionsOneByOne(journal) {
  const runId = journal.startRun({ strategyName: 'bench: autocommit', gitCommit: null });
  const insert = journal.db.prepare(
    `INSERT INTO decisions (run_id, seq, time, bar, symbol, action, confidence, reason, status, ignored, trade_no,
                            agent_results, consensus_decision, recommendations)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'approved', NULL, NULL, NULL, NULL, NULL)`,
  );
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < PEER_ROWS; i++) {
    insert.run(runId, i + 1, 1_600_000_000_000 + i * 60_000, i, 'BTC/USDT', i % 2 === 0 ? 'buy' : 'exit', 0.6, 'RSI turned up through 30');
  }
  return seconds(t0);
}

/** A real backtest with at least TRADES trades: enters every 5th bar, holds 3. */
function tradeHeavyReport() {
  const strategy = defineStrategy({
    name: 'Bench: in and out',
    onBar(ctx) {
      if (ctx.position.side !== 0) {
        if (ctx.position.barsHeld >= 3) ctx.exit({ confidence: 0.5, reason: 'held 3 bars' });
        return;
      }
      if (ctx.index % 5 !== 0 || ctx.index < 2) return;
      if (ctx.bar.close >= ctx.history(2).close(1)) ctx.buy({ confidence: 0.6, reason: 'close rose: ride it' });
      else ctx.sell({ confidence: 0.6, reason: 'close fell: short it' });
    },
    risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  });
  const series = synthesize({ seed: 9, bars: Math.ceil(TRADES * 5.2), timeframe: '1h', symbol: 'ETH/USDT' });
  const report = runBacktest({ definition: strategy }, series);
  return { ...report, trades: report.trades.slice(0, TRADES) };
}

export async function run() {
  const dir = mkdtempSync(path.join(tmpdir(), 'volt-bench-journal-'));
  const lines = [];
  try {
    const journal = Journal.open(path.join(dir, 'journal.db'));
    const batched = recordDecisions(journal);
    const single = recordDecisionsOneByOne(journal);
    const batchedRate = DECISIONS / batched;
    const singleRate = PEER_ROWS / single;
    lines.push(
      `decisions, RunRecorder batches of 1000:   ${fmt(batchedRate).padStart(9)} rows/s  (${fmt(DECISIONS)} rows in ${batched.toFixed(2)} s)  target ≥100,000: ${verdict(batchedRate >= 100_000)}`,
      `peer, one autocommit INSERT per row:       ${fmt(singleRate).padStart(9)} rows/s  (${fmt(PEER_ROWS)} rows in ${single.toFixed(2)} s)`,
      `  batching is ${(batchedRate / singleRate).toFixed(1)}× the row-at-a-time rate`,
    );
    journal.close();

    const vaultJournal = Journal.open(path.join(dir, 'vault-journal.db'));
    const report = tradeHeavyReport();
    vaultJournal.recordBacktest(report, { gitCommit: null });
    const vault = path.join(dir, 'vault');
    let t0 = process.hrtime.bigint();
    const first = exportVault(vaultJournal, vault);
    const exportSeconds = seconds(t0);
    t0 = process.hrtime.bigint();
    const again = exportVault(vaultJournal, vault);
    const reSeconds = seconds(t0);
    t0 = process.hrtime.bigint();
    const forced = exportVault(vaultJournal, vault, {}, { force: true });
    const forcedSeconds = seconds(t0);
    vaultJournal.close();
    lines.push(
      `vault export, ${fmt(first.trades)} trades (${fmt(first.files)} files): ${exportSeconds.toFixed(2)} s  target <5 s: ${verdict(exportSeconds < 5)}`,
      `re-export, nothing changed (${fmt(again.unchanged)} unchanged, ${again.created + again.updated} written): ${reSeconds.toFixed(2)} s  target <1 s: ${verdict(reSeconds < 1)}`,
      `peer, forced rewrite of every file (${fmt(forced.updated)} written): ${forcedSeconds.toFixed(2)} s`,
      `  compare-before-write re-export is ${(forcedSeconds / reSeconds).toFixed(1)}× faster than rewriting`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
