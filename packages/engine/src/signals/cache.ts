import type Database from 'better-sqlite3';
import { signalSeries } from './align.js';
import type { SignalPoint, SignalSeriesData, SignalSource } from './types.js';

/** The journal's `signal_values` table: fetched values kept so backtests replay them without the network. */
export class SignalCache {
  constructor(private readonly db: Database.Database) {}

  /** Keeps `points` (a later fetch of the same period replaces the earlier value). */
  put(source: string, market: string, points: readonly SignalPoint[], fetchedAt: number): number {
    const insert = this.db.prepare(`
      INSERT INTO signal_values (source, market, time, published, value, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (source, market, time) DO UPDATE SET published = excluded.published, value = excluded.value, fetched_at = excluded.fetched_at`);
    this.db.transaction(() => {
      for (const p of points) insert.run(source, market, p.time, p.published, p.value, fetchedAt);
    })();
    return points.length;
  }

  points(source: string, market: string, from = -Infinity, to = Infinity): SignalPoint[] {
    return this.db
      .prepare(`SELECT time, published, value FROM signal_values WHERE source = ? AND market = ? AND time >= ? AND time < ? ORDER BY published, time`)
      .all(source, market, Number.isFinite(from) ? from : -8.64e15, Number.isFinite(to) ? to : 8.64e15) as SignalPoint[];
  }

  /** The cached values of one source as a run's series, or undefined when nothing is cached. */
  series(source: SignalSource, market: string, from?: number, to?: number): SignalSeriesData | undefined {
    const pts = this.points(source.name, source.perMarket ? market : '', from, to);
    return pts.length > 0 ? signalSeries(source, pts, 'journal cache') : undefined;
  }

  /** What is cached: per source and market, how many values and the period they cover. */
  summary(): { source: string; market: string; count: number; from: number; to: number; fetchedAt: number }[] {
    return this.db
      .prepare(`SELECT source, market, count(*) AS count, min(time) AS "from", max(time) AS "to", max(fetched_at) AS fetchedAt FROM signal_values GROUP BY source, market ORDER BY source, market`)
      .all() as { source: string; market: string; count: number; from: number; to: number; fetchedAt: number }[];
  }
}
