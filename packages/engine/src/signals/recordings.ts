import { readFileSync } from 'node:fs';
import { VoltError } from '../errors.js';
import { signalSeries } from './align.js';
import { signalSource } from './sources.js';
import { SignalShapeError, type SignalPoint, type SignalRecording, type SignalSeriesData, type SignalSource } from './types.js';

/**
 * A recorded fixture: the answers one source gave, exactly as its API sent them, with when each
 * came and what it was about. Tests serve them to the real fetchers; backtests replay them.
 * `{ "source": "fear_greed", "recordings": [{ "market": "", "fetchedAt": 1700000000000, "url": "…", "body": … }] }`
 */
export interface SignalFixture {
  source: string;
  recordings: SignalRecording[];
}

export function readSignalFixture(file: string): SignalFixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VoltError({ kind: 'data', file, message: `cannot read the signal fixture: ${(e as Error).message}`, hint: 'check the path (signals.fixtures in volt.config.json)' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VoltError({ kind: 'data', file, message: `not JSON: ${(e as Error).message}`, hint: 'record the fixture again' });
  }
  const f = json as Partial<SignalFixture>;
  if (typeof f !== 'object' || f === null || typeof f.source !== 'string' || !Array.isArray(f.recordings)) {
    throw new VoltError({ kind: 'data', file, message: 'not a signal fixture: expected { "source": "<name>", "recordings": [...] }', hint: 'see packages/engine/src/signals/README.md for the format' });
  }
  if (!signalSource(f.source)) throw new VoltError({ kind: 'data', file, message: `unknown signal source '${f.source}'`, hint: 'run `volt signals list` for the names' });
  f.recordings.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || typeof r.market !== 'string' || typeof r.fetchedAt !== 'number') {
      throw new VoltError({ kind: 'data', file, message: `recording ${i} needs "market" (text) and "fetchedAt" (epoch ms)`, hint: 'record the fixture again' });
    }
  });
  return f as SignalFixture;
}

/** Every point the recordings hold for `market`, later recordings replacing earlier ones for the same period. */
export function pointsOf(source: SignalSource, recordings: readonly SignalRecording[], market: string, from: string): SignalPoint[] {
  const byTime = new Map<number, SignalPoint>();
  recordings.forEach((rec, i) => {
    if (source.perMarket && rec.market !== '' && rec.market !== market) return;
    let points: SignalPoint[];
    try {
      points = source.parse(rec, market);
    } catch (e) {
      if (e instanceof SignalShapeError) {
        throw new VoltError({ kind: 'data', file: from, message: `${source.name}, recording ${i}: ${e.message}`, hint: `the answer is not ${source.title}'s shape; record it again` });
      }
      throw e;
    }
    for (const p of points) byTime.set(p.time, p);
  });
  return [...byTime.values()];
}

/** A fixture file as a run's signal series for one market. */
export function fixtureSeries(file: string, market: string): SignalSeriesData {
  const fixture = readSignalFixture(file);
  const source = signalSource(fixture.source)!;
  return signalSeries(source, pointsOf(source, fixture.recordings, market, file), file);
}
