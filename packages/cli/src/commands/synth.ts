import path from 'node:path';
import {
  DEFAULT_SYNTH_ATTEMPTS,
  DEFAULT_SYNTH_MODEL,
  defaultDraftPath,
  findConfigFile,
  formatFinding,
  gatewayFromConfig,
  Journal,
  journalPathFor,
  loadConfig,
  resolveDataSpec,
  synthAnswerTimeout,
  synthesizeStrategy,
  SynthJournal,
  synthReport,
  writeDraft,
  type DraftAttempt,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'draft a strategy from an idea with a local model; only a draft that proves itself is written';

const USAGE = `usage: volt synth --idea "buy RSI dips in an uptrend, exit on a MACD cross" [options]

  --idea TEXT      what the strategy should do, in your words
  --data SPEC      candles to prove it on, as for volt backtest (default: data.default of
                   volt.config.json, else synthetic:42)
  --out FILE       where to write the draft (default strategies/drafts/<name>.strategy.ts
                   under the workspace; an existing default gets -2, -3…; --out overwrites)
  --model NAME     the model that writes it (default ollama.models.synth, else ${DEFAULT_SYNTH_MODEL})
  --attempts N     answers to try before giving up (default ${DEFAULT_SYNTH_ATTEMPTS})
  --journal PATH   journal for the attempts and the LLM cache (default .volt/journal.db)
  --root DIR       where to look for volt.config.json (default: the current folder)

Each answer is type-checked and linted (no error, no missing stop, no oversized position, no
threshold outside params), run in the sandbox with the lookahead re-run, and walk-forwarded
(3 folds); the first check it fails goes back to the model with its diagnostics. Every attempt
is journaled; answers are cached, so the same idea with the same model replays offline. The
report goes to stdout. Exit 0 a draft was written, 1 none proved itself or no model answered,
2 usage.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      idea: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      attempts: { type: 'string' },
      journal: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`put the idea in --idea "…" (in quotes), got ${positionals.map((p) => `'${p}'`).join(' ')}\n\n${USAGE}`);
  const idea = values.idea?.trim();
  if (!idea) throw new UsageError(`say what the strategy should do: --idea "…"\n\n${USAGE}`);
  const attempts = numberOption('attempts', values.attempts) ?? DEFAULT_SYNTH_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new UsageError(`--attempts must be a whole number from 1 to 20, got ${values.attempts}`);
  if (values.out !== undefined && !values.out.endsWith('.strategy.ts')) throw new UsageError(`--out must name a .strategy.ts file, got '${values.out}'`);

  const cwd = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(cwd);
  const configFile = findConfigFile(cwd);
  const root = configFile !== undefined ? path.dirname(configFile) : cwd;
  const model = values.model ?? config.ollama.models.synth ?? DEFAULT_SYNTH_MODEL;
  const dataSpec = values.data ?? config.data.default;
  const say = (line: string) => process.stderr.write(`volt synth: ${line}\n`);

  const series = await resolveDataSpec(dataSpec, { cwd: root, onNote: (note) => say(`note: ${note}`) });
  const journal = Journal.open(values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path));
  try {
    // The synthesizer says what went wrong in its own words; the gateway's notices are for agents.
    const gateway = gatewayFromConfig(config.ollama, { cache: journal });
    const synthesis = new SynthJournal(journal, { idea, model, dataSpec });
    const outcome = await synthesizeStrategy({
      idea, model, series, dataLabel: dataSpec, gateway, maxAttempts: attempts, answerTimeoutMs: synthAnswerTimeout(config.ollama.timeoutMs),
      options: { capital: config.backtest.capital, feeRate: config.backtest.feeRate, slippage: config.backtest.slippage, seed: 1, maxPositionCap: config.risk.maxPositionPct },
      limits: { timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb },
      onAttemptStart: (n, of) => say(`attempt ${n} of ${of}: asking ${model}`),
      onAttempt: (a) => {
        synthesis.recordAttempt(a);
        say(attemptLine(a));
      },
    });
    if (outcome.status === 'unavailable') {
      synthesis.finish(outcome);
      say(outcome.message);
      return EXIT.error;
    }
    let file: string | undefined;
    if (outcome.status === 'proven') {
      file = values.out !== undefined ? path.resolve(cwd, values.out) : defaultDraftPath(root, outcome.draft.slug);
      const tier = writeDraft(outcome.draft, file, journal);
      say(`wrote ${path.relative(process.cwd(), file) || file} (tier ${tier.tier}${tier.placed ? '' : `: ${outcome.draft.name} was already tiered`})`);
    }
    synthesis.finish(outcome, file);
    process.stdout.write(synthReport(idea, model, dataSpec, outcome, file && (path.relative(root, file) || file)));
    if (outcome.status !== 'proven') say(`nothing written: ${outcome.status === 'refused' ? outcome.message : 'cancelled'}`);
    return outcome.status === 'proven' ? EXIT.ok : EXIT.error;
  } finally {
    journal.close();
  }
}

function attemptLine(a: DraftAttempt): string {
  if (a.proven) return `attempt ${a.attempt}: proven, ${a.walkForward!.verdict}`;
  const shown = a.findings.slice(0, 3).map(formatFinding).join('; ');
  const more = a.findings.length > 3 ? ` (and ${a.findings.length - 3} more)` : '';
  return `attempt ${a.attempt}: refused at ${a.stage}: ${shown}${more}`;
}
