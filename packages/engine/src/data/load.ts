import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CandleSeries } from './candle.js';
import { readCsv } from './csv.js';
import { readJson, readJsonRows } from './json.js';
import { buildSeries } from './order.js';
import { DataError, type DataProblem, type DataProblemKind } from './problems.js';
import { Reading, type Mode, type RowTable } from './reading.js';

/**
 * Candle files in, one CandleSeries out. The format is told by the content (JSON starts with `[`),
 * never by the extension. Strict by default: the first problem is thrown as a DataError naming the
 * file, the line and the fix. `lenient` repairs what can be repaired and says what it did.
 *
 * `loadCandles` reads the file asynchronously; `loadCandlesSync` and `parseCandles` (text already
 * in memory) do the same work synchronously: parsing is one pass over the text and takes tens of
 * milliseconds even for 30,000-row files, so the sidecar may call either.
 */

export interface LoadOptions {
  /** Repair what can be repaired instead of refusing the file. */
  lenient?: boolean;
  /** Symbol of the series, overriding the file's Symbol column and its name. */
  symbol?: string;
  /** In a file with a Symbol column holding several symbols, keep only this one's rows. */
  onlySymbol?: string;
  /** Timeframe of the series instead of the one inferred from the most common spacing. */
  timeframe?: string;
}

export interface LoadedCandles {
  series: CandleSeries;
  /** What lenient mode repaired, one line per kind of repair (counts and first lines). Empty when strict. */
  repairs: string[];
  /** Facts about the file worth knowing that are not problems (newest first, no volume, gaps …). */
  notes: string[];
}

export interface CandleCheck {
  file: string;
  format: 'csv' | 'json' | 'unknown';
  /** Rows read (before any repair). */
  rows: number;
  symbol: string;
  timeframe: string;
  /** First and last bar's time, epoch ms UTC; NaN when nothing was read. */
  first: number;
  last: number;
  /** Every problem found, in file order. Strict loading refuses the file when there is any. */
  problems: DataProblem[];
  notes: string[];
}

export async function loadCandles(file: string, options: LoadOptions = {}): Promise<LoadedCandles> {
  return parseCandles(await readText(file), file, options);
}

export function loadCandlesSync(file: string, options: LoadOptions = {}): LoadedCandles {
  return parseCandles(readTextSync(file), file, options);
}

/** Every problem of a file, not just the first, for `volt data check`. Throws only when the file cannot be read. */
export async function checkCandles(file: string, options: Omit<LoadOptions, 'lenient'> = {}): Promise<CandleCheck> {
  return checkCandleText(await readText(file), file, options);
}

export function checkCandlesSync(file: string, options: Omit<LoadOptions, 'lenient'> = {}): CandleCheck {
  return checkCandleText(readTextSync(file), file, options);
}

/** Load candles from a file's bytes already in memory (the binary cache hashed them first). */
export function parseCandleBytes(bytes: Buffer, file: string, options: LoadOptions = {}): LoadedCandles {
  return parseCandles(utf8Text(bytes, file), file, options);
}

/** Load candles from text already in memory; `file` names it in messages and gives the default symbol. */
export function parseCandles(text: string, file: string, options: LoadOptions = {}): LoadedCandles {
  return settle(read(text, file, options.lenient ? 'lenient' : 'strict', options), file, options);
}

/**
 * Candles already in memory as `[time, open, high, low, close, volume?]` arrays (or objects with
 * named fields), e.g. what an exchange answered: the same checks, repairs and notes as a JSON
 * file. `source` names them in messages, and a row is called `candle N` (line N in errors).
 */
