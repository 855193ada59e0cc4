import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  CANDLE_CACHE_DIR,
  createSearch,
  journalPathFor,
  loadConfig,
  LocalTrialPool,
  moveTier,
  nextTier,
  paperSessions,
  strategyTiers,
  tierEvidence,
  OBJECTIVES,
  paramSpace,
  resolveDataSpec,
  runSweep,
  seriesHash,
  sliceSeries,
  StrategyRunner,
  SweepInterrupted,
  SweepJournal,
  SweepStopped,
  transpileStrategy,
  trialKey,
  VoltError,
  type BacktestOptions,
  type CandleSeries,
  type Objective,
  type SearchMethod,
  type StrategyFacts,
  type SweepEntry,
  type SweepPlan,
  type SweepResult,
  type Tier,
  type TierEvidence,
  type TrialPool,
  type TrialRecord,
  type TranspiledStrategy,
  type WindowMode,
} from '@volt/engine';
import { EXIT, UsageError, dateOption, numberOption, parseCommandArgs, runFailureError } from '../usage.js';
import { formatSweepList, formatSweepResult, sweepDocument, type SweepFacts } from '../optimize-report.js';

export const summary = 'search a strategy\'s params, walk-forward, and say how much of the best is luck';

const USAGE = `usage: volt optimize <strategy.ts> [options]
       volt optimize --resume ID      continue a sweep that was stopped (Ctrl-C, kill, crash)
       volt optimize --list           the journal's sweeps

  --data SPEC               candles, as for volt backtest (default: data.default of
                            volt.config.json, else synthetic:42)
  --from DATE, --to DATE    keep bars opening at or after --from and before --to
  --trials N                trials per search (default 100)
  --method grid|random|tpe  how params are chosen (default tpe)
  --objective NAME          sharpe, sortino, calmar or return/drawdown (default sharpe)
  --min-trades N            a trial with fewer trades fails (default 30)
  --folds K                 walk-forward: K train/test folds, each searched anew (default 0)
  --windows rolling|anchored  walk-forward train windows (default rolling)
  --workers N               sandbox processes at once (default: the cores, ${availableParallelism()})
  --seed S                  seed of the search and the Monte Carlo (default 1)
  --fee RATE, --slippage RATE, --capital CASH   as for volt backtest
  --lenient                 repair what can be repaired in the data file
  --json                    print the result as one JSON document
  --journal PATH            journal to record the sweep in (default .volt/journal.db)
  --queue redis://HOST:PORT run the trials on \`volt worker --queue …\` processes, on any
                            machine, through BullMQ on that Redis; results are journaled here

The strategy's params with a min and a max are searched (integers stay integers, step is kept);
the others keep their defaults. Every trial is journaled as it finishes: Ctrl-C keeps what
finished, and --resume continues without running it again. Exit 0 ok, 1 strategy or data
error, 2 usage, 130 interrupted.`;

const METHODS: readonly SearchMethod[] = ['grid', 'random', 'tpe'];
const WINDOWS: readonly WindowMode[] = ['rolling', 'anchored'];

/** What a sweep was started with: stored in the journal so --resume repeats it exactly. */
interface SweepSettings {
  cwd: string;
  file: string;
  data: string;
  from?: number;
  to?: number;
  lenient: boolean;
  trials: number;
  method: SearchMethod;
  objective: Objective;
  minTrades: number;
  folds: number;
  windows: WindowMode;
  seed: number;
  options: BacktestOptions;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      trials: { type: 'string' },
      method: { type: 'string' },
      objective: { type: 'string' },
      'min-trades': { type: 'string' },
      folds: { type: 'string' },
      windows: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      fee: { type: 'string' },
      slippage: { type: 'string' },
      capital: { type: 'string' },
      lenient: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      resume: { type: 'string' },
      list: { type: 'boolean', default: false },
      queue: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const cwd = process.cwd();
  const config = loadConfig(cwd);
  const journalFile = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(cwd, config.journal.path);
  const workers = whole('workers', numberOption('workers', values.workers) ?? availableParallelism(), 1);

  if (values.list) {
    const journal = SweepJournal.open(journalFile);
    try {
      process.stdout.write(values.json ? JSON.stringify(journal.list(100), null, 2) + '\n' : formatSweepList(journal.list(20)));
    } finally {
      journal.close();
    }
    return EXIT.ok;
  }

