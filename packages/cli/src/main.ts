// Module files, not the engine's index: each command loads what it uses (a backtest ~30 modules of ~180).
import { isVoltError } from '@volt/engine/lib/errors';
import { packageVersion } from '@volt/engine/lib/version';
import { loadConfig, setConfigWarningHandler, type ConfigProblem } from '@volt/engine/lib/config/load';
import { UsageError, EXIT } from './usage.js';

type Command = { summary: string; run(argv: string[]): Promise<number> };

/** Every `volt` subcommand, in the order `volt help` lists them. Each lives in commands/<name>.ts. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  backtest: () => import('./commands/backtest.js'),
  optimize: () => import('./commands/optimize.js'),
  worker: () => import('./commands/worker.js'),
  tiers: () => import('./commands/tiers.js'),
  bus: () => import('./commands/bus.js'),
  synth: () => import('./commands/synth.js'),
  lint: () => import('./commands/lint.js'),
  data: () => import('./commands/data.js'),
  scan: () => import('./commands/scan.js'),
  journal: () => import('./commands/journal.js'),
  agents: () => import('./commands/agents.js'),
  signals: () => import('./commands/signals.js'),
  review: () => import('./commands/review.js'),
  report: () => import('./commands/report.js'),
  suggest: () => import('./commands/suggest.js'),
  init: () => import('./commands/init.js'),
  options: () => import('./commands/options.js'),
  doctor: () => import('./commands/doctor.js'),
  paper: () => import('./commands/paper.js'),
  live: () => import('./commands/live.js'),
  drift: () => import('./commands/drift.js'),
};

/** This CLI's version (its package.json), which moves with the engine's and the sidecar's. */
export function cliVersion(): string {
  return packageVersion(new URL('../package.json', import.meta.url));
}

async function help(): Promise<string> {
  const rows = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, (await load()).summary] as const));
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    'volt: write, lint, backtest and journal trading strategies',
    '',
    'usage: volt <command> [options]   (volt <command> --help for its options; volt --version)',
    '',
    'commands:',
    ...rows.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write((await help()) + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`volt ${cliVersion()}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`volt: unknown command '${name}'\n\n${await help()}\n`);
    return EXIT.usage;
  }
  // Every command that reads volt.config.json says what in it is ignored, once per run.
  const warned = new Set<string>();
  setConfigWarningHandler((p: ConfigProblem) => {
    const line = `${configWhere(p)}${p.message}; ${p.hint}`;
    if (warned.has(line)) return;
    warned.add(line);
    process.stderr.write(`volt ${name}: warning: ${line}\n`);
  });
  try {
    if (name === 'backtest' && !rest.includes('--help') && !rest.includes('-h')) await prestartSandbox();
    const command = await load();
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`volt ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    if (isVoltError(e)) {
      process.stderr.write(`volt ${name}: ${e.format()}\n`);
      return e.kind === 'usage' ? EXIT.usage : EXIT.error;
    }
    process.stderr.write(`volt ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.error;
  }
}

/**
 * A backtest's sandbox process starts before the command's modules load (BENCHMARKS.md, "Candles
 * from the binary cache"); the command's runner takes it. A config that does not load is left for
 * the command to report.
 */
async function prestartSandbox(): Promise<void> {
  const { StrategyRunner } = await import('@volt/engine/lib/runner/runner');
  let config;
  try {
    config = loadConfig(process.cwd());
  } catch {
    return;
  }
  StrategyRunner.prestart({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, warmUp: false });
}

function configWhere(p: ConfigProblem): string {
  if (p.file === undefined) return '';
  return `${p.file}${p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}: `;
}
