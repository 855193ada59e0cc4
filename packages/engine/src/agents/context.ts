import { barsPerYear, loadCandles, type CandleSeries, type EventCalendar } from '../data/index.js';
import { ivPercentile, ivRank } from '../options/index.js';
import { DEFAULT_SIGNAL_BLEND, SIGNAL_NAMES, SignalBoard, outsideScore, type SignalBlend, type SignalSet } from '../signals/index.js';
import { DEFAULT_THRESHOLDS, type MarketContext, type MarketRegime, type RegimeThresholds } from './types.js';

const DAY_MS = 86_400_000;

/**
 * A daily VIX series, read so that a bar only ever sees VIX closes from days that had ended
 * before it (no look-ahead into the same day's close).
 */
export class VixSeries {
  readonly source: string;
  private readonly time: Float64Array;
  private readonly close: Float64Array;
  /** A VIX close older than this is treated as missing: the series ended or has a hole. */
  readonly maxStaleMs: number;

  constructor(time: Float64Array, close: Float64Array, source: string, maxStaleMs = 5 * DAY_MS) {
    this.time = time;
    this.close = close;
    this.source = source;
    this.maxStaleMs = maxStaleMs;
  }

  /** Its fields, for a process that builds it again (the strategy sandbox: classes do not cross its channel). */
  parts(): { time: Float64Array; close: Float64Array; source: string; maxStaleMs: number } {
    return { time: this.time, close: this.close, source: this.source, maxStaleMs: this.maxStaleMs };
  }

  /** From what `loadCandles` returns for a VIX CSV (its close column is the level). */
  static fromCandles(series: CandleSeries, maxStaleMs?: number): VixSeries {
    return new VixSeries(series.time, series.close, series.source, maxStaleMs);
  }

  get length(): number {
    return this.time.length;
  }

  get first(): number {
    return this.time.length > 0 ? this.time[0]! : Number.NaN;
  }

  get last(): number {
    return this.time.length > 0 ? this.time[this.time.length - 1]! : Number.NaN;
  }

  /** The closes, oldest first (read-only by contract). */
  get closes(): Float64Array {
    return this.close;
  }

  /** The last close of a day that ended at or before `time`; NaN when there is none recent enough. */
  levelAt(time: number): number {
    const i = this.indexAt(time);
    return i < 0 ? Number.NaN : this.close[i]!;
  }

  /** Index of the close `levelAt(time)` reads; −1 when there is none recent enough. */
  indexAt(time: number): number {
    const t = this.time;
    // Days whose close is known: day start + 1 day <= time.
    const cutoff = time - DAY_MS;
    let lo = 0;
    let hi = t.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid]! <= cutoff) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || cutoff - t[found]! > this.maxStaleMs) return -1;
    return found;
  }
}

/** The CBOE volatility indices of the S&P 500 at four horizons: 9 days, 30 days, 3 and 6 months. */
export interface VixCurve {
  vix9d?: VixSeries;
  vix?: VixSeries;
  vix3m?: VixSeries;
  vix6m?: VixSeries;
}

/**
 * The VIX term structure as a bar could know it: each member read like the VIX (closes of days
 * that had ended before the bar). `ratio` is the curve's front over its back — VIX / VIX3M, else
 * VIX / VIX6M, else VIX9D / VIX — above 1 in backwardation, below 1 in contango.
 */
export class VixTermStructure {
  readonly curve: Readonly<VixCurve>;
  constructor(curve: VixCurve) {
    this.curve = curve;
  }

  ratioAt(time: number): number {
    const { vix9d, vix, vix3m, vix6m } = this.curve;
    const front = vix ? vix.levelAt(time) : Number.NaN;
    const back3 = vix3m ? vix3m.levelAt(time) : Number.NaN;
    if (front > 0 && back3 > 0) return front / back3;
    const back6 = vix6m ? vix6m.levelAt(time) : Number.NaN;
    if (front > 0 && back6 > 0) return front / back6;
    const nine = vix9d ? vix9d.levelAt(time) : Number.NaN;
    if (nine > 0 && front > 0) return nine / front;
    return Number.NaN;
  }
}

