import { ACCEPTED_NAMES_HINT, looksLikeHeader, mapColumns, type ColumnMap } from './columns.js';
import { HINT, allocateRows, checkPrices, pushRow, toNumber, type Reading, type RowTable } from './reading.js';
import { parseDateOnly, parseTimeOfDay, parseTimestamp } from './timestamp.js';
import type { LoadOptions } from './load.js';

/** CSV candle files: delimiter and header detection, columns by name, split Date + Time. */

export const QUOTE = 34;

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

export function readCsv(text: string, reading: Reading, options: LoadOptions): { rows: RowTable; symbol: string | undefined } | undefined {
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
  const wanted = options.onlySymbol;
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
    if (!(volume >= 0 && volume < Infinity)) {
      reading.add('bad-volume', lineNo, `volume '${f[volumeCol]!.trim()}' is not a number ≥ 0`, HINT.badVolume, 'read as 0');
      volume = 0;
    }
    pushRow(rows, lineNo, t, open, high, low, close, volume, lenient);
  }
  if (wanted !== undefined && symbolCol >= 0) {
    if (rows.count === 0) {
      reading.add('empty', headerLine, `no rows of symbol ${wanted}`, 'check the symbol asked for against the Symbol column');
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
