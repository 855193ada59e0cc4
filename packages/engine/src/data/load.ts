import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CandleSeries } from './candle.js';
import { allocateSeries } from './candle.js';
import { ACCEPTED_NAMES_HINT, looksLikeHeader, mapColumns, type ColumnMap } from './columns.js';
import { DataError, type DataProblem, type DataProblemKind } from './problems.js';
import { epochToMs, formatDuration, formatTime, parseDateOnly, parseTimeOfDay, parseTimestamp } from './timestamp.js';
import { msToTimeframe, timeframeToMs } from './timeframe.js';

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
  /** Symbol of the series; in a file with a Symbol column, also selects that symbol's rows. */
  symbol?: string;
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

/** Load candles from text already in memory; `file` names it in messages and gives the default symbol. */
export function parseCandles(text: string, file: string, options: LoadOptions = {}): LoadedCandles {
  const reading = read(text, file, options.lenient ? 'lenient' : 'strict', options);
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
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e);
  }
}

function readTextSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e);
  }
}

function unreadable(file: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : e instanceof Error ? e.message : String(e);
  return new DataError(file, {
    kind: 'unreadable',
    line: 1,
    message: `cannot read the data file: ${why}`,
    hint: 'check the path (relative paths start from the current folder)',
  });
}

type Mode = 'strict' | 'lenient' | 'check';

/** Rows as read, in file order, before sorting. `ref` is the row's line (CSV) or index (JSON). */
interface RowTable {
  count: number;
  ref: Int32Array;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

function allocateRows(capacity: number): RowTable {
  return {
    count: 0,
    ref: new Int32Array(capacity),
    time: new Float64Array(capacity),
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
  };
}

const HINT = {
  outOfOrder: 're-run with --lenient to sort the rows by time, or sort the file',
  duplicate: 're-run with --lenient to drop the later duplicates (the first row of each time is kept), or delete them',
  badPrice: 'fix or delete the row, or re-run with --lenient to drop rows with unusable prices',
  badVolume: 'fix the volume, or re-run with --lenient to read it as 0',
  ohlc: 're-run with --lenient to widen high/low so they contain open and close, or fix the row',
  badTimestamp:
    'write times as ISO dates (2024-01-31, 2024-01-31T09:30:00Z, 2024-01-31 09:30), YYYYMMDD, or epoch seconds/milliseconds; --lenient drops unreadable rows',
  fieldCount: 'give the row one field per column, or re-run with --lenient to drop such rows',
  mixedSymbols: 'keep one symbol per file, pass --symbol to pick one, or re-run with --lenient to keep the first symbol only',
};

/** One reading of one file: what was found, and the series when one could be built. */
class Reading {
  readonly problems: DataProblem[] = [];
  readonly notes: string[] = [];
  format: 'csv' | 'json' | 'unknown' = 'unknown';
  rowsRead = 0;
  symbol = '';
  timeframe = 'unknown';
  series: CandleSeries | undefined;
  /** Row label and position, by ref; JSON rows are located lazily because most files have no problems. */
  locate: (ref: number) => { line: number; column?: number; label: string } = (ref) => ({ line: ref, label: `line ${ref}` });
  /** Problems found per row, by kind, for the repair summary: refs in file order. */
  readonly refsByKind = new Map<DataProblemKind, number[]>();

  constructor(
    readonly file: string,
    readonly mode: Mode,
  ) {}

  add(kind: DataProblemKind, ref: number, message: string, hint: string, repair?: string): void {
    const at = this.locate(ref);
    this.problems.push({
      kind,
      line: at.line,
      ...(at.column === undefined ? {} : { column: at.column }),
      message,
      hint,
      ...(repair === undefined ? {} : { repair }),
    });
    let refs = this.refsByKind.get(kind);
    if (!refs) this.refsByKind.set(kind, (refs = []));
    refs.push(ref);
  }

