import path from 'node:path';
import {
  Journal,
  MAX_DECISIONS_PER_RUN,
  OUTCOME_LABELS,
  decisionJson,
  exportVault,
  journalPathFor,
  loadConfig,
  parseDateOnly,
  parseTimestamp,
  type DecisionEntry,
  type JournalFilter,
  type OutcomeLabel,
  type RunEntry,
  type TradeEntry,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';
import { endQuietlyWhenStdoutCloses } from '../stdout.js';

export const summary = 'list, show and export the decision journal (runs, trades, decisions) and the Obsidian vault';

const USAGE = `usage: volt journal <list|show|export> [options]

  volt journal list [runs|trades|decisions] [filters] [--json]
      Newest first. Lists runs unless told otherwise; --outcome alone lists trades.
  volt journal show RUN_ID [--json]
      One run: where the strategy came from (file, content hash, git commit), data, metrics,
      outcomes, and its latest trades.
  volt journal export [--vault DIR] [filters] [--json]
      Writes the journal into an Obsidian vault (DIR, else vault.path of volt.config.json):
      Trades/, Strategies/, Performance/ (with equity and drawdown charts), Agent-Logs/ and
      Dashboard.md. Safe to repeat: unchanged notes are left alone and what you wrote below a
      note's marker or under "## Review" is kept. With --json and no vault, prints the runs,
      trades and decisions (as DESIGN.md's decision JSON) instead.

filters:
  --strategy NAME          one strategy (its defineStrategy name)
  --outcome LABEL          PENDING, CORRECT, FALSE_POSITIVE or STOPPED
  --from DATE  --to DATE   YYYY-MM-DD (UTC; --to includes that day) or an ISO time; trades by
                           entry time, decisions by bar time, runs by when they started
  --run ID                 one run
  --limit N                at most N rows (list: default 20; 0 for all)

options:
  --journal PATH           the journal file (default: journal.path in volt.config.json, else
                           .volt/journal.db, under --root)
  --root DIR               where to look for volt.config.json, then in the folders above
                           (default: the current folder)
  --json                   machine-readable output`;

const OPTIONS = {
  strategy: { type: 'string' },
  outcome: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  run: { type: 'string' },
  limit: { type: 'string' },
  journal: { type: 'string' },
  root: { type: 'string' },
  vault: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const DAY = 86_400_000;

export async function run(argv: string[]): Promise<number> {
  endQuietlyWhenStdoutCloses();
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE + '\n');
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'list' && sub !== 'show' && sub !== 'export') throw new UsageError(`unknown subcommand '${sub}'\n\n${USAGE}`);
  const { values, positionals } = parseCommandArgs({ args: rest, allowPositionals: true, options: OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  const filter = filterFrom(values, sub === 'list' ? 20 : undefined);

  if (sub === 'export') {
    if (positionals.length > 0) throw new UsageError(`export takes no positional arguments (got '${positionals[0]}')`);
    const vault = values.vault ?? (config.vault ? path.resolve(root, config.vault.path) : undefined);
    const journal = Journal.openExisting(file);
    try {
      if (vault === undefined) {
        if (!values.json) throw new UsageError('name the vault folder with --vault DIR (or set vault.path in volt.config.json), or use --json');
        const runs = journal.listRuns(filter);
        const trades = journal.listTrades(filter);
        const decisions = journal.listDecisions(filter).map(decisionJson);
        printJson({ journal: file, runs, trades, decisions });
        return EXIT.ok;
      }
      const result = exportVault(journal, vault, filter);
      if (values.json) printJson(result);
      else {
        process.stdout.write(
          `vault ${result.dir}: ${result.trades} trades, ${result.runs} runs, ${result.strategies} strategies; ` +
            `${result.created} notes created, ${result.updated} updated, ${result.unchanged} unchanged\n`,
        );
      }
      return EXIT.ok;
    } finally {
      journal.close();
    }
  }

  const journal = Journal.openExisting(file);
  try {
    if (sub === 'show') {
      const id = Number(positionals[0]);
      if (positionals.length !== 1 || !Number.isInteger(id)) throw new UsageError('show takes one run id: volt journal show 12');
      return show(journal, id, values.json);
    }
    let kind = positionals[0] ?? (filter.outcome !== undefined ? 'trades' : 'runs');
    if (positionals.length > 1) throw new UsageError(`list takes one kind, got ${positionals.join(' ')}`);
    if (kind === 'run') kind = 'runs';
    if (kind === 'trade') kind = 'trades';
    if (kind === 'decision') kind = 'decisions';
    if (kind === 'runs') {
      const runs = journal.listRuns(filter);
      if (values.json) printJson(runs);
      else printTable(runHeader, runs.map(runCells), 'no runs recorded yet: `volt backtest <strategy>` records one');
    } else if (kind === 'trades') {
      const trades = journal.listTrades(filter);
      if (values.json) printJson(trades);
      else printTable(tradeHeader, trades.map(tradeCells), 'no trades match');
    } else if (kind === 'decisions') {
      const decisions = journal.listDecisions(filter);
      if (values.json) printJson(decisions.map(decisionJson));
      else printTable(decisionHeader, decisions.map(decisionCells), 'no decisions match');
    } else {
      throw new UsageError(`list what? '${kind}' is not runs, trades or decisions`);
    }
    return EXIT.ok;
  } finally {
    journal.close();
  }
}

type Values = { strategy?: string; outcome?: string; from?: string; to?: string; run?: string; limit?: string };

function filterFrom(values: Values, defaultLimit: number | undefined): JournalFilter {
  const filter: JournalFilter = {};
  if (values.strategy !== undefined) filter.strategy = values.strategy;
  if (values.outcome !== undefined) {
    const label = values.outcome.toUpperCase().replace(/[- ]/g, '_');
    if (!OUTCOME_LABELS.includes(label as OutcomeLabel)) {
      throw new UsageError(`--outcome expects one of ${OUTCOME_LABELS.join(', ')}, got '${values.outcome}'`);
    }
    filter.outcome = label as OutcomeLabel;
  }
  if (values.from !== undefined) filter.from = dateOption('from', values.from, false);
  if (values.to !== undefined) filter.to = dateOption('to', values.to, true);
  const runId = numberOption('run', values.run);
  if (runId !== undefined) filter.runId = runId;
  const limit = numberOption('limit', values.limit) ?? defaultLimit;
  if (limit !== undefined && limit > 0) filter.limit = limit;
  return filter;
}

function dateOption(name: string, raw: string, endOfDay: boolean): number {
  const day = parseDateOnly(raw);
  // --to 2024-03-31 means "through the 31st": the bound is exclusive, so the next midnight.
  if (Number.isFinite(day)) return endOfDay ? day + DAY : day;
  const ms = parseTimestamp(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} expects a date like 2024-03-31 or 2024-03-31T12:00Z, got '${raw}'`);
  return ms;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function printTable(header: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
}

const when = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}%`);
const money = (v: number | null): string => (v === null ? '—' : `${v >= 0 ? '+' : ''}${Number(v.toPrecision(6))}`);
const oneLine = (s: string, max = 40): string => {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};

const runHeader = ['RUN', 'STARTED (UTC)', 'STATUS', 'STRATEGY', 'MARKET', 'RETURN', 'SHARPE', 'TRADES'];
function runCells(r: RunEntry): string[] {
  return [
    String(r.id),
    when(r.startedAt),
    r.status,
    oneLine(r.strategyName, 32),
    `${r.symbol ?? '?'} ${r.timeframe ?? ''}`.trim(),
    pct(r.metrics?.totalReturn),
    r.metrics ? r.metrics.sharpe.toFixed(2) : '—',
    String(r.tradeCount),
  ];
}

const tradeHeader = ['TRADE', 'RUN', 'STRATEGY', 'ASSET', 'SIDE', 'ENTRY (UTC)', 'ENTRY', 'EXIT', 'P&L', 'OUTCOME'];
function tradeCells(t: TradeEntry): string[] {
  return [
    String(t.id),
    String(t.runId),
    oneLine(t.strategyName, 24),
    t.symbol,
    t.side,
    when(t.entryTime),
    String(Number(t.entryPrice.toPrecision(8))),
    t.exitPrice === null ? '—' : String(Number(t.exitPrice.toPrecision(8))),
    money(t.pnl),
    t.outcome,
  ];
}

const decisionHeader = ['RUN', '#', 'TIME (UTC)', 'ACTION', 'CONF', 'STATUS', 'OUTCOME', 'REASON'];
function decisionCells(d: DecisionEntry): string[] {
  return [
    String(d.runId),
    String(d.seq),
    when(d.time),
    d.action,
    d.confidence === null ? '—' : d.confidence.toFixed(2),
    d.ignored ? `${d.status} (not filled${d.repeats > 1 ? ` ×${d.repeats}` : ''})` : d.status,
    d.outcome ?? '—',
    oneLine(d.reason ?? ''),
  ];
}

function show(journal: Journal, id: number, json: boolean): number {
  const run = journal.getRun(id);
  if (!run) {
    process.stderr.write(`volt journal: no run ${id} in ${journal.path}\n  fix: \`volt journal list\` shows the runs there are\n`);
    return EXIT.error;
  }
  const trades = journal.listTrades({ runId: id, limit: json ? 0 : 10 });
  if (json) {
    printJson({ ...run, trades });
    return EXIT.ok;
  }
  const m = run.metrics;
  const lines = [
    `Run ${run.id}: ${run.strategyName.replace(/\s+/g, ' ')} (${run.status})`,
    `  strategy   ${run.strategyPath ?? '—'}`,
    `  content    ${run.contentHash ?? '—'}`,
    `  git        ${run.gitCommit ?? 'not in a git repository'}`,
    `  params     ${Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(' ') || '—'}`,
    `  data       ${run.symbol ?? '?'} ${run.timeframe ?? ''}, ${when(run.dataFrom)} → ${when(run.dataTo)}, ${run.bars ?? '?'} bars (${run.dataSource ?? '?'})`,
    `  ran        ${when(run.startedAt)} → ${when(run.finishedAt)} UTC, pid ${run.pid ?? '?'}${run.host ? ` on ${run.host}` : ''}, agents ${run.agentsMode ?? '—'}`,
  ];
  if (run.error) lines.push(`  error      ${run.error}`);
  if (m) {
    lines.push(
      `  return     ${pct(m.totalReturn)}  CAGR ${pct(m.cagr)}  Sharpe ${m.sharpe.toFixed(2)}  max drawdown ${pct(-m.maxDrawdown)}`,
      `  trades     ${m.trades}  win rate ${(m.winRate * 100).toFixed(1)}%  profit factor ${m.profitFactor === null ? 'unbounded' : m.profitFactor.toFixed(2)}  fees ${Number(m.feesPaid.toPrecision(6))}`,
    );
  }
  lines.push(`  outcomes   ${Object.entries(run.outcomes).map(([k, v]) => `${k} ${v}`).join('  ')}`, `  decisions  ${run.decisionCount}${
      run.decisionsDropped > 0
        ? ` recorded, ${run.decisionsDropped} more not recorded (a run keeps at most ${MAX_DECISIONS_PER_RUN.toLocaleString('en-US')})`
        : ''
    }`);
  process.stdout.write(lines.join('\n') + '\n');
  if (trades.length > 0) {
    process.stdout.write(`\nlatest trades (volt journal list trades --run ${id} for all):\n`);
    printTable(tradeHeader, trades.map(tradeCells), '');
  }
  return EXIT.ok;
}
