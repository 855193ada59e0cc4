/**
 * Properties over generated files: whatever the column order, header names, direction and mess,
 * strict loading returns exactly what was written, and lenient loading returns the rows sorted
 * with the first row of each time kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCandles } from './load.js';
import { DataError } from './problems.js';

interface Row {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const MINUTE = 60_000;
const T0 = Date.UTC(2021, 4, 1);

const price = fc.double({ min: 0.0001, max: 1e6, noNaN: true, noDefaultInfinity: true });
const widen = fc.double({ min: 0, max: 0.5, noNaN: true });
const rowAt = (time: number) =>
  fc.tuple(price, price, widen, widen, fc.double({ min: 0, max: 1e9, noNaN: true })).map(
    ([open, close, up, down, volume]): Row => ({
      time,
      open,
      close,
      high: Math.max(open, close) * (1 + up),
      low: Math.min(open, close) * (1 - down),
      volume,
    }),
  );
const rows = fc
  .uniqueArray(fc.integer({ min: 0, max: 500_000 }), { minLength: 2, maxLength: 40 })
  .chain((minutes) => fc.tuple(...minutes.map((m) => rowAt(T0 + m * MINUTE))))
  .map((list) => [...list].sort((a, b) => a.time - b.time));

/** Header names a user's file might have, per field. */
const NAMES = {
  time: ['timestamp', 'Date', 'TIME', 'datetime'],
  open: ['open', 'Open', 'o'],
  high: ['high', 'HIGH', 'h'],
  low: ['low', 'Low', 'l'],
  close: ['close', 'Close', 'c'],
  volume: ['volume', 'Vol.', 'VolumeFrom'],
} as const;
type Field = keyof typeof NAMES;
const layout = fc.record({
  order: fc.shuffledSubarray(['time', 'open', 'high', 'low', 'close', 'volume'] as Field[], { minLength: 6, maxLength: 6 }),
  names: fc.record(Object.fromEntries(Object.entries(NAMES).map(([k, v]) => [k, fc.constantFrom(...v)])) as { [K in Field]: fc.Arbitrary<string> }),
  epoch: fc.boolean(),
  crlf: fc.boolean(),
});

function writeCsv(list: Row[], l: { order: Field[]; names: Record<Field, string>; epoch: boolean; crlf: boolean }): string {
  const cell = (r: Row, f: Field) => (f === 'time' ? (l.epoch ? String(r.time) : new Date(r.time).toISOString()) : String(r[f]));
  const lines = [l.order.map((f) => l.names[f]).join(','), ...list.map((r) => l.order.map((f) => cell(r, f)).join(','))];
  return lines.join(l.crlf ? '\r\n' : '\n') + '\n';
}

function asRows(text: string, lenient: boolean): Row[] {
  const { series } = parseCandles(text, 'generated.csv', { lenient });
  return Array.from(series.time, (time, i) => ({
    time,
    open: series.open[i]!,
    high: series.high[i]!,
    low: series.low[i]!,
    close: series.close[i]!,
    volume: series.volume[i]!,
  }));
}

describe('loading generated files', () => {
  it('returns exactly what was written, in any column order, with any header names, oldest or newest first', () => {
    fc.assert(
      fc.property(rows, layout, fc.boolean(), (list, l, newestFirst) => {
        const written = newestFirst ? [...list].reverse() : list;
        expect(asRows(writeCsv(written, l), false)).toEqual(list);
      }),
      { numRuns: 150 },
    );
  });

  it('sorts shuffled rows and keeps the first row of each time in lenient mode, and strict mode refuses them', () => {
    fc.assert(
      fc.property(
        rows.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }), fc.subarray(list))),
        layout,
        fc.array(fc.nat(), { maxLength: 10 }),
        ([sorted, shuffled, repeated], l, positions) => {
          // Later copies of some rows, with other prices, at random places after their original.
          const messy = [...shuffled];
          repeated.forEach((r, k) => {
            const first = messy.indexOf(r);
            const at = first + 1 + ((positions[k] ?? 0) % (messy.length - first));
            messy.splice(at, 0, { ...r, open: r.open * 2, high: r.high * 2, low: r.low * 2, close: r.close * 2 });
          });
          const text = writeCsv(messy, l);
          expect(asRows(text, true)).toEqual(sorted);
          const ascending = messy.every((r, i) => i === 0 || r.time > messy[i - 1]!.time);
          const descending = messy.every((r, i) => i === 0 || r.time < messy[i - 1]!.time);
          if (!ascending && !descending) expect(() => asRows(text, false)).toThrow(DataError);
        },
      ),
      { numRuns: 150 },
    );
  });
});