  label(ref: number): string {
    return this.locate(ref).label;
  }
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
// CSV

const QUOTE = 34;

/** Split one line; the quote-aware path runs only for lines that contain a quote. */
function splitFields(line: string, delimiter: string): string[] {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line.charCodeAt(i + 1) === QUOTE) {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function chooseDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Number() reads '' and ' ' as 0; a missing price must stay missing. */
function toNumber(s: string): number {
  const v = Number(s);
  if (v === 0 && s.trim() === '') return NaN;
  return v;
}

interface CsvLayout {
  fieldCount: number;
  /** A column holding the whole timestamp, or -1 when date and time are split. */
  time: number;
  date: number;
  clock: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  symbol: number;
}

function readCsv(text: string, reading: Reading, options: LoadOptions): { rows: RowTable; symbol: string | undefined } | undefined {
  const lines = text.split('\n');
  const lineText = (i: number): string => {
    const l = lines[i]!;
    return l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l;
  };
  const isBlank = (i: number): boolean => lineText(i).trim() === '';
  const nextNonBlank = (from: number): number => {
    let i = from;
    while (i < lines.length && isBlank(i)) i++;
    return i;
  };

  let headerIndex = nextNonBlank(0);
  let delimiter = chooseDelimiter(lineText(headerIndex));
  let headerFields = splitFields(lineText(headerIndex), delimiter);
  // A one-field title line above the header (CryptoDataDownload puts its URL there).
  if (headerFields.length === 1 && !looksLikeHeader(headerFields)) {
    const after = nextNonBlank(headerIndex + 1);
    if (after < lines.length) {
      const d = chooseDelimiter(lineText(after));
      const fields = splitFields(lineText(after), d);
      if (looksLikeHeader(fields)) {
        reading.notes.push(`skipped the title line above the header (line ${headerIndex + 1})`);
        headerIndex = after;
        delimiter = d;
        headerFields = fields;
      }
    }
  }
  const hasHeader = looksLikeHeader(headerFields);
  const headerLine = headerIndex + 1;
  const firstDataIndex = nextNonBlank(hasHeader ? headerIndex + 1 : headerIndex);
  if (firstDataIndex >= lines.length) {
    reading.add('empty', headerLine, 'the file has a header but no rows', 'add one row per bar');
    return undefined;
  }
  const firstLine = firstDataIndex + 1;
  const sample = splitFields(lineText(firstDataIndex), delimiter);

  const layout = hasHeader
    ? layoutFromHeader(headerFields, sample, headerLine, firstLine, reading)
    : layoutWithoutHeader(sample, firstLine, reading);
  if (!layout) return undefined;
  if (layout.volume < 0) reading.notes.push('no volume column: volume read as 0');

  const rows = allocateRows(lines.length - firstDataIndex);
  const lenient = reading.mode === 'lenient';
  const wanted = options.symbol;
  let symbol: string | undefined;
  let otherSymbols = 0;
  const { time: timeCol, date: dateCol, clock: clockCol, open: openCol, high: highCol, low: lowCol, close: closeCol, volume: volumeCol, symbol: symbolCol } = layout;

  for (let i = firstDataIndex; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) continue;
    const lineNo = i + 1;
    const f = splitFields(line, delimiter);
    if (f.length !== layout.fieldCount) {
      reading.add(
        'field-count',
        lineNo,
        `this row has ${f.length} field${f.length === 1 ? '' : 's'}, the others have ${layout.fieldCount}`,
        HINT.fieldCount,
        'dropped',
      );
      continue;
    }
    if (symbolCol >= 0) {
      const s = f[symbolCol]!.trim();
      if (wanted !== undefined) {
        if (s !== wanted) {
          otherSymbols++;
          continue;
        }
      } else if (symbol === undefined) symbol = s;
      else if (s !== symbol) {
        reading.add('mixed-symbols', lineNo, `symbol ${s} in a file of ${symbol}`, HINT.mixedSymbols, 'dropped');
        continue;
      }
    }
    const t = timeCol >= 0 ? parseTimestamp(f[timeCol]!) : parseDateOnly(f[dateCol]!) + parseTimeOfDay(f[clockCol]!);
    if (t !== t) {
      const shown = timeCol >= 0 ? f[timeCol]! : `${f[dateCol]} ${f[clockCol]}`;
      reading.add('bad-timestamp', lineNo, `cannot read the time '${shown.trim()}'`, HINT.badTimestamp, 'dropped');
      continue;
    }
    const close = toNumber(f[closeCol]!);
    const open = openCol >= 0 ? toNumber(f[openCol]!) : close;
    const high = highCol >= 0 ? toNumber(f[highCol]!) : close;
    const low = lowCol >= 0 ? toNumber(f[lowCol]!) : close;
    let volume = volumeCol >= 0 ? toNumber(f[volumeCol]!) : 0;
    if (!checkPrices(reading, lineNo, open, high, low, close)) continue;
    if (!(volume >= 0)) {
      reading.add('bad-volume', lineNo, `volume '${f[volumeCol]!.trim()}' is not a number ≥ 0`, HINT.badVolume, 'read as 0');
      volume = 0;
    }
    pushRow(rows, lineNo, t, open, high, low, close, volume, lenient);
  }
  if (wanted !== undefined && symbolCol >= 0) {
    if (rows.count === 0) {
      reading.add('empty', headerLine, `no rows of symbol ${wanted}`, 'check --symbol against the Symbol column');
      return undefined;
    }
    if (otherSymbols > 0) reading.notes.push(`kept the ${rows.count} rows of ${wanted}, skipped ${otherSymbols} of other symbols`);
    symbol = wanted;
  }
  return { rows, symbol };
}

function layoutFromHeader(header: string[], sample: string[], headerLine: number, firstLine: number, reading: Reading): CsvLayout | undefined {
  let names = header;
  let map: ColumnMap = mapColumns(header);
  const showHeader = header.map((h) => h.trim()).join(',');
  if (sample.length !== header.length) {
    // The one repair that is unambiguous: a Date column whose rows carry the time of day in an extra field after it.
    const dateCol = map.time >= 0 ? map.time : map.date >= 0 ? map.date : -1;
    const split =
      sample.length === header.length + 1 &&
      dateCol >= 0 &&
      map.clock < 0 &&
      parseDateOnly(sample[dateCol]!) === parseDateOnly(sample[dateCol]!) &&
      parseTimeOfDay(sample[dateCol + 1]!, true) === parseTimeOfDay(sample[dateCol + 1]!, true);
    const counts = `the header names ${header.length} columns (${showHeader}) but the rows have ${sample.length} fields (line ${firstLine})`;
    if (!split) {
      reading.add('header-mismatch', headerLine, counts, 'make the header name exactly one column per field');
      return undefined;
    }
    const dateName = header[dateCol]!.trim();
    names = [...header.slice(0, dateCol + 1), 'Time', ...header.slice(dateCol + 1)];
    const fixed = names.map((h) => h.trim()).join(',');
    reading.add(
      'header-mismatch',
      headerLine,
      `${counts}: field ${dateCol + 2} ('${sample[dateCol + 1]!.trim()}') is a time of day split from ${dateName}`,
      `add Time after ${dateName} in the header (${fixed}), or re-run with --lenient to read the rows that way`,
      `read field ${dateCol + 2} as the time of day of ${dateName} (header taken as ${fixed})`,
    );
    map = mapColumns(names);
    map.date = dateCol;
    map.time = -1;
    map.clock = dateCol + 1;
  }

  let time = -1;
  let date = -1;
  let clock = -1;
  if (map.date >= 0 && map.clock >= 0 && parseTimeOfDay(sample[map.clock]!) === parseTimeOfDay(sample[map.clock]!) && parseDateOnly(sample[map.date]!) === parseDateOnly(sample[map.date]!)) {
    date = map.date;
    clock = map.clock;
  } else if (map.time >= 0) time = map.time;
  else if (map.date >= 0) time = map.date;
  else if (map.clock >= 0) time = map.clock;

  const missing: string[] = [];
  if (time < 0 && date < 0) missing.push('time');
  const closeOnly = map.close >= 0 && map.open < 0 && map.high < 0 && map.low < 0;
  if (!closeOnly) {
    for (const field of ['open', 'high', 'low', 'close'] as const) if (map[field] < 0) missing.push(field);
  }
  if (missing.length > 0) {
    reading.add('missing-column', headerLine, `no ${missing.join(', ')} column in the header (${showHeader})`, ACCEPTED_NAMES_HINT);
    return undefined;
  }
  if (closeOnly) reading.notes.push(`only a ${names[map.close]!.trim()} column: open, high and low read as the close`);
  return {
    fieldCount: names.length,
    time,
    date,
    clock,
    open: map.open,
    high: map.high,
    low: map.low,
    close: map.close,
    volume: map.volume,
    symbol: map.symbol,
  };
}

function layoutWithoutHeader(sample: string[], firstLine: number, reading: Reading): CsvLayout | undefined {
  const n = sample.length;
  const split = n >= 6 && parseDateOnly(sample[0]!) === parseDateOnly(sample[0]!) && parseTimeOfDay(sample[1]!, true) === parseTimeOfDay(sample[1]!, true);
  const priced = split ? n - 2 : n - 1;
  if (priced < 4 || (!split && parseTimestamp(sample[0]!) !== parseTimestamp(sample[0]!))) {
    reading.add(
      'missing-column',
      firstLine,
      `no header line, and the first row (${n} field${n === 1 ? '' : 's'}) is not time,open,high,low,close[,volume]`,
      ACCEPTED_NAMES_HINT,
    );
    return undefined;
  }
  const p = split ? 2 : 1;
  reading.notes.push(`no header line: columns read as ${split ? 'date,time' : 'time'},open,high,low,close${priced > 4 ? ',volume' : ''}`);
  return {
    fieldCount: n,
    time: split ? -1 : 0,
    date: split ? 0 : -1,
    clock: split ? 1 : -1,
    open: p,
    high: p + 1,
    low: p + 2,
    close: p + 3,
    volume: priced > 4 ? p + 4 : -1,
    symbol: -1,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON

function readJson(text: string, reading: Reading): RowTable | undefined {
  const locate = jsonRowLocator(text);
  reading.locate = (ref) => {
    if (ref < 0) return { line: 1, column: 1, label: 'the file' };
    const at = locate(ref);
    return { line: at.line, column: at.column, label: `row ${ref + 1}` };
  };
  const hint = 'write the candles as [[time, open, high, low, close, volume], …] (time in epoch ms or an ISO string)';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /position (\d+)/.exec(message);
    const at = offsetToLineColumn(text, position ? Number(position[1]) : text.length);
    reading.problems.push({ kind: 'bad-json', line: at.line, column: at.column, message: `not valid JSON: ${message}`, hint });
    return undefined;
  }
  if (!Array.isArray(data)) {
    reading.problems.push({ kind: 'bad-json', line: 1, column: 1, message: 'the JSON is not an array of candles', hint });
    return undefined;
  }
  const rows = allocateRows(data.length);
  const lenient = reading.mode === 'lenient';
  let map: ColumnMap | undefined;
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    let t: unknown, o: unknown, h: unknown, l: unknown, c: unknown, v: unknown;
    if (Array.isArray(row) && row.length >= 5) {
      [t, o, h, l, c, v] = row as unknown[];
    } else if (row !== null && typeof row === 'object' && !Array.isArray(row)) {
      const record = row as Record<string, unknown>;
      const keys = Object.keys(record);
      map ??= mapColumns(keys);
      const timeKey = keys[map.time >= 0 ? map.time : map.date >= 0 ? map.date : map.clock];
      t = timeKey === undefined ? undefined : record[timeKey];
      o = record[keys[map.open] ?? ''];
      h = record[keys[map.high] ?? ''];
      l = record[keys[map.low] ?? ''];
      c = record[keys[map.close] ?? ''];
      v = record[keys[map.volume] ?? ''];
    } else {
      reading.add('field-count', i, 'this row is not [time, open, high, low, close, volume]', hint, 'dropped');
      continue;
    }
    const time = typeof t === 'number' ? epochLike(t) : typeof t === 'string' ? parseTimestamp(t) : NaN;
    if (time !== time) {
      reading.add('bad-timestamp', i, `cannot read the time ${JSON.stringify(t) ?? 'undefined'}`, HINT.badTimestamp, 'dropped');
      continue;
    }
    const open = jsonNumber(o);
    const high = jsonNumber(h);
    const low = jsonNumber(l);
    const close = jsonNumber(c);
    let volume = v === undefined || v === null ? 0 : jsonNumber(v);
    if (!checkPrices(reading, i, open, high, low, close)) continue;
    if (!(volume >= 0)) {
      reading.add('bad-volume', i, `volume ${JSON.stringify(v)} is not a number ≥ 0`, HINT.badVolume, 'read as 0');
      volume = 0;
    }
    pushRow(rows, i, time, open, high, low, close, volume, lenient);
  }
  return rows;
}

/** A numeric JSON time: 20240131 is a date, anything else an epoch number. */
function epochLike(n: number): number {
  return n >= 1e7 && n < 1e8 && Number.isInteger(n) ? parseDateOnly(String(n)) : epochToMs(n);
}

function jsonNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') return toNumber(x);
  return NaN;
}

/** Line and column of the start of each top-level array element, computed on first use. */
function jsonRowLocator(text: string): (row: number) => { line: number; column: number } {
  let starts: number[] | undefined;
  return (row) => {
    if (!starts) {
      starts = [];
      let depth = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code === QUOTE) {
          for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === 92) i++;
        } else if (code === 91 || code === 123) {
          if (depth === 1) starts.push(i);
          depth++;
        } else if (code === 93 || code === 125) depth--;
        else if (depth === 1 && code > 32 && code !== 44) starts.push(i); // a bare value as an element
      }
    }
    return offsetToLineColumn(text, starts[row] ?? 0);
  };
}

function offsetToLineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

// ---------------------------------------------------------------------------------------------
// Shared row checks

/** False when the row is unusable (a price missing, zero or negative); records inconsistent high/low. */
function checkPrices(reading: Reading, ref: number, open: number, high: number, low: number, close: number): boolean {
  if (!(open > 0 && high > 0 && low > 0 && close > 0) || !Number.isFinite(open + high + low + close)) {
    const which = (
      [
        ['open', open],
        ['high', high],
        ['low', low],
        ['close', close],
      ] as const
    )
      .filter(([, v]) => !(v > 0) || !Number.isFinite(v))
      .map(([name, v]) => `${name} ${v !== v ? 'is missing or not a number' : `is ${v}`}`)
      .join(', ');
    reading.add('bad-price', ref, `unusable price: ${which}`, HINT.badPrice, 'dropped');
    return false;
  }
  if (high < low) {
    reading.add('high-below-low', ref, `high ${high} is below low ${low}`, HINT.ohlc, 'high/low rebuilt from all four prices');
  } else if (high < open || high < close || low > open || low > close) {
    const what =
      high < open || high < close
        ? `high ${high} is below ${high < open ? `open ${open}` : `close ${close}`}`
        : `low ${low} is above ${low > open ? `open ${open}` : `close ${close}`}`;
    reading.add('ohlc-inconsistent', ref, what, HINT.ohlc, 'high/low widened to contain open and close');
  }
  return true;
}

