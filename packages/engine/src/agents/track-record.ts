import type Database from 'better-sqlite3';
import { AGENT_NAMES, AGENT_ROLES, type AgentRole, type MarketRegime } from './types.js';

const REGIMES: readonly MarketRegime[] = ['normal', 'highVolatility', 'crash'];

/** Bounds of the multiplier a track record puts on a weight (`agents.trackRecord` in volt.config.json). */
export interface TrackRecordBounds {
  min: number;
  max: number;
}

export const DEFAULT_TRACK_RECORD_BOUNDS: Readonly<TrackRecordBounds> = { min: 0.5, max: 1.5 };

/** One agent's record in one regime of one market, as the journal keeps it (`agent_track_records`). */
export interface TrackRecordRow {
  agent: string;
  regime: MarketRegime;
  judged: number;
  correct: number;
}

/**
 * How often each agent has been right about the trades that went through, per market regime. An
 * agent is right when it backed a trade that won, or held back from one that lost. The result is a
 * bounded multiplier on its voting weight: `min + (max − min) · (right + 2) / (judged + 4)`, so
 * the middle of the bounds with no history (1.0 for the default 0.5–1.5). A prior of two wins and
 * two losses keeps a lucky first trade from doubling anyone's say. The record of the regime a
 * proposal is made in counts: an agent good in calm markets is not trusted more in a crash for it.
 */
export class TrackRecord {
  private readonly right = new Float64Array(AGENT_ROLES.length * REGIMES.length);
  private readonly judged = new Float64Array(AGENT_ROLES.length * REGIMES.length);
  /** What this run added, apart from any seed (what the journal adds to its totals). */
  private readonly addedRight = new Float64Array(AGENT_ROLES.length * REGIMES.length);
  private readonly addedJudged = new Float64Array(AGENT_ROLES.length * REGIMES.length);
  readonly bounds: Readonly<TrackRecordBounds>;

  constructor(bounds: Partial<TrackRecordBounds> = {}) {
    const min = bounds.min ?? DEFAULT_TRACK_RECORD_BOUNDS.min;
    const max = bounds.max ?? DEFAULT_TRACK_RECORD_BOUNDS.max;
    this.bounds = { min: Math.min(min, max), max: Math.max(min, max) };
  }

  multiplier(role: AgentRole, regime: MarketRegime = 'normal'): number {
    return this.multiplierAt(AGENT_ROLES.indexOf(role), regime);
  }

  /** By index into AGENT_ROLES, for the hot path. */
  multiplierAt(i: number, regime: MarketRegime = 'normal'): number {
    const k = i * REGIMES.length + regimeIndex(regime);
    const { min, max } = this.bounds;
    return min + ((max - min) * (this.right[k]! + 2)) / (this.judged[k]! + 4);
  }

  /** `supportMask` bit i set when AGENT_ROLES[i] voted for the trade. */
  record(supportMask: number, won: boolean, regime: MarketRegime = 'normal'): void {
    const r = regimeIndex(regime);
    for (let i = 0; i < AGENT_ROLES.length; i++) {
      const k = i * REGIMES.length + r;
      const supported = (supportMask & (1 << i)) !== 0;
      this.judged[k]!++;
      this.addedJudged[k]!++;
      if (supported === won) {
        this.right[k]!++;
        this.addedRight[k]!++;
      }
    }
  }

  /** Share of judged trades the agent was right about, over every regime (NaN with none). */
  winRate(role: AgentRole): number {
    const [right, judged] = this.totals(role);
    return judged > 0 ? right / judged : Number.NaN;
  }

  trades(role: AgentRole): number {
    return this.totals(role)[1];
  }

  private totals(role: AgentRole): [number, number] {
    const i = AGENT_ROLES.indexOf(role);
    let right = 0;
    let judged = 0;
    for (let r = 0; r < REGIMES.length; r++) {
      right += this.right[i * REGIMES.length + r]!;
      judged += this.judged[i * REGIMES.length + r]!;
    }
    return [right, judged];
  }

  /** Start from records kept elsewhere (the journal's, for this market). Unknown agents are skipped. */
  seed(rows: readonly TrackRecordRow[]): void {
    for (const row of rows) {
      const i = AGENT_ROLES.findIndex((role) => AGENT_NAMES[role] === row.agent);
      if (i < 0 || !REGIMES.includes(row.regime)) continue;
      const k = i * REGIMES.length + regimeIndex(row.regime);
      this.judged[k]! += row.judged;
      this.right[k]! += row.correct;
    }
  }

  /** What this run judged, per agent and regime (rows with no trades left out): what the journal adds. */
  added(): TrackRecordRow[] {
    const out: TrackRecordRow[] = [];
    AGENT_ROLES.forEach((role, i) => {
      REGIMES.forEach((regime, r) => {
        const k = i * REGIMES.length + r;
        if (this.addedJudged[k]! > 0) out.push({ agent: AGENT_NAMES[role], regime, judged: this.addedJudged[k]!, correct: this.addedRight[k]! });
      });
    });
    return out;
  }

  reset(): void {
    this.right.fill(0);
    this.judged.fill(0);
    this.addedRight.fill(0);
    this.addedJudged.fill(0);
  }
}

function regimeIndex(regime: MarketRegime): number {
  return regime === 'normal' ? 0 : regime === 'highVolatility' ? 1 : 2;
}

/** The journal's track records of one market (the base asset, 'BTC'), every agent and regime. */
export function loadTrackRecords(db: Database.Database, market: string): TrackRecordRow[] {
  return db.prepare(`SELECT agent, regime, judged, correct FROM agent_track_records WHERE market = ? ORDER BY agent, regime`).all(market) as TrackRecordRow[];
}

/** Adds a run's judgements to the journal's totals for `market`, in one transaction. */
export function addTrackRecords(db: Database.Database, market: string, rows: readonly TrackRecordRow[], now: number): void {
  const upsert = db.prepare(`
    INSERT INTO agent_track_records (agent, market, regime, judged, correct, updated_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (agent, market, regime) DO UPDATE SET judged = judged + excluded.judged, correct = correct + excluded.correct, updated_at = excluded.updated_at`);
  db.transaction(() => {
    for (const r of rows) upsert.run(r.agent, market, r.regime, r.judged, r.correct, now);
  })();
}
