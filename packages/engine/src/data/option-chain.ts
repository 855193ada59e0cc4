/**
 * Option chains recorded over time, for `ctx.options` in a backtest: a CSV or JSON file of quotes,
 * one row per contract per snapshot. Read strictly like the candle files (the first problem refuses
 * the file, naming its line and the fix); `lenient` drops rows that cannot be read, keeps the first
 * of duplicates and sorts snapshots out of order, saying what it did. The format is in README.md,
 * "Option chain files". The result is plain data (it crosses into the sandbox as a structured
 * clone); `chainSnapshotAt` finds the snapshot a moment sees.
 */
import { readFile } from 'node:fs/promises';
import { VoltError } from '../errors.js';
import { JsonSyntaxError, parseLocatedJson } from '../config/located-json.js';
import { positionAt } from '../strategy/source-location.js';
import { parseTimestamp } from './timestamp.js';

export interface ChainFileQuote {
  right: 'call' | 'put';
  strike: number;
  /** Epoch ms UTC. */
  expiry: number;
  bid: number;
  ask: number;
  /** Implied volatility as a fraction when the file gives it; NaN when it is to be solved from the mid. */
  iv: number;
  /** Contracts open; NaN when the file does not say. */
  openInterest: number;
}

export interface ChainSnapshot {
  /** When the quotes were taken, epoch ms UTC. */
  time: number;
  /** Sorted by expiry, strike, calls first. */
  quotes: ChainFileQuote[];
}

export interface OptionChainData {
  source: string;
  /** Ascending by time, one per distinct time in the file. */
  snapshots: ChainSnapshot[];
  /** What lenient reading did (empty when strict, or when nothing needed it). */
  repairs: string[];
}

export interface ChainFileOptions {
  lenient?: boolean;
}

const NAMES: Record<string, readonly string[]> = {
  time: ['time', 'timestamp', 'datetime', 'date', 'snapshot', 'quote_time'],
  expiry: ['expiry', 'expiration', 'expiry_date', 'expiration_date', 'expires'],
  right: ['right', 'type', 'option_type', 'cp', 'call_put', 'put_call'],
  strike: ['strike', 'strike_price'],
  bid: ['bid', 'bid_price'],
  ask: ['ask', 'ask_price', 'offer'],
  iv: ['iv', 'implied_vol', 'implied_volatility', 'mark_iv'],
  openInterest: ['open_interest', 'oi', 'openinterest'],
};
const REQUIRED = ['time', 'expiry', 'right', 'strike', 'bid', 'ask'] as const;
const FORMAT_HINT = 'columns time,expiry,right,strike,bid,ask[,iv][,open_interest] (options/README.md, "Option chain files")';

type Row = { line: number; get(field: string): string | undefined };