  let settings: SweepSettings;
  let resumed: SweepEntry | undefined;
  const journal = SweepJournal.open(journalFile);
  try {
    if (values.resume !== undefined) {
      if (positionals.length > 0) throw new UsageError(`--resume takes the sweep's settings from the journal: give no strategy file`);
      const id = whole('resume', numberOption('resume', values.resume)!, 1);
      resumed = journal.get(id);
      if (resumed.status === 'running') {
        throw new VoltError({ kind: 'usage', message: `sweep ${id} is still running (process ${resumed.pid} on ${resumed.host})`, hint: 'wait for it, or stop that process first' });
      }
      settings = resumed.settings as unknown as SweepSettings;
    } else {
      if (positionals.length !== 1) throw new UsageError(`${positionals.length === 0 ? 'which strategy?' : `one strategy file at a time, got ${positionals.length}`}\n\n${USAGE}`);
      settings = settingsFrom(values, cwd, config, positionals[0]!);
    }
    return await optimize(journal, settings, resumed, workers, values.json === true, config.backtest, values.queue);
  } finally {
    journal.close();
  }
}

function settingsFrom(values: Record<string, string | boolean | undefined>, cwd: string, config: ReturnType<typeof loadConfig>, file: string): SweepSettings {
  const str = (k: string) => values[k] as string | undefined;
  const from = dateOption('from', str('from'));
  const to = dateOption('to', str('to'));
  if (from !== undefined && to !== undefined && from >= to) throw new UsageError(`--from must be before --to`);
  const method = (str('method') ?? 'tpe') as SearchMethod;
  if (!METHODS.includes(method)) throw new UsageError(`--method expects grid, random or tpe, got '${method}'`);
  const objective = (str('objective') ?? 'sharpe') as Objective;
  if (!OBJECTIVES.includes(objective)) throw new UsageError(`--objective expects ${OBJECTIVES.join(', ')}, got '${objective}'`);
  const windows = (str('windows') ?? 'rolling') as WindowMode;
  if (!WINDOWS.includes(windows)) throw new UsageError(`--windows expects rolling or anchored, got '${windows}'`);
  const capital = numberOption('capital', str('capital')) ?? config.backtest.capital;
  const fee = numberOption('fee', str('fee')) ?? config.backtest.feeRate;
  const slippage = numberOption('slippage', str('slippage')) ?? config.backtest.slippage;
  if (!(capital > 0)) throw new UsageError(`--capital must be positive, got ${capital}`);
  for (const [name, x] of [['fee', fee], ['slippage', slippage]] as const) if (!(x >= 0 && x < 1)) throw new UsageError(`--${name} is a fraction (0.001 = 0.1%), got ${x}`);
  return {
    cwd,
    file: path.resolve(cwd, file),
    data: str('data') ?? config.data.default,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    lenient: values.lenient === true,
    trials: whole('trials', numberOption('trials', str('trials')) ?? 100, 1),
    method,
    objective,
    minTrades: whole('min-trades', numberOption('min-trades', str('min-trades')) ?? 30, 0),
    folds: whole('folds', numberOption('folds', str('folds')) ?? 0, 0),
    windows,
    seed: whole('seed', numberOption('seed', str('seed')) ?? 1, 0),
    options: { capital, feeRate: fee, slippage, seed: 1, maxPositionCap: config.risk.maxPositionPct },
  };
}

