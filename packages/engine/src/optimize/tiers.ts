/**
 * Strategy tiers, COLD → WARM → HOT: where a strategy stands on the evidence of its latest
 * walk-forward sweep. One step up or down per sweep, each move journaled with its reason. Rules in
 * README.md ("Tiers").
 */
import type { SweepResult } from './sweep.js';

export type Tier = 'COLD' | 'WARM' | 'HOT';
export const TIERS: readonly Tier[] = ['COLD', 'WARM', 'HOT'];

/** What a tier is decided on: the out-of-sample side of a walk-forward sweep. */
export interface TierEvidence {
  /** Mean out-of-sample Sharpe over the folds (annualised, as in the report). */
  outOfSampleSharpe: number;
  /** Trades over every test window. */
  outOfSampleTrades: number;
  /** Deepest out-of-sample drawdown of any fold. */
  outOfSampleDrawdown: number;
  folds: number;
  /** The fold-0 search's deflated Sharpe and PBO, when computed. */
  deflatedSharpe?: number;
  overfitting?: number;
}

/** One paper session that ended, as the journal has it (paper-tiers.ts reads it). */
export interface PaperSessionEvidence {
  session: number;
  startedAt: number;
  capital: number;
  /** Closed trades and their P&L, net of fees. */
  trades: number;
  pnl: number;
  /** From its drift report (`volt drift`), when there is one: trades the same as the backtest's, of the more numerous side, and Σ P&L drift. */
  drift?: { agreement: number; pnlDrift: number };
}

export interface TierRules {
  promoteToWarm: { sharpe: number; trades: number; maxDrawdown: number; maxOverfitting: number };
  promoteToHot: { sharpe: number; trades: number; maxDrawdown: number; minDeflatedSharpe: number };
  /** HOT also needs one paper session of this many trades whose drift report stays within bounds. */
  paperToHot: { trades: number; minAgreement: number; maxPnlDrift: number };
  retireFromHot: { sharpe: number; maxDrawdown: number };
  /** HOT retires when its paper sessions since it became HOT lost more than this, of their capital. */
  retireOnPaper: { minReturn: number };
  retireFromWarm: { sharpe: number; trades: number; maxDrawdown: number; maxOverfitting: number };
}

export const DEFAULT_TIER_RULES: TierRules = {
  promoteToWarm: { sharpe: 0.5, trades: 30, maxDrawdown: 0.2, maxOverfitting: 0.5 },
  promoteToHot: { sharpe: 1, trades: 100, maxDrawdown: 0.15, minDeflatedSharpe: 0.95 },
  paperToHot: { trades: 20, minAgreement: 0.6, maxPnlDrift: 0.02 },
  retireFromHot: { sharpe: 0.75, maxDrawdown: 0.2 },
  retireOnPaper: { minReturn: -0.05 },
  retireFromWarm: { sharpe: 0.25, trades: 30, maxDrawdown: 0.25, maxOverfitting: 0.6 },
};

/** The paper session that earns HOT (the one with most trades among those within bounds), or why none does. */
export function paperQualifier(sessions: readonly PaperSessionEvidence[], rules: TierRules = DEFAULT_TIER_RULES): { session: PaperSessionEvidence; facts: string } | { missing: string } {
  const r = rules.paperToHot;
  const ok = sessions
    .filter((s) => s.trades >= r.trades && s.drift !== undefined && s.drift.agreement >= r.minAgreement && Math.abs(s.drift.pnlDrift) <= r.maxPnlDrift * s.capital)
    .sort((a, b) => b.trades - a.trades);
  const best = ok[0];
  if (best) return { session: best, facts: `paper session ${best.session}: ${best.trades} trades, ${pct(best.drift!.agreement)} the same as the backtest, P&L drift ${pct(best.drift!.pnlDrift / best.capital, 1)} of capital` };
  if (sessions.length === 0) return { missing: 'no paper session yet (volt paper, then volt drift)' };
  const long = sessions.filter((s) => s.trades >= r.trades);
  if (long.length === 0) return { missing: `no paper session of ${r.trades} trades (most: ${Math.max(...sessions.map((s) => s.trades))})` };
  if (long.every((s) => s.drift === undefined)) return { missing: `paper session ${long[0]!.session} has no drift report (volt drift ${long[0]!.session})` };
  return { missing: `no paper session of ${r.trades} trades within drift bounds (≥ ${pct(r.minAgreement)} the same, P&L drift ≤ ${pct(r.maxPnlDrift)} of capital)` };
}

/** HOT → WARM on paper: the sessions since `since` lost past the threshold. */
export function paperRetirement(sessions: readonly PaperSessionEvidence[], since: number, rules: TierRules = DEFAULT_TIER_RULES): { tier: Tier; reason: string } | undefined {
  const after = sessions.filter((s) => s.startedAt >= since);
  const capital = after.reduce((a, s) => a + s.capital, 0);
  if (after.length === 0 || !(capital > 0)) return undefined;
  const pnl = after.reduce((a, s) => a + s.pnl, 0);
  const ret = pnl / capital;
  if (ret >= rules.retireOnPaper.minReturn) return undefined;
  const trades = after.reduce((a, s) => a + s.trades, 0);
  return { tier: 'WARM', reason: `retired (paper P&L below ${pct(rules.retireOnPaper.minReturn)}): ${pct(ret, 1)} over ${after.length} paper session${after.length === 1 ? '' : 's'} since it became HOT (${trades} trades, ${pnl.toFixed(2)} on ${capital.toFixed(0)})` };
}

