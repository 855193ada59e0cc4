import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  REGIMES,
  VoltError,
  candlesToCsv,
  candlesToJson,
  checkCandles,
  fetchCandles,
  formatTime,
  parseTimestamp,
  synthesize,
  type CandleCheck,
  type CandleSeries,
  type DataProblemKind,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';
import { endQuietlyWhenStdoutCloses } from '../stdout.js';
import { fetchMany } from './data-fetch-many.js';

export const summary = 'check a candle file for problems, write a synthetic market, or fetch candles from an exchange';

const USAGE = `usage: volt data <check|synth|fetch> [options]

  volt data check FILE [--json] [--symbol S] [--timeframe TF]
      Lists every problem of a CSV or JSON candle file (duplicates, rows out of order, unusable
      prices, high/low that contradict open/close, a header that does not match its rows) with
      file:line and the fix, and what --lenient loading would repair. Exit 0 when clean, 1 when not.

  volt data synth --seed N [--bars 5000] [--timeframe 1h] [--start 2020-01-01] [--symbol SYNTH]
                  [--start-price 100] [--out FILE.csv|FILE.json] [--format csv|json]
      Writes the deterministic synthetic market (calm, trends, volatile, crash regimes with
      volatility clustering and jumps): the same seed always gives the same candles. CSV to
      stdout unless --out is given; the format follows --out's extension.

  volt data fetch --exchange ID --symbol BASE/QUOTE [--timeframe 1h] --since DATE [--until DATE]
                  [--limit N] [--out FILE.csv|FILE.json] [--format csv|json] [--lenient] [--timeout 10]
      Downloads candles through ccxt (binance, kraken, coinbase, … public data, no API key) from
      --since up to --until (exclusive) or the last closed bar, page by page within the exchange's
      rate limit, and checks them as \`volt data check\` checks a file (--lenient repairs instead).
      CSV to stdout unless --out is given. A backtest can take the same range directly, fetched
      once and then read from .volt/cache/: --data exchange:binance:BTC/USDT:1h:2024-01-01:2024-02-01.
      --api-url URL (or VOLT_EXCHANGE_API_URL) sends the requests to a mirror of the exchange's API
      that answers the exchange's own paths: a self-hosted mirror, or a test server (ID=URL for one
      venue; repeat the flag).

      Several markets at once: --symbol BTC/USDT,ETH/USDT and/or --exchange binance,kraken fetch
      every symbol on every venue with one progress bar, the venues in parallel and each venue's
      markets in turn (within its rate limit). --until is then required; each range goes to
      .volt/cache/ (what --data exchange:… and data.symbols read) or to --out-dir DIR. A market
      that fails is named with its reason and the others are still fetched (exit 1).`;

const CHECK_USAGE = USAGE.split('\n\n')[1]!;
const SYNTH_USAGE = USAGE.split('\n\n')[2]!;
const FETCH_USAGE = USAGE.split('\n\n')[3]!;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (sub === 'check') {
    endQuietlyWhenStdoutCloses();
    return check(rest);
  }
  if (sub === 'synth') return synth(rest);
  if (sub === 'fetch') return download(rest);
  throw new UsageError(sub === undefined ? `missing subcommand\n\n${USAGE}` : `unknown subcommand '${sub}'\n\n${USAGE}`);
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage:\n${CHECK_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`expects one FILE, got ${positionals.length}\n\nusage:\n${CHECK_USAGE}`);
  const report = await checkCandles(positionals[0]!, {
    ...(values.symbol === undefined ? {} : { symbol: values.symbol }),
    ...(values.timeframe === undefined ? {} : { timeframe: values.timeframe }),
  });
  process.stdout.write(values.json ? JSON.stringify(checkJson(report), null, 2) + '\n' : checkText(report));
  return report.problems.length === 0 ? EXIT.ok : EXIT.error;
}

