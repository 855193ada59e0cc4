import path from 'node:path';
import {
  CANDLE_CACHE_DIR,
  Journal,
  findUnfinishedSpreadSession,
  finishSpreadSession,
  resumeSpreadSession,
  startSpreadSession,
  SpreadPaperTrader,
  SpreadScanner,
  crossVenueSpreads,
  defaultTakerFee,
  formatTime,
  historicalSpreads,
  resolveDataSpec,
  VoltError,
  type CrossVenueSpread,
  type HistoricalSpreadReport,
  type VenueCandles,
  type VenueFailure,
  type VenueQuote,
  type SpreadStep,
  type ClosedSpread,
} from '@volt/engine';
import { journalFile } from './paper.js';
import { EXIT, UsageError, dateOption, numberOption, parseCommandArgs } from '../usage.js';
import { endQuietlyWhenStdoutCloses } from '../stdout.js';

export const summary = 'scan markets across venues: cross-venue spreads net of taker fees, live or over fetched candles';

const USAGE = `usage: volt scan spreads --symbol BASE/QUOTE --exchanges ID,ID[,…] [options]

  Live (the default): each venue's best bid and ask through ccxt (public order books, no API key),
  and for every pair of venues what buying at one's ask and selling at the other's bid keeps
  after both taker fees: net = bid × (1 − fee) / (ask × (1 + fee)) − 1.
  --watch [SECONDS]         ask again every SECONDS (default 5) until Ctrl-C
  --fee ID=RATE             a venue's taker fee instead of ccxt's (0.001 = 0.1%); repeat per venue
  --api-url [ID=]URL        send a venue's requests (all without ID=) to a mirror of its API; repeat
  --timeout SECONDS         a request's time limit (default 10)
  --json                    one JSON document (one per line under --watch)

  Historical: how often and for how long the net spread between closes stayed above a threshold.
  --history                 over candles instead of order books
  --since DATE --until DATE --timeframe TF
                            the candles of every venue in --exchanges, fetched once through ccxt
                            and read from .volt/cache/ after (like --data exchange:…)
  --candles ID=FILE|SPEC    or a venue's candles from a file or data spec; repeat per venue
  --threshold RATE          the net spread that counts (default 0: any profit after fees)

  Paper execution of the spread, both legs (simulated fills, nothing sent to a venue):
  --paper --size QTY        each round (every --watch SECONDS, default 5), when buying QTY on one
                            venue and selling QTY on another, walked through both live books, nets
                            more than --threshold after both taker fees, open both legs; close both
                            when the dear venue's bid / the cheap one's ask − 1 falls to --close-at
                            (default 0). Each leg is a trade in the journal (symbol VENUE:SYMBOL).
                            Ctrl-C (or --rounds N) ends it, closing open legs at the books.
  --threshold RATE          the filled net spread that opens the legs (default 0)
  --close-at RATE           the gross gap at or below which the legs close (default 0)
  --rounds N                stop after N rounds
  --journal FILE            the journal (default .volt/journal.db)
  --resume RUN              continue the paper session of run RUN after a crash or kill, holding
                            the legs it had open (its market, venues and settings are the run's;
                            give --api-url/--fee/--timeout again). The same command again does too.

Exit 0 ok (live: at least two venues answered), 1 data error, 2 usage.`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help' || sub === undefined) {
    process.stdout.write(USAGE + '\n');
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'spreads') throw new UsageError(`unknown scan '${sub}'\n\n${USAGE}`);
  const { values, positionals } = parseCommandArgs({
    args: rest,
    allowPositionals: true,
    options: {
      symbol: { type: 'string' },
      exchanges: { type: 'string' },
      watch: { type: 'boolean', default: false },
      fee: { type: 'string', multiple: true },
      'api-url': { type: 'string', multiple: true },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      history: { type: 'boolean', default: false },
      since: { type: 'string' },
      until: { type: 'string' },
      timeframe: { type: 'string', default: '1h' },
      candles: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      paper: { type: 'boolean', default: false },
      size: { type: 'string' },
      'close-at': { type: 'string' },
      rounds: { type: 'string' },
      journal: { type: 'string' },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  // `--watch 2`: the seconds come as the next word, which parseArgs leaves as a positional.
  let watchSeconds: number | undefined;
  if (values.watch) {
    watchSeconds = 5;
    if (positionals.length > 0) {
      watchSeconds = numberOption('watch', positionals.shift());
      if (!(watchSeconds! > 0)) throw new UsageError(`--watch takes seconds between rounds, a positive number`);
    }
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n\n${USAGE}`);
  const fees = venueMap('fee', values.fee ?? [], (raw, item) => {
    const n = Number(raw);
    if (!(n >= 0 && n < 1)) throw new UsageError(`--fee expects ID=RATE with RATE a fraction (0.001 = 0.1%), got '${item}'`);
    return n;
  });
  const apiUrls = venueMap('api-url', values['api-url'] ?? [], (raw) => raw, true);
  const timeoutSeconds = numberOption('timeout', values.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError(`--timeout is in seconds and must be positive, got ${values.timeout}`);
  endQuietlyWhenStdoutCloses();

  if (values.history) {
    const threshold = numberOption('threshold', values.threshold) ?? 0;
    if (!(threshold > -1 && threshold < 1)) throw new UsageError(`--threshold is a fraction (0.002 = 0.2%), got ${values.threshold}`);
    return history({ ...values, threshold, fees, apiUrls });
  }
  if (values.resume !== undefined) {
    if (!values.paper) throw new UsageError(`--resume continues a paper session: give --paper --resume RUN`);
    for (const flag of ['symbol', 'exchanges', 'size', 'threshold', 'close-at'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is the resumed run's own: leave it out with --resume`);
    }
    const runId = Number(values.resume);
    if (!(Number.isInteger(runId) && runId > 0)) throw new UsageError(`--resume takes the run number of a paper spread session, got '${values.resume}'`);
    const rounds = numberOption('rounds', values.rounds);
    if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) throw new UsageError(`--rounds is a whole number of rounds, got ${values.rounds}`);
    const journalPath = journalFile(values.journal);
    const journal = Journal.open(journalPath);
    let session;
    try {
      session = resumeSpreadSession(journal, runId);
    } catch (e) {
      journal.close();
      throw e;
    }
    const scanner = new SpreadScanner({ symbol: session.symbol, exchanges: session.exchanges, fees, apiUrls, depth: 20, ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000 }) });
    return paper(scanner, { symbol: session.symbol, ...session.settings, rounds, seconds: watchSeconds ?? 5, json: values.json, journalPath, exchanges: session.exchanges }, { journal, runId });
  }
  if (values.symbol === undefined) throw new UsageError(`--symbol is required: the market as ccxt writes it, e.g. BTC/USDT`);
  const exchanges = venueList(values.exchanges);
  if (values.paper) {
    const size = numberOption('size', values.size);
    if (!(size !== undefined && size > 0)) throw new UsageError(`--paper needs --size QTY, the base units of each leg (e.g. --size 0.5)`);
    const threshold = numberOption('threshold', values.threshold) ?? 0;
    if (!(threshold > -1 && threshold < 1)) throw new UsageError(`--threshold is a fraction (0.002 = 0.2%), got ${values.threshold}`);
    const closeAt = numberOption('close-at', values['close-at']) ?? 0;
    if (!(closeAt > -1 && closeAt < 1)) throw new UsageError(`--close-at is a fraction (0.0005 = 0.05%), got ${values['close-at']}`);
    const rounds = numberOption('rounds', values.rounds);
    if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) throw new UsageError(`--rounds is a whole number of rounds, got ${values.rounds}`);
    const scanner = new SpreadScanner({ symbol: values.symbol, exchanges, fees, apiUrls, depth: 20, ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000 }) });
    return paper(scanner, { symbol: values.symbol, size, threshold, closeAt, rounds, seconds: watchSeconds ?? 5, json: values.json, journalPath: journalFile(values.journal), exchanges });
  }
  const scanner = new SpreadScanner({ symbol: values.symbol, exchanges, fees, apiUrls, ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000 }) });
  if (watchSeconds === undefined) return liveRound(scanner, values.symbol, values.json, false);
  return watch(scanner, values.symbol, values.json, watchSeconds);
}

