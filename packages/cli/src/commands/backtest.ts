import { existsSync } from 'node:fs';
import path from 'node:path';
// Module files, not the engine's index: a backtest without journal or agents loads ~30 modules
// instead of ~180 (BENCHMARKS.md, "Candles from the binary cache"); the rest comes when used.
// The sandbox is started from what loads first; the bundler and the data's readers load while it boots.
import { sliceSeries } from '@volt/engine/lib/data/candle';
import { loadConfig } from '@volt/engine/lib/config/load';
import { StrategyRunner } from '@volt/engine/lib/runner/runner';
import { VoltError } from '@volt/engine/lib/errors';
import type {
  BacktestObserver,
  BacktestOptions,
  BacktestRecording,
  CandleSeries,
  LoadedVolatility,
  VoltConfig,
} from '@volt/engine';
import { EXIT, UsageError, dateOption, numberOption, parseCommandArgs, runFailureError } from '../usage.js';
import { formatBacktestReport } from '../backtest-report.js';
import { PORTFOLIO_USAGE, portfolioSymbols } from './portfolio-flags.js';
import { endQuietlyWhenStdoutCloses } from '../stdout.js';

/** The whole engine, for what only some runs need (the journal, agents, the vault, option chains). */
const engine = () => import('@volt/engine');

export const summary = 'backtest a strategy file on candles or the synthetic market';

