/**
 * `volt backtest` of a portfolio: one strategy over several markets and one account
 * (engine/portfolio). Chosen by `--symbols A,B,…`, or by a strategy that declares two or more
 * `symbols` when no `--data` is given. Each market's candles: `--market SYM=SPEC`, else `data.symbols`
 * of volt.config.json, else the exchange cache, else a synthetic market of its own.
 */
import path from 'node:path';
import {
  CANDLE_CACHE_DIR,
  formatAgentSummary,
  gatewayFromConfig,
  parseSyntheticSpec,
  replayJournalEvents,
  resolveDataSpec,
  runMetaFor,
  sliceSeries,
  startBacktestRecording,
  symbolData,
  transpileStrategy,
  transpileStrategyCached,
  BUNDLE_CACHE_DIR,
  VoltError,
  type BacktestOptions,
  type BacktestRecording,
  type CandleSeries,
  type LoadedVolatility,
  type PortfolioLimits,
  type PortfolioReport,
  type StrategyRunner,
  type VoltConfig,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, runFailureError } from '../usage.js';
import type { PortfolioFlags } from './portfolio-flags.js';
import { formatBacktestReport } from '../backtest-report.js';
import { endQuietlyWhenStdoutCloses } from '../stdout.js';

export { PORTFOLIO_USAGE, declaredSymbols, portfolioSymbols, type PortfolioFlags } from './portfolio-flags.js';

/** The portfolio section of volt.config.json (checked by the loader), each limit overridden by its flag. */
function limitsOf(flags: PortfolioFlags, config: VoltConfig): PortfolioLimits {
  const limits: PortfolioLimits = {};
  const fromConfig = config.portfolio ?? {};
  if (fromConfig.maxGross !== undefined) limits.maxGrossExposure = fromConfig.maxGross;
  if (fromConfig.maxNet !== undefined) limits.maxNetExposure = fromConfig.maxNet;
  if (fromConfig.maxPositions !== undefined) limits.maxPositions = fromConfig.maxPositions;
  if (fromConfig.maxCorrelation !== undefined) limits.maxCorrelation = fromConfig.maxCorrelation;
  if (fromConfig.correlationLookback !== undefined) limits.correlationLookback = fromConfig.correlationLookback;
  const gross = numberOption('max-gross', flags['max-gross']);
  const net = numberOption('max-net', flags['max-net']);
  const positions = numberOption('max-positions', flags['max-positions']);
  const correlation = numberOption('max-correlation', flags['max-correlation']);
  const lookback = numberOption('correlation-lookback', flags['correlation-lookback']);
  if (gross !== undefined) {
    if (!(gross > 0)) throw new UsageError(`--max-gross is a fraction of equity (1.5 = 150%), got ${gross}`);
    limits.maxGrossExposure = gross;
  }
  if (net !== undefined) {
    if (!(net >= 0)) throw new UsageError(`--max-net is a fraction of equity ≥ 0, got ${net}`);
    limits.maxNetExposure = net;
  }
  if (positions !== undefined) {
    if (!(Number.isInteger(positions) && positions >= 1)) throw new UsageError(`--max-positions is a whole number ≥ 1, got ${positions}`);
    limits.maxPositions = positions;
  }
  if (correlation !== undefined) {
    if (!(correlation >= -1 && correlation <= 1)) throw new UsageError(`--max-correlation is in [-1, 1], got ${correlation}`);
    limits.maxCorrelation = correlation;
  }
  if (lookback !== undefined) {
    if (!(Number.isInteger(lookback) && lookback >= 3)) throw new UsageError(`--correlation-lookback is a whole number of bars ≥ 3, got ${lookback}`);
    limits.correlationLookback = lookback;
  }
  return limits;
}