export function termStructureOf(ratio: number): MarketContext['termStructure'] {
  if (!(ratio === ratio)) return 'unknown';
  return ratio > 1 ? 'backwardation' : ratio < 1 ? 'contango' : 'flat';
}

/**
 * Reads the term structure's CSV files (CBOE's `DATE,OPEN,HIGH,LOW,CLOSE`, one a member; give
 * those you have) through the data loaders. Lenient by default, as `loadVixSeries`: CBOE's
 * histories have rows whose high/low contradict open/close, and only the close is used; with
 * `lenient: false` such a row is refused at its line.
 */
export async function loadVixTermStructure(files: { vix9d?: string; vix?: string; vix3m?: string; vix6m?: string }, options: { lenient?: boolean } = {}): Promise<VixTermStructure> {
  const lenient = options.lenient ?? true;
  const curve: VixCurve = {};
  for (const [member, file] of Object.entries(files) as [keyof VixCurve, string | undefined][]) {
    if (file === undefined) continue;
    const { series } = await loadCandles(file, { lenient, symbol: member.toUpperCase(), timeframe: '1d' });
    curve[member] = VixSeries.fromCandles(series);
  }
  return new VixTermStructure(curve);
}

export interface RegimeLevels {
  /** VIX above this is high volatility (default 25). */
  vixHigh: number;
  /** VIX at or above this is a crash (default 35). */
  vixCrash: number;
  /** Realized-vol percentile at or above this is high volatility (default 0.80). */
  volHigh: number;
  /** Realized-vol percentile at or above this is a crash (default 0.97). */
  volCrash: number;
  /** A VIX term ratio (VIX / VIX3M) above this makes a normal regime high volatility (default 1: any backwardation). */
  backwardation: number;
}

export const DEFAULT_REGIME_LEVELS: Readonly<RegimeLevels> = { vixHigh: 25, vixCrash: 35, volHigh: 0.8, volCrash: 0.97, backwardation: 1 };

/**
 * The regime from VIX when there is a level, else from where realized volatility sits in its
 * history; a VIX curve in backwardation (`termRatio` above `levels.backwardation`) lifts a normal
 * regime to high volatility: the market pays more for the next month's protection than for later.
 */
export function classifyRegime(vix: number, volPercentile: number, levels: Readonly<RegimeLevels> = DEFAULT_REGIME_LEVELS, termRatio = Number.NaN): MarketRegime {
  if (Number.isFinite(vix)) {
    if (vix >= levels.vixCrash) return 'crash';
    if (vix > levels.vixHigh) return 'highVolatility';
    return termRatio > levels.backwardation ? 'highVolatility' : 'normal';
  }
  if (termRatio > levels.backwardation && volPercentile < levels.volHigh) return 'highVolatility';
  if (volPercentile >= levels.volCrash) return 'crash';
  if (volPercentile >= levels.volHigh) return 'highVolatility';
  return 'normal';
}

export interface MarketContextOptions {
  /** Bars of momentum for the trend (default 20). */
  trendBars?: number;
  /** Fast and slow moving averages for the trend spread (default 10 and 40). */
  fastBars?: number;
  slowBars?: number;
  /** Bars of returns in one realized-volatility reading (default 20). */
  volBars?: number;
  /** Readings the percentile compares against (default 500). */
  percentileBars?: number;
  thresholds?: Partial<RegimeThresholds>;
  levels?: Partial<RegimeLevels>;
  /** MarketRegime from VIX when given; from realized volatility otherwise. */
  vix?: VixSeries;
  /** The VIX term structure: contango / backwardation in the context and the regime. Its VIX stands in for `vix` when that is not given. */
  term?: VixTermStructure;
  /** An implied-volatility index in vol points (like VIX: 20 = 20%) for IV rank and percentile; default the VIX. */
  impliedVol?: VixSeries;
  /** Scheduled volatility events (earnings, meetings): known in advance, so reading ahead in it is not look-ahead. */
  events?: EventCalendar;
  /** Outside signals (signals/README.md): each agent sees those published before the bar's close. */
  signals?: SignalSet;
  /** The market analyst's blend of technical and outside (default 0.6 / 0.4). */
  blend?: Partial<SignalBlend>;
  /**
   * First bar the rolling figures are computed from (default 0). A market session rebuilds its
   * context as bars come; from a recent bar on, the arrays stay the size of the window (no O(bars)
   * allocation per entry). Readings need fastBars/slowBars/volBars + percentileBars bars after it.
   */
  from?: number;
}