const USAGE = `usage: volt backtest <strategy.ts> [options]

  --data SPEC               candles to test on: a CSV/JSON file, synthetic:SEED[:BARS[:TF]]
                            or exchange:ID:SYMBOL:TF[:SINCE[:UNTIL]] (default: data.default
                            of volt.config.json, else synthetic:42 = 5000 bars of 1h)
  --from DATE, --to DATE    keep bars opening at or after --from and before --to (UTC;
                            2024-01-31, 2024-01-31T12:00 or epoch ms)
  --fee RATE                taker fee per fill, a fraction of notional (default 0.001)
  --slippage RATE           slippage per market fill, a fraction of price (default 0.0005)
  --capital CASH            starting cash (default 10000)
  --param NAME=VALUE        override a strategy param; repeat for several
  --seed N                  seed of ctx.random (default 1)
  --benchmark SPEC          a series to correlate the run's per-bar returns with (same forms
                            as --data); the report adds its correlation
  --vix FILE, --vix9d FILE, --vix3m FILE, --vix6m FILE
                            the VIX and its term structure for the agents' regime
                            (CBOE's daily CSV; default: agents.vix… of volt.config.json)
  --events FILE             a calendar of volatility events (date,symbol,event[,expected_move])
                            the volatility agent reads (default: agents.events)
  --implied-vol FILE|SPEC   an implied-volatility index (vol points) for IV rank (default: the
                            VIX); a file, or exchange:deribit:DVOL/BTC:1d:SINCE:UNTIL
  --options-chain FILE      recorded option chains for ctx.options (CSV or JSON: time,expiry,
                            right,strike,bid,ask[,iv][,open_interest]; default: the synthetic chain),
                            or deribit:BTC: the Deribit chains kept in .volt/cache/
                            (default: backtest.optionsChain of volt.config.json)
  --lenient                 repair what can be repaired in the data file, and say what
  --no-cache                parse the data file as text, without .volt/cache/candles (its
                            parsed columns, kept by content hash: a second load is a read),
                            and bundle the strategy afresh, without .volt/cache/bundles
  --json                    print the whole report as one JSON document (schemaVersion 1)
  --journal PATH            record the run in this journal (default: journal.path of
                            volt.config.json, else .volt/journal.db)
  --no-journal              do not record the run (nor export it to the vault)
  --agents off|rules|ollama every entry goes to the agents' panel and the risk gate first
                            (default: agents.mode of volt.config.json,
                            else off); ollama puts local models in the panel's seats
                            (ollama.models of volt.config.json), the rule agents stand in
                            when a model cannot answer; answers are cached in the journal

${PORTFOLIO_USAGE}

Fills happen at the next bar's open with slippage against you; stops and take-profits inside
each bar, stop first when a bar reaches both. Exit 0 ok, 1 strategy or data error, 2 usage.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      benchmark: { type: 'string' },
      vix: { type: 'string' },
      vix9d: { type: 'string' },
      vix3m: { type: 'string' },
      vix6m: { type: 'string' },
      'implied-vol': { type: 'string' },
      events: { type: 'string' },
      'options-chain': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      fee: { type: 'string' },
      slippage: { type: 'string' },
      capital: { type: 'string' },
      param: { type: 'string', multiple: true },
      seed: { type: 'string' },
      lenient: { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      'no-journal': { type: 'boolean', default: false },
      agents: { type: 'string' },
      symbols: { type: 'string' },
      market: { type: 'string', multiple: true },
      'max-gross': { type: 'string' },
      'max-net': { type: 'string' },
      'max-positions': { type: 'string' },
      'max-correlation': { type: 'string' },
      'correlation-lookback': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`${positionals.length === 0 ? 'which strategy?' : `one strategy file at a time, got ${positionals.length}`}\n\n${USAGE}`);
  }

  // Flags first, then the workspace's volt.config.json, then the engine's defaults.
  const cwd = process.cwd();
  const config = loadConfig(cwd);
  const from = dateOption('from', values.from);
  const to = dateOption('to', values.to);
  if (from !== undefined && to !== undefined && from >= to) throw new UsageError(`--from must be before --to`);
  const options: BacktestOptions = {
    capital: positive('capital', numberOption('capital', values.capital) ?? config.backtest.capital),
    feeRate: fraction('fee', numberOption('fee', values.fee) ?? config.backtest.feeRate),
    slippage: fraction('slippage', numberOption('slippage', values.slippage) ?? config.backtest.slippage),
    seed: wholeNumber('seed', numberOption('seed', values.seed) ?? 1),
    maxPositionCap: config.risk.maxPositionPct,
    params: paramOverrides(values.param ?? []),
  };

  // The sandbox process starts while the strategy is bundled and the data loaded.
  const runner = new StrategyRunner({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, spares: 0, warmUp: false });
  runner.warm();
  try {
    const symbols = portfolioSymbols(positionals[0]!, values);
    if (symbols !== undefined) {
      const { journalPathFor } = await engine();
      const journalFile = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(cwd, config.journal.path);
      const journaled = values['no-journal'] !== true;
      if (journaled) await checkJournal(journalFile);
      const { backtestPortfolio } = await import('./backtest-portfolio.js');
      return await backtestPortfolio(runner, positionals[0]!, symbols, values, config, options, from, to, { file: journalFile, journaled }, () => volatilityInputs(config.agents, values, cwd));
    }
    return await backtest(runner, positionals[0]!, values, config, options, from, to);
  } finally {
    await runner.dispose();
  }
}

interface BacktestFlags {
  data?: string | undefined;
  benchmark?: string | undefined;
  vix?: string | undefined;
  vix9d?: string | undefined;
  vix3m?: string | undefined;
  vix6m?: string | undefined;
  'implied-vol'?: string | undefined;
  events?: string | undefined;
  'options-chain'?: string | undefined;
  lenient?: boolean | undefined;
  'no-cache'?: boolean | undefined;
  json?: boolean | undefined;
  journal?: string | undefined;
  'no-journal'?: boolean | undefined;
  agents?: string | undefined;
}

async function backtest(
  runner: StrategyRunner,
  file: string,
  values: BacktestFlags,
  config: VoltConfig,
  options: BacktestOptions,
  from: number | undefined,
  to: number | undefined,
): Promise<number> {
  const cwd = process.cwd();
  const [{ transpileStrategy }, { BUNDLE_CACHE_DIR, transpileStrategyCached }, { resolveDataSpec }, { CANDLE_CACHE_DIR }] = await Promise.all([
    import('@volt/engine/lib/strategy/loader'),
    import('@volt/engine/lib/strategy/bundle-cache'),
    import('@volt/engine/lib/data/spec'),
    import('@volt/engine/lib/data/binary-cache'),
  ]);
  // The cache keeps the bundle and where its checkpoints go (the runner parses neither again).
  const { bundle, checkpoints } = values['no-cache'] === true ? { bundle: await transpileStrategy(file), checkpoints: undefined } : await transpileStrategyCached(file, path.join(cwd, BUNDLE_CACHE_DIR));
  const candleCache = values['no-cache'] === true ? {} : { candleCache: path.join(cwd, CANDLE_CACHE_DIR) };
  const spec = values.data ?? config.data.default;
  let series: CandleSeries = await resolveDataSpec(spec, {
    cwd,
    ...candleCache,
    lenient: values.lenient === true,
    onRepairs: (repairs) => {
      for (const r of repairs) process.stderr.write(`volt backtest: --lenient repaired ${r}\n`);
    },
    onNote: (note) => process.stderr.write(`volt backtest: note: ${note}\n`),
  });
  if (from !== undefined || to !== undefined) {
    series = sliceSeries(series, from, to);
    if (series.length === 0) {
      throw new VoltError({
        kind: 'data',
        message: `no bars of ${spec} fall between --from and --to`,
        hint: 'widen the range; `volt data check FILE` shows the first and last bar of a file',
      });
    }
  }

  if (values.benchmark !== undefined) {
    const benchmark = await resolveDataSpec(values.benchmark, {
      cwd,
      ...candleCache,
      lenient: values.lenient === true,
      onRepairs: (repairs) => {
        for (const r of repairs) process.stderr.write(`volt backtest: --lenient repaired ${r} (benchmark)\n`);
      },
    });
    options.benchmark = { time: benchmark.time, close: benchmark.close };
  }
  const chainSpec = values['options-chain'] ?? config.backtest.optionsChain;
  if (chainSpec !== undefined) {
    // deribit:BTC replays the chains `volt options chain BTC` (or any fetch) kept in .volt/cache/.
    const { resolveOptionChainSpec } = await engine();
    options.optionChain = await resolveOptionChainSpec(chainSpec, { cwd, lenient: values.lenient === true, onNote: (n) => process.stderr.write(`volt backtest: note: ${n}\n`) });
    for (const r of options.optionChain.repairs) process.stderr.write(`volt backtest: --lenient repaired ${r} (options chain)\n`);
  }

  const agentsMode = values.agents ?? config.agents.mode;
  if (agentsMode !== 'off' && agentsMode !== 'rules' && agentsMode !== 'ollama') {
    throw new UsageError(`--agents expects off, rules or ollama, got '${agentsMode}'`);
  }

  const journaled = values['no-journal'] !== true;
  // The journal's modules (SQLite, the vault's notes) only for a run that is recorded.
  const journaling = journaled ? await engine() : undefined;
  const journalFile = values.journal !== undefined ? path.resolve(values.journal) : journaling ? journaling.journalPathFor(cwd, config.journal.path) : '';
  // A journal that cannot be written stops the run before it starts: the run would not be recorded.
  if (journaled) await checkJournal(journalFile);

  // Outside signals (the journal's cache, else agents.signals' fixtures) and, with agents.trackRecord.carry, the panel's record so far.
  // With neither a journal nor fixtures there are none to read.
  const learning = (journaled && existsSync(journalFile)) || config.agents.signals !== undefined
    ? (await engine()).learningInputs(config, journaled ? journalFile : undefined, series.symbol)
    : { signals: {} };
  if (Object.keys(learning.signals).length > 0) options.signals = learning.signals;

  const progress = progressBar();
  let recording: BacktestRecording | undefined;
  let recordingError: unknown;
  const gateway = agentsMode === 'ollama'
    ? (await engine()).gatewayFromConfig(config.ollama, {
        // The journal is opened once the strategy has loaded; the models are asked after the first pass.
        cache: { getCachedLlm: (m, k) => recording?.journal.getCachedLlm(m, k), putCachedLlm: (m, k, r) => recording?.journal.putCachedLlm(m, k, r) },
        onNotice: (message) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}volt backtest: ${message}\n`),
      })
    : undefined;
  const outcome = await runner.run(
    {
      bundle,
      ...(checkpoints ? { checkpoints } : {}),
      series,
      options,
      ...(agentsMode !== 'off'
        ? {
            agents: {
              mode: agentsMode,
              config,
              ...(await volatilityInputs(config.agents, values, cwd)),
              journaled,
              ...(learning.trackRecords ? { trackRecords: learning.trackRecords } : {}),
              ...(gateway ? { gateway } : {}),
              // Asking local models takes seconds per answer: show where it is, on a terminal only.
              ...(process.stderr.isTTY
                ? { onAsked: (asked: number, missing: number, pass: number) => process.stderr.write(`\r\x1b[Kasking the models: ${asked + 1}/${missing} (pass ${pass})`) }
                : {}),
            },
          }
        : {}),
    },
    {
      onLoaded: (facts) => {
        // Periods count bars: an RSI(14) written for 1h bars means something else on 5m bars.
        if (facts.timeframe !== undefined && series.timeframe !== 'unknown' && facts.timeframe !== series.timeframe) {
          process.stderr.write(
            `volt backtest: note: ${facts.name} is written for ${facts.timeframe} bars and the data has ${series.timeframe} bars; its periods now count ${series.timeframe} bars\n`,
          );
        }
        if (!journaled) return;
        try {
          recording = journaling!.startBacktestRecording(journalFile, { ...journaling!.runMetaFor({ definition: facts, path: facts.path, contentHash: facts.contentHash }, series, options), agentsMode });
        } catch (e) {
          recordingError = e;
        }
      },
      ...(progress.observer.onProgress ? { onProgress: progress.observer.onProgress } : {}),
      onLog: (line) => process.stderr.write(`${path.basename(bundle.path)}: ${line}\n`),
      onNotice: (message) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}volt backtest: ${message}\n`),
    },
  );
  progress.done();
  if (gateway && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (recordingError !== undefined) throw journalError(recordingError, journalFile);
  if (outcome.status === 'cancelled') throw new VoltError({ kind: 'internal', message: 'the run was cancelled', file: bundle.path });
  if (outcome.status === 'failed') {
    const error = runFailureError(outcome.failure, bundle.path);
    // A strategy that failed before it loaded is still a run the journal keeps, under its file's name.
    if (journaled && !recording) {
      const name = path.basename(bundle.path).replace(/\.strategy\.[cm]?[jt]s$|\.[cm]?[jt]s$/, '');
      try {
        recording = journaling!.startBacktestRecording(journalFile, { ...journaling!.runMetaFor({ definition: { name, params: {} }, path: bundle.path, contentHash: bundle.contentHash }, series, options), agentsMode });
      } catch {
        // Said by checkJournal if it matters; the run's own error is the one to show.
      }
    }
    recording?.fail(error);
    throw error;
  }
  const report = outcome.report;
  let agentLines: string[] = [];
  let agentSummary: unknown;
  if (outcome.agents) {
    const result = outcome.agents;
    agentSummary = { ...result.summary, ...(result.llm ? { llm: result.llm } : {}) };
    if (result.summary || result.llm) {
      const e = await engine();
      if (result.summary) agentLines = e.formatAgentSummary(result.summary);
      if (result.llm) agentLines.push(...e.formatLlmUse(result.llm));
    }
  }
  if (recording) journaling!.replayJournalEvents(recording.observer, report, outcome.agents?.events);
  if (recording) journaling!.recordTrackRecords(recording.journal, series.symbol, outcome.agents?.summary?.trackRecord);
  const runId = recording?.finish(report);
  if (config.bus?.redis !== undefined) await (await import('./bus.js')).publishToBus(config, report, outcome.agents?.events, 'volt backtest');
  // `volt backtest … --json | head` closes the pipe early: that is the reader's choice, not an error.
  endQuietlyWhenStdoutCloses();
  process.stdout.write(
    values.json
      ? JSON.stringify(agentSummary === undefined ? report : { ...report, agents: agentSummary }, null, 2) + '\n'
      : formatBacktestReport(report) + (agentLines.length > 0 ? '\n' + agentLines.join('\n') + '\n' : ''),
  );
  if (runId !== undefined) await journalNote(runId, journalFile, config.vault ? path.resolve(cwd, config.vault.path) : undefined, values.json === true);
  return EXIT.ok;
}

/** Opens the journal once before the run, so one that cannot be written is said before any work. */
async function checkJournal(file: string): Promise<void> {
  const { Journal } = await engine();
  try {
    Journal.open(file).close();
  } catch (e) {
    throw journalError(e, file);
  }
}

function journalError(e: unknown, file: string): VoltError {
  const inner = e instanceof VoltError ? e : undefined;
  return new VoltError({
    kind: 'journal',
    message: inner ? inner.message : `the run cannot be recorded in the journal: ${e instanceof Error ? e.message : String(e)}`,
    file: inner?.file ?? file,
    hint: `${inner?.hint ? `${inner.hint}; or ` : ''}run with --no-journal to backtest without recording`,
    cause: e,
  });
}


/** Where the run went; under --json stdout stays one document and stderr stays quiet. */
async function journalNote(runId: number, file: string, vault: string | undefined, json: boolean): Promise<void> {
  const say = (text: string) => {
    if (!json) process.stdout.write(text);
  };
  say(`\nrecorded as run ${runId} in ${path.relative(process.cwd(), file) || file} (volt journal show ${runId})\n`);
  if (vault === undefined) return;
  try {
    const v = (await engine()).exportRunToVaultFile(file, vault, runId);
    say(`vault ${path.relative(process.cwd(), v.dir) || v.dir}: ${v.created} notes created, ${v.updated} updated\n`);
  } catch (e) {
    process.stderr.write(`volt backtest: vault export failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** `--param oversold=25 --param period=10` → { oversold: 25, period: 10 }. */
function paramOverrides(raw: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of raw) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim() : '';
    const text = eq > 0 ? item.slice(eq + 1).trim() : '';
    const value = Number(text);
    if (name === '' || text === '' || !Number.isFinite(value)) {
      throw new UsageError(`--param expects NAME=NUMBER, got '${item}' (e.g. --param oversold=25)`);
    }
    out[name] = value;
  }
  return out;
}