function pushRow(rows: RowTable, ref: number, time: number, open: number, high: number, low: number, close: number, volume: number, repair: boolean): void {
  const i = rows.count++;
  rows.ref[i] = ref;
  rows.time[i] = time;
  rows.open[i] = open;
  rows.close[i] = close;
  if (repair) {
    // Widen rather than trust either side: the true range contains every traded price.
    rows.high[i] = Math.max(high, low, open, close);
    rows.low[i] = Math.min(high, low, open, close);
  } else {
    rows.high[i] = high;
    rows.low[i] = low;
  }
  rows.volume[i] = volume;
}

// ---------------------------------------------------------------------------------------------
// Order, duplicates, timeframe

function buildSeries(rows: RowTable, reading: Reading, options: LoadOptions): void {
  const n = rows.count;
  const { time, ref } = rows;
  // Daily files read better as bare dates in messages.
  let daily = true;
  for (let i = 0; i < n && daily; i++) if (time[i]! % 86_400_000 !== 0) daily = false;
  const show = (t: number): string => formatTime(t, daily);
  let rising = 0;
  let falling = 0;
  for (let i = 1; i < n; i++) {
    if (time[i]! > time[i - 1]!) rising++;
    else if (time[i]! < time[i - 1]!) falling++;
  }
  // Newest-first is a layout, not an error: only rows against the file's own direction are.
  const newestFirst = falling > rising;
  const direction = newestFirst ? 'newest first' : 'oldest first';
  let outOfOrder = 0;
  for (let i = 1; i < n; i++) {
    const before = time[i - 1]!;
    const t = time[i]!;
    if (newestFirst ? t > before : t < before) {
      outOfOrder++;
      reading.add(
        'out-of-order',
        ref[i]!,
        `out of order: ${show(t)} comes after ${show(before)} (${reading.label(ref[i - 1]!)}) in a file that runs ${direction}`,
        HINT.outOfOrder,
        'sorted into place',
      );
    }
  }
  if (newestFirst) reading.notes.push('newest first: read in reverse');

  // Positions in time order: reversed for newest-first files, sorted when rows are out of order.
  // Ties keep file order (smallest ref first), so "keep the first duplicate" means first in the file.
  let order: Int32Array | undefined;
  if (newestFirst || outOfOrder > 0) {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = newestFirst ? n - 1 - i : i;
    if (outOfOrder > 0) order.sort((a, b) => time[a]! - time[b]! || ref[a]! - ref[b]!);
  }
  const at = (k: number): number => (order ? order[k]! : k);

  // Duplicates: within each run of equal times, keep the row that comes first in the file.
  const keep = new Uint8Array(n).fill(1);
  let kept = n;
  for (let k = 0; k < n; ) {
    let end = k + 1;
    const t = time[at(k)]!;
    while (end < n && time[at(end)]! === t) end++;
    if (end - k > 1) {
      let first = k;
      for (let j = k + 1; j < end; j++) if (ref[at(j)]! < ref[at(first)]!) first = j;
      const a = at(first);
      for (let j = k; j < end; j++) {
        if (j === first) continue;
        const b = at(j);
        const same =
          rows.open[a] === rows.open[b] && rows.high[a] === rows.high[b] && rows.low[a] === rows.low[b] && rows.close[a] === rows.close[b] && rows.volume[a] === rows.volume[b];
        reading.add(
          'duplicate',
          ref[b]!,
          `duplicate: a second row for ${show(t)} (first at ${reading.label(ref[a]!)}${same ? ', same values' : ', different values'})`,
          HINT.duplicate,
          'dropped (the first is kept)',
        );
        keep[b] = 0;
        kept--;
      }
    }
    k = end;
  }

  const series = allocateSeries(kept, { symbol: reading.symbol, timeframe: 'unknown', source: reading.file });
  const keptRefs = new Int32Array(kept);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = at(k);
    if (!keep[i]) continue;
    series.time[m] = time[i]!;
    series.open[m] = rows.open[i]!;
    series.high[m] = rows.high[i]!;
    series.low[m] = rows.low[i]!;
    series.close[m] = rows.close[i]!;
    series.volume[m] = rows.volume[i]!;
    keptRefs[m] = ref[i]!;
    m++;
  }

  const inferred = inferTimeframe(series.time);
  if (options.timeframe !== undefined) timeframeToMs(options.timeframe); // refuse '7x' early, with its hint
  const timeframe = options.timeframe ?? inferred;
  if (options.timeframe !== undefined && inferred !== 'unknown' && inferred !== options.timeframe) {
    reading.notes.push(`the rows are ${inferred} apart but ${options.timeframe} was asked for`);
  }
  reading.timeframe = timeframe;
  describeGaps(series, keptRefs, timeframe, reading);
  reading.series = { ...series, timeframe };
}

