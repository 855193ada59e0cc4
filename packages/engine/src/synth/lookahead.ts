/**
 * The synthesizer's second lookahead check. The sandbox's own re-run (VOLT205 in the sidecar) cuts
 * the data at two thirds and compares the signals before the last bar of the cut, so a strategy that
 * reads one or two bars ahead through something the lint cannot see (the history view's columns,
 * say, before they were `#` fields) passes it whenever it happens not to signal on the bar or two
 * next to the cut. No such route is known now (backtest/future.test.ts walks what ctx reaches); a draft is
 * offered as proven, so it gets a stronger test: at several bars, everything after that bar is
 * replaced by its mirror image (each price reflected about the bar's close: rises become falls), and
 * every signal up to and including that bar must stay the same. An honest strategy cannot tell the
 * two apart before the bar; one that reads ahead sees the future turn over.
 */
import type { CandleSeries } from '../data/index.js';

/** How many bars the future is mirrored after. */
export const MIRROR_CUTS = 6;

/** The bars the future is mirrored after: spread over the data's last three quarters, so warm-up is behind them. */
export function mirrorCuts(length: number, cuts = MIRROR_CUTS): number[] {
  const out: number[] = [];
  if (length < 60) return out;
  for (let i = 0; i < cuts; i++) {
    // In whole percent steps (25% … 95%), so the bars do not depend on float rounding.
    const at = Math.floor((length * (25 * Math.max(1, cuts - 1) + 70 * i)) / (100 * Math.max(1, cuts - 1)));
    if (at > 0 && at < length - 1 && !out.includes(at)) out.push(at);
  }
  return out;
}

/**
 * The series with every bar after `after` reflected about the close of bar `after`: a price p
 * becomes close² / p (high and low swap), so each later move goes the other way by the same ratio.
 * Times and volumes are kept; bars up to `after` are the same numbers.
 */
export function mirroredAfter(s: CandleSeries, after: number): CandleSeries {
  const ref = s.close[after]!;
  const k = ref * ref;
  const open = s.open.slice();
  const high = s.high.slice();
  const low = s.low.slice();
  const close = s.close.slice();
  for (let i = after + 1; i < s.length; i++) {
    open[i] = k / s.open[i]!;
    high[i] = k / s.low[i]!;
    low[i] = k / s.high[i]!;
    close[i] = k / s.close[i]!;
  }
  return { symbol: s.symbol, timeframe: s.timeframe, source: s.source, length: s.length, time: s.time, open, high, low, close, volume: s.volume };
}