/** `binance,kraken` → the ids; `least` is 1 where --candles brings the other venues. */
function venueList(raw: string | undefined, least = 2): string[] {
  if (raw === undefined) throw new UsageError(`--exchanges is required: two or more ccxt ids, comma-separated (binance,kraken,coinbase)`);
  const ids = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (new Set(ids).size !== ids.length) throw new UsageError(`--exchanges names a venue twice: ${raw}`);
  if (ids.length < least) throw new UsageError(`--exchanges needs two venues at least to have a spread, got '${raw}'`);
  return ids;
}

/** `--fee kraken=0.0026` (repeatable) → { kraken: 0.0026 }; with `bare`, a value without ID= is for every venue ('*'). */
function venueMap<T>(flag: string, items: string[], parse: (raw: string, item: string) => T, bare = false): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) {
    const m = /^([a-z0-9]+)=(.+)$/.exec(item);
    if (m) out[m[1]!] = parse(m[2]!, item);
    else if (bare) out['*'] = parse(item, item);
    else throw new UsageError(`--${flag} expects ID=VALUE (e.g. --${flag} kraken=…), got '${item}'`);
  }
  return out;
}

async function liveRound(scanner: SpreadScanner, symbol: string, json: boolean, watching: boolean): Promise<number> {
  const { quotes, failures } = await scanner.quotes();
  const spreads = crossVenueSpreads(quotes);
  const at = Date.now();
  if (quotes.length < 2 && !watching) {
    const first = failures[0];
    throw new VoltError({
      kind: 'data',
      message: `only ${quotes.length} of ${quotes.length + failures.length} venues answered: no spread to show${first ? ` (${first.exchange}: ${first.message})` : ''}`,
      hint: first?.hint ?? 'check the venues and the symbol',
    });
  }
  if (json) process.stdout.write(JSON.stringify(liveDocument(symbol, at, quotes, spreads, failures), null, watching ? undefined : 2) + '\n');
  else process.stdout.write(liveTable(symbol, at, quotes, spreads, failures));
  return quotes.length >= 2 ? EXIT.ok : EXIT.error;
}