/** The most common spacing between bars, as a timeframe ('unknown' for fewer than two bars). */
export function inferTimeframe(time: Float64Array): string {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (let i = 1; i < time.length; i++) {
    const step = time[i]! - time[i - 1]!;
    if (step <= 0) continue;
    const c = (counts.get(step) ?? 0) + 1;
    counts.set(step, c);
    if (c > bestCount) {
      best = step;
      bestCount = c;
    }
  }
  return bestCount === 0 ? 'unknown' : msToTimeframe(best);
}

function describeGaps(series: CandleSeries, refs: Int32Array, timeframe: string, reading: Reading): void {
  if (timeframe === 'unknown' || series.length < 2) return;
  const step = timeframeToMs(timeframe);
  let gaps = 0;
  let missing = 0;
  let largest = 0;
  let largestAt = 0;
  let zeroVolume = 0;
  for (let i = 1; i < series.length; i++) {
    const d = series.time[i]! - series.time[i - 1]!;
    if (d > step) {
      gaps++;
      missing += Math.round(d / step) - 1;
      if (d > largest) {
        largest = d;
        largestAt = i;
      }
    }
  }
  for (let i = 0; i < series.length; i++) if (series.volume[i] === 0) zeroVolume++;
  if (gaps > 0) {
    reading.notes.push(
      `${gaps} gap${gaps === 1 ? '' : 's'} in the ${timeframe} bars (${missing} missing); the largest, ${formatDuration(largest)}, ends at ${formatTime(series.time[largestAt]!, /[dw]$/.test(timeframe))} (${reading.label(refs[largestAt]!)})`,
    );
  }
  if (zeroVolume > 0 && !reading.notes.some((n) => n.startsWith('no volume'))) {
    reading.notes.push(`${zeroVolume} bar${zeroVolume === 1 ? '' : 's'} with zero volume`);
  }
}

// ---------------------------------------------------------------------------------------------

const REPAIR_TEXT: Partial<Record<DataProblemKind, (n: number) => string>> = {
  'field-count': (n) => `dropped ${rowsWord(n)} whose field count differs from the others`,
  'bad-timestamp': (n) => `dropped ${rowsWord(n)} with an unreadable time`,
  'bad-price': (n) => `dropped ${rowsWord(n)} with a missing, zero or negative price`,
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
