import { isVoltError } from '../errors.js';
import { latestBefore, seenAt, signalSeries } from './align.js';
import type { SignalCache } from './cache.js';
import { fetchSignal } from './fetch.js';
import { SIGNAL_NAMES, SIGNAL_SOURCES, baseAsset, signalSource } from './sources.js';
import type { SignalPoint, SignalSeriesData, SignalSet, SignalSource } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How often a session asks each source again, by its publication rhythm: the daily sources four
 * times a day (and just after each UTC midnight, when their day's value appears), the trailing
 * 24-hour volume every hour. A failed fetch is asked again after RETRY_MS.
 */
export const POLL_EVERY_MS: Readonly<Record<string, number>> = {
  fear_greed: 6 * HOUR,
  defi_tvl: 6 * HOUR,
  volume_surge: HOUR,
  trending: 6 * HOUR,
  gas_price: 6 * HOUR,
  whale_flow: 6 * HOUR,
  sentiment: 6 * HOUR,
};
/** After midnight UTC: the day's values are out by then at the sources that publish on the day. */
const AFTER_MIDNIGHT_MS = 5 * MINUTE;
const RETRY_MS = 15 * MINUTE;
/** The period a poll asks the history sources for (the stalest value a bar may still read, 8 days). */
const LOOK_BACK_MS = 8 * DAY;

/** A source's fetch failed (`problem`), or works again after failing (`problem` null). */
export interface SignalSourceEvent {
  source: string;
  problem: string | null;
  /** Values the answer held (0 on a failure). */
  values: number;
}

export interface LiveSignalsOptions {
  /** The traded symbol: per-market sources read its base asset. */
  symbol: string;
  /** What a backtest of the run would replay (`loadRunSignals`): the warm-up's history. */
  initial?: SignalSet;
  /** The sources asked live (default: every one that can answer, as `volt signals fetch` picks: keyless, or its key set). */
  names?: readonly string[];
  /** Where live answers are kept (the journal's `signal_values`), as `volt signals fetch` keeps them. */
  cache?: SignalCache;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** The sources a session polls when none are named: those `volt signals fetch` would ask. */
export function answeringSources(env: Record<string, string | undefined> = process.env): string[] {
  return SIGNAL_SOURCES.filter((s) => !s.keyRequired || Boolean(s.keyEnv && env[s.keyEnv])).map((s) => s.name);
}

/**
 * A market session's outside signals (trusted side): the run's loaded values, grown by polling each
 * source's live API on the exchange's clock. `valuesAt` gives every signal's value at a bar's close
 * with the backtest's rule (published strictly before the close, fresh within maxStaleMs).
 */
export class LiveSignals {
  private readonly series: Record<string, SignalSeriesData>;
  private readonly cursor = new Int32Array(SIGNAL_NAMES.length).fill(-1);
  private lastClose = -Infinity;
  private readonly sources: SignalSource[];
  private readonly due = new Map<string, number>();
  private readonly failing = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly market: string;
  /** Where a source's failures and recoveries go (the session makes them its events). */
  onEvent: (e: SignalSourceEvent) => void = () => {};

  constructor(private readonly options: LiveSignalsOptions) {
    this.series = { ...(options.initial ?? {}) };
    this.market = baseAsset(options.symbol);
    this.sources = (options.names ?? answeringSources(options.env)).map((n) => signalSource(n)!).filter(Boolean);
  }

  /** The signals as a run's SignalSet (the agents' market context aligns it to its own bars). */
  get set(): SignalSet {
    return this.series;
  }

  /** Names of the sources asked live. */
  get polled(): string[] {
    return this.sources.map((s) => s.name);
  }

  /** Every signal's value at a bar closing at `close`, into `out` (SIGNAL_NAMES order; NaN: none). */
  valuesAt(close: number, out: Float64Array): Float64Array {
    if (close < this.lastClose) this.cursor.fill(-1);
    this.lastClose = close;
    for (let k = 0; k < SIGNAL_NAMES.length; k++) {
      const d = this.series[SIGNAL_NAMES[k]!];
      if (!d || d.value.length === 0) {
        out[k] = Number.NaN;
        continue;
      }
      const at = (this.cursor[k] = latestBefore(d, close, this.cursor[k]!));
      const j = seenAt(d, close, at);
      out[k] = j >= 0 ? d.value[j]! : Number.NaN;
    }
    return out;
  }

  /**
   * Starts a fetch of every source that is due at `now` (the exchange's clock) and returns at once;
   * the answers join the values when they come. `settled` waits for those out.
   */
  poll(now: number): void {
    for (const source of this.sources) {
      const due = this.due.get(source.name) ?? -Infinity;
      if (now < due) continue;
      // Not asked again until this one is answered.
      this.due.set(source.name, Infinity);
      const job = this.fetchOne(source, now).finally(() => this.pending.delete(job));
      this.pending.add(job);
    }
  }

  /** Waits for the fetches out (the session's start waits for its first poll). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Ends the fetches out: the session is over. */
  close(): void {
    this.abort.abort();
  }

  private async fetchOne(source: SignalSource, now: number): Promise<void> {
    const every = POLL_EVERY_MS[source.name] ?? 6 * HOUR;
    try {
      const from = now - LOOK_BACK_MS;
      const got = await fetchSignal(source, {
        market: this.market, from, to: now,
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
        // A snapshot is published when it is taken, by the clock the bars close on.
        now: () => now,
        signal: this.abort.signal,
      });
      // A value stamped later than now is a period still running (a day's sum so far): not published yet.
      const kept = got.points.filter((p) => p.time >= from && p.published <= now);
      this.merge(source, kept);
      this.options.cache?.put(source.name, source.perMarket ? this.market : '', kept, got.recording.fetchedAt);
      // The next look: a rhythm's step on, or just after the coming midnight, whichever is first (asked
      // at 00:02, the day's value may not be out yet: 00:05 asks again).
      this.due.set(source.name, Math.min(now + every, Math.floor((now - AFTER_MIDNIGHT_MS) / DAY) * DAY + DAY + AFTER_MIDNIGHT_MS));
      if (this.failing.delete(source.name)) this.onEvent({ source: source.name, problem: null, values: kept.length });
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.due.set(source.name, now + RETRY_MS);
      const problem = isVoltError(e) ? e.format() : `${source.name}: ${e instanceof Error ? e.message : String(e)}`;
      if (this.failing.get(source.name) !== problem) this.onEvent({ source: source.name, problem, values: 0 });
      this.failing.set(source.name, problem);
    }
  }

  /** Live points join the loaded ones; a period fetched again takes the new value. */
  private merge(source: SignalSource, fresh: readonly SignalPoint[]): void {
    const old = this.series[source.name];
    const byTime = new Map<number, SignalPoint>();
    if (old) for (let i = 0; i < old.value.length; i++) byTime.set(old.time[i]!, { time: old.time[i]!, published: old.published[i]!, value: old.value[i]! });
    for (const p of fresh) byTime.set(p.time, p);
    this.series[source.name] = signalSeries(source, [...byTime.values()], old ? `${old.source} + live` : 'live');
    this.cursor[SIGNAL_NAMES.indexOf(source.name)] = -1;
  }
}