function positive(name: string, x: number): number {
  if (!(x > 0)) throw new UsageError(`--${name} must be positive, got ${x}`);
  return x;
}

function fraction(name: string, x: number): number {
  if (!(x >= 0 && x < 1)) throw new UsageError(`--${name} is a fraction (0.001 = 0.1%), got ${x}`);
  return x;
}

function wholeNumber(name: string, x: number): number {
  if (!Number.isInteger(x)) throw new UsageError(`--${name} must be a whole number, got ${x}`);
  return x;
}

/**
 * A progress bar on stderr, shown only when stderr is a terminal and the run has already taken a
 * second: short runs stay quiet and piped output stays clean.
 */
function progressBar(): { observer: BacktestObserver; done(): void } {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let shown = false;
  const observer: BacktestObserver = {
    onProgress(barsDone, barsTotal) {
      if (!tty) return;
      const elapsed = performance.now() - started;
      if (elapsed < 1000) return;
      shown = true;
      const width = 30;
      const filled = Math.round((barsDone / barsTotal) * width);
      const rate = barsDone / (elapsed / 1000);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor((barsDone / barsTotal) * 100)
          .toString()
          .padStart(3)}%  ${barsDone.toLocaleString('en-US')}/${barsTotal.toLocaleString('en-US')} bars  ${(rate / 1e6).toFixed(1)}M bars/s`,
      );
    },
  };
  return {
    observer,
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
/** The agents' volatility inputs: flags over agents.vix/vix9d/vix3m/vix6m/impliedVol/events of volt.config.json (the engine reads them, as the sidecar does). */
async function volatilityInputs(
  agents: { vix?: string; vix9d?: string; vix3m?: string; vix6m?: string; impliedVol?: string; events?: string },
  values: { vix?: string; vix9d?: string; vix3m?: string; vix6m?: string; 'implied-vol'?: string; events?: string; lenient?: boolean },
  cwd: string,
): Promise<LoadedVolatility> {
  const { loadVolatilityInputs, volatilitySources } = await engine();
  const flags = { vix: values.vix, vix9d: values.vix9d, vix3m: values.vix3m, vix6m: values.vix6m, impliedVol: values['implied-vol'], events: values.events };
  return await loadVolatilityInputs(volatilitySources(agents, flags, cwd), {
    cwd,
    ...(values.lenient ? { lenient: true } : {}),
    onNotice: (message) => process.stderr.write(`volt backtest: note: ${message}\n`),
    onSkipped: (why) => process.stderr.write(`volt backtest: --lenient ${why}\n`),
  });
}
