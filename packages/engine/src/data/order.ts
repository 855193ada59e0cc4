import type { CandleSeries } from './candle.js';
import { allocateSeries } from './candle.js';
import type { LoadOptions } from './load.js';
import { HINT, type Reading, type RowTable } from './reading.js';
import { formatDuration, formatTime } from './timestamp.js';
import { msToTimeframe, timeframeToMs } from './timeframe.js';

/** Rows in file order → a series in time order: direction, out-of-order rows, duplicates, timeframe, gaps. */

export function buildSeries(rows: RowTable, reading: Reading, options: LoadOptions): void {
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
