import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  Journal,
  StrategyRunner,
  VoltError,
  agentStatus,
  evaluateAgents,
  formatAgentEvaluation,
  formatAgentStatus,
  journalPathFor,
  learningInputs,
  loadConfig,
  recordAgentEvaluation,
  ollamaHostFrom,
  resolveDataSpec,
  transpileStrategy,
} from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = "the agents' panel: each agent, its model or rules, Ollama's status, and metrics from the journal";

const USAGE = `usage: volt agents status [--json] [--journal PATH] [--root DIR]
       volt agents evaluate FILE --data SPEC [--data SPEC …] [--folds N] [--lenient] [--json] [--journal PATH] [--no-journal] [--root DIR]

  Each agent of the panel (volatility assessor, hedge optimizer, trend analyzer, market analyst,
  execution agent, auditor): rules or an Ollama model (agents.mode and ollama.models of
  volt.config.json), its voting weight, whether Ollama answers at the configured host (its
  version and installed models), and from the journal each agent's proposals, approvals,
  average confidence and win rate, and the risk gate's reviews, rejections and modifications.

  --journal PATH   the journal file (default: journal.path of volt.config.json, else .volt/journal.db)
  --root DIR       where to look for volt.config.json, then in the folders above (default: the current folder)
  --json           machine-readable output

  evaluate: out of sample, does the panel earn its place and each agent its vote? Walk-forward
  on each --data set (anchored, --folds test windows, default 3): the track records learn on the
  training window, then on the test window the strategy runs with no panel, with the panel, with
  the panel less each voting agent, and with each candidate set of weights; each agent's accuracy
  (backed a winner or held back from a loser) over every entry let through the vote. Outside
  signals come from the journal's cache, else agents.signals' fixtures. The result is kept in the
  journal (agent_evaluations; --no-journal: not), where \`volt agents status\`, :VoltAgentStatus
  and VS Code's Agent Status show the last one.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      data: { type: 'string', multiple: true },
      folds: { type: 'string' },
      lenient: { type: 'boolean', default: false },
      'no-journal': { type: 'boolean', default: false },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const [sub, ...rest] = positionals;
  if (sub === 'evaluate') return evaluate(rest, values);
  if (sub !== 'status' || rest.length > 0) throw new UsageError(`${sub === undefined ? 'which subcommand?' : `unknown: ${positionals.join(' ')}`}\n\n${USAGE}`);

  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  // A host that cannot be a URL is a setting to fix, not a status to report (volt.config.json's
  // own ollama.host was checked as it loaded; this is OLLAMA_HOST).
  const host = ollamaHostFrom(config.ollama.host);
  if (!host.ok) throw new VoltError({ kind: 'config', message: host.problem });
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  // No journal yet is normal on a fresh workspace: show the panel without metrics.
  const journal = existsSync(file) ? Journal.openExisting(file) : undefined;
  try {
    const status = await agentStatus(config, journal);
    process.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : formatAgentStatus(status).join('\n') + '\n');
  } finally {
    journal?.close();
  }
  return EXIT.ok;
}

async function evaluate(
  rest: string[],
  values: { json?: boolean; journal?: string; root?: string; data?: string[]; folds?: string; lenient?: boolean; 'no-journal'?: boolean },
): Promise<number> {
  if (rest.length !== 1) throw new UsageError(`volt agents evaluate needs one strategy file\n\n${USAGE}`);
  const specs = values.data ?? [];
  if (specs.length === 0) throw new UsageError(`volt agents evaluate needs --data at least once (three real data sets make the comparison worth reading)\n\n${USAGE}`);
  const folds = values.folds === undefined ? 3 : Number(values.folds);
  if (!(Number.isInteger(folds) && folds >= 1)) throw new UsageError(`--folds expects a whole number of at least 1, got '${values.folds}'`);
  const cwd = process.cwd();
  const root = path.resolve(values.root ?? cwd);
  const config = loadConfig(root);
  const journalFile = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  // A journal that cannot take the result says so before minutes of walk-forward, not after.
  if (values['no-journal'] !== true) Journal.open(journalFile).close();
  const datasets = [];
  for (const spec of specs) {
    const series = await resolveDataSpec(spec, { cwd, lenient: values.lenient === true });
    datasets.push({ name: path.basename(spec), series, signals: learningInputs(config, journalFile, series.symbol).signals });
  }
  const strategyPath = path.resolve(cwd, rest[0]!);
  const bundle = await transpileStrategy(strategyPath);
  const runner = new StrategyRunner({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, spares: 1 });
  try {
    const result = await evaluateAgents({
      runner,
      bundle,
      datasets,
      config,
      folds,
      ...(process.stderr.isTTY ? { onStep: (done: number, total: number, what: string) => process.stderr.write(`\r\x1b[K${done}/${total} ${what}`) } : {}),
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (values['no-journal'] !== true) {
      // Kept whole, so the editors' agent status can draw the same tables without running it again.
      const journal = Journal.open(journalFile);
      try {
        recordAgentEvaluation(journal.db, result, { strategyPath });
      } finally {
        journal.close();
      }
    }
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatAgentEvaluation(result).join('\n') + '\n');
  } finally {
    await runner.dispose();
  }
  return EXIT.ok;
}