export function parseOptionChain(text: string, file: string, options: ChainFileOptions = {}): OptionChainData {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = body.trimStart().startsWith('[') ? jsonRows(body, file) : csvRows(body, file);
  const lenient = options.lenient === true;
  const skipped = new Map<string, number[]>();
  const problem = (row: Row, why: string, hint: string): void => {
    if (!lenient) throw new VoltError({ kind: 'data', message: why, file, line: row.line, hint: `${hint}, or re-run with --lenient to skip the row` });
    const lines = skipped.get(why.replace(/'[^']*'/g, '…')) ?? [];
    lines.push(row.line);
    skipped.set(why.replace(/'[^']*'/g, '…'), lines);
  };
  const bySnapshot = new Map<number, { quotes: ChainFileQuote[]; keys: Set<string>; line: number }>();
  let lastTime = Number.NEGATIVE_INFINITY;
  let sorted = 0;
  let duplicates = 0;
  for (const row of rows) {
    const raw = (f: string) => (row.get(f) ?? '').trim();
    const time = parseTimestamp(raw('time'));
    if (!Number.isFinite(time)) {
      problem(row, `time '${raw('time')}' is not a date or timestamp`, 'write times like 2024-03-01T08:00:00Z or epoch ms (UTC)');
      continue;
    }
    const expiry = parseTimestamp(raw('expiry'));
    if (!Number.isFinite(expiry)) {
      problem(row, `expiry '${raw('expiry')}' is not a date or timestamp`, 'write expiries like 2024-03-29T08:00:00Z (a date alone is 00:00 UTC)');
      continue;
    }
    if (!(expiry > time)) {
      problem(row, `expiry '${raw('expiry')}' is not after the quote's time '${raw('time')}'`, 'leave expired contracts out of the snapshot');
      continue;
    }
    const right = rightOf(raw('right'));
    if (right === undefined) {
      problem(row, `right '${raw('right')}' is not call or put`, 'write call/put (or C/P)');
      continue;
    }
    const strike = Number(raw('strike'));
    if (raw('strike') === '' || !(strike > 0) || !Number.isFinite(strike)) {
      problem(row, `strike '${raw('strike')}' is not a positive number`, 'write the strike in the underlying’s currency');
      continue;
    }
    const bid = Number(raw('bid'));
    const ask = Number(raw('ask'));
    if (raw('bid') === '' || raw('ask') === '' || !(bid >= 0) || !(ask > 0) || !Number.isFinite(bid + ask)) {
      problem(row, `bid '${raw('bid')}' / ask '${raw('ask')}' are not prices (bid ≥ 0, ask > 0)`, 'write both prices per unit of the underlying');
      continue;
    }
    if (ask < bid) {
      problem(row, `ask ${ask} is below bid ${bid}`, 'swap the columns if they are the wrong way round');
      continue;
    }
    const ivText = raw('iv');
    const iv = ivText === '' ? Number.NaN : Number(ivText);
    if (ivText !== '' && !(iv > 0 && iv <= 5)) {
      problem(row, `iv '${ivText}' is not a volatility as a fraction`, 'write 0.55 for 55 vol points, or leave it empty to solve it from the mid');
      continue;
    }
    const oiText = raw('openInterest');
    const openInterest = oiText === '' ? Number.NaN : Number(oiText);
    if (oiText !== '' && !(openInterest >= 0 && Number.isFinite(openInterest))) {
      problem(row, `open_interest '${oiText}' is not a number of contracts`, 'write a count ≥ 0, or leave it empty');
      continue;
    }
    if (time < lastTime) {
      if (!lenient) {
        throw new VoltError({ kind: 'data', message: `out of order: time ${raw('time')} is before the row above`, file, line: row.line, hint: 'sort the file by time, or re-run with --lenient to sort it' });
      }
      sorted++;
    }
    lastTime = Math.max(lastTime, time);
    let snap = bySnapshot.get(time);
    if (snap === undefined) bySnapshot.set(time, (snap = { quotes: [], keys: new Set(), line: row.line }));
    const key = `${right}|${strike}|${expiry}`;
    if (snap.keys.has(key)) {
      if (!lenient) {
        throw new VoltError({ kind: 'data', message: `duplicate: a second ${right} ${strike} expiring ${raw('expiry')} in the snapshot of ${raw('time')}`, file, line: row.line, hint: 'keep one quote per contract per time, or re-run with --lenient to keep the first' });
      }
      duplicates++;
      continue;
    }
    snap.keys.add(key);
    snap.quotes.push({ right, strike, expiry, bid, ask, iv, openInterest });
  }
  if (bySnapshot.size === 0) {
    throw new VoltError({ kind: 'data', message: 'no option quotes in the file', file, hint: `give one row per contract per snapshot: ${FORMAT_HINT}` });
  }
  const snapshots = [...bySnapshot.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([time, s]) => ({ time, quotes: s.quotes.sort((a, b) => a.expiry - b.expiry || a.strike - b.strike || (a.right === b.right ? 0 : a.right === 'call' ? -1 : 1)) }));
  const repairs: string[] = [];
  for (const [why, lines] of skipped) repairs.push(`dropped ${lines.length} row${lines.length === 1 ? '' : 's'}: ${why} (${linesText(lines)})`);
  if (sorted > 0) repairs.push(`sorted ${sorted} row${sorted === 1 ? '' : 's'} that were out of order`);
  if (duplicates > 0) repairs.push(`dropped ${duplicates} duplicate quote${duplicates === 1 ? '' : 's'}, the first in the file kept`);
  return { source: file, snapshots, repairs };
}

export async function loadOptionChain(file: string, options: ChainFileOptions = {}): Promise<OptionChainData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new VoltError({ kind: 'data', message: `cannot read the option chain file ${file}`, file, hint: 'check the path given to --options-chain' });
  }
  return parseOptionChain(text, file, options);
}

