/**
 * The historical side of the spread scan: over candles of one market from several venues, how
 * often and for how long buying on one venue and selling on another would have kept more than a
 * threshold after both taker fees. Candles carry no bid or ask, so each bar's close stands for
 * both: the figure is the spread between last prices, which the top of the book on a real market
 * reduces by half its width on each leg (the live scan uses the book).
 */
import { timeframeToMs, type CandleSeries } from '../data/index.js';
import { netSpread } from './spreads.js';

export interface VenueCandles {
  exchange: string;
  series: CandleSeries;
  takerFee: number;
}

/** One run of consecutive compared bars whose net spread was above the threshold. */
export interface SpreadEpisode {
  /** Open time of its first and last bar, epoch ms UTC. */
  start: number;
  end: number;
  bars: number;
  /** The widest net spread in it. */
  peak: number;
}

export interface HistoricalSpread {
  buyOn: string;
  sellOn: string;
  /** Bars both venues have (the times only one has are counted in `missing`). */
  bars: number;
  barsAbove: number;
  /** barsAbove / bars. */
  shareAbove: number;
  episodes: number;
  /** In bars, and in ms (bars × the bar length). */
  longestBars: number;
  longestMs: number;
  meanBars: number;
  /** The widest net spread seen, and when. */
  maxNet: number;
  maxNetTime: number;
  meanNet: number;
  /** The longest episodes, longest first (at most 5). */
  longest: SpreadEpisode[];
}

export interface HistoricalSpreadReport {
  symbol: string;
  timeframe: string;
  threshold: number;
  /** Per venue: bars it has that some other venue lacks, i.e. bars left out of its pairs. */
  missing: Record<string, number>;
  pairs: HistoricalSpread[];
}

/**
 * Every ordered pair of venues, compared on the times both have (a bar one venue lacks is not
 * filled from the one before: it is left out and counted), best share above first.
 */
export function historicalSpreads(venues: readonly VenueCandles[], threshold: number): HistoricalSpreadReport {
  const first = venues[0];
  const tfMs = barMs(first?.series);
  const all = new Set<number>();
  for (const v of venues) for (let i = 0; i < v.series.length; i++) all.add(v.series.time[i]!);
  const missing: Record<string, number> = {};
  for (const v of venues) missing[v.exchange] = all.size - v.series.length;
  const pairs: HistoricalSpread[] = [];
  for (const buy of venues) {
    for (const sell of venues) {
      if (buy === sell) continue;
      pairs.push(comparePair(buy, sell, threshold, tfMs));
    }
  }
  pairs.sort((a, b) => b.shareAbove - a.shareAbove || b.maxNet - a.maxNet || a.buyOn.localeCompare(b.buyOn) || a.sellOn.localeCompare(b.sellOn));
  return { symbol: first?.series.symbol ?? '', timeframe: first?.series.timeframe ?? 'unknown', threshold, missing, pairs };
}

function comparePair(buy: VenueCandles, sell: VenueCandles, threshold: number, tfMs: number): HistoricalSpread {
  const a = buy.series;
  const b = sell.series;
  let i = 0;
  let j = 0;
  let bars = 0;
  let above = 0;
  let sum = 0;
  let maxNet = -Infinity;
  let maxNetTime = NaN;
  const episodes: SpreadEpisode[] = [];
  let open: SpreadEpisode | undefined;
  while (i < a.length && j < b.length) {
    const ta = a.time[i]!;
    const tb = b.time[j]!;
    if (ta < tb) {
      i++;
      continue;
    }
    if (tb < ta) {
      j++;
      continue;
    }
    const net = netSpread(a.close[i]!, b.close[j]!, buy.takerFee, sell.takerFee);
    bars++;
    sum += net;
    if (net > maxNet) {
      maxNet = net;
      maxNetTime = ta;
    }
    if (net > threshold) {
      above++;
      if (open) {
        open.end = ta;
        open.bars++;
        if (net > open.peak) open.peak = net;
      } else {
        open = { start: ta, end: ta, bars: 1, peak: net };
        episodes.push(open);
      }
    } else open = undefined;
    i++;
    j++;
  }
  const longest = [...episodes].sort((x, y) => y.bars - x.bars || x.start - y.start);
  const longestBars = longest[0]?.bars ?? 0;
  return {
    buyOn: buy.exchange,
    sellOn: sell.exchange,
    bars,
    barsAbove: above,
    shareAbove: bars > 0 ? above / bars : 0,
    episodes: episodes.length,
    longestBars,
    longestMs: longestBars * tfMs,
    meanBars: episodes.length > 0 ? above / episodes.length : 0,
    maxNet: bars > 0 ? maxNet : NaN,
    maxNetTime,
    meanNet: bars > 0 ? sum / bars : NaN,
    longest: longest.slice(0, 5),
  };
}

function barMs(series: CandleSeries | undefined): number {
  if (series && series.timeframe !== 'unknown') return timeframeToMs(series.timeframe);
  if (!series || series.length < 2) return 0;
  return series.time[1]! - series.time[0]!;
}
