/**
 * Offered suggestions in the journal (`param_suggestions`), so that what was offered outlives the
 * editor session that showed it: the weekly report lists the ones still pending. A suggestion is
 * pending until a later complete run of its strategy has moved the param off the value it was
 * offered against (to the suggested value, or anywhere else: either way the trader has decided);
 * a newer suggestion for the same param replaces it.
 */
import type { Journal } from '../journal/index.js';
import type { ParamSuggestion } from './suggest.js';

export interface SuggestionSource {
  /** The strategy's own name (what its runs are journaled under). */
  strategyName: string;
  strategyPath?: string;
  /** The data the suggestion was checked on, as given ('btc.csv', 'binance:BTC/USDT:1h'). */
  dataSpec: string;
  /** Epoch ms; now by default. */
  at?: number;
}

export interface PendingSuggestion {
  strategy: string;
  param: string;
  from: number;
  to: number;
  at: number;
  message: string;
}

/** Keeps the offered ones of `suggestions`; returns how many. */
export function recordSuggestions(journal: Journal, source: SuggestionSource, suggestions: readonly ParamSuggestion[]): number {
  const insert = journal.db.prepare(
    `INSERT INTO param_suggestions (created_at, strategy_name, strategy_path, data_spec, param, from_value, to_value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const at = source.at ?? Date.now();
  const offered = suggestions.filter((s) => s.status === 'offered');
  journal.db.transaction(() => {
    for (const s of offered) insert.run(at, source.strategyName, source.strategyPath ?? null, source.dataSpec, s.param, s.from, s.to, s.message);
  })();
  return offered.length;
}

/** The suggestions made before `asOf` that no run before `asOf` has acted on, oldest first. */
export function pendingSuggestions(journal: Journal, asOf = Date.now()): PendingSuggestion[] {
  const latest = journal.db
    .prepare(
      `SELECT s.strategy_name AS strategy, s.param, s.from_value AS "from", s.to_value AS "to", s.created_at AS at, s.message
         FROM param_suggestions s
        WHERE s.created_at < ?
          AND s.id = (SELECT t.id FROM param_suggestions t WHERE t.strategy_name = s.strategy_name AND t.param = s.param AND t.created_at < ?
                       ORDER BY t.created_at DESC, t.id DESC LIMIT 1)
        ORDER BY s.created_at, s.id`,
    )
    .all(asOf, asOf) as PendingSuggestion[];
  const runAfter = journal.db.prepare(
    `SELECT params FROM runs WHERE strategy_name = ? AND status = 'complete' AND started_at > ? AND started_at < ? ORDER BY started_at DESC, id DESC LIMIT 1`,
  );
  return latest.filter((s) => {
    const run = runAfter.get(s.strategy, s.at, asOf) as { params: string } | undefined;
    if (!run) return true;
    const value = (JSON.parse(run.params) as Record<string, unknown>)[s.param];
    return value === s.from;
  });
}

/** "rsi: oversold 30 → 34 (offered 2026-11-28): 34 did better out of sample: …" */
export function describePending(s: PendingSuggestion): string {
  return `${s.strategy}: ${s.param} ${s.from} → ${s.to} (offered ${new Date(s.at).toISOString().slice(0, 10)}): ${s.message}`;
}