/** The last snapshot taken at or before `time` (`strictlyBefore`: before it); undefined when there is none yet. */
export function chainSnapshotAt(data: Readonly<OptionChainData>, time: number, strictlyBefore = false): ChainSnapshot | undefined {
  const s = data.snapshots;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strictlyBefore ? s[mid]!.time < time : s[mid]!.time <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? s[lo - 1] : undefined;
}

function rightOf(raw: string): 'call' | 'put' | undefined {
  const r = raw.toLowerCase();
  if (r === 'call' || r === 'c') return 'call';
  if (r === 'put' || r === 'p') return 'put';
  return undefined;
}

function linesText(lines: readonly number[]): string {
  const shown = lines.slice(0, 3).join(', ');
  return lines.length > 3 ? `lines ${shown} and ${lines.length - 3} more` : `line${lines.length === 1 ? '' : 's'} ${shown}`;
}

/** Which canonical field a header name stands for. */
function fieldOf(name: string): string | undefined {
  const n = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  for (const [field, names] of Object.entries(NAMES)) if (names.includes(n)) return field;
  return undefined;
}

function csvRows(text: string, file: string): Row[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '');
  const columns = new Map<string, number>();
  header.forEach((h, k) => {
    const f = fieldOf(h);
    if (f !== undefined && !columns.has(f)) columns.set(f, k);
  });
  const missing = REQUIRED.filter((f) => !columns.has(f));
  if (missing.length > 0) {
    throw new VoltError({ kind: 'data', message: `the header '${lines[0] ?? ''}' has no ${missing.join(', ')} column`, file, line: 1, hint: `start the file with a header: ${FORMAT_HINT}` });
  }
  const rows: Row[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const f = splitCsv(line);
    if (f.length !== header.length) {
      throw new VoltError({ kind: 'data', message: `the row has ${f.length} fields, the header ${header.length}`, file, line: n + 1, hint: 'give every row a field for each column (empty is allowed for iv and open_interest)' });
    }
    rows.push({ line: n + 1, get: (field) => (columns.has(field) ? f[columns.get(field)!] : undefined) });
  }
  return rows;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let value = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        value += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else value += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(value);
      value = '';
    } else value += ch;
  }
  out.push(value);
  return out;
}

function jsonRows(text: string, file: string): Row[] {
  let parsed;
  try {
    parsed = parseLocatedJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const { line, column } = positionAt(text, e.offset);
    throw new VoltError({ kind: 'data', message: `invalid JSON: ${e.message}`, file, line, column, hint: `write an array of quotes: [{"time": …, "expiry": …, "right": "call", "strike": …, "bid": …, "ask": …}]` });
  }
  if (!Array.isArray(parsed.value)) {
    throw new VoltError({ kind: 'data', message: 'the file is JSON but not an array of quotes', file, line: 1, hint: `write [{"time": …, "expiry": …, "right": "call", "strike": …, "bid": …, "ask": …}]` });
  }
  return parsed.value.map((item, k) => {
    const at = parsed.offsets.get(`[${k}]`) ?? firstKeyOffset(parsed.offsets, k);
    const line = positionAt(text, at).line;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new VoltError({ kind: 'data', message: `quote ${k + 1} is not an object`, file, line, hint: `write each quote as {"time": …, "expiry": …, "right": "call", "strike": …, "bid": …, "ask": …}` });
    }
    const fields = new Map<string, string>();
    for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
      const f = fieldOf(name);
      if (f !== undefined && !fields.has(f) && value !== null) fields.set(f, String(value));
    }
    const missing = REQUIRED.filter((f) => !fields.has(f));
    if (missing.length > 0) throw new VoltError({ kind: 'data', message: `quote ${k + 1} has no ${missing.join(', ')}`, file, line, hint: `give every quote ${FORMAT_HINT.replace('columns ', '')}` });
    return { line, get: (field: string) => fields.get(field) };
  });
}

function firstKeyOffset(offsets: ReadonlyMap<string, number>, k: number): number {
  let best = Number.POSITIVE_INFINITY;
  const prefix = `[${k}].`;
  for (const [key, at] of offsets) if (key.startsWith(prefix) && at < best) best = at;
  return Number.isFinite(best) ? best : 0;
}