async function watch(scanner: SpreadScanner, symbol: string, json: boolean, seconds: number): Promise<number> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const clear = !json && process.stdout.isTTY === true;
  while (!stopped) {
    if (clear) process.stdout.write('\x1b[2J\x1b[H');
    await liveRound(scanner, symbol, json, true);
    if (!json) process.stdout.write(`(every ${seconds} s; Ctrl-C to stop)\n${clear ? '' : '\n'}`);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, seconds * 1000);
    });
  }
  return EXIT.ok;
}

async function paper(
  scanner: SpreadScanner,
  o: { symbol: string; size: number; threshold: number; closeAt: number; rounds: number | undefined; seconds: number; json: boolean; journalPath: string; exchanges: string[] },
  resumed?: { journal: Journal; runId: number },
): Promise<number> {
  const journal = resumed?.journal ?? Journal.open(o.journalPath);
  const settings = { size: o.size, threshold: o.threshold, closeAt: o.closeAt };
  let runId: number;
  let resuming = resumed !== undefined;
  try {
    if (resumed) runId = resumed.runId;
    else {
      // The same command again, after a kill: the session it started continues.
      const again = findUnfinishedSpreadSession(journal, o.symbol, o.exchanges, settings);
      resuming = again !== undefined;
      runId = again !== undefined ? resumeSpreadSession(journal, again).runId : startSpreadSession(journal, o.symbol, o.exchanges, settings).runId;
    }
  } catch (e) {
    journal.close();
    throw e;
  }
  const trader = new SpreadPaperTrader(scanner, { threshold: o.threshold, size: o.size, closeAt: o.closeAt, journal: { journal, runId } });
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const say = (doc: object, line: string) => process.stdout.write(o.json ? JSON.stringify(doc) + '\n' : line + '\n');
  try {
    if (!o.json) process.stdout.write(`paper spread ${o.symbol} on ${o.exchanges.join(', ')}: ${o.size} a leg, open above ${pct(o.threshold)} net, close at ${pct(o.closeAt)} gross (run ${runId}, ${o.journalPath})\n`);
    if (resuming) {
      const p = trader.position;
      say(
        { kind: 'paper-spread', round: 'resume', runId, step: 'resumed', ...(p ? { position: p } : {}), before: trader.before },
        `resumed run ${runId}: ${p ? `holding ${p.qty} bought on ${p.buyOn} at ${price(p.long.price)} and sold on ${p.sellOn} at ${price(p.short.price)}` : 'flat'}; ${trader.before.closed} spread${trader.before.closed === 1 ? '' : 's'} closed before`,
      );
    }
    for (let round = 1; !stopped; round++) {
      const step = await trader.step();
      say({ kind: 'paper-spread', round, time: new Date().toISOString(), step: step.kind, ...(step.kind === 'opened' || step.kind === 'holding' ? { position: step.position } : {}), ...(step.kind === 'closed' ? { trade: step.trade } : {}), ...(step.kind === 'holding' ? { gap: step.gap } : {}), ...(step.kind === 'waiting' ? { bestNet: step.bestNet } : {}), failures: step.failures }, stepLine(step));
      if (o.rounds !== undefined && round >= o.rounds) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, o.seconds * 1000);
      });
    }
    const last = await trader.flatten();
    if (last) say({ kind: 'paper-spread', round: 'end', time: new Date().toISOString(), step: 'flattened', trade: last }, `end: ${closedLine(last)}`);
    else if (trader.position) say({ kind: 'paper-spread', round: 'end', step: 'left open', position: trader.position }, `end: a leg's venue did not answer; both legs left open in the journal (--paper --resume ${runId} continues)`);
    // The whole session's, a resumed one's spreads closed before included.
    const pnl = trader.closed.reduce((sum, t) => sum + t.pnl, trader.before.pnl);
    const closed = trader.closed.length + trader.before.closed;
    say({ kind: 'paper-spread-summary', runId, closed, pnl }, `${closed} spread${closed === 1 ? '' : 's'} closed, P&L ${pnl.toFixed(2)} (run ${runId})`);
    // Legs left open keep the session resumable.
    if (!trader.position) finishSpreadSession(journal, runId);
  } finally {
    journal.close();
  }
  return EXIT.ok;
}

