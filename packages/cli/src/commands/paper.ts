import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  CcxtFeed,
  Journal,
  LiveSignals,
  MarketSession,
  SIGNAL_SOURCES,
  SignalCache,
  loadRunSignals,
  SessionStore,
  StrategyRunner,
  VoltError,
  journalPathFor,
  listSessions,
  loadConfig,
  requestStop,
  reviewTiersAfterSession,
  sessionClient,
  startFailure,
  timeframeToMs,
  exportSessionToVault,
  VenueOrders,
  transpileStrategy,
  type ProtectionLimits,
  type SessionEvent,
  type SessionMode,
  type SessionRow,
  type SessionSettings,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'trade a strategy on live candles with simulated fills (paper), journaled bar by bar; stop or list sessions';

export const USAGE = `usage: volt paper STRATEGY --exchange ID --symbol BASE/QUOTE --timeframe TF [options]
       volt paper --resume SESSION [--json]
       volt paper stop SESSION
       volt paper status [--json]

  Runs the strategy on the exchange's closed candles as they come (warm-up history first, then
  fetchOHLCV polled at each bar close), with the backtest's own bar loop: fills walk the live
  order book at the market's taker fee, stops and targets are watched inside the bar, and every
  signal, fill and outcome is journaled as it happens. A line per bar (--json: one event a line).

  --capital 20000            starting cash (default backtest.capital)
  --hours 12                 how long the session runs (default 12)
  --warmup 200               bars of history before the start, so indicators are ready
  --param NAME=VALUE         override a strategy param (repeatable)
  --resume SESSION           continue a session after a crash or kill (the same command again does too)
  --daily-loss 0.03          daily loss stop, a fraction of the day's starting equity (unrealized counts)
  --daily-loss-money N       the same in money
  --max-drawdown 0.25        drawdown from the session's peak that ends it
  --max-losses 5             losing trades in a row that pause entries …
  --pause-bars 60            … for this many bars
  --on-exchange-trouble flatten|pause   what too many errors, a stale feed or clock skew do (default flatten)
  --max-errors 5  --stale-bars 3  --max-skew-ms 5000
  --kill-file PATH           stop when this file exists (default .volt/STOP)
  --api-url URL              a mirror of the exchange's API (or VOLT_EXCHANGE_API_URL)
  --poll                     candles by polling REST at each close, not the venue's kline stream
  --journal FILE             the journal (default .volt/journal.db)
  --agents off|rules         every entry reviewed by the agents' panel and its risk gate, journaled
  --signals off|NAME,…       outside signals polled live for ctx.signals (default: every source that
                             can answer, as \`volt signals fetch\`); history from the journal's cache
                             and agents.signals' fixtures, as in \`volt backtest\`
  --json                     events as JSON lines

  volt paper stop SESSION pulls the kill switch: the session closes its position and ends
  within a second. SIGINT/SIGTERM do the same.`;

const OPTIONS = {
  exchange: { type: 'string' },
  symbol: { type: 'string' },
  timeframe: { type: 'string' },
  capital: { type: 'string' },
  hours: { type: 'string' },
  warmup: { type: 'string' },
  param: { type: 'string', multiple: true },
  resume: { type: 'string' },
  'daily-loss': { type: 'string' },
  'daily-loss-money': { type: 'string' },
  'max-drawdown': { type: 'string' },
  'max-losses': { type: 'string' },
  'pause-bars': { type: 'string' },
  'on-exchange-trouble': { type: 'string' },
  'max-errors': { type: 'string' },
  'stale-bars': { type: 'string' },
  'max-skew-ms': { type: 'string' },
  'kill-file': { type: 'string' },
  'api-url': { type: 'string' },
  poll: { type: 'boolean' },
  journal: { type: 'string' },
  json: { type: 'boolean' },
  agents: { type: 'string' },
  signals: { type: 'string' },
  'look-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'stop') return stop(argv.slice(1));
  if (argv[0] === 'status') return status(argv.slice(1));
  return runSession(argv, 'paper');
}

export function journalFile(given: string | undefined): string {
  const cwd = process.cwd();
  return given !== undefined ? path.resolve(given) : journalPathFor(cwd, loadConfig(cwd).journal.path);
}

function sessionId(raw: string | undefined, usage: string): number {
  const id = Number(raw);
  if (raw === undefined || !Number.isInteger(id) || id <= 0) throw new UsageError(`which session? give its number (volt paper status lists them)\n\n${usage}`);
  return id;
}

