import path from 'node:path';
import { DEFAULT_CONFIG, EXAMPLE_STRATEGY_FILE, ENGINE_TYPES_DIR, initWorkspace, refreshWorkspaceTypes, type InitOptions } from '@volt/engine';
import { EXIT, parseCommandArgs } from '../usage.js';

export {
  EXAMPLE_STRATEGY,
  EXAMPLE_STRATEGY_FILE,
  ENGINE_TYPES_DIR,
  WORKSPACE_VAULT,
  WORKSPACE_VOLATILITY_FILES,
  engineDist,
  tsconfigFor,
  type InitOptions,
} from '@volt/engine';

export const summary = 'set up a folder for writing strategies (config, editor types, an example)';

const USAGE = `usage: volt init [DIR]
       volt init --types [DIR]

Sets up DIR (default: the current folder) for writing strategies:
  volt.config.json                           workspace settings (data, risk limits, agents, Ollama)
  tsconfig.json                              points your editor at the engine's types (relative path)
  types/volt-engine/                         the engine's type declarations, for completion and hover
  strategies/rsi-mean-reversion.strategy.ts  an example to copy from
  .gitignore                                 gains .volt/ (the journal) and my-vault/ (its Obsidian notes)
Existing files are never overwritten.

volt.config.json names the agents' volatility files under data/, to be downloaded there:
  agents.vix, vix9d, vix3m, vix6m  CBOE's daily histories (VIX_History.csv, VIX9D_History.csv, …)
                                   for the regime and the term structure (contango/backwardation)
  agents.impliedVol                the index IV rank is read from (the VIX until you choose another;
                                   a file, or exchange:deribit:DVOL/BTC:1d:SINCE:UNTIL)
  agents.events                    a calendar of events: date,symbol,event[,expected_move]
A file not there yet is left out of a run with a note; volt backtest --vix FILE … overrides each.

  --types   only replace types/volt-engine/ with this Volt's declarations (after an upgrade)`;

/** `volt init [--types] [DIR]`; the work itself is the engine's (config/workspace-init.ts). */
export async function run(argv: string[], options: InitOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, types: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    process.stderr.write(`volt init: expected at most one folder, got ${positionals.length}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const dir = path.resolve(positionals[0] ?? '.');
  if (values.types) {
    const version = refreshWorkspaceTypes(dir, options);
    process.stdout.write(`volt init: ${ENGINE_TYPES_DIR}${path.sep} now holds the types of engine ${version}\n`);
    return EXIT.ok;
  }
  const { done } = initWorkspace(dir, options);
  const relative = path.relative(process.cwd(), dir);
  const shown = relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
  process.stdout.write(
    [
      `volt init: set up ${shown}`,
      ...done.map((d) => `  ${d}`),
      '',
      'next:',
      `  volt backtest ${path.join(shown, EXAMPLE_STRATEGY_FILE)} --data ${DEFAULT_CONFIG.data.default}`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