async function optimize(journal: SweepJournal, s: SweepSettings, resumed: SweepEntry | undefined, workers: number, json: boolean, limits: { timeoutMs: number; maxMemoryMb: number }, queue: string | undefined): Promise<number> {
  const say = (line: string) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}volt optimize: ${line}\n`);
  const bundle = await transpileStrategy(s.file);
  let series: CandleSeries = await resolveDataSpec(s.data, {
    cwd: s.cwd,
    candleCache: path.join(s.cwd, CANDLE_CACHE_DIR),
    lenient: s.lenient,
    onRepairs: (repairs) => repairs.forEach((r) => say(`--lenient repaired ${r}`)),
    onNote: (note) => say(`note: ${note}`),
  });
  if (s.from !== undefined || s.to !== undefined) series = sliceSeries(series, s.from, s.to);
  if (series.length < 2) throw new VoltError({ kind: 'data', message: `${s.data} has ${series.length} bars between --from and --to: nothing to optimise on`, hint: 'widen the range' });
  const dataHash = seriesHash(series);
  if (resumed) {
    if (resumed.contentHash !== bundle.contentHash) {
      throw new VoltError({ kind: 'usage', file: s.file, message: `the strategy changed since sweep ${resumed.id} started (its trials were run on other code)`, hint: 'start a new sweep: volt optimize ' + path.relative(process.cwd(), s.file) });
    }
    if (resumed.dataHash !== dataHash) {
      throw new VoltError({ kind: 'usage', message: `the candles of ${s.data} are not those sweep ${resumed.id} ran on`, hint: 'restore the data file, or start a new sweep' });
    }
  }

  const facts = await strategyFacts(bundle, series, limits);
  const space = paramSpace(facts.params, bundle.path);
  if (space.dimensions.length === 0) {
    throw new VoltError({ kind: 'usage', file: bundle.path, message: `${facts.name} declares no param with both min and max: there is nothing to search`, hint: "give the params to search a range, e.g. params: { period: { value: 14, min: 5, max: 30 } }" });
  }
  if (facts.timeframe !== undefined && series.timeframe !== 'unknown' && facts.timeframe !== series.timeframe) {
    say(`note: ${facts.name} is written for ${facts.timeframe} bars and the data has ${series.timeframe} bars; its periods now count ${series.timeframe} bars`);
  }
  const plan: SweepPlan = { space, method: s.method, trials: s.trials, objective: s.objective, minTrades: s.minTrades, seed: s.seed, folds: s.folds, windows: s.windows, capital: s.options.capital! };
  const perSearch = createSearch(s.method, space, s.trials, s.seed).total;
  const total = perSearch * (1 + s.folds) + s.folds;

  let id: number;
  const finished = new Map<string, TrialRecord>();
  if (resumed) {
    id = resumed.id;
    for (const t of journal.trials(id)) finished.set(trialKey(t), t);
    journal.claim(id);
    say(`resuming sweep ${id}: ${finished.size} of ${total} trials already done`);
  } else {
    id = journal.start({
      strategyName: facts.name, strategyPath: bundle.path, contentHash: bundle.contentHash, dataSpec: s.data, dataHash,
      symbol: series.symbol, timeframe: series.timeframe, dataFrom: series.time[0]!, dataTo: series.time[series.length - 1]!, bars: series.length,
      method: s.method, objective: s.objective, minTrades: s.minTrades, trials: s.trials, folds: s.folds, windows: s.windows, seed: s.seed,
      settings: s as unknown as Record<string, unknown>,
    });
  }
  const sweepFacts: SweepFacts = { id, strategy: { name: facts.name, path: bundle.path, contentHash: bundle.contentHash }, data: { spec: s.data, hash: dataHash, symbol: series.symbol, timeframe: series.timeframe, from: series.time[0]!, to: series.time[series.length - 1]!, bars: series.length }, workers, journal: journalFile(journal) };

  const progress = progressLine(total, finished.size, s.objective);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    // The first Ctrl-C stops the sweep cleanly; a second one does not wait for the sandboxes.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // BullMQ is loaded only when a queue is asked for.
  const pool: TrialPool = queue !== undefined
    ? await (await import('@volt/engine/queue')).QueueTrialPool.open({ url: queue, bundle, series, options: s.options, limits })
    : new LocalTrialPool({ workers, bundle, series, options: s.options, timeoutMs: limits.timeoutMs, maxMemoryMb: limits.maxMemoryMb });
  if (queue !== undefined) say(`trials go to the queue at ${queue}: start \`volt worker --queue ${queue}\` on the machines that should run them`);
  try {
    const result = await runSweep(plan, series, pool, {
      finished,
      signal: controller.signal,
      onTrial: (record) => {
        journal.recordTrial(id, record);
        progress.trial(record);
      },
    });
    progress.done();
    const tier = moveByEvidence(journal, facts.name, id, result);
    const document = { ...sweepDocument(sweepFacts, result), ...(tier ? { tier } : {}) };
    journal.finish(id, 'complete', document);
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
    process.stdout.write(json ? JSON.stringify(document, null, 2) + '\n' : formatSweepResult(document) + (tier ? `tier: ${tier.from ?? 'new'} → ${tier.to}, ${tier.reason} (volt tiers)\n` : ''));
    return EXIT.ok;
  } catch (e) {
    progress.done();
    if (e instanceof SweepInterrupted || controller.signal.aborted) {
      journal.finish(id, 'interrupted', undefined, 'interrupted');
      const best = progress.best();
      say(`interrupted: ${progress.count()} of ${total} trials of sweep ${id} are in the journal${best ? `; best so far ${best}` : ''}`);
      say(`continue with: volt optimize --resume ${id}`);
      return 130;
    }
    const error = e instanceof SweepStopped ? runFailureError(e.failure, bundle.path) : e;
    journal.finish(id, 'failed', undefined, error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await pool.dispose();
  }
}