async function stop(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, allowPositionals: true, options: { journal: { type: 'string' } } });
  const id = sessionId(positionals[0], USAGE);
  const journal = Journal.open(journalFile(values.journal));
  try {
    const row = requestStop(journal, id, 'kill switch: volt paper stop');
    if (row.status !== 'running') {
      process.stdout.write(`session ${id} is not running (${row.status}${row.stopReason ? `: ${row.stopReason}` : ''})\n`);
      return EXIT.ok;
    }
    if (row.pid !== null) {
      try {
        process.kill(row.pid, 'SIGTERM');
      } catch {
        // Gone already: the journal's flag stops it if it comes back (--resume refuses a stopped session).
      }
    }
    process.stdout.write(`session ${id}: stop requested; it closes its position and ends within a second\n`);
    return EXIT.ok;
  } finally {
    journal.close();
  }
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, options: { journal: { type: 'string' }, json: { type: 'boolean' } } });
  const journal = Journal.open(journalFile(values.journal));
  try {
    const rows = listSessions(journal).map((s) => ({ ...s, ...sessionFigures(journal, s) }));
    if (values.json) {
      process.stdout.write(JSON.stringify(rows.map(({ settings: _s, ...r }) => r)) + '\n');
      return EXIT.ok;
    }
    if (rows.length === 0) process.stdout.write('no sessions in the journal\n');
    for (const r of rows) {
      process.stdout.write(
        `${String(r.id).padStart(4)}  ${r.mode.padEnd(7)} ${r.status.padEnd(8)} ${r.exchange} ${r.symbol} ${r.timeframe}  ${path.basename(r.strategyPath)}  ` +
          `${r.bars} bars  ${r.trades} trades, ${r.open} open  P&L ${signed(r.pnl)}${r.stopReason ? `  (${r.stopReason})` : ''}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    journal.close();
  }
}

/** Bars seen after the warm-up, closed and open trades and realized P&L, from the journal. */
export function sessionFigures(journal: Journal, s: SessionRow): { bars: number; trades: number; open: number; pnl: number } {
  const bars = journal.db.prepare(`SELECT count(*) FROM session_bars WHERE session_id = ? AND bar >= ?`).pluck().get(s.id, s.warmupBars) as number;
  const t = journal.db.prepare(`SELECT count(exit_time) AS closed, count(*) - count(exit_time) AS open, coalesce(sum(pnl), 0) AS pnl FROM trades WHERE run_id = ?`).get(s.runId) as { closed: number; open: number; pnl: number };
  return { bars, trades: t.closed, open: t.open, pnl: t.pnl };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}

function positive(name: string, x: number | undefined, fallback: number): number {
  const v = x ?? fallback;
  if (!(v > 0)) throw new UsageError(`--${name} must be positive, got ${v}`);
  return v;
}

function protectionFrom(values: Record<string, unknown>): Partial<ProtectionLimits> {
  const p: Partial<ProtectionLimits> = {};
  const n = (flag: string) => numberOption(flag, values[flag] as string | undefined);
  const set = <K extends keyof ProtectionLimits>(key: K, v: ProtectionLimits[K] | undefined) => {
    if (v !== undefined) p[key] = v;
  };
  set('dailyLossPct', n('daily-loss'));
  set('dailyLossMoney', n('daily-loss-money'));
  set('maxDrawdownPct', n('max-drawdown'));
  set('maxConsecutiveLosses', n('max-losses'));
  set('pauseBars', n('pause-bars'));
  set('maxExchangeErrors', n('max-errors'));
  set('staleBars', n('stale-bars'));
  set('maxClockSkewMs', n('max-skew-ms'));
  const trouble = values['on-exchange-trouble'];
  if (trouble !== undefined) {
    if (trouble !== 'flatten' && trouble !== 'pause') throw new UsageError(`--on-exchange-trouble expects flatten or pause, got '${String(trouble)}'`);
    p.onExchangeTrouble = trouble;
  }
  return p;
}

/** `--signals`: 'off' for none, else source names separated by commas. */
function signalNames(raw: string): string[] {
  if (raw === 'off') return [];
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const n of names) if (!SIGNAL_SOURCES.some((s) => s.name === n)) throw new UsageError(`--signals: unknown signal '${n}'; the sources are ${SIGNAL_SOURCES.map((s) => s.name).join(', ')}, or off`);
  return names;
}

function agentsMode(raw: string): 'off' | 'rules' {
  if (raw !== 'off' && raw !== 'rules') throw new UsageError(`--agents expects off or rules in a session, got '${raw}' (LLM seats answer too slowly for a bar close)`);
  return raw;
}

function paramsFrom(list: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list ?? []) {
    const [name, raw] = item.split('=');
    const v = Number(raw);
    if (!name || raw === undefined || !Number.isFinite(v)) throw new UsageError(`--param expects NAME=NUMBER, got '${item}'`);
    out[name] = v;
  }
  return out;
}

/** How a session places its fills: paper simulates them; live (live.ts) passes the pricer of its orders. */
export interface SessionMechanics {
  mode: SessionMode;
  credentials?: { apiKey: string; secret: string };
  command: string;
  /** Before anything is sent: `volt live --real` asks for its typed confirmation here. */
  confirm?: (settings: SessionSettings) => Promise<void>;
}

/** `volt paper` and `volt live`: start or resume a session and run it to its end. */
export async function runSession(argv: string[], mode: SessionMode, mechanics?: Omit<SessionMechanics, 'mode'>): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const command = mechanics?.command ?? 'volt paper';
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const cwd = process.cwd();
  const config = loadConfig(cwd);
  const file = journalFile(values.journal);
  const protection = protectionFrom(values);

  // A fresh session is written to the journal only once the strategy loads and the exchange has
  // answered: a typo (the file, the exchange, the timeframe, the symbol) is one line, no session row.
  let store: SessionStore | undefined;
  let settings: SessionSettings;
  let fresh = false;
  if (values.resume !== undefined) {
    store = SessionStore.resume(file, sessionId(values.resume, USAGE));
    settings = store.session.settings;
  } else {
    if (positionals.length !== 1) throw new UsageError(`${positionals.length === 0 ? 'which strategy?' : `one strategy file at a time, got ${positionals.length}`}\n\n${USAGE}`);
    for (const flag of ['exchange', 'symbol', 'timeframe'] as const) if (values[flag] === undefined) throw new UsageError(`--${flag} is required\n\n${USAGE}`);
    timeframeToMs(values.timeframe!);
    settings = {
      strategyPath: path.resolve(positionals[0]!),
      exchange: values.exchange!,
      symbol: values.symbol!,
      timeframe: values.timeframe!,
      capital: positive('capital', numberOption('capital', values.capital), config.backtest.capital),
      warmupBars: Math.round(positive('warmup', numberOption('warmup', values.warmup), 200)),
      hours: positive('hours', numberOption('hours', values.hours), 12),
      params: paramsFrom(values.param),
      feeRate: config.backtest.feeRate,
      ...(values['api-url'] !== undefined ? { apiUrl: values['api-url'] } : {}),
      protection: protection as Record<string, number | string>,
      agents: agentsMode(values.agents ?? 'off'),
      ...(values.signals !== undefined ? { signals: signalNames(values.signals) } : {}),
    };
    // The same command again, after a kill: the session it started continues.
    const again = findUnfinished(file, mode, settings);
    if (again !== undefined) {
      store = SessionStore.resume(file, again);
      settings = store.session.settings;
    } else {
      fresh = true;
    }
  }
  const failed = (e: unknown) => {
    try {
      store?.end('failed', e instanceof Error ? e.message : String(e));
    } catch {
      // The journal itself failed: the error thrown says why.
    }
  };
  if (mechanics?.confirm) {
    try {
      await mechanics.confirm(settings);
    } catch (e) {
      failed(e);
      store?.close();
      throw e;
    }
  }
  const json = values.json === true;
  // The vault, when volt.config.json names one, follows the session: at every closed trade and at the end.
  const vaultDir = config.vault?.path ? path.resolve(cwd, config.vault.path) : undefined;

  const runner = new StrategyRunner({ timeoutMs: config.backtest.timeoutMs, maxMemoryMb: config.backtest.maxMemoryMb, spares: 0, warmUp: false });
  const stopFlag: { why: string | null } = { why: null };
  const onSignal = (sig: NodeJS.Signals) => {
    stopFlag.why = `kill switch: ${sig}`;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let seat: Awaited<ReturnType<StrategyRunner['openSeat']>> | undefined;
  try {
    const bundle = await transpileStrategy(settings.strategyPath);
    seat = await runner.openSeat({ bundle, symbol: settings.symbol, timeframe: settings.timeframe, source: settings.exchange, params: settings.params }, { onLog: (line) => process.stderr.write(`${path.basename(settings.strategyPath)}: ${line}\n`) });
    const client = await sessionClient({
      exchange: settings.exchange,
      ...(settings.apiUrl !== undefined ? { apiUrl: settings.apiUrl } : {}),
      ...(mode === 'testnet' ? { sandbox: true } : {}),
      ...(mechanics?.credentials ? { credentials: mechanics.credentials } : {}),
      ...(values.poll ? { stream: false } : {}),
    });
    // The stream's ups and downs: a line on stderr, or a JSON event; the bars are the same either way.
    const onStream = (state: 'up' | 'down' | 'polling', why?: string) => {
      if (json) process.stdout.write(JSON.stringify({ type: 'stream', session: store?.session.id, state, ...(why !== undefined ? { why } : {}) }) + '\n');
      else if (state !== 'up') process.stderr.write(`${command}: the kline stream ${state === 'down' ? 'dropped, reconnecting; missed bars come by REST' : 'failed, polling from now on'} (${why})\n`);
    };
    const feed = new CcxtFeed(client, settings.symbol, settings.timeframe, { ...(values.poll ? { stream: false } : {}), onStream });
    if (store === undefined) {
      // The market's own taker fee for paper fills, and the end of the session by the exchange's clock.
      const [fee, now] = await Promise.all([feed.takerFee(), feed.time()]).catch((e: unknown) => {
        throw startFailure(settings.exchange, e);
      });
      settings.feeRate = fee;
      store = SessionStore.create(file, mode, settings, { strategyName: path.basename(settings.strategyPath).replace(/\.strategy\.ts$|\.ts$/, ''), strategyPath: settings.strategyPath, params: settings.params, symbol: settings.symbol, timeframe: settings.timeframe, dataSource: settings.exchange, agentsMode: 'off' }, now + settings.hours * 3_600_000);
    }
    const opened = store;
    const s = opened.session;
    const print = json ? (e: SessionEvent) => process.stdout.write(JSON.stringify(e) + '\n') : printer(s.id, mode);
    const emit = (e: SessionEvent) => {
      print(e);
      if (vaultDir && (e.type === 'trade' || e.type === 'end' || e.type === 'start')) {
        try {
          exportSessionToVault(opened.journal, vaultDir, s.id);
        } catch (err) {
          process.stderr.write(`${command}: the vault at ${vaultDir} was not updated: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    };
    // What `volt backtest` would replay (the journal's cache, else agents.signals' fixtures), grown live.
    const cache = new SignalCache(opened.journal.db);
    const signals = new LiveSignals({
      symbol: settings.symbol,
      initial: loadRunSignals({ symbol: settings.symbol, cache, ...(config.agents.signals ? { fixtures: config.agents.signals } : {}) }),
      ...(settings.signals ? { names: settings.signals } : {}),
      cache,
    });
    const session = new MarketSession({
      store: opened,
      signals,
      feed,
      strategy: seat,
      protection: { ...(settings.protection as Partial<ProtectionLimits>), ...protection },
      onEvent: emit,
      ...(agentsMode(values.agents ?? settings.agents ?? 'off') === 'rules' ? { agents: { config } } : {}),
      ...(mechanics?.credentials ? { venue: new VenueOrders(client, settings.symbol, opened) } : {}),
      killFile: values['kill-file'] !== undefined ? path.resolve(values['kill-file']) : path.join(path.dirname(file), 'STOP'),
      stopFlag,
      ...(values['look-ms'] !== undefined ? { lookEveryMs: numberOption('look-ms', values['look-ms'])! } : {}),
      // The week's note (vault.path) and its webhook (weeklyReport.webhook) as each week ends on the exchange's clock.
      ...(vaultDir !== undefined || config.weeklyReport?.webhook !== undefined
        ? { weekly: { ...(vaultDir !== undefined ? { vault: vaultDir } : {}), ...(config.weeklyReport?.webhook !== undefined ? { webhook: config.weeklyReport.webhook } : {}), ...(config.weeklyReport?.everyHours !== undefined ? { everyHours: config.weeklyReport.everyHours } : {}) } }
        : {}),
    });
    if (!json) process.stderr.write(`${command}: session ${s.id} (${mode}) ${settings.exchange} ${settings.symbol} ${settings.timeframe}, ${fresh ? 'starting' : 'resuming'}, candles by ${feed.mode === 'stream' ? 'the kline stream' : 'polling'}; stop it with \`volt paper stop ${s.id}\`\n`);
    await session.run();
    // An ended paper session may retire a HOT strategy that lost on paper (optimize/README.md, "Tiers").
    if (mode === 'paper') {
      for (const m of reviewTiersAfterSession(opened.journal, s.id)) {
        if (json) process.stdout.write(JSON.stringify({ type: 'tier', session: s.id, strategy: m.strategy, from: m.from, to: m.to, reason: m.reason }) + '\n');
        else process.stderr.write(`${command}: ${m.strategy} ${m.from} → ${m.to}: ${m.reason}\n`);
      }
    }
    return EXIT.ok;
  } catch (e) {
    failed(e);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await seat?.close();
    await runner.dispose();
    store?.close();
  }
}

