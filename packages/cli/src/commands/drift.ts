import path from 'node:path';
import {
  Journal,
  StrategyRunner,
  VoltError,
  lineUp,
  withVenueFills,
  exportSessionToVault,
  loadConfig,
  readSession,
  reviewTiersAfterSession,
  transpileStrategy,
  type CandleSeries,
  type DriftReport,
  type SessionTrade,
  type VenueOrderRow,
} from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs, runFailureError } from '../usage.js';
import { journalFile } from './paper.js';

export const summary = "line a paper or live session up with the backtester over the session's own bars, trade by trade";

const USAGE = `usage: volt drift SESSION [--json] [--journal FILE]

  Replays the bars the session recorded (its warm-up included, whose orders are refused as the
  session refused them) through the backtester, in the sandbox, and lines the two up trade by
  trade: the same signal bar? the same fill (the difference in bps, and why: the book against the
  slippage model, latency)? the same exit? trades only one of them made. One table, or --json;
  the result is kept with the session, where the editor shows it (VOLT206).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, journal: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0) throw new UsageError(`which session? give its number (volt paper status lists them)\n\n${USAGE}`);
  const file = journalFile(values.journal);
  const journal = Journal.open(file);
  try {
    const session = readSession(journal, id);
    if (!session) throw new UsageError(`the journal ${file} has no session ${id}; volt paper status lists them`);
    const rows = journal.db.prepare(`SELECT time, open, high, low, close, volume FROM session_bars WHERE session_id = ? ORDER BY bar`).all(id) as Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', number>[];
    if (rows.length <= session.warmupBars) throw new VoltError({ kind: 'data', message: `session ${id} has recorded no bars past its warm-up yet`, hint: 'run it a while first (volt paper …)' });
    const series = seriesOf(rows, session.symbol, session.timeframe, `session ${id}`);
    const trades = (journal.db.prepare(`SELECT trade_no AS id, side, qty, entry_bar AS entryBar, entry_time AS entryTime, entry_price AS entryPrice, exit_bar AS exitBar, exit_time AS exitTime, exit_price AS exitPrice, exit_reason AS exitReason, pnl, reason FROM trades WHERE run_id = ? ORDER BY trade_no`).all(session.runId)) as SessionTrade[];
    const config = loadConfig(process.cwd());
    const slippage = config.backtest.slippage;
    const runner = new StrategyRunner({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, spares: 0, warmUp: false });
    let report: DriftReport;
    try {
      const bundle = await transpileStrategy(session.strategyPath);
      const outcome = await runner.run({ bundle, series, warmupBars: session.warmupBars, options: { capital: session.capital, feeRate: session.settings.feeRate, slippage, params: session.settings.params } });
      if (outcome.status === 'failed') throw runFailureError(outcome.failure, session.strategyPath);
      if (outcome.status !== 'done') return EXIT.error;
      report = lineUp(id, trades, outcome.report.trades, series, { warmupBars: session.warmupBars, slippage });
      // A live session's own fills on the venue, beside the ledger's book-walk prices.
      if (session.mode !== 'paper') {
        const orders = journal.db.prepare(`SELECT order_id AS orderId, bar, side, filled, average, status FROM session_orders WHERE session_id = ? ORDER BY time`).all(id) as VenueOrderRow[];
        report = withVenueFills(report, orders);
      }
    } finally {
      await runner.dispose();
    }
    journal.db.prepare(`UPDATE sessions SET drift = ? WHERE id = ?`).run(JSON.stringify(report), id);
    // A paper session with its drift report is evidence for the strategy's tier (optimize/README.md, "Tiers").
    const moves = session.mode === 'paper' ? reviewTiersAfterSession(journal, id) : [];
    for (const m of moves) process.stderr.write(`volt drift: ${m.strategy} ${m.from} → ${m.to}: ${m.reason}\n`);
    if (config.vault?.path) exportSessionToVault(journal, path.resolve(process.cwd(), config.vault.path), id);
    if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
    else printTable(report, path.basename(session.strategyPath));
    return EXIT.ok;
  } finally {
    journal.close();
  }
}

function seriesOf(rows: Record<string, number>[], symbol: string, timeframe: string, source: string): CandleSeries {
  const col = (k: string) => Float64Array.from(rows, (r) => r[k]!);
  return { symbol, timeframe, source, length: rows.length, time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
}

function printTable(r: DriftReport, strategy: string): void {
  const out: string[] = [];
  out.push(`session ${r.session} (${strategy}): ${r.bars - r.warmupBars} bars after a ${r.warmupBars}-bar warm-up; ${r.sessionTrades} session trades, ${r.backtestTrades} backtest trades, ${r.same} the same`);
  out.push('');
  out.push(`${'bar'.padStart(6)}  ${'time'.padEnd(19)}  ${'side'.padEnd(5)}  ${'kind'.padEnd(6)}  ${'session'.padStart(12)}  ${'backtest'.padStart(12)}  ${'Δ bps'.padStart(7)}  why`);
  for (const l of r.lines) {
    out.push(
      `${String(l.signalBar).padStart(6)}  ${new Date(l.time).toISOString().replace('T', ' ').slice(0, 19)}  ${l.side.padEnd(5)}  ${l.kind.padEnd(6)}  ` +
        `${(l.session ? l.session.entryPrice.toFixed(2) : '—').padStart(12)}  ${(l.backtest ? l.backtest.entryPrice.toFixed(2) : '—').padStart(12)}  ` +
        `${(l.entryDiffBps !== undefined ? l.entryDiffBps.toFixed(1) : '').padStart(7)}  ${l.why}`,
    );
  }
  out.push('');
  out.push(`P&L drift over the paired trades: ${r.pnlDrift >= 0 ? '+' : ''}${r.pnlDrift.toFixed(2)}`);
  process.stdout.write(out.join('\n') + '\n');
}
