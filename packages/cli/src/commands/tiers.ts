import path from 'node:path';
import { Journal, journalPathFor, loadConfig, strategyTiers, tierMoves } from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = 'strategy tiers (COLD, WARM, HOT) and every move between them, with its reason';

const USAGE = `usage: volt tiers [NAME] [--json] [--journal PATH]

  NAME            one strategy's moves, oldest first
  --json          as one JSON document
  --journal PATH  the journal to read (default .volt/journal.db)

A strategy is placed and moved by its walk-forward sweeps (volt optimize --folds K): one step
up or down per sweep, on out-of-sample Sharpe, trades, drawdown, deflated Sharpe and PBO. HOT
also needs a paper session of 20 trades within drift bounds (looked at after volt drift), and a
HOT strategy whose paper sessions lose more than 5% goes back to WARM (looked at when a paper
session ends). Rules: packages/engine/src/optimize/README.md. A strategy never swept is COLD.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, journal: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`one strategy at a time, got ${positionals.length}\n\n${USAGE}`);
  const cwd = process.cwd();
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(cwd, loadConfig(cwd).journal.path);
  const journal = Journal.openExisting(file);
  try {
    const name = positionals[0];
    if (name !== undefined) {
      const moves = tierMoves(journal, name);
      if (moves.length === 0) throw new UsageError(`no tier moves for '${name}': it is COLD until a walk-forward sweep (volt optimize --folds K) moves it`);
      process.stdout.write(values.json ? JSON.stringify(moves, null, 2) + '\n' : moves.map((m) => `${day(m.at)}  ${(m.from ?? 'new').padEnd(4)} → ${m.to.padEnd(4)}  ${m.sweepId !== null ? `sweep ${m.sweepId}: ` : ''}${m.reason}`).join('\n') + '\n');
      return EXIT.ok;
    }
    const tiers = [...strategyTiers(journal).values()];
    if (values.json) {
      process.stdout.write(JSON.stringify(tiers, null, 2) + '\n');
      return EXIT.ok;
    }
    if (tiers.length === 0) {
      process.stdout.write('no strategy has a tier yet: a walk-forward sweep (volt optimize <strategy> --folds K) places it\n');
      return EXIT.ok;
    }
    const order = { HOT: 0, WARM: 1, COLD: 2 } as const;
    tiers.sort((a, b) => order[a.tier] - order[b.tier] || a.strategyName.localeCompare(b.strategyName));
    const width = Math.max(8, ...tiers.map((t) => t.strategyName.length));
    process.stdout.write(`  ${'tier'.padEnd(5)} ${'strategy'.padEnd(width)}  since             why\n`);
    for (const t of tiers) process.stdout.write(`  ${t.tier.padEnd(5)} ${t.strategyName.padEnd(width)}  ${day(t.since)}  ${t.reason}\n`);
    return EXIT.ok;
  } finally {
    journal.close();
  }
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