function checkJson(report: CandleCheck): object {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    schemaVersion: 1,
    file: report.file,
    ok: report.problems.length === 0,
    format: report.format,
    rows: report.rows,
    symbol: report.symbol,
    timeframe: report.timeframe,
    first: iso(report.first),
    last: iso(report.last),
    problems: report.problems,
    notes: report.notes,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function checkText(report: CandleCheck): string {
  const out: string[] = [];
  const daily = /[dw]$/.test(report.timeframe);
  const range = Number.isFinite(report.first) ? `, ${formatTime(report.first, daily)} → ${formatTime(report.last, daily)}` : '';
  out.push(`${report.file}: ${plural(report.rows, 'row')} (${report.format}), ${report.symbol || '?'}, ${report.timeframe}${range}`);
  for (const note of report.notes) out.push(`  note: ${note}`);
  if (report.problems.length === 0) {
    out.push('no problems: loads as it is');
    return out.join('\n') + '\n';
  }
  out.push('');
  for (const p of report.problems) {
    out.push(`${report.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}: ${p.message}`);
  }
  // The fix once per kind of problem, not once per row: 47 identical hints help nobody.
  const byKind = new Map<DataProblemKind, { count: number; hint: string; repair: string | undefined }>();
  for (const p of report.problems) {
    const seen = byKind.get(p.kind);
    if (seen) seen.count++;
    else byKind.set(p.kind, { count: 1, hint: p.hint, repair: p.repair });
  }
  out.push('');
  for (const [kind, { count, hint, repair }] of byKind) {
    out.push(`${kind} (${count}): ${hint}`);
    out.push(repair === undefined ? '  --lenient cannot repair this' : `  --lenient: ${repair}`);
  }
  const repairable = report.problems.every((p) => p.repair !== undefined);
  out.push('');
  out.push(`${plural(report.problems.length, 'problem')}; ${repairable ? 'all repairable with --lenient' : 'some need fixing by hand'}`);
  return out.join('\n') + '\n';
}

async function synth(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      bars: { type: 'string', default: '5000' },
      timeframe: { type: 'string', default: '1h' },
      start: { type: 'string' },
      symbol: { type: 'string' },
      'start-price': { type: 'string' },
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage:\n${SYNTH_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n\nusage:\n${SYNTH_USAGE}`);
  if (values.seed === undefined) throw new UsageError(`--seed is required (any whole number; the same seed gives the same market)`);
  const seed = wholeNumber('seed', values.seed);
  const bars = wholeNumber('bars', values.bars);
  if (bars < 1) throw new UsageError(`--bars must be at least 1, got ${bars}`);
  let start: number | undefined;
  if (values.start !== undefined) {
    start = parseTimestamp(values.start);
    if (!Number.isFinite(start)) throw new UsageError(`--start expects a date like 2020-01-01 or 2020-01-01T09:30:00Z, got '${values.start}'`);
  }
  const format = values.format ?? (values.out?.toLowerCase().endsWith('.json') ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format is csv or json, got '${format}'`);
  const startPrice = numberOption('start-price', values['start-price']);

  const market = synthesize({
    seed,
    bars,
    timeframe: values.timeframe,
    ...(start === undefined ? {} : { start }),
    ...(values.symbol === undefined ? {} : { symbol: values.symbol }),
    ...(startPrice === undefined ? {} : { startPrice }),
  });
  if (values.out === undefined) {
    await writeCandles(undefined, market, format);
    return EXIT.ok;
  }
  await writeCandles(values.out, market, format);
  const share = REGIMES.map((name, r) => {
    let n = 0;
    for (let i = 0; i < market.length; i++) if (market.regime[i] === r) n++;
    return `${name} ${Math.round((100 * n) / market.length)}%`;
  });
  process.stderr.write(`wrote ${plural(bars, 'bar')} of ${values.timeframe} (seed ${seed}) to ${values.out}; regimes: ${share.join(', ')}\n`);
  return EXIT.ok;
}

async function download(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      exchange: { type: 'string' },
      symbol: { type: 'string' },
      timeframe: { type: 'string', default: '1h' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      lenient: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      'api-url': { type: 'string', multiple: true },
      'out-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage:\n${FETCH_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n\nusage:\n${FETCH_USAGE}`);
  if (values.exchange === undefined) throw new UsageError(`--exchange is required: a ccxt exchange id such as binance, kraken or coinbase`);
  if (values.symbol === undefined) throw new UsageError(`--symbol is required: the market as ccxt writes it, e.g. BTC/USDT`);
  if (values.since === undefined) throw new UsageError(`--since is required (a date like 2024-01-01): a fixed start keeps the download reproducible`);
  const since = timeOption('since', values.since);
  const until = values.until === undefined ? undefined : timeOption('until', values.until);
  if (until !== undefined && until <= since) throw new UsageError(`--until must be after --since`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = wholeNumber('limit', values.limit);
    if (limit < 1) throw new UsageError(`--limit must be at least 1, got ${limit}`);
  }
  const timeout = numberOption('timeout', values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout is in seconds and must be positive, got ${values.timeout}`);
  const format = values.format ?? (values.out?.toLowerCase().endsWith('.json') ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format is csv or json, got '${format}'`);
  // --api-url URL (every venue) or --api-url ID=URL (one venue), repeatable.
  const apiUrls: Record<string, string> = {};
  for (const item of values['api-url'] ?? []) {
    const m = /^([a-z0-9]+)=(.+)$/.exec(item);
    if (m) apiUrls[m[1]!] = m[2]!;
    else apiUrls['*'] = item;
  }
  const exchanges = commaList('exchange', values.exchange);
  const symbols = commaList('symbol', values.symbol);
  if (exchanges.length * symbols.length > 1) {
    if (values.out !== undefined) throw new UsageError(`--out is one file: several markets go to .volt/cache/ (the default) or to --out-dir DIR`);
    if (values.format === 'json') throw new UsageError(`several markets are written as CSV (what .volt/cache/ holds); leave out --format`);
    if (until === undefined) throw new UsageError(`several markets need --until (a date): each closed range is kept in .volt/cache/ and read offline after`);
    return fetchMany({
      exchanges,
      symbols,
      timeframe: values.timeframe,
      since,
      until,
      lenient: values.lenient,
      apiUrls,
      ...(limit === undefined ? {} : { limit }),
      ...(timeout === undefined ? {} : { timeout: timeout * 1000 }),
      ...(values['out-dir'] === undefined ? {} : { outDir: values['out-dir'] }),
    });
  }
  if (values['out-dir'] !== undefined) throw new UsageError(`--out-dir is for several markets; one market goes to stdout or --out FILE`);
  const apiUrl = apiUrls[values.exchange] ?? apiUrls['*'];

  const series = await fetchCandles({
    exchange: values.exchange,
    symbol: values.symbol,
    timeframe: values.timeframe,
    since,
    ...(until === undefined ? {} : { until }),
    ...(limit === undefined ? {} : { limit }),
    ...(timeout === undefined ? {} : { timeout: timeout * 1000 }),
    ...(apiUrl === undefined ? {} : { apiUrl }),
    lenient: values.lenient,
    onRepairs: (repairs) => {
      for (const r of repairs) process.stderr.write(`volt data fetch: --lenient repaired ${r}\n`);
    },
    onNote: (note) => process.stderr.write(`volt data fetch: note: ${note}\n`),
  });
  await writeCandles(values.out, series, format);
  const daily = /[dw]$/.test(series.timeframe);
  const range = `${formatTime(series.time[0]!, daily)} → ${formatTime(series.time[series.length - 1]!, daily)}`;
  process.stderr.write(
    `fetched ${plural(series.length, 'candle')} of ${series.symbol} ${series.timeframe} from ${values.exchange} (${range})${values.out === undefined ? '' : ` to ${values.out}`}\n`,
  );
  return EXIT.ok;
}

/** `binance,kraken` → ['binance', 'kraken'], each once. */
function commaList(name: string, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--${name} is empty`);
  if (new Set(items).size !== items.length) throw new UsageError(`--${name} names one twice: ${raw}`);
  return items;
}

function timeOption(name: string, raw: string): number {
  const ms = parseTimestamp(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} expects a date like 2024-01-01 or 2024-01-01T09:30:00Z, got '${raw}'`);
  return ms;
}

/** CSV or JSON to the file, or to stdout when there is none. */
async function writeCandles(out: string | undefined, series: CandleSeries, format: 'csv' | 'json'): Promise<void> {
  const chunks = format === 'json' ? candlesToJson(series) : candlesToCsv(series);
  if (out === undefined) {
    await writeChunks(process.stdout, chunks);
    return;
  }
  const file = createWriteStream(out);
  try {
    await once(file, 'open');
    await writeChunks(file, chunks);
    file.end();
    await once(file, 'finish');
  } catch (e) {
    file.destroy();
    throw new VoltError({
      kind: 'data',
      file: out,
      message: `cannot write the candles: ${e instanceof Error ? e.message : String(e)}`,
      hint: 'check that the folder exists and is writable',
    });
  }
}

function wholeNumber(name: string, raw: string): number {
  const n = numberOption(name, raw)!;
  if (!Number.isInteger(n)) throw new UsageError(`--${name} expects a whole number, got '${raw}'`);
  return n;
}

/** Writes with backpressure. On stdout, a reader that goes away (`| head`) ends the output quietly. */
async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  const toStdout = stream === process.stdout;
  let closed = false;
  // Left attached: a closed pipe can report EPIPE again after the last write.
  if (toStdout) stream.on('error', () => (closed = true));
  for (const chunk of chunks) {
    if (closed) return;
    if (!stream.write(chunk)) {
      // Whichever of drain and close comes first, the other's listener (and the error listener
      // each once() adds) is taken off again: left on, they pile up, one pair per full buffer.
      const done = new AbortController();
      try {
        await Promise.race([once(stream, 'drain', { signal: done.signal }), once(stream, 'close', { signal: done.signal })]);
      } catch (e) {
        if (toStdout) return;
        throw e;
      } finally {
        done.abort();
      }
    }
  }
}
