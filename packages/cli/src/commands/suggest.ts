import path from 'node:path';
import { Journal, StrategyRunner, journalPathFor, loadConfig, recordSuggestions, resolveDataSpec, sliceSeries, suggestParams, transpileStrategy } from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = "bounded parameter suggestions: a neighbour of each param's value, inside its range, offered only when it did better out of sample";

const USAGE = `usage: volt suggest FILE --data SPEC [--folds N] [--min-trades N] [--lenient] [--json] [--journal PATH] [--no-journal] [--root DIR]

  For each param with a declared range: the training window of each walk-forward fold (anchored,
  --folds, default 3) picks the best of value − step, value and value + step; the pick is run on
  the fold's test window against the current value. Offered when most training windows picked it
  and it beat the current value out of sample (mean Sharpe) with --min-trades trades (default 10);
  otherwise refused with both figures. Nothing is changed: edit the param yourself. Offered
  changes are kept in the journal (--no-journal: not), where \`volt report weekly\` lists those no
  run has acted on yet.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      folds: { type: 'string' },
      'min-trades': { type: 'string' },
      lenient: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      'no-journal': { type: 'boolean', default: false },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`volt suggest needs one strategy file\n\n${USAGE}`);
  const cwd = process.cwd();
  const config = loadConfig(path.resolve(values.root ?? cwd));
  const folds = values.folds === undefined ? 3 : Number(values.folds);
  const minTrades = values['min-trades'] === undefined ? 10 : Number(values['min-trades']);
  if (!(Number.isInteger(folds) && folds >= 1)) throw new UsageError(`--folds expects a whole number of at least 1, got '${values.folds}'`);
  if (!(Number.isInteger(minTrades) && minTrades >= 0)) throw new UsageError(`--min-trades expects a whole number, got '${values['min-trades']}'`);
  const series = await resolveDataSpec(values.data ?? config.data.default, { cwd, lenient: values.lenient === true });
  const bundle = await transpileStrategy(path.resolve(cwd, positionals[0]!));
  const runner = new StrategyRunner({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, spares: 1 });
  try {
    // The declared params come from the strategy itself, read in its sandbox on a few bars.
    const probe = await runner.run({ bundle, series: series.length > 200 ? sliceSeries(series, undefined, series.time[200]) : series });
    if (probe.status === 'failed') throw new UsageError(`${bundle.path}: ${probe.failure.message}`);
    if (probe.status !== 'done') return EXIT.error;
    const out = await suggestParams({ runner, bundle, series, params: probe.strategy.params, folds, minTrades, options: { capital: config.backtest.capital, feeRate: config.backtest.feeRate, slippage: config.backtest.slippage } });
    if (!values['no-journal'] && out.some((s) => s.status === 'offered')) {
      const journal = Journal.open(values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(cwd, config.journal.path));
      try {
        recordSuggestions(journal, { strategyName: probe.strategy.name, strategyPath: bundle.path, dataSpec: values.data ?? config.data.default }, out);
      } finally {
        journal.close();
      }
    }
    if (values.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else if (out.length === 0) process.stdout.write('no suggestion: the training windows kept every param where it is\n');
    else for (const s of out) process.stdout.write(`${s.status === 'offered' ? 'offered' : 'refused'}  ${s.param}: ${s.message}\n`);
  } finally {
    await runner.dispose();
  }
  return EXIT.ok;
}