/** An unfinished session of the same strategy and market whose process is gone. */
function findUnfinished(file: string, mode: SessionMode, settings: SessionSettings): number | undefined {
  // No journal yet: nothing to continue, and none created for a command that may still fail.
  if (!existsSync(file)) return undefined;
  let journal: Journal;
  try {
    journal = Journal.open(file);
  } catch (e) {
    if (e instanceof VoltError) return undefined;
    throw e;
  }
  try {
    const match = listSessions(journal).filter(
      (r) => r.mode === mode && r.status !== 'finished' && r.stopRequested === null && r.strategyPath === settings.strategyPath &&
        r.exchange === settings.exchange && r.symbol === settings.symbol && r.timeframe === settings.timeframe && (r.status !== 'running' || !alive(r.pid)),
    );
    return match.at(-1)?.id;
  } finally {
    journal.close();
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A line per bar, and one per fill, trade and halt. */
function printer(id: number, mode: SessionMode): (e: SessionEvent) => void {
  const time = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);
  const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (e) => {
    let line: string | undefined;
    switch (e.type) {
      case 'start':
        line = `${mode} session ${id}: ${e.resumed ? `resumed after ${e.replayed} recorded bars` : `warmed up on ${e.warmup} bars`}`;
        break;
      case 'gap':
        line = `${e.bars} bars closed since ${time(e.from)}: taking them in order`;
        break;
      case 'bar': {
        const pos = e.position === 0 ? 'flat' : `${e.position > 0 ? 'long' : 'short'} ${Math.abs(e.position).toPrecision(4)}`;
        line = `${time(e.time)}  close ${money(e.close)}  ${pos.padEnd(14)} equity ${money(e.equity)} (${e.pnlPct >= 0 ? '+' : ''}${(e.pnlPct * 100).toFixed(2)}%)  next bar in ${Math.ceil(e.nextInMs / 1000)}s`;
        break;
      }
      case 'fill':
        line = `  fill: trade ${e.tradeId} ${e.side} ${e.qty.toPrecision(4)} at ${money(e.price)}`;
        break;
      case 'trade':
        line = `  closed: trade ${e.trade.id} ${e.trade.exitReason} at ${money(e.trade.exitPrice)}, P&L ${e.trade.pnl >= 0 ? '+' : ''}${money(e.trade.pnl)} → ${e.outcome}`;
        break;
      case 'halt':
        line = `  ${e.why}`;
        break;
      case 'exchange':
        line = e.problem === null ? '  exchange healthy again' : `  exchange breaker: ${e.problem}`;
        break;
      case 'signal-source':
        line = e.problem === null ? `  ${e.source} answers again (${e.values} values)` : `  outside signal ${e.problem} (the last values stand until stale)`;
        break;
      case 'end':
        line = `session ${id} ${e.status}: ${e.reason}; equity ${money(e.equity)}, ${e.trades} trades`;
        break;
      case 'report':
        line = e.problem !== null
          ? `  weekly report ${e.week}: ${e.problem}`
          : `  weekly report ${e.week} (${e.reason === 'week-ended' ? 'the week ended' : 'the week so far'}): ${e.trades} trades, P&L ${e.pnl >= 0 ? '+' : ''}${money(e.pnl)}${e.note !== null ? `, written to ${e.note}` : ''}`;
        break;
      case 'webhook':
        line = e.problem === null ? `  weekly report ${e.week} posted to ${e.url}` : `  weekly report ${e.week} not posted: ${e.problem}`;
        break;
      default:
        break;
    }
    if (line !== undefined) process.stdout.write(line + '\n');
  };
}