/** The evidence of a sweep, or undefined when it had no walk-forward (nothing out of sample). */
export function tierEvidence(r: Pick<SweepResult, 'walkForward' | 'deflatedSharpe' | 'overfitting'>): TierEvidence | undefined {
  const wf = r.walkForward;
  if (!wf || wf.folds.length === 0) return undefined;
  const tested = wf.folds.map((f) => f.outOfSample.metrics);
  const sharpes = tested.map((m) => m?.sharpe ?? 0);
  return {
    outOfSampleSharpe: sharpes.reduce((a, b) => a + b, 0) / sharpes.length,
    outOfSampleTrades: tested.reduce((a, m) => a + (m?.trades ?? 0), 0),
    outOfSampleDrawdown: Math.max(...tested.map((m) => m?.maxDrawdown ?? 0)),
    folds: wf.folds.length,
    ...(r.deflatedSharpe && Number.isFinite(r.deflatedSharpe.probability) ? { deflatedSharpe: r.deflatedSharpe.probability } : {}),
    ...(r.overfitting && Number.isFinite(r.overfitting.probability) ? { overfitting: r.overfitting.probability } : {}),
  };
}

/**
 * The move the evidence calls for from `current` (one step), with its reason; undefined to stay.
 * WARM → HOT also needs a paper session that qualifies (`paperQualifier`); without `paper` given,
 * none does.
 */
export function nextTier(current: Tier, e: TierEvidence, rules: TierRules = DEFAULT_TIER_RULES, paper: readonly PaperSessionEvidence[] = []): { tier: Tier; reason: string } | undefined {
  const facts = `out-of-sample Sharpe ${e.outOfSampleSharpe.toFixed(2)}, ${e.outOfSampleTrades} trades, max drawdown ${pct(e.outOfSampleDrawdown)} over ${e.folds} folds${e.deflatedSharpe !== undefined ? `, deflated Sharpe ${e.deflatedSharpe.toFixed(2)}` : ''}${e.overfitting !== undefined ? `, PBO ${pct(e.overfitting)}` : ''}`;
  const failed = (checks: [boolean, string][]) => checks.filter(([ok]) => !ok).map(([, why]) => why);
  if (current === 'COLD') {
    const w = rules.promoteToWarm;
    const missing = failed([
      [e.outOfSampleSharpe >= w.sharpe, `Sharpe below ${w.sharpe}`],
      [e.outOfSampleTrades >= w.trades, `fewer than ${w.trades} trades`],
      [e.outOfSampleDrawdown <= w.maxDrawdown, `drawdown over ${pct(w.maxDrawdown)}`],
      [(e.overfitting ?? 0) <= w.maxOverfitting, `PBO over ${pct(w.maxOverfitting)}`],
    ]);
    return missing.length === 0 ? { tier: 'WARM', reason: `promoted: ${facts}` } : undefined;
  }
  if (current === 'WARM') {
    const r = rules.retireFromWarm;
    const broken = failed([
      [e.outOfSampleSharpe >= r.sharpe, `Sharpe below ${r.sharpe}`],
      [e.outOfSampleTrades >= r.trades, `fewer than ${r.trades} trades`],
      [e.outOfSampleDrawdown <= r.maxDrawdown, `drawdown over ${pct(r.maxDrawdown)}`],
      [(e.overfitting ?? 0) <= r.maxOverfitting, `PBO over ${pct(r.maxOverfitting)}`],
    ]);
    if (broken.length > 0) return { tier: 'COLD', reason: `retired (${broken.join(', ')}): ${facts}` };
    const h = rules.promoteToHot;
    const missing = failed([
      [e.outOfSampleSharpe >= h.sharpe, ''],
      [e.outOfSampleTrades >= h.trades, ''],
      [e.outOfSampleDrawdown <= h.maxDrawdown, ''],
      [(e.deflatedSharpe ?? 0) >= h.minDeflatedSharpe, ''],
    ]);
    if (missing.length > 0) return undefined;
    const q = paperQualifier(paper, rules);
    return 'session' in q ? { tier: 'HOT', reason: `promoted: ${facts}; ${q.facts}` } : undefined;
  }
  const r = rules.retireFromHot;
  const broken = failed([
    [e.outOfSampleSharpe >= r.sharpe, `Sharpe below ${r.sharpe}`],
    [e.outOfSampleDrawdown <= r.maxDrawdown, `drawdown over ${pct(r.maxDrawdown)}`],
  ]);
  return broken.length > 0 ? { tier: 'WARM', reason: `retired (${broken.join(', ')}): ${facts}` } : undefined;
}

function pct(x: number, digits = 0): string {
  return `${(x * 100).toFixed(digits)}%`;
}