function stepLine(step: SpreadStep): string {
  const failed = step.failures.map((f) => ` [${f.exchange}: ${f.message}]`).join('');
  if (step.kind === 'waiting') return `waiting: best filled net ${step.bestNet === null ? '—' : pct(step.bestNet)}${failed}`;
  if (step.kind === 'holding') return `holding: buy ${step.position.buyOn} / sell ${step.position.sellOn}, gap ${step.gap === null ? '— (a venue did not answer)' : pct(step.gap)}${failed}`;
  if (step.kind === 'opened') {
    const p = step.position;
    return `opened: bought ${p.qty} on ${p.buyOn} at ${price(p.long.price)} (ask ${price(p.long.quoted)}), sold on ${p.sellOn} at ${price(p.short.price)} (bid ${price(p.short.quoted)}): ${pct(p.filledNet)} net filled, ${pct(p.quotedNet)} quoted${failed}`;
  }
  return `closed: ${closedLine(step.trade)}${failed}`;
}

function closedLine(t: ClosedSpread): string {
  return `sold ${t.qty} on ${t.buyOn} at ${price(t.closeLong.price)}, bought on ${t.sellOn} at ${price(t.closeShort.price)}: P&L ${t.pnl.toFixed(2)} after four taker fees`;
}

function liveDocument(symbol: string, at: number, quotes: VenueQuote[], spreads: CrossVenueSpread[], failures: VenueFailure[]): object {
  return { schemaVersion: 1, kind: 'spreads', symbol, time: new Date(at).toISOString(), quotes, spreads, failures };
}