/** Each market's candles: --market, else data.symbols, else the cache, else a synthetic market seeded per symbol. */
async function marketData(symbols: string[], flags: PortfolioFlags, config: VoltConfig, cwd: string): Promise<CandleSeries[]> {
  const given: Record<string, string> = {};
  for (const item of flags.market ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--market expects SYM=SPEC (e.g. --market ETH/USDT=eth.csv), got '${item}'`);
    const sym = item.slice(0, eq);
    if (!symbols.includes(sym)) throw new UsageError(`--market ${sym} is not one of --symbols (${symbols.join(', ')})`);
    given[sym] = item.slice(eq + 1);
  }
  const synthetic = parseSyntheticSpec(config.data.default) ?? parseSyntheticSpec('synthetic:42')!;
  const out: CandleSeries[] = [];
  for (const [k, symbol] of symbols.entries()) {
    let spec = given[symbol];
    if (spec === undefined) {
      const found = symbolData(symbol, config.data.symbols, cwd, config.data.default);
      if (found.source === 'synthetic') {
        // One market per symbol: the same seed for all would be one market five times.
        spec = `synthetic:${synthetic.seed + k}:${synthetic.bars}:${synthetic.timeframe}`;
        process.stderr.write(`volt backtest: note: no data for ${symbol} (data.symbols of volt.config.json, .volt/cache/): it runs on the synthetic market ${spec}\n`);
      } else spec = found.spec;
    }
    const series = await resolveDataSpec(spec, {
      cwd,
      symbol,
      ...(flags['no-cache'] === true ? {} : { candleCache: path.join(cwd, CANDLE_CACHE_DIR) }),
      lenient: flags.lenient === true,
      onRepairs: (repairs) => {
        for (const r of repairs) process.stderr.write(`volt backtest: --lenient repaired ${r} (${symbol})\n`);
      },
      onNote: (note) => process.stderr.write(`volt backtest: note: ${note}\n`),
    });
    out.push(series);
  }
  return out;
}

export async function backtestPortfolio(
  runner: StrategyRunner,
  file: string,
  symbols: string[],
  flags: PortfolioFlags,
  config: VoltConfig,
  options: BacktestOptions,
  from: number | undefined,
  to: number | undefined,
  journal: { file: string; journaled: boolean },
  volatility: () => Promise<LoadedVolatility>,
): Promise<number> {
  const given = flags.agents ?? config.agents.mode;
  if (given !== 'off' && given !== 'rules' && given !== 'ollama') throw new UsageError(`--agents expects off, rules or ollama, got '${given}'`);
  const agents = given;
  const cwd = process.cwd();
  const limits = limitsOf(flags, config);
  const bundle = flags['no-cache'] === true ? await transpileStrategy(file) : (await transpileStrategyCached(file, path.join(process.cwd(), BUNDLE_CACHE_DIR))).bundle;
  let markets = await marketData(symbols, flags, config, cwd);
  if (from !== undefined || to !== undefined) {
    markets = markets.map((s) => sliceSeries(s, from, to));
    const empty = markets.find((s) => s.length === 0);
    if (empty) throw new VoltError({ kind: 'data', message: `no bars of ${empty.symbol} (${empty.source}) fall between --from and --to`, hint: 'widen the range, or leave that market out of --symbols' });
  }
  let recording: BacktestRecording | undefined;
  let recordingError: unknown;
  const notice = (message: string) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}volt backtest: ${message}\n`);
  // LLM seats as in a one-market run: answers cached in the journal, which is opened once the strategy has loaded.
  const gateway = agents === 'ollama'
    ? gatewayFromConfig(config.ollama, {
        cache: { getCachedLlm: (m, k) => recording?.journal.getCachedLlm(m, k), putCachedLlm: (m, k, r) => recording?.journal.putCachedLlm(m, k, r) },
        onNotice: notice,
      })
    : undefined;
  const outcome = await runner.run(
    {
      bundle,
      series: markets[0]!,
      options,
      portfolio: { markets, limits },
      ...(agents !== 'off'
        ? {
            agents: {
              mode: agents,
              config,
              ...(await volatility()),
              journaled: journal.journaled,
              ...(gateway ? { gateway } : {}),
              ...(gateway && process.stderr.isTTY
                ? { onAsked: (asked: number, missing: number, pass: number) => process.stderr.write(`\r\x1b[Kasking the models: ${asked + 1}/${missing} (pass ${pass})`) }
                : {}),
            },
          }
        : {}),
    },
    {
      onLoaded: (facts) => {
        if (!journal.journaled) return;
        try {
          // The journal keeps one data range per run: the markets' symbols and sources, the run's steps.
          const span = markets.flatMap((s) => [s.time[0]!, s.time[s.length - 1]!]);
          const whole = { symbol: symbols.join(','), timeframe: markets[0]!.timeframe, source: markets.map((s) => s.source).join(','), length: 0, time: Float64Array.of(Math.min(...span), Math.max(...span)) } as unknown as CandleSeries;
          recording = startBacktestRecording(journal.file, { ...runMetaFor({ definition: facts, path: facts.path, contentHash: facts.contentHash }, whole, options), agentsMode: agents });
        } catch (e) {
          recordingError = e;
        }
      },
      onLog: (line) => process.stderr.write(`${path.basename(bundle.path)}: ${line}\n`),
      onNotice: notice,
    },
  );
  if (gateway && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (recordingError !== undefined) throw recordingError;
  if (outcome.status === 'cancelled') throw new VoltError({ kind: 'internal', message: 'the run was cancelled', file: bundle.path });
  if (outcome.status === 'failed') {
    const error = runFailureError(outcome.failure, bundle.path);
    recording?.fail(error);
    throw error;
  }
  const report = outcome.report as PortfolioReport;
  if (recording) replayJournalEvents(recording.observer, report, outcome.agents?.events);
  const runId = recording?.finish(report);
  endQuietlyWhenStdoutCloses();
  const summary = outcome.agents?.summary ?? undefined;
  const llm = outcome.agents?.llm;
  const agentLines = summary ? formatAgentSummary(summary) : [];
  if (llm) {
    agentLines.push(`  LLM seats: ${Object.entries(llm.seats).map(([role, model]) => `${role}=${model}`).join(', ')}; ${llm.requests} requests, ${llm.cacheHits} cached answers, ${llm.passes} passes; ${llm.answeredByModel} votes by a model, ${llm.answeredByRules} by rules`);
  }
  const agentText = agentLines.length > 0 ? '\n' + agentLines.join('\n') + '\n' : '';
  const agentDoc = summary ? { ...summary, ...(llm ? { llm } : {}) } : undefined;
  process.stdout.write(flags.json ? JSON.stringify(agentDoc ? { ...report, agents: agentDoc } : report, null, 2) + '\n' : formatBacktestReport(report) + formatPortfolio(report) + agentText);
  if (runId !== undefined && !flags.json) process.stdout.write(`\nrecorded as run ${runId} in ${path.relative(cwd, journal.file) || journal.file} (volt journal show ${runId})\n`);
  return EXIT.ok;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The per-market breakdown, the limits and what they refused, and the missing bars. */
export function formatPortfolio(report: PortfolioReport): string {
  const p = report.portfolio;
  const out: string[] = ['', `portfolio of ${p.symbols.length} markets over ${p.steps.toLocaleString('en-US')} steps: at most ${p.maxPositions} held at once, gross exposure up to ${pct(p.maxGrossExposure)}, net up to ${pct(p.maxNetExposure)}`];
  const rows = p.markets.map((m) => [m.symbol, m.bars.toLocaleString('en-US'), String(m.trades), m.trades > 0 ? pct(m.winRate, 0) : '—', money(m.pnl), money(m.fees), pct(m.exposure, 0), m.missingBars > 0 ? String(m.missingBars) : '—']);
  const header = ['market', 'bars', 'trades', 'win', 'P&L', 'fees', 'in market', 'missing bars'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push('', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  const limits = Object.entries(p.limits);
  if (limits.length > 0) out.push('', `limits: ${limits.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const refused = Object.entries(p.gate.refused);
  const shrunk = Object.entries(p.gate.shrunk);
  if (refused.length > 0 || shrunk.length > 0) {
    out.push(`the limits refused ${refused.map(([k, n]) => `${n} (${k})`).join(', ') || 'none'}; shrank ${shrunk.map(([k, n]) => `${n} (${k})`).join(', ') || 'none'}`);
  }
  for (const m of p.markets) {
    if (m.missingBars > 0) {
      const first = m.missingTimes.map((t) => new Date(t).toISOString().replace('T', ' ').slice(0, 16)).join(', ');
      out.push(`${m.symbol}: ${m.missingBars} bars missing between its first and last (${first}${m.missingBars > m.missingTimes.length ? ', …' : ''}): left out, not filled`);
    }
    if (m.stepsBeforeFirst > 0 || m.stepsAfterLast > 0) out.push(`${m.symbol}: no bars for the run's first ${m.stepsBeforeFirst} and last ${m.stepsAfterLast} steps`);
  }
  return out.join('\n') + '\n';
}
