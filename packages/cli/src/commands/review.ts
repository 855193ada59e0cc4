import { existsSync } from 'node:fs';
import path from 'node:path';
import { Journal, VoltError, formatOutcomeReview, journalPathFor, loadConfig, reviewOutcomes } from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = "outcome analysis: which signals and regimes preceded a strategy's CORRECT, FALSE_POSITIVE and STOPPED trades";

const USAGE = `usage: volt review STRATEGY [--run ID …] [--all] [--json] [--journal PATH] [--root DIR]

  Over the strategy's closed trades in the journal, the conditions at each entry — the regime,
  momentum, realized-vol percentile, each outside signal (for, against or neutral to the trade's
  side), the outside score, each agent's vote (backed, held, opposed) — with how many trades
  ended CORRECT, FALSE_POSITIVE and STOPPED and the win rate's 95% interval (Wilson).
  STRATEGY is its name or its file. Only runs with the agents' panel (--agents rules|ollama)
  record what each entry saw.

  --run ID   these runs (repeatable; default the strategy's latest run with the panel)
  --all      every such run of the strategy (the same trades in several runs count each time)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      run: { type: 'string', multiple: true },
      journal: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`volt review needs one strategy (its name or file)\n\n${USAGE}`);
  const runs = values.run?.map((r) => {
    const id = Number(r);
    if (!Number.isInteger(id) || id < 1) throw new UsageError(`--run expects a run id, got '${r}'`);
    return id;
  });
  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  if (!existsSync(file)) throw new VoltError({ kind: 'journal', file, message: 'no journal here yet', hint: 'run `volt backtest FILE --agents rules` first' });
  const journal = Journal.openExisting(file);
  try {
    const given = positionals[0]!;
    // A file names the strategy its runs were recorded under.
    const byPath = journal.db.prepare(`SELECT strategy_name FROM runs WHERE strategy_path = ? ORDER BY id DESC LIMIT 1`).pluck().get(path.resolve(given)) as string | undefined;
    const review = reviewOutcomes(journal, byPath ?? given, { ...(runs ? { runs } : {}), all: values.all === true });
    process.stdout.write(values.json ? JSON.stringify(review, null, 2) + '\n' : formatOutcomeReview(review).join('\n') + '\n');
  } finally {
    journal.close();
  }
  return EXIT.ok;
}