const pct = (x: number, digits = 3): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%` : '—');
const price = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: x >= 100 ? 2 : 8 });

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function liveTable(symbol: string, at: number, quotes: VenueQuote[], spreads: CrossVenueSpread[], failures: VenueFailure[]): string {
  const out: string[] = [`${symbol} across ${quotes.length + failures.length} venues, ${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC`, ''];
  out.push(
    ...table(
      ['venue', 'bid', 'size', 'ask', 'size', 'taker fee'],
      quotes.map((q) => [q.exchange, price(q.bid), String(q.bidSize), price(q.ask), String(q.askSize), `${(q.takerFee * 100).toFixed(3)}%${q.feeSource === 'given' ? ' (given)' : q.feeSource === 'exchange default' ? ' (default)' : ''}`]),
      [false, true, true, true, true, true],
    ),
  );
  for (const f of failures) out.push(`${f.exchange}: ${f.message} (${f.hint})`);
  if (spreads.length > 0) {
    out.push('');
    out.push(
      ...table(
        ['buy on', 'at ask', 'sell on', 'at bid', 'gross', 'fees', 'net', 'size'],
        spreads.map((s) => [s.buyOn, price(s.ask), s.sellOn, price(s.bid), pct(s.gross), `${((s.buyFee + s.sellFee) * 100).toFixed(3)}%`, pct(s.net), String(s.size)]),
        [false, true, false, true, true, true, true, true],
      ),
    );
    const best = spreads[0]!;
    out.push('');
    out.push(best.net > 0 ? `best: buy on ${best.buyOn}, sell on ${best.sellOn}: ${pct(best.net)} after fees, up to ${best.size} at the top of both books` : 'no pair of venues pays after taker fees right now');
  }
  return out.join('\n') + '\n';
}

interface HistoryFlags {
  symbol?: string | undefined;
  exchanges?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  timeframe: string;
  candles?: string[] | undefined;
  json: boolean;
  threshold: number;
  fees: Record<string, number>;
  apiUrls: Record<string, string>;
}

async function history(flags: HistoryFlags): Promise<number> {
  const cwd = process.cwd();
  const sources: { exchange: string; spec: string }[] = [];
  for (const item of flags.candles ?? []) {
    const m = /^([a-z0-9]+)=(.+)$/.exec(item);
    if (!m) throw new UsageError(`--candles expects ID=FILE or ID=SPEC (e.g. --candles kraken=kraken-btc.csv), got '${item}'`);
    sources.push({ exchange: m[1]!, spec: m[2]! });
  }
  if (flags.exchanges !== undefined || sources.length === 0) {
    if (flags.symbol === undefined) throw new UsageError(`--symbol is required with --exchanges: the market as ccxt writes it, e.g. BTC/USDT`);
    const since = dateOption('since', flags.since);
    const until = dateOption('until', flags.until);
    if (since === undefined || until === undefined) throw new UsageError(`--history over --exchanges needs --since and --until (dates): a closed range is fetched once and cached`);
    for (const id of venueList(flags.exchanges, sources.length > 0 ? 1 : 2)) {
      if (sources.some((s) => s.exchange === id)) continue;
      sources.push({ exchange: id, spec: `exchange:${id}:${flags.symbol}:${flags.timeframe}:${since}:${until}` });
    }
  }
  if (sources.length < 2) throw new UsageError(`a spread needs candles of two venues at least, got ${sources.length}`);
  const venues: VenueCandles[] = [];
  for (const { exchange, spec } of sources) {
    const apiUrl = flags.apiUrls[exchange] ?? flags.apiUrls['*'];
    const series = await resolveDataSpec(spec, {
      cwd,
      candleCache: path.join(cwd, CANDLE_CACHE_DIR),
      ...(flags.symbol === undefined ? {} : { symbol: flags.symbol }),
      ...(apiUrl === undefined ? {} : { exchangeApiUrl: apiUrl }),
      onNote: (note) => process.stderr.write(`volt scan spreads: note: ${note}\n`),
    });
    const takerFee = flags.fees[exchange] ?? (await defaultTakerFee(exchange));
    if (takerFee === undefined) throw new UsageError(`ccxt lists no taker fee for '${exchange}': give it with --fee ${exchange}=RATE`);
    venues.push({ exchange, series, takerFee });
  }
  const timeframes = new Set(venues.map((v) => v.series.timeframe));
  if (timeframes.size > 1) {
    throw new VoltError({ kind: 'data', message: `the venues' candles have different timeframes (${[...timeframes].join(', ')}): their closes are not at the same times`, hint: 'fetch every venue at one timeframe' });
  }
  const report = historicalSpreads(venues, flags.threshold);
  process.stdout.write(flags.json ? JSON.stringify({ schemaVersion: 1, kind: 'historical-spreads', ...report, fees: Object.fromEntries(venues.map((v) => [v.exchange, v.takerFee])) }, null, 2) + '\n' : historyTable(report, venues));
  return EXIT.ok;
}

function duration(ms: number): string {
  if (ms <= 0) return '—';
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(h >= 10 ? 0 : 1)} h` : `${Math.round(ms / 60_000)} min`;
}

function historyTable(report: HistoricalSpreadReport, venues: VenueCandles[]): string {
  const daily = /[dw]$/.test(report.timeframe);
  const out: string[] = [
    `${report.symbol} ${report.timeframe} across ${venues.length} venues, net of taker fees (${venues.map((v) => `${v.exchange} ${(v.takerFee * 100).toFixed(3)}%`).join(', ')}), closes as prices, threshold ${pct(report.threshold)}`,
  ];
  const missing = Object.entries(report.missing).filter(([, n]) => n > 0);
  if (missing.length > 0) out.push(`bars one venue lacks are left out of its pairs, not filled: ${missing.map(([v, n]) => `${v} lacks ${n}`).join(', ')}`);
  out.push('');
  out.push(
    ...table(
      ['buy on', 'sell on', 'bars', 'above', 'share', 'episodes', 'longest', 'mean', 'widest net', 'when', 'mean net'],
      report.pairs.map((p) => [
        p.buyOn,
        p.sellOn,
        String(p.bars),
        String(p.barsAbove),
        pct(p.shareAbove, 1).replace('+', ''),
        String(p.episodes),
        p.longestBars > 0 ? `${p.longestBars} bars (${duration(p.longestMs)})` : '—',
        p.episodes > 0 ? `${p.meanBars.toFixed(1)} bars` : '—',
        pct(p.maxNet),
        Number.isFinite(p.maxNetTime) ? formatTime(p.maxNetTime, daily) : '—',
        pct(p.meanNet),
      ]),
      [false, false, true, true, true, true, true, true, true, false, true],
    ),
  );
  return out.join('\n') + '\n';
}
