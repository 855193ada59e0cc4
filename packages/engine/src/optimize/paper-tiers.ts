/**
 * Tiers from paper results: what the journal's paper sessions say of a strategy (its trades and
 * P&L, its drift report against a backtest of the same bars), and the move they call for. Called
 * after `volt drift` and when a `volt paper` session ends; the sweep's own step reads the same
 * sessions for WARM → HOT. Rules in README.md ("Tiers").
 */
import { moveTier, strategyTiers, tierMoves, type Journal } from '../journal/index.js';
import type { DriftReport } from '../trading/drift.js';
import { DEFAULT_TIER_RULES, nextTier, paperQualifier, paperRetirement, type PaperSessionEvidence, type Tier, type TierEvidence, type TierRules } from './tiers.js';

/**
 * The strategy's paper sessions that ended (stopped or finished), oldest first. A session names its
 * strategy by file (`volt paper` journals the file's base name as the run's strategy), a sweep by
 * the strategy's own name: a session counts when its file is one a sweep of that name ran, or when
 * its run carries the name.
 */
export function paperSessions(journal: Journal, strategyName: string): PaperSessionEvidence[] {
  const rows = journal.db.prepare(`
    SELECT s.id, s.started_at, s.capital, s.drift,
           (SELECT count(*) FROM trades t WHERE t.run_id = s.run_id AND t.exit_time IS NOT NULL AND t.pnl IS NOT NULL) AS trades,
           (SELECT coalesce(sum(t.pnl), 0) FROM trades t WHERE t.run_id = s.run_id AND t.exit_time IS NOT NULL AND t.pnl IS NOT NULL) AS pnl
    FROM sessions s JOIN runs r ON r.id = s.run_id
    WHERE (r.strategy_name = ? OR s.strategy_path IN (SELECT strategy_path FROM sweeps WHERE strategy_name = ?))
      AND s.mode = 'paper' AND s.status IN ('stopped', 'finished')
    ORDER BY s.started_at, s.id`).all(strategyName, strategyName) as { id: number; started_at: number; capital: number; drift: string | null; trades: number; pnl: number }[];
  return rows.map((r) => {
    const d = r.drift ? (JSON.parse(r.drift) as DriftReport) : undefined;
    const paired = d ? Math.max(d.sessionTrades, d.backtestTrades) : 0;
    return {
      session: r.id, startedAt: r.started_at, capital: r.capital, trades: r.trades, pnl: r.pnl,
      ...(d ? { drift: { agreement: paired > 0 ? d.same / paired : 1, pnlDrift: d.pnlDrift } } : {}),
    };
  });
}

/** The walk-forward evidence the strategy was last moved on by a sweep (a paper move keeps it as `sweep`). */
function lastSweepEvidence(journal: Journal, strategyName: string): TierEvidence | undefined {
  const moves = tierMoves(journal, strategyName);
  for (let i = moves.length - 1; i >= 0; i--) {
    const e = moves[i]!.evidence as (TierEvidence & { sweep?: TierEvidence }) | null;
    if (e && typeof e.outOfSampleSharpe === 'number') return e;
    if (e?.sweep) return e.sweep;
  }
  return undefined;
}

/**
 * Moves a WARM or HOT strategy on its paper sessions, journaling the move with its reason: WARM →
 * HOT when its last walk-forward evidence earns HOT and a paper session qualifies; HOT → WARM when
 * its paper sessions since it became HOT lost past the threshold. Returns the move, if any.
 */
export function reviewTierOnPaper(journal: Journal, strategyName: string, now = Date.now(), rules: TierRules = DEFAULT_TIER_RULES): { from: Tier; to: Tier; reason: string } | undefined {
  const current = strategyTiers(journal).get(strategyName);
  if (!current || current.tier === 'COLD') return undefined;
  const sessions = paperSessions(journal, strategyName);
  const sweep = lastSweepEvidence(journal, strategyName);
  let move: { tier: Tier; reason: string } | undefined;
  if (current.tier === 'HOT') move = paperRetirement(sessions, current.since, rules);
  else if (sweep) {
    const m = nextTier('WARM', sweep, rules, sessions);
    if (m?.tier === 'HOT') move = m;
  }
  if (!move) return undefined;
  const q = paperQualifier(sessions, rules);
  const evidence = { ...(sweep ? { sweep } : {}), paper: move.tier === 'HOT' && 'session' in q ? [q.session] : sessions.filter((s) => s.startedAt >= current.since) };
  moveTier(journal, { strategyName, at: now, to: move.tier, reason: move.reason, sweepId: null, evidence });
  return { from: current.tier, to: move.tier, reason: move.reason };
}

/** After a paper session ended or got its drift report: the tier of each strategy it ran, reviewed. */
export function reviewTiersAfterSession(journal: Journal, sessionId: number, now = Date.now(), rules: TierRules = DEFAULT_TIER_RULES): { strategy: string; from: Tier; to: Tier; reason: string }[] {
  const names = journal.db.prepare(`
    SELECT r.strategy_name FROM sessions s JOIN runs r ON r.id = s.run_id WHERE s.id = ?
    UNION SELECT DISTINCT w.strategy_name FROM sweeps w JOIN sessions s ON s.strategy_path = w.strategy_path WHERE s.id = ?`).pluck().all(sessionId, sessionId) as string[];
  const moves: { strategy: string; from: Tier; to: Tier; reason: string }[] = [];
  for (const name of names) {
    const m = reviewTierOnPaper(journal, name, now, rules);
    if (m) moves.push({ strategy: name, ...m });
  }
  return moves;
}