export function parseCandleRows(rows: readonly unknown[], source: string, options: LoadOptions = {}): LoadedCandles {
  const reading = new Reading(source, options.lenient ? 'lenient' : 'strict');
  reading.format = 'json';
  reading.locate = (ref) => ({ line: ref + 1, label: `candle ${ref + 1}` });
  reading.symbol = options.symbol ?? source;
  reading.rowsRead = rows.length;
  const table = readJsonRows(rows, reading);
  if (table && table.count > 0) buildSeries(table, reading, options);
  else if (table && (reading.problems.length === 0 || reading.mode === 'lenient')) {
    const first = reading.problems[0];
    reading.problems.push({
      kind: 'empty',
      line: 0,
      message: first ? `no usable candles: every one has a problem, the first: ${first.message}` : 'no candles',
      hint: first ? first.hint : 'widen the time range',
    });
  }
  return settle(reading, source, options);
}

/** Strict: the first problem is thrown; lenient: only problems without a repair are. */
function settle(reading: Reading, file: string, options: LoadOptions): LoadedCandles {
  const { problems } = reading;
  if (problems.length > 0) {
    const blocking = options.lenient ? problems.filter((p) => p.repair === undefined) : problems;
    if (blocking.length > 0) {
      const first = blocking.reduce((a, b) => (b.line < a.line || (b.line === a.line && (b.column ?? 0) < (a.column ?? 0)) ? b : a));
      throw new DataError(file, first, blocking.length - 1);
    }
  }
  return { series: reading.series!, repairs: options.lenient ? summarizeRepairs(problems, reading) : [], notes: reading.notes };
}

export function checkCandleText(text: string, file: string, options: Omit<LoadOptions, 'lenient'> = {}): CandleCheck {
  const reading = read(text, file, 'check', options);
  const problems = [...reading.problems].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return {
    file,
    format: reading.format,
    rows: reading.rowsRead,
    symbol: reading.symbol,
    timeframe: reading.timeframe,
    first: reading.series && reading.series.length > 0 ? reading.series.time[0]! : NaN,
    last: reading.series && reading.series.length > 0 ? reading.series.time[reading.series.length - 1]! : NaN,
    problems,
    notes: reading.notes,
  };
}

// ---------------------------------------------------------------------------------------------

async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return utf8Text(bytes, file);
}

function readTextSync(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return utf8Text(bytes, file);
}

/** The file's text, refusing UTF-16 as a whole: read as UTF-8 it is a NUL between every letter. */
function utf8Text(bytes: Buffer, file: string): string {
  const utf16 = utf16Order(bytes);
  if (utf16 !== undefined) {
    throw new DataError(file, {
      kind: 'unreadable',
      line: 0,
      message: `the file is UTF-16 (${utf16}), not UTF-8 text: its rows would read as garbage`,
      hint: 'save it as UTF-8 (in Excel: "CSV UTF-8"; in an editor: Save with Encoding → UTF-8), or convert it: iconv -f UTF-16 -t UTF-8',
    });
  }
  return bytes.toString('utf8');
}

/**
 * 'little-endian' / 'big-endian' when the bytes are UTF-16: a byte-order mark, or, without one, a
 * zero byte in every other place of the first 512 bytes (ASCII in UTF-16), which UTF-8 text never has.
 */
function utf16Order(bytes: Buffer): string | undefined {
  if (bytes.length >= 2) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'little-endian, with a byte-order mark';
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'big-endian, with a byte-order mark';
  }
  const n = Math.min(bytes.length, 512) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros >= pairs * 0.9 && evenZeros === 0) return 'little-endian, no byte-order mark';
  if (evenZeros >= pairs * 0.9 && oddZeros === 0) return 'big-endian, no byte-order mark';
  return undefined;
}

function unreadable(file: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : e instanceof Error ? e.message : String(e);
  return new DataError(file, {
    kind: 'unreadable',
    line: 0,
    message: `cannot read the data file: ${why}`,
    hint: 'check the path (relative paths start from the current folder)',
  });
}

