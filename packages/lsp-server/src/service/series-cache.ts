/**
 * The sidecar's candles, by data spec: synthetic data is deterministic and files are read again only
 * when they change. Loaded here, on the server's side, and handed to each sandboxed run, which may
 * read no file itself.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CANDLE_CACHE_DIR, resolveDataSpec, type CandleSeries } from '@volt/engine';

const MAX_CACHED = 4;

export class SeriesCache {
  private readonly entries = new Map<string, { mtimeMs: number; series: Promise<CandleSeries> }>();

  async get(spec: string, cwd: string): Promise<CandleSeries> {
    const file = /^(synthetic|exchange):/.test(spec) ? undefined : path.resolve(cwd, spec);
    const mtimeMs = file ? (await stat(file).catch(() => undefined))?.mtimeMs ?? -1 : 0;
    const key = file ?? `${spec}\0${cwd}`;
    const hit = this.entries.get(key);
    if (hit && hit.mtimeMs === mtimeMs) return hit.series;
    const series = resolveDataSpec(spec, { cwd, lenient: true, candleCache: path.join(cwd, CANDLE_CACHE_DIR) });
    this.entries.set(key, { mtimeMs, series });
    series.catch(() => this.entries.delete(key));
    if (this.entries.size > MAX_CACHED) this.entries.delete(this.entries.keys().next().value as string);
    return series;
  }
}
