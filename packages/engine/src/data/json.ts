import { ACCEPTED_NAMES_HINT, mapColumns, type ColumnMap } from './columns.js';
import { HINT, allocateRows, checkPrices, pushRow, toNumber, type Reading, type RowTable } from './reading.js';
import { QUOTE } from './csv.js';
import { epochToMs, parseDateOnly, parseTimestamp } from './timestamp.js';

/** JSON candle files: `[[time, open, high, low, close, volume], …]` or an array of objects with named fields. */
const ROW_HINT = 'write the candles as [[time, open, high, low, close, volume], …] (time in epoch ms or an ISO string)';

export function readJson(text: string, reading: Reading): RowTable | undefined {
  const locate = jsonRowLocator(text);
  reading.locate = (ref) => {
    if (ref < 0) return { line: 1, column: 1, label: 'the file' };
    const at = locate(ref);
    return { line: at.line, column: at.column, label: `row ${ref + 1}` };
  };
  const hint = ROW_HINT;
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
  return readJsonRows(data, reading);
}

/**
 * Candles already parsed — a JSON file's array, or the rows an exchange answered — through the
 * same per-row checks. `reading.locate` tells how a row is named in messages.
 */
export function readJsonRows(data: readonly unknown[], reading: Reading): RowTable | undefined {
  const hint = ROW_HINT;
  const rows = allocateRows(data.length);
  const lenient = reading.mode === 'lenient';
  // Objects: field names found once, from the first object's keys, by the same aliases as CSV headers.
  let names: Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', string | undefined> | undefined;
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    let t: unknown, o: unknown, h: unknown, l: unknown, c: unknown, v: unknown;
    if (Array.isArray(row) && row.length >= 5) {
      [t, o, h, l, c, v] = row as unknown[];
    } else if (row !== null && typeof row === 'object' && !Array.isArray(row)) {
      const record = row as Record<string, unknown>;
      if (!names) {
        names = fieldNames(Object.keys(record));
        const missing = (['time', 'open', 'high', 'low', 'close'] as const).filter((f) => names![f] === undefined);
        if (missing.length > 0) {
          reading.add('missing-column', i, `no ${missing.join(', ')} field in the candles (${Object.keys(record).join(', ')})`, ACCEPTED_NAMES_HINT);
          return undefined;
        }
      }
      t = record[names.time!];
      o = record[names.open!];
      h = record[names.high!];
      l = record[names.low!];
      c = record[names.close!];
      v = names.volume === undefined ? undefined : record[names.volume];
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
    if (!(volume >= 0 && volume < Infinity)) {
      reading.add('bad-volume', i, `volume ${JSON.stringify(v)} is not a number ≥ 0`, HINT.badVolume, 'read as 0');
      volume = 0;
    }
    pushRow(rows, i, time, open, high, low, close, volume, lenient);
  }
  return rows;
}

function fieldNames(keys: string[]): Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', string | undefined> {
  const map: ColumnMap = mapColumns(keys);
  const timeAt = map.time >= 0 ? map.time : map.date >= 0 ? map.date : map.clock;
  return { time: keys[timeAt], open: keys[map.open], high: keys[map.high], low: keys[map.low], close: keys[map.close], volume: keys[map.volume] };
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
