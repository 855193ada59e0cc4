/**
 * Indicator work shared between the trials of a sweep. Trials that differ only in thresholds, or
 * share a period, declare the same indicators over the same bars; each distinct indicator series is
 * computed once (by the streaming indicator itself, so every value is the same double it would be)
 * and each trial's indicator then reads it bar by bar. The backtester cannot tell: a replay has the
 * same fields and is fed by the same `onBar` loop.
 *
 * Bollinger bands are kept per period and source with a unit width; a trial's `stdDev` multiplies
 * it exactly as the streaming indicator does (`stdDev * √variance`), so widths share one series.
 * A strategy that feeds a declared indicator by hand (`update(x)`) cannot be replayed: the scope
 * notes it and the caller runs that trial again without sharing.
 */
import type { CandleSeries } from '../data/index.js';
import { Atr } from './atr.js';
import { Bollinger } from './bollinger.js';
import { Macd } from './macd.js';
import { Ema, Sma } from './moving-averages.js';
import { RealizedVol } from './realized-vol.js';
import { Rsi } from './rsi.js';
import type { AtrIndicator, BarIndicator, BollingerIndicator, IndicatorFactory, MacdIndicator, PriceSource, ValueIndicator } from './types.js';
import { priceOf, requireSource, type Source } from './validate.js';

/** One indicator's outputs over every bar of a window, and the first bar from which it is ready. */
interface Recorded {
  columns: Float64Array[];
  readyAt: number;
  /** The window's opens and closes (the series' own arrays): what each bar's onBar must be fed. */
  opens: Float64Array;
  closes: Float64Array;
}

/** Runs `indicator` over the bars and keeps `read`'s outputs; null when `ready` ever turns false again. */
function record(indicator: BarIndicator, series: CandleSeries, read: ((x: BarIndicator) => number)[]): Recorded | null {
  const n = series.length;
  const columns = read.map(() => new Float64Array(n));
  const { open, high, low, close, volume } = series;
  let readyAt = n;
  for (let i = 0; i < n; i++) {
    indicator.onBar(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!);
    for (let k = 0; k < read.length; k++) columns[k]![i] = read[k]!(indicator);
    if (indicator.ready) {
      if (readyAt === n) readyAt = i;
    } else if (readyAt !== n) {
      return null;
    }
  }
  return { columns, readyAt, opens: open, closes: close };
}

// Fields, not getters over the columns: a strategy reads `value` and `ready` every bar, and a plain
// field is the cheapest read there is; each onBar moves them one bar on.
// The columns are in `#` fields: they hold every later bar's value, and a strategy can read any
// property it can name (TypeScript's `private` is only a compile-time word).
class Replay {
  protected i = -1;
  value = NaN;
  ready = false;
  readonly #values: Float64Array;
  readonly #readyAt: number;
  readonly #opens: Float64Array;
  readonly #closes: Float64Array;
  readonly #scope: SharingScope;
  constructor(
    r: Recorded,
    readonly warmup: number,
    scope: SharingScope,
  ) {
    this.#values = r.columns[0]!;
    this.#readyAt = r.readyAt;
    this.#opens = r.opens;
    this.#closes = r.closes;
    this.#scope = scope;
  }
  onBar(open: number, _high: number, _low: number, close: number, _volume: number): void {
    const i = this.i + 1;
    // Only the next bar itself moves a replay on. A strategy calling onBar to peek cannot know that
    // bar's open and close; any other input is hand-feeding, and the trial runs again unshared.
    if (open !== this.#opens[i] || close !== this.#closes[i]) {
      this.#scope.handFed = true;
      return;
    }
    this.i = i;
    this.value = this.#values[i]!;
    this.ready = i >= this.#readyAt;
  }
  update(_x: number): number {
    this.#scope.handFed = true;
    return NaN;
  }
  reset(): void {
    this.i = -1;
    this.value = NaN;
    this.ready = false;
  }
}

class PeriodReplay extends Replay implements ValueIndicator, AtrIndicator {
  constructor(r: Recorded, warmup: number, scope: SharingScope, readonly period: number, readonly barsPerYear?: number) {
    super(r, warmup, scope);
  }
}

class MacdReplay extends Replay implements MacdIndicator {
  signal = NaN;
  readonly #signals: Float64Array;
  constructor(r: Recorded, warmup: number, scope: SharingScope, readonly fastPeriod: number, readonly slowPeriod: number, readonly signalPeriod: number) {
    super(r, warmup, scope);
    this.#signals = r.columns[1]!;
  }
  override onBar(open: number, high: number, low: number, close: number, volume: number): void {
    super.onBar(open, high, low, close, volume);
    this.signal = this.#signals[this.i]!;
  }
  get macd(): number {
    return this.value;
  }
  get histogram(): number {
    return this.value - this.signal;
  }
  override reset(): void {
    super.reset();
    this.signal = NaN;
  }
}

class BollingerReplay extends Replay implements BollingerIndicator {
  private lastInput = NaN;
  private width = NaN;
  readonly #units: Float64Array;
  constructor(r: Recorded, warmup: number, scope: SharingScope, readonly period: number, readonly stdDev: number, private readonly source: Source) {
    super(r, warmup, scope);
    this.#units = r.columns[1]!;
  }
  override onBar(open: number, high: number, low: number, close: number, volume: number): void {
    super.onBar(open, high, low, close, volume);
    this.width = this.stdDev * this.#units[this.i]!;
    this.lastInput = priceOf(this.source, open, high, low, close);
  }
  get middle(): number {
    return this.value;
  }
  get upper(): number {
    return this.value + this.width;
  }
  get lower(): number {
    return this.value - this.width;
  }
  get bandwidth(): number {
    return (2 * this.width) / this.value;
  }
  get percentB(): number {
    const w = this.width;
    if (w === 0) return 0.5;
    return (this.lastInput - (this.value - w)) / (2 * w);
  }
  override reset(): void {
    super.reset();
    this.lastInput = NaN;
    this.width = NaN;
  }
}

