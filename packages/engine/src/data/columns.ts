/**
 * Which column of a candle file holds what, found by name in any order and any case. Each field
 * lists its names best first; the best name present wins (a file with both `Close` and
 * `Adj Close` reads `Close`; one with `VolumeFrom` and `VolumeTo` reads the base-currency
 * `VolumeFrom`).
 */

export type CandleField = 'time' | 'date' | 'clock' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'symbol';

/** Names compared after lower-casing and dropping everything but letters and digits. */
const NAMES: Record<CandleField, readonly string[]> = {
  time: ['timestamp', 'datetime', 'opentime', 'unix', 'unixtime', 'unixtimestamp', 'ts', 'gmttime', 'localtime', 'timeutc', 'dateutc', 'starttime', 'candlebegintime'],
  date: ['date', 'day', 'tradedate'],
  clock: ['time', 't'],
  open: ['open', 'o', 'openprice', 'opening', 'first'],
  high: ['high', 'h', 'highprice', 'max', 'highest'],
  low: ['low', 'l', 'lowprice', 'min', 'lowest'],
  close: ['close', 'c', 'closeprice', 'closing', 'last', 'lastprice', 'price', 'adjclose'],
  volume: ['volume', 'vol', 'v', 'volumefrom', 'basevolume', 'volumebase', 'qty', 'volumeto', 'quotevolume'],
  symbol: ['symbol', 'ticker', 'pair', 'market', 'instrument', 'asset'],
};

export function normalizeName(name: string): string {
  let out = '';
  const lower = name.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) out += lower[i];
  }
  return out;
}

/** Column index per field, or -1. `date` and `clock` are kept apart so a split Date + Time pair can be joined. */
export type ColumnMap = Record<CandleField, number>;

export function mapColumns(header: readonly string[]): ColumnMap {
  const normalized = header.map(normalizeName);
  const map = {} as ColumnMap;
  for (const field of Object.keys(NAMES) as CandleField[]) {
    map[field] = -1;
    for (const name of NAMES[field]) {
      const at = normalized.indexOf(name);
      if (at >= 0) {
        map[field] = at;
        break;
      }
    }
  }
  if (map.volume < 0) {
    // 'Volume BTC', 'Volume_USD', …: the first volume-like column is the base currency's.
    const at = normalized.findIndex((n) => n.startsWith('volume') || n.startsWith('vol'));
    if (at >= 0) map.volume = at;
  }
  return map;
}

/** True when at least one name is a known column name: the line is a header, not data. */
export function looksLikeHeader(fields: readonly string[]): boolean {
  const map = mapColumns(fields);
  return map.open >= 0 || map.close >= 0 || map.time >= 0 || map.date >= 0 || map.high >= 0 || map.low >= 0;
}

export const ACCEPTED_NAMES_HINT =
  'name the columns in a header line, in any order and case: date/time/timestamp, open, high, low, close, and optionally volume and symbol';
