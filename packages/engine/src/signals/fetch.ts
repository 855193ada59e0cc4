import { VoltError } from '../errors.js';
import { pointsOf } from './recordings.js';
import type { SignalPoint, SignalRecording, SignalSource } from './types.js';

export interface FetchSignalOptions {
  /** Base asset ('BTC'); ignored by whole-market sources. */
  market: string;
  from: number;
  to: number;
  /** Where keys and base URLs are read (default process.env). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** The clock for snapshot sources' publication time (default Date.now). */
  now?: () => number;
  /** Ends the request early (a session that ends while a fetch is out). */
  signal?: AbortSignal;
}

export interface FetchedSignal {
  recording: SignalRecording;
  points: SignalPoint[];
}

/**
 * One live request to a source's API: its base URL from `urlEnv` or the default, its key from
 * `keyEnv`. A missing required key, a refusal, a timeout or an answer of the wrong shape is one
 * VoltError saying which and what to do; the key never appears in a message or a recording.
 */
export async function fetchSignal(source: SignalSource, options: FetchSignalOptions): Promise<FetchedSignal> {
  const env = options.env ?? process.env;
  const key = source.keyEnv ? env[source.keyEnv] || undefined : undefined;
  if (source.keyRequired && key === undefined) {
    throw new VoltError({ kind: 'usage', message: `${source.name} needs an API key: ${source.keyEnv} is not set`, hint: `export ${source.keyEnv}=… (${source.title})` });
  }
  const baseUrl = (env[source.urlEnv] || source.defaultBaseUrl).replace(/\/+$/, '');
  const market = source.perMarket ? options.market.toUpperCase() : '';
  const { url, headers } = source.request({ baseUrl, key, market, from: options.from, to: options.to });
  const shown = key ? url.split(key).join('***') : url;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? 15_000)]) : AbortSignal.timeout(options.timeoutMs ?? 15_000) });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 15_000} ms` : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new VoltError({ kind: 'data', message: `${source.name}: ${shown}: ${why}`, hint: `check the network, or set ${source.urlEnv} to a reachable mirror` });
  }
  const text = await res.text();
  if (!res.ok) {
    const auth = res.status === 401 || res.status === 403;
    throw new VoltError({
      kind: 'data',
      message: `${source.name}: ${shown} answered HTTP ${res.status}${text ? `: ${text.slice(0, 120)}` : ''}`,
      hint: auth && source.keyEnv ? `check ${source.keyEnv}` : res.status === 429 ? 'the API is rate-limiting: wait and fetch again' : 'try again later',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VoltError({ kind: 'data', message: `${source.name}: ${shown} did not answer JSON (${text.slice(0, 60)})`, hint: `check ${source.urlEnv}` });
  }
  const recording: SignalRecording = { market, fetchedAt: (options.now ?? Date.now)(), url: shown, body };
  return { recording, points: pointsOf(source, [recording], market, shown) };
}
