import type { CandleSeries } from '../data/index.js';
import { alignToBars, barCloses } from './align.js';
import { SIGNAL_NAMES } from './sources.js';
import type { SignalSet, SignalValues } from './types.js';

const NONE = new Int32Array(0);

/**
 * The values of every known signal at every bar of a run, aligned once up front: reading one at a
 * bar is two array reads, no search and no allocation.
 */
export class SignalBoard {
  readonly names: readonly string[];
  private readonly at: Int32Array[];
  private readonly values: Float64Array[];

  constructor(set: SignalSet | undefined, series: CandleSeries) {
    const closes = set && Object.keys(set).length > 0 ? barCloses(series) : new Float64Array(0);
    this.names = SIGNAL_NAMES;
    this.at = SIGNAL_NAMES.map((name) => {
      const d = set?.[name];
      return d && d.value.length > 0 ? alignToBars(d, closes) : NONE;
    });
    this.values = SIGNAL_NAMES.map((name) => set?.[name]?.value ?? new Float64Array(0));
  }

  /** Value of signal `k` (index into SIGNAL_NAMES) at `bar`; NaN when none was published before its close. */
  valueAt(k: number, bar: number): number {
    const idx = this.at[k]!;
    const j = bar < idx.length ? idx[bar]! : -1;
    return j >= 0 ? this.values[k]![j]! : Number.NaN;
  }

  countAt(bar: number): number {
    let n = 0;
    for (let k = 0; k < this.at.length; k++) if (this.valueAt(k, bar) === this.valueAt(k, bar)) n++;
    return n;
  }

  /**
   * `ctx.signals` for a strategy: getters reading the bar `currentBar()` names, so the object is
   * made once per run and cannot be made to show a later bar's value.
   */
  view(currentBar: () => number): SignalValues {
    const view = {} as Record<string, number>;
    SIGNAL_NAMES.forEach((name, k) => {
      Object.defineProperty(view, name, { enumerable: true, get: () => this.valueAt(k, currentBar()) });
    });
    Object.defineProperty(view, 'count', { enumerable: false, get: () => this.countAt(currentBar()) });
    return Object.freeze(view) as unknown as SignalValues;
  }
}

/**
 * `ctx.signals` in a market session's seat: the trusted side sends, with each bar, every signal's
 * value at that bar's close (LiveSignals.valuesAt, the same alignment as above); the seat keeps
 * only the current bar's, so nothing later can be read.
 */
export class BarSignals extends SignalBoard {
  private readonly row = new Float64Array(SIGNAL_NAMES.length).fill(Number.NaN);
  private bar = -1;

  constructor(series: CandleSeries) {
    super(undefined, series);
  }

  /** The values at `bar`, in SIGNAL_NAMES order (NaN: none); undefined when the session has none. */
  set(bar: number, values: ArrayLike<number> | undefined): void {
    this.bar = bar;
    for (let k = 0; k < this.row.length; k++) this.row[k] = values && k < values.length ? values[k]! : Number.NaN;
  }

  override valueAt(k: number, bar: number): number {
    return bar === this.bar ? this.row[k]! : Number.NaN;
  }
}