/**
 * A walk-forward sweep is evidence for the strategy's tier: one step up or down, journaled with
 * its reason (the first one also places it, in COLD unless it already earns WARM).
 */
function moveByEvidence(journal: SweepJournal, name: string, sweepId: number, result: SweepResult): { from: Tier | null; to: Tier; reason: string } | undefined {
  const evidence = tierEvidence(result);
  if (!evidence) return undefined;
  const current = strategyTiers(journal.journal).get(name)?.tier;
  const move = nextTier(current ?? 'COLD', evidence, undefined, paperSessions(journal.journal, name));
  if (!move && current !== undefined) return undefined;
  const to = move?.tier ?? 'COLD';
  const reason = move?.reason ?? `placed by its first walk-forward sweep, not yet earning WARM: ${nextTierFacts(evidence)}`;
  moveTier(journal.journal, { strategyName: name, at: Date.now(), to, reason, sweepId, evidence });
  return { from: current ?? null, to, reason };
}

function nextTierFacts(e: TierEvidence): string {
  return `out-of-sample Sharpe ${e.outOfSampleSharpe.toFixed(2)}, ${e.outOfSampleTrades} trades, max drawdown ${(e.outOfSampleDrawdown * 100).toFixed(0)}% over ${e.folds} folds`;
}

function journalFile(j: SweepJournal): string {
  return path.relative(process.cwd(), j.journal.path) || j.journal.path;
}

/** The strategy's name and params, read by loading it in the sandbox on two bars. */
async function strategyFacts(bundle: TranspiledStrategy, series: CandleSeries, limits: { timeoutMs: number; maxMemoryMb: number }): Promise<StrategyFacts> {
  const runner = new StrategyRunner({ ...limits, spares: 0 });
  try {
    let facts: StrategyFacts | undefined;
    const probe = sliceSeries(series, series.time[0], series.time[1]! + 1);
    const outcome = await runner.sweep({ bundle, series: probe, trials: [{ params: {} }] }, { onTrial: () => {}, onLoaded: (f) => (facts = f) });
    if (outcome.status === 'failed') throw runFailureError(outcome.failure, bundle.path);
    if (!facts) throw new VoltError({ kind: 'internal', file: bundle.path, message: 'the strategy loaded but did not say its params' });
    return facts;
  } finally {
    await runner.dispose();
  }
}


/** On a terminal: trials done, rate and the best so far, redrawn at most every 100 ms. */
function progressLine(total: number, already: number, objective: Objective) {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let done = already;
  let fresh = 0;
  let best: TrialRecord | undefined;
  let drawn = 0;
  let shown = false;
  const describe = (r: TrialRecord) => `${objective} ${r.score === Infinity ? 'unbounded' : r.score!.toFixed(2)} (${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')})`;
  return {
    trial(r: TrialRecord) {
      done++;
      fresh++;
      if (r.fold === 0 && r.role === 'search' && r.score !== null && (!best || r.score > best.score!)) best = r;
      const now = performance.now();
      if (!tty || (now - drawn < 100 && done < total)) return;
      drawn = now;
      shown = true;
      const width = 24;
      const filled = Math.round((Math.min(done, total) / total) * width);
      const rate = fresh / Math.max(0.001, (now - started) / 1000);
      process.stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} trials  ${rate.toFixed(1)}/s${best ? `  best ${describe(best)}` : ''}`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
    best: () => (best ? describe(best) : undefined),
    count: () => done,
  };
}

function whole(name: string, x: number, min: number): number {
  if (!Number.isInteger(x) || x < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, got ${x}`);
  return x;
}

