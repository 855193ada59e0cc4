/**
 * Outside signals: numbers about the market that are not its candles (fear & greed, DeFi TVL,
 * volume and attention, gas, whale transfers, news sentiment). Every value carries two times: the
 * period it describes (`time`) and when it became known (`published`). A bar sees a value only
 * when it was published before the bar's close.
 */

/** One value of a signal. Epoch ms UTC. */
export interface SignalPoint {
  /** Start of the period the value describes (a day, or the moment of a snapshot). */
  time: number;
  /** When the value could first be read. Never earlier than `time`. */
  published: number;
  value: number;
}

/** One HTTP answer as it was received, the unit of a recorded fixture and of a live fetch. */
export interface SignalRecording {
  /** The market the request was about ('BTC'), '' for a source about the whole market. */
  market: string;
  /** When the answer was received, epoch ms: the publication time of snapshot sources. */
  fetchedAt: number;
  /** The request, with any key left out. */
  url: string;
  body: unknown;
}

/** What a fetcher needs to build its request. */
export interface SignalRequest {
  baseUrl: string;
  /** The API key from the environment; undefined when the source needs none or none is set. */
  key: string | undefined;
  /** Base asset of the market ('BTC' for BTC/USD). */
  market: string;
  /** Period wanted, epoch ms (sources with history only). */
  from: number;
  to: number;
}

/** A signal source: where its numbers come from, how to read them, and what they mean to a trade. */
export interface SignalSource {
  /** Name as strategies read it: `ctx.signals.fear_greed`. */
  name: string;
  title: string;
  /** The unit of `value`, in words. */
  unit: string;
  /** Whether the values are about one asset (whale transfers of BTC) or the whole market. */
  perMarket: boolean;
  /** Environment variable holding the API key; undefined when the API is open. */
  keyEnv?: string;
  /** Whether the API refuses requests without a key. */
  keyRequired: boolean;
  /** Environment variable that replaces `defaultBaseUrl` (a mirror, a proxy, a test server). */
  urlEnv: string;
  defaultBaseUrl: string;
  /** A value older than this at a bar counts as missing (the feed stopped). */
  maxStaleMs: number;
  /** The smallest gap between a value's period start and its publication the source allows (a daily average is known only once the day is over). */
  minLagMs: number;
  request(r: SignalRequest): { url: string; headers: Record<string, string> };
  /**
   * The points in one answer, for `market` ('' for whole-market sources). Throws `SignalShapeError`
   * when the body is not the API's shape.
   */
  parse(rec: SignalRecording, market: string): SignalPoint[];
  /** What the value says about buying, −1 (against) to +1 (for): the aggregator's input. */
  score(value: number): number;
  /** The value in words, for an agent's reasoning: "fear & greed 22". */
  describe(value: number): string;
}

/** An answer that is not the shape the API documents: where in it, and what was found. */
export class SignalShapeError extends Error {
  constructor(readonly where: string, message: string) {
    super(message);
    this.name = 'SignalShapeError';
  }
}

/**
 * A signal's values as plain data, sorted by `published`, ready to travel to the strategy's
 * sandbox (typed arrays survive the structured clone).
 */
export interface SignalSeriesData {
  name: string;
  /** Where the values came from: a fixture file, 'journal cache', a URL. */
  source: string;
  time: Float64Array;
  published: Float64Array;
  value: Float64Array;
  maxStaleMs: number;
}

/** The outside signals of one run, by name. */
export type SignalSet = Record<string, SignalSeriesData>;

/**
 * `ctx.signals`: each known signal's latest value published before this bar's close, NaN when
 * there is none (no data for it in this run, not published yet, or stale).
 */
export interface SignalValues {
  readonly fear_greed: number;
  readonly defi_tvl: number;
  readonly volume_surge: number;
  readonly trending: number;
  readonly gas_price: number;
  readonly whale_flow: number;
  readonly sentiment: number;
  /** How many of the signals have a value at this bar. */
  readonly count: number;
}
