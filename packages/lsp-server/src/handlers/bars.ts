/**
 * volt/bars: the candles a chart draws. The series is loaded the way runs load it (SeriesCache, the
 * workspace root, a strategy's default data) and cut to the range asked for; a range longer than the
 * chart wants is downsampled into wider candles, so a year of minute bars is not sent to a webview.
 */
import { isVoltError, msToTimeframe, sliceSeries, timeframeToMs, type CandleSeries } from '@volt/engine';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { BarsParams, BarsResult } from '../protocol.js';
import { toEpochMs } from '../params.js';
import { SeriesCache } from '../service/series-cache.js';
import type { WorkspaceState } from '../workspace.js';

export const DEFAULT_MAX_BARS = 5000;
export const MAX_BARS_LIMIT = 20_000;

export class BarsHandler {
  private readonly series = new SeriesCache();

  constructor(private readonly state: WorkspaceState) {}

  async bars(params: BarsParams): Promise<BarsResult> {
    if (typeof params !== 'object' || params === null) throw new ResponseError(ErrorCodes.InvalidParams, 'volt/bars expects { data } or { uri }');
    const spec = typeof params.data === 'string' && params.data.trim() ? params.data.trim() : typeof params.uri === 'string' ? this.state.config.data.default : undefined;
    if (spec === undefined) throw new ResponseError(ErrorCodes.InvalidParams, "volt/bars needs a data spec ('synthetic:42', a CSV path) or a strategy's uri");
    const maxBars = params.maxBars ?? DEFAULT_MAX_BARS;
    if (!Number.isInteger(maxBars) || maxBars < 1 || maxBars > MAX_BARS_LIMIT) {
      throw new ResponseError(ErrorCodes.InvalidParams, `maxBars must be a whole number from 1 to ${MAX_BARS_LIMIT}, got ${JSON.stringify(params.maxBars)}`);
    }
    const from = params.from !== undefined ? dateOf(params.from, 'from') : undefined;
    const to = params.to !== undefined ? dateOf(params.to, 'to') : undefined;
    let series: CandleSeries;
    try {
      series = await this.series.get(spec, this.state.root);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const hint = isVoltError(e) && e.hint ? ` (${e.hint})` : '';
      throw new ResponseError(LSPErrorCodes.RequestFailed, `volt/bars: could not load ${spec}: ${message}${hint}`);
    }
    const dataHigh = highest(series);
    if (from !== undefined || to !== undefined) series = sliceSeries(series, from, to === undefined ? undefined : to + 1);
    return { ...downsample(series, maxBars), dataHigh };
  }
}

/** toEpochMs lets an unreadable timestamp through as NaN (parseTimestamp's answer); refuse it here. */
function dateOf(v: string | number, what: string): number {
  const ms = toEpochMs(v, what);
  if (Number.isNaN(ms)) throw new ResponseError(ErrorCodes.InvalidParams, `${what} must be an ISO date ('2024-01-31') or epoch milliseconds, got ${JSON.stringify(v)}`);
  return ms;
}

function highest(s: CandleSeries): number {
  let hi = 0;
  for (let i = 0; i < s.length; i++) if (s.high[i]! > hi) hi = s.high[i]!;
  return hi;
}

/** The series as plain arrays, `step` consecutive bars per candle when it has more than maxBars. */
export function downsample(s: CandleSeries, maxBars: number): Omit<BarsResult, 'dataHigh'> {
  const n = s.length;
  const step = Math.max(1, Math.ceil(n / maxBars));
  const m = Math.ceil(n / step);
  const time = new Array<number>(m);
  const open = new Array<number>(m);
  const high = new Array<number>(m);
  const low = new Array<number>(m);
  const close = new Array<number>(m);
  const volume = new Array<number>(m);
  for (let k = 0, i = 0; k < m; k++) {
    const end = Math.min(n, i + step);
    let hi = s.high[i]!;
    let lo = s.low[i]!;
    let vol = 0;
    time[k] = s.time[i]!;
    open[k] = s.open[i]!;
    for (let j = i; j < end; j++) {
      if (s.high[j]! > hi) hi = s.high[j]!;
      if (s.low[j]! < lo) lo = s.low[j]!;
      vol += s.volume[j]!;
    }
    high[k] = hi;
    low[k] = lo;
    close[k] = s.close[end - 1]!;
    volume[k] = vol;
    i = end;
  }
  return { time, open, high, low, close, volume, symbol: s.symbol, timeframe: widerTimeframe(s.timeframe, step), source: s.source, bars: n, step };
}

function widerTimeframe(tf: string, step: number): string {
  if (step === 1 || tf === 'unknown') return tf;
  try {
    return msToTimeframe(timeframeToMs(tf) * step);
  } catch {
    return 'unknown';
  }
}