/**
 * Builds the `MarketContext` for any bar of a series. Everything rolling is computed once up front,
 * so `at(bar)` is a handful of array reads and one short percentile scan, and it fills the same
 * object every time (copy what you keep).
 */
export class MarketContextBuilder {
  readonly series: CandleSeries;
  readonly vix: VixSeries | undefined;
  readonly term: VixTermStructure | undefined;
  readonly impliedVol: VixSeries | undefined;
  readonly events: EventCalendar | undefined;
  private readonly annualiser: number;
  readonly thresholds: Readonly<RegimeThresholds>;
  readonly levels: Readonly<RegimeLevels>;
  private readonly trendBars: number;
  private readonly percentileBars: number;
  private readonly volBars: number;
  private readonly fast: Float64Array;
  private readonly slow: Float64Array;
  private readonly vol: Float64Array;
  /** Index in series of fast/slow/vol's first element. */
  private readonly from: number;
  private readonly context: MarketContext;
  private readonly board: SignalBoard;

  constructor(series: CandleSeries, options: MarketContextOptions = {}) {
    this.series = series;
    this.vix = options.vix ?? options.term?.curve.vix;
    this.term = options.term;
    this.impliedVol = options.impliedVol ?? this.vix;
    this.events = options.events;
    const bpy = barsPerYear(series.timeframe);
    this.annualiser = bpy > 0 && Number.isFinite(bpy) ? Math.sqrt(bpy) : Number.NaN;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(options.thresholds) };
    this.levels = { ...DEFAULT_REGIME_LEVELS, ...definedOnly(options.levels) };
    this.trendBars = options.trendBars ?? 20;
    this.percentileBars = options.percentileBars ?? 500;
    this.volBars = options.volBars ?? 20;
    this.from = Math.max(0, Math.min(series.length, options.from ?? 0));
    const c = this.from === 0 ? series.close : series.close.subarray(this.from, series.length);
    const n = this.from === 0 ? series.length : c.length;
    this.fast = movingAverage(c, options.fastBars ?? 10);
    this.slow = movingAverage(c, options.slowBars ?? 40);
    this.vol = new Float64Array(n).fill(Number.NaN);
    // Rolling population standard deviation of simple returns over volBars, by running sums.
    const w = this.volBars;
    let sum = 0;
    let sumSq = 0;
    for (let i = 1; i < n; i++) {
      const r = c[i - 1]! > 0 ? c[i]! / c[i - 1]! - 1 : 0;
      sum += r;
      sumSq += r * r;
      if (i > w) {
        const old = c[i - w - 1]! > 0 ? c[i - w]! / c[i - w - 1]! - 1 : 0;
        sum -= old;
        sumSq -= old * old;
      }
      if (i >= w) {
        const mean = sum / w;
        this.vol[i] = Math.sqrt(Math.max(0, sumSq / w - mean * mean));
      }
    }
    this.board = new SignalBoard(options.signals, series);
    this.context = {
      signals: new Float64Array(SIGNAL_NAMES.length).fill(Number.NaN),
      outsideScore: Number.NaN,
      blend: { ...DEFAULT_SIGNAL_BLEND, ...definedOnly(options.blend) },
      symbol: series.symbol,
      bar: 0,
      time: 0,
      price: 0,
      lastReturn: 0,
      momentum: 0,
      trendSpread: 0,
      realizedVol: Number.NaN,
      volPercentile: Number.NaN,
      barRange: 0,
      volume: 0,
      vix: Number.NaN,
      vix3m: Number.NaN,
      termRatio: Number.NaN,
      termStructure: 'unknown',
      impliedVol: Number.NaN,
      ivRank: Number.NaN,
      ivPercentile: Number.NaN,
      realizedVolAnnual: Number.NaN,
      volSpread: Number.NaN,
      nextEvent: '',
      daysToEvent: Number.NaN,
      eventMove: Number.NaN,
      regime: 'normal',
      threshold: this.thresholds.normal,
      drawdown: 0,
    };
  }

  /** The market as it stood at the close of `bar`. */
  at(bar: number, drawdown = 0): MarketContext {
    const s = this.series;
    const ctx = this.context;
    const close = s.close[bar]!;
    ctx.bar = bar;
    ctx.time = s.time[bar]!;
    ctx.price = close;
    ctx.lastReturn = bar > 0 && s.close[bar - 1]! > 0 ? close / s.close[bar - 1]! - 1 : 0;
    const back = Math.max(0, bar - this.trendBars);
    ctx.momentum = bar > 0 && s.close[back]! > 0 ? close / s.close[back]! - 1 : 0;
    const j = bar - this.from;
    const slow = this.slow[j]!;
    ctx.trendSpread = slow > 0 ? this.fast[j]! / slow - 1 : 0;
    ctx.realizedVol = this.vol[j]!;
    ctx.volPercentile = this.percentile(j);
    ctx.barRange = close > 0 ? (s.high[bar]! - s.low[bar]!) / close : 0;
    ctx.volume = s.volume[bar]!;
    ctx.vix = this.vix ? this.vix.levelAt(ctx.time) : Number.NaN;
    const vix3m = this.term?.curve.vix3m;
    ctx.vix3m = vix3m ? vix3m.levelAt(ctx.time) : Number.NaN;
    ctx.termRatio = this.term ? this.term.ratioAt(ctx.time) : Number.NaN;
    ctx.termStructure = termStructureOf(ctx.termRatio);
    const ivAt = this.impliedVol ? this.impliedVol.indexAt(ctx.time) : -1;
    if (ivAt >= 0) {
      const closes = this.impliedVol!.closes;
      ctx.impliedVol = closes[ivAt]! / 100;
      ctx.ivRank = ivRank(closes, ivAt);
      ctx.ivPercentile = ivPercentile(closes, ivAt);
    } else {
      ctx.impliedVol = ctx.ivRank = ctx.ivPercentile = Number.NaN;
    }
    ctx.realizedVolAnnual = ctx.realizedVol * this.annualiser;
    ctx.volSpread = ctx.impliedVol - ctx.realizedVolAnnual;
    const event = this.events?.next(s.symbol, ctx.time);
    ctx.nextEvent = event?.event ?? '';
    ctx.daysToEvent = event ? (event.time - ctx.time) / DAY_MS : Number.NaN;
    ctx.eventMove = event?.expectedMove ?? Number.NaN;
    ctx.regime = classifyRegime(ctx.vix, ctx.volPercentile, this.levels, ctx.termRatio);
    ctx.threshold = this.thresholds[ctx.regime];
    ctx.drawdown = drawdown;
    for (let k = 0; k < ctx.signals.length; k++) ctx.signals[k] = this.board.valueAt(k, bar);
    ctx.outsideScore = outsideScore(ctx.signals);
    return ctx;
  }

  /** Share of the previous readings (up to percentileBars) that are below this reading (`bar` counted from `from`). */
  private percentile(bar: number): number {
    const v = this.vol;
    const current = v[bar]!;
    if (current !== current) return Number.NaN;
    const start = Math.max(this.volBars, bar - this.percentileBars);
    let below = 0;
    let count = 0;
    for (let j = start; j < bar; j++) {
      const x = v[j]!;
      if (x !== x) continue;
      count++;
      if (x < current) below++;
    }
    // Too little history to rank against: call it the middle.
    return count < 20 ? 0.5 : below / count;
  }
}

function movingAverage(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= period) sum -= values[i - period]!;
    out[i] = sum / Math.min(i + 1, period);
  }
  return out;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) (out as Record<string, number>)[k] = v;
  return out;
}

/**
 * Reads a daily VIX file (CBOE's `DATE,OPEN,HIGH,LOW,CLOSE`) through the data loaders. Lenient,
 * because the published history has rows whose high/low contradict open/close and only the close
 * is used here.
 */
export async function loadVixSeries(file: string): Promise<VixSeries> {
  const { series } = await loadCandles(file, { lenient: true, symbol: 'VIX', timeframe: '1d' });
  return VixSeries.fromCandles(series);
}
