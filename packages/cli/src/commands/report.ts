import { existsSync } from 'node:fs';
import path from 'node:path';
import { Journal, VoltError, isoWeekOf, journalPathFor, loadConfig, parseIsoWeek, postWeeklyWebhook, weeklyReport, writeWeeklyNote } from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = 'the weekly report: a vault note Performance/Week_YYYY-Www.md (P&L, win rate, agents, what changed), optionally POSTed to a webhook';

const USAGE = `usage: volt report weekly [--week YYYY-Www] [--vault DIR] [--webhook URL] [--json] [--journal PATH] [--root DIR]

  The runs the journal recorded in the week (by when they started; default the current ISO week,
  UTC): per strategy its runs, trades, P&L, win rate, last Sharpe and what changed since its run
  before the week (the file, params, Sharpe); each agent's accuracy over the week's closed trades.
  Written to <vault>/Performance/Week_YYYY-Www.md (default vault.path of volt.config.json); what
  you write below the note's volt:end line stays. --webhook (default weeklyReport.webhook of
  volt.config.json) POSTs the same summary as JSON. A paper or live session counts in each week it
  traded in, by the exchange's clock, with the trades that closed in that week; \`volt paper\`
  writes the note itself as each week ends (and every weeklyReport.everyHours, when set).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      week: { type: 'string' },
      vault: { type: 'string' },
      webhook: { type: 'string' },
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1 || positionals[0] !== 'weekly') throw new UsageError(`${positionals.length === 0 ? 'which report?' : `unknown: ${positionals.join(' ')}`}\n\n${USAGE}`);
  const week = values.week !== undefined ? parseIsoWeek(values.week) : isoWeekOf(Date.now());
  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  if (!existsSync(file)) throw new VoltError({ kind: 'journal', file, message: 'no journal here yet', hint: 'run `volt backtest FILE` first' });
  const journal = Journal.openExisting(file);
  let report;
  try {
    report = weeklyReport(journal, week);
  } finally {
    journal.close();
  }
  const vault = values.vault !== undefined ? path.resolve(values.vault) : config.vault ? path.resolve(root, config.vault.path) : undefined;
  const note = vault ? writeWeeklyNote(vault, report) : undefined;
  // --webhook, else weeklyReport.webhook of volt.config.json (the one sessions post to).
  const webhook = values.webhook ?? config.weeklyReport?.webhook;
  if (webhook) await postWeeklyWebhook(webhook, report);
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(`week ${report.week}: ${report.runs} runs, ${report.trades} trades, P&L ${report.pnl.toFixed(2)}, win rate ${Number.isFinite(report.winRate) ? (report.winRate * 100).toFixed(1) + '%' : '–'}\n`);
    process.stdout.write(note ? `written to ${path.relative(process.cwd(), note) || note}\n` : 'no vault: set vault.path in volt.config.json or give --vault DIR for the note\n');
    if (webhook) process.stdout.write(`posted to ${webhook}\n`);
  }
  return EXIT.ok;
}
