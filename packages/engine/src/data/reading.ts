import type { CandleSeries } from './candle.js';
import type { DataProblem, DataProblemKind } from './problems.js';

/** What the CSV and JSON readers share: the row table they fill, the problems they record, the checks every row passes. */

export type Mode = 'strict' | 'lenient' | 'check';

/** Rows as read, in file order, before sorting. `ref` is the row's line (CSV) or index (JSON). */
export interface RowTable {
  count: number;
  ref: Int32Array;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export function allocateRows(capacity: number): RowTable {
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

export const HINT = {
  outOfOrder: 're-run with --lenient to sort the rows by time, or sort the file',
  duplicate: 're-run with --lenient to drop the later duplicates (the first row of each time is kept), or delete them',
  badPrice: 'fix or delete the row, or re-run with --lenient to drop rows with unusable prices (a price must lie in [1e-12, 1e15])',
  badVolume: 'fix the volume, or re-run with --lenient to read it as 0',
  ohlc: 're-run with --lenient to widen high/low so they contain open and close, or fix the row',
  badTimestamp:
    'write times as ISO dates (2024-01-31, 2024-01-31T09:30:00Z, 2024-01-31 09:30), YYYYMMDD, or epoch seconds/milliseconds; --lenient drops unreadable rows',
  fieldCount: 'give the row one field per column, or re-run with --lenient to drop such rows',
  mixedSymbols: 'keep one symbol per file (loaders take onlySymbol to pick one), or re-run with --lenient to keep the first symbol only',
};

/** One reading of one file: what was found, and the series when one could be built. */
export class Reading {
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

/** Number() reads '' and ' ' as 0; a missing price must stay missing. */
export function toNumber(s: string): number {
  const v = Number(s);
  if (v === 0 && s.trim() === '') return NaN;
  return v;
}

/**
 * Prices a backtest can compute with. Outside them the arithmetic of a run stops being arithmetic:
 * a size is equity / price (1e-320 gives Infinity), Bollinger squares prices (1e200² overflows), and
 * P&L multiplies size by price. Real markets sit far inside (a meme coin quoted in BTC is ~1e-10).
 */
export const MIN_PRICE = 1e-12;
export const MAX_PRICE = 1e15;

/** False when the row is unusable (a price missing, zero, negative or out of range); records inconsistent high/low. */
export function checkPrices(reading: Reading, ref: number, open: number, high: number, low: number, close: number): boolean {
  if (!(open >= MIN_PRICE && high >= MIN_PRICE && low >= MIN_PRICE && close >= MIN_PRICE && open <= MAX_PRICE && high <= MAX_PRICE && low <= MAX_PRICE && close <= MAX_PRICE)) {
    const which = (
      [
        ['open', open],
        ['high', high],
        ['low', low],
        ['close', close],
      ] as const
    )
      .filter(([, v]) => !(v >= MIN_PRICE && v <= MAX_PRICE))
      .map(([name, v]) => `${name} ${priceProblem(v)}`)
      .join(', ');
    reading.add('bad-price', ref, `unusable price: ${which}${rangeNote([open, high, low, close])}`, HINT.badPrice, 'dropped');
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

function priceProblem(v: number): string {
  if (v !== v) return 'is missing or not a number';
  return `is ${v}`;
}

function rangeNote(values: readonly number[]): string {
  const tiny = values.some((v) => v > 0 && v < MIN_PRICE);
  const huge = values.some((v) => v > MAX_PRICE && v < Infinity);
  if (!tiny && !huge) return '';
  return ` (${tiny ? 'below 1e-12' : 'above 1e15'}: too ${tiny ? 'small' : 'large'} to compute sizes and P&L with; quote the file in another unit)`;
}

export function pushRow(rows: RowTable, ref: number, time: number, open: number, high: number, low: number, close: number, volume: number, repair: boolean): void {
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
