import { isVoltError, packageVersion } from '@volt/engine';
import { UsageError, EXIT } from './usage.js';

type Command = { summary: string; run(argv: string[]): Promise<number> };

/** Every `volt` subcommand, in the order `volt help` lists them. Each lives in commands/<name>.ts. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  backtest: () => import('./commands/backtest.js'),
  lint: () => import('./commands/lint.js'),
  data: () => import('./commands/data.js'),
  journal: () => import('./commands/journal.js'),
  agents: () => import('./commands/agents.js'),
  init: () => import('./commands/init.js'),
  doctor: () => import('./commands/doctor.js'),
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
  try {
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