function read(text: string, file: string, mode: Mode, options: LoadOptions): Reading {
  const reading = new Reading(file, mode);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 32) start++;
  const first = text.charCodeAt(start);
  let rows: RowTable | undefined;
  let symbolFromFile: string | undefined;
  if (start === text.length) {
    reading.add('empty', 1, 'the file is empty', 'give it a header line and one row per bar');
  } else if (first === 91 /* [ */ || first === 123 /* { */) {
    reading.format = 'json';
    rows = readJson(text, reading);
  } else {
    reading.format = 'csv';
    const csv = readCsv(text, reading, options);
    rows = csv?.rows;
    symbolFromFile = csv?.symbol;
  }
  reading.symbol = options.symbol ?? symbolFromFile ?? symbolFromFileName(file);
  if (rows) {
    reading.rowsRead = rows.count;
    if (rows.count === 0) {
      if (reading.problems.length === 0) {
        reading.add('empty', reading.format === 'json' ? 0 : 1, 'the file has no candle rows', 'give it one row per bar');
      } else if (mode === 'lenient') {
        const first = reading.problems[0]!;
        reading.problems.push({ ...first, kind: 'empty', message: `no usable rows: every row has a problem, the first: ${first.message}` });
        delete reading.problems[reading.problems.length - 1]!.repair;
      }
    } else {
      buildSeries(rows, reading, options);
    }
  }
  return reading;
}

// ---------------------------------------------------------------------------------------------

const REPAIR_TEXT: Partial<Record<DataProblemKind, (n: number) => string>> = {
  'field-count': (n) => `dropped ${rowsWord(n)} whose field count differs from the others`,
  'bad-timestamp': (n) => `dropped ${rowsWord(n)} with an unreadable time`,
  'bad-price': (n) => `dropped ${rowsWord(n)} with a missing, zero, negative or out-of-range price`,
  'bad-volume': (n) => `read the volume as 0 on ${rowsWord(n)} where it was missing or negative`,
  'mixed-symbols': (n) => `dropped ${rowsWord(n)} of another symbol`,
  'high-below-low': (n) => `rebuilt high/low from all four prices on ${rowsWord(n)} where high was below low`,
  'ohlc-inconsistent': (n) => `widened high/low to contain open and close on ${rowsWord(n)}`,
  'out-of-order': (n) => `sorted ${rowsWord(n)} that ${n === 1 ? 'was' : 'were'} out of order`,
  duplicate: (n) => `dropped ${n} duplicate ${n === 1 ? 'row' : 'rows'}, keeping the first row of each time`,
};

/** 'line 535' / 'lines 535, 540, 670 and 44 more' (rows for JSON). */
function listRefs(refs: number[], reading: Reading): string {
  const labels = refs.slice(0, 3).map((r) => reading.label(r));
  if (labels.length === 1) return labels[0]!;
  const noun = labels[0]!.split(' ')[0]!;
  const numbers = labels.map((l) => l.slice(noun.length + 1));
  return `${noun}s ${numbers.join(', ')}${refs.length > 3 ? ` and ${refs.length - 3} more` : ''}`;
}

function rowsWord(n: number): string {
  return `${n} ${n === 1 ? 'row' : 'rows'}`;
}

function summarizeRepairs(problems: DataProblem[], reading: Reading): string[] {
  const out: string[] = [];
  for (const p of problems) if (p.kind === 'header-mismatch' && p.repair) out.push(`line ${p.line}: ${p.repair}`);
  for (const [kind, text] of Object.entries(REPAIR_TEXT) as [DataProblemKind, (n: number) => string][]) {
    const refs = reading.refsByKind.get(kind);
    if (!refs) continue;
    out.push(`${text(refs.length)} (${listRefs(refs, reading)})`);
  }
  return out;
}

/** A symbol from a file name: 'ETH_BTC-5m.json' → 'ETH/BTC', 'vix-daily.csv' → 'vix'. */
export function symbolFromFileName(file: string): string {
  let base = path.basename(file).replace(/\.[^.]*$/, '');
  base = base.replace(/[-_ .](\d+[smhdw]|daily|hourly|weekly|minute|min|1min)$/i, '');
  return /^[A-Za-z0-9]+_[A-Za-z0-9]+$/.test(base) ? base.replace('_', '/') : base;
}