/** What one trial's factory reads from and tells back. */
export interface SharingScope {
  /** The trial fed a declared indicator by hand: its result is not to be trusted, run it unshared. */
  handFed: boolean;
}

/**
 * The indicator series of a sweep's worker, by window and declaration, up to `budgetBytes` (a
 * declaration past it is computed per trial, as without sharing).
 */
export class SharedIndicators {
  private readonly windows = new Map<string, Map<string, Recorded | null>>();
  bytes = 0;
  /** Series computed, and declarations answered from one computed before (for tests and benches). */
  computed = 0;
  reused = 0;

  constructor(private readonly budgetBytes: number) {}

  /**
   * A factory for one trial over `series`; `window` names the bars (the same name must mean the
   * same bars). The returned scope says afterwards whether the trial could be replayed.
   */
  factory(series: CandleSeries, window: string): { factory: IndicatorFactory; indicators: BarIndicator[]; scope: SharingScope } {
    let cache = this.windows.get(window);
    if (!cache) this.windows.set(window, (cache = new Map()));
    const scope: SharingScope = { handFed: false };
    const indicators: BarIndicator[] = [];
    const declare = <T extends BarIndicator>(indicator: T): T => {
      indicators.push(indicator);
      return indicator;
    };
    const get = (key: string, columns: number, make: () => BarIndicator, read: ((x: BarIndicator) => number)[]): Recorded | null => {
      if (cache.has(key)) {
        const r = cache.get(key)!;
        if (r) this.reused++;
        return r;
      }
      const bytes = columns * 8 * series.length;
      if (this.bytes + bytes > this.budgetBytes) return null;
      const r = record(make(), series, read);
      cache.set(key, r);
      if (r) {
        this.bytes += bytes;
        this.computed++;
      }
      return r;
    };
    const value = (x: BarIndicator) => x.value;
    // Each method builds the streaming indicator first: the same argument checks and messages.
    const factory: IndicatorFactory = {
      sma: (period, source) => {
        const live = new Sma(period, source);
        const r = get(`sma:${period}:${source ?? 'close'}`, 1, () => new Sma(period, source), [value]);
        return declare(r ? new PeriodReplay(r, live.warmup, scope, live.period) : live);
      },
      ema: (period, source) => {
        const live = new Ema(period, source);
        const r = get(`ema:${period}:${source ?? 'close'}`, 1, () => new Ema(period, source), [value]);
        return declare(r ? new PeriodReplay(r, live.warmup, scope, live.period) : live);
      },
      rsi: (period, source) => {
        const live = new Rsi(period, source);
        const r = get(`rsi:${live.period}:${source ?? 'close'}`, 1, () => new Rsi(period, source), [value]);
        return declare(r ? new PeriodReplay(r, live.warmup, scope, live.period) : live);
      },
      atr: (period) => {
        const live = new Atr(period);
        const r = get(`atr:${live.period}`, 1, () => new Atr(period), [value]);
        return declare(r ? new PeriodReplay(r, live.warmup, scope, live.period) : live);
      },
      realizedVol: (period, barsPerYear) => {
        const live = new RealizedVol(period, barsPerYear);
        const r = get(`rv:${live.period}:${barsPerYear ?? ''}`, 1, () => new RealizedVol(period, barsPerYear), [value]);
        return declare(r ? new PeriodReplay(r, live.warmup, scope, live.period, live.barsPerYear) : live);
      },
      macd: (fast, slow, signal, source) => {
        const live = new Macd(fast, slow, signal, source);
        const r = get(`macd:${live.fastPeriod}:${live.slowPeriod}:${live.signalPeriod}:${source ?? 'close'}`, 2, () => new Macd(fast, slow, signal, source), [value, (x) => (x as Macd).signal]);
        return declare(r ? new MacdReplay(r, live.warmup, scope, live.fastPeriod, live.slowPeriod, live.signalPeriod) : live);
      },
      bollinger: (period, stdDev, source?: PriceSource) => {
        const live = new Bollinger(period, stdDev, source);
        // A unit width: stdDev × that is, to the last bit, what a band of stdDev computes.
        // (`width` is the band's private half-width; upper − middle would round.)
        const r = get(`bb:${live.period}:${source ?? 'close'}`, 2, () => new Bollinger(period, 1, source), [value, (x) => (x as unknown as { width: number }).width]);
        return declare(r ? new BollingerReplay(r, live.warmup, scope, live.period, live.stdDev, requireSource('bollinger', source)) : live);
      },
    };
    return { factory, indicators, scope };
  }
}

/** The sharing in force for indicators declared now (the backtester's factory asks); undefined: none. */
let active: { shared: SharedIndicators; series: CandleSeries; window: string; scope?: SharingScope } | undefined;

/** Runs `fn` (one trial) with its indicators taken from `shared`; says whether the trial could be replayed. */
export function withSharedIndicators<T>(shared: SharedIndicators, series: CandleSeries, window: string, fn: () => T): { result: T; replayed: boolean } {
  const before = active;
  active = { shared, series, window };
  try {
    const result = fn();
    return { result, replayed: !(active.scope?.handFed ?? false) };
  } finally {
    active = before;
  }
}

/** The factory's hook: a sharing factory for the trial's run, when a sweep set one up (once per trial). */
export function sharedFactory(): ReturnType<SharedIndicators['factory']> | undefined {
  if (!active || active.scope) return undefined;
  const made = active.shared.factory(active.series, active.window);
  active.scope = made.scope;
  return made;
}
