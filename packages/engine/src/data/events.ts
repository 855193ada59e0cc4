/**
 * A calendar of volatility events — earnings, central-bank meetings, data releases — from a CSV
 * file: `date,symbol,event[,expected_move]`, one event a row, a header first. `date` is a date or a
 * timestamp (UTC); `symbol` the market it moves (`*` for all); `expected_move` the one-standard-
 * deviation move it is priced for, as a fraction (0.06 = 6%), when known. Read strictly: a row that
 * is not an event is refused at its line; `lenient` skips it and says so.
 */
import { readFile } from 'node:fs/promises';
import { VoltError } from '../errors.js';
import { formatTime, parseTimestamp } from './timestamp.js';

export interface VolatilityEvent {
  time: number;
  symbol: string;
  event: string;
  /** NaN when the file does not give it. */
  expectedMove: number;
}

export class EventCalendar {
  /** Ascending by time. */
  readonly events: readonly VolatilityEvent[];
  readonly source: string;
  constructor(events: VolatilityEvent[], source: string) {
    this.events = [...events].sort((a, b) => a.time - b.time);
    this.source = source;
  }

  /** The first event for `symbol` (or `*`) at or after `time`; undefined when none is left. */
  next(symbol: string, time: number): VolatilityEvent | undefined {
    const e = this.events;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < e.length; i++) if (e[i]!.symbol === symbol || e[i]!.symbol === '*') return e[i];
    return undefined;
  }
}

/** Split one CSV line; fields may be double-quoted (with "" for a quote). */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        if (line[i] === '"') i++;
        value += line[i++];
      }
      i++; // closing quote
      out.push(value);
      if (line[i] === ',') i++;
      else break;
    } else {
      const end = line.indexOf(',', i);
      out.push((end < 0 ? line.slice(i) : line.slice(i, end)).trim());
      if (end < 0) break;
      i = end + 1;
    }
  }
  return out;
}

export function parseEventCalendar(text: string, file: string, options: { lenient?: boolean; onSkipped?: (why: string) => void } = {}): EventCalendar {
  const lines = text.split(/\r?\n/);
  const header = fields(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  const [dateCol, symbolCol, eventCol, moveCol] = [col('date'), col('symbol'), col('event'), col('expected_move')];
  if (dateCol < 0 || symbolCol < 0 || eventCol < 0) {
    throw new VoltError({ kind: 'data', message: `the header '${lines[0] ?? ''}' lacks date, symbol or event`, file, line: 1, hint: 'start the file with date,symbol,event[,expected_move]' });
  }
  const events: VolatilityEvent[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const f = fields(line);
    const problem = (why: string, hint: string): void => {
      if (!options.lenient) throw new VoltError({ kind: 'data', message: why, file, line: n + 1, hint });
      options.onSkipped?.(`${file}:${n + 1}: ${why}; skipped`);
    };
    const time = parseTimestamp(f[dateCol] ?? '');
    if (!Number.isFinite(time)) {
      problem(`'${f[dateCol] ?? ''}' is not a date`, 'write dates like 2024-04-25 (UTC), or re-run with --lenient to skip the row');
      continue;
    }
    const symbol = f[symbolCol] ?? '';
    const event = f[eventCol] ?? '';
    if (symbol === '' || event === '') {
      problem('the row has no symbol or no event', 'fill both, or use * as the symbol of an event that moves every market');
      continue;
    }
    const raw = moveCol >= 0 ? (f[moveCol] ?? '') : '';
    const expectedMove = raw === '' ? Number.NaN : Number(raw);
    if (raw !== '' && !(expectedMove >= 0 && expectedMove < 1)) {
      problem(`expected_move '${raw}' is not a fraction between 0 and 1`, 'write 0.06 for a 6% move, or leave it empty');
      continue;
    }
    events.push({ time, symbol, event, expectedMove });
  }
  return new EventCalendar(events, file);
}

export async function loadEventCalendar(file: string, options: { lenient?: boolean; onSkipped?: (why: string) => void } = {}): Promise<EventCalendar> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new VoltError({ kind: 'data', message: `cannot read the event calendar ${file}`, file, hint: 'check the path (agents.events in volt.config.json, or --events)' });
  }
  return parseEventCalendar(text, file, options);
}

/** "earnings 2024-04-25" for messages. */
export function describeEvent(e: Readonly<VolatilityEvent>): string {
  return `${e.event} ${formatTime(e.time, true)}`;
}
