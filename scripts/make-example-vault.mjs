#!/usr/bin/env node
// Builds examples/vault/: every example strategy backtested on the deterministic synthetic market
// (5,000 bars of synthetic:42, so the tracked sample stays a few hundred notes), reviewed by the rule-based agents' panel, recorded
// in a journal and exported to an Obsidian vault, so a newcomer can open a real one.
//
//   node scripts/make-example-vault.mjs [DIR]       (default examples/vault; needs `npx tsc -b` first)
//
// The lead's demo can call writeExampleVault(dir) instead. Re-running it keeps what anyone wrote
// below a note's marker, like every vault export.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

/** The sample's data: smaller than the workspace default, so the tracked vault stays small. */
const SAMPLE_DATA = 'synthetic:42';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import {
  Journal,
  backtestWithAgents,
  exportVault,
  gitCommitOf,
  loadConfig,
  loadStrategyFile,
  resolveDataSpec,
  runMetaFor,
} from '../packages/engine/dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = path.join(ROOT, 'examples');

/**
 * Backtests the example strategies and writes the vault to `dir`. Returns the export summary and
 * one line per run. `journalPath` keeps the journal (default: a temporary one, removed afterwards).
 */
export async function writeExampleVault(dir = path.join(EXAMPLES, 'vault'), { journalPath } = {}) {
  const config = loadConfig(EXAMPLES);
  const scratch = journalPath ? undefined : mkdtempSync(path.join(tmpdir(), 'volt-example-vault-'));
  const journal = Journal.open(journalPath ?? path.join(scratch, 'journal.db'));
  const lines = [];
  try {
    const strategiesDir = path.join(EXAMPLES, 'strategies');
    const files = readdirSync(strategiesDir).filter((f) => f.endsWith('.strategy.ts')).sort();
    const series = await resolveDataSpec(SAMPLE_DATA, { cwd: EXAMPLES });
    const options = {
      capital: config.backtest.capital,
      feeRate: config.backtest.feeRate,
      slippage: config.backtest.slippage,
      maxPositionCap: config.risk.maxPositionPct,
    };
    for (const file of files) {
      const absolute = path.join(strategiesDir, file);
      const strategy = await loadStrategyFile(absolute);
      // Paths relative to the repository, so the committed vault does not name one machine's folders.
      const meta = {
        ...runMetaFor(strategy, series, options),
        strategyPath: path.relative(ROOT, absolute),
        gitCommit: gitCommitOf(absolute),
        agentsMode: 'rules',
      };
      const runId = journal.startRun(meta);
      const recorder = journal.recorder(runId, { symbol: series.symbol });
      try {
        // The sample shows the agents' panel at work, whatever the workspace's agents.mode.
        const { report } = await backtestWithAgents(strategy, series, options, { mode: 'rules', config, journal: recorder });
        recorder.finish(report);
        const m = report.metrics;
        lines.push(`run ${runId} ${strategy.definition.name}: ${m.trades} trades, return ${(m.totalReturn * 100).toFixed(2)}%`);
      } catch (e) {
        recorder.fail(e);
        throw e;
      }
    }
    const summary = exportVault(journal, dir);
    writeFileSync(
      path.join(dir, 'README.md'),
      [
        '# Example Volt vault',
        '',
        'Open this folder as a vault in Obsidian and start at [[Dashboard]] (install the Dataview community plugin for its tables).',
        '',
        `Made by \`node scripts/make-example-vault.mjs\`: the example strategies in \`examples/strategies/\` backtested on \`${SAMPLE_DATA}\``,
        `(the deterministic synthetic market), reviewed by the rule-based agents' panel, recorded in a journal and exported with`,
        '`volt journal export --vault`. Every note is generated; write your own review below the `%% volt:end %%` line of any note and',
        're-exporting keeps it.',
        '',
        '- `Trades/`: one note per trade: frontmatter for Dataview, then Signals, Reasoning, Targets, Outcome.',
        '- `Performance/`: one note per run: metrics, equity and drawdown charts (`charts/*.svg`), outcomes, provenance.',
        '- `Strategies/`: one note per strategy and its run history.',
        '- `Agent-Logs/`: every decision of a run, with the agents\' votes and messages.',
        '',
      ].join('\n'),
    );
    return { summary, lines };
  } finally {
    journal.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = path.resolve(process.argv[2] ?? path.join(EXAMPLES, 'vault'));
  const { summary, lines } = await writeExampleVault(dir);
  for (const line of lines) console.log(line);
  console.log(
    `vault ${path.relative(process.cwd(), summary.dir) || summary.dir}: ${summary.trades} trades, ${summary.runs} runs, ` +
      `${summary.strategies} strategies (${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged)`,
  );
}
