/**
 * A sweep from start to verdict: the search over the whole series (fold 0), walk-forward folds
 * (search on each train window, the chosen params once on its test window), then the overfitting
 * figures. Trials finished before (a resumed sweep) are taken as they were, not run again.
 */
import { createHash } from 'node:crypto';
import type { CandleSeries } from '../data/index.js';
import type { Metrics } from '../metrics/index.js';
import { tradeReturns, monteCarlo, type MonteCarloResult } from './montecarlo.js';
import { OBJECTIVES, scoreOf, type Objective } from './objective.js';
import { BlockReturns, blockLayout, blockSums, deflatedSharpe, type DeflatedSharpe, type OverfittingProbability } from './overfitting.js';
import type { TrialJob, TrialOutput, TrialPool, TrialSummary } from './pool.js';
import type { BacktestReport } from '../backtest/index.js';
import { createSearch, type SearchMethod } from './search.js';
import { paramKey, type ParamSet, type ParamSpace } from './space.js';
import { curveReturns, periodSharpe } from './stats.js';
import { walkForwardWindows, type FoldWindows, type WindowMode } from './windows.js';

export interface SweepPlan {
  space: ParamSpace;
  method: SearchMethod;
  /** Trials per search (the whole series, and each walk-forward fold). */
  trials: number;
  objective: Objective;
  minTrades: number;
  seed: number;
  /** Walk-forward folds; 0 for none. */
  folds: number;
  windows: WindowMode;
  /** Starting cash, to turn trades into returns for the Monte Carlo. */
  capital: number;
  monteCarloRuns?: number;
}

export type TrialRole = 'search' | 'test';

/** One finished trial as the journal keeps it. */
export interface TrialRecord {
  /** 0: the whole series; 1…K: walk-forward folds. */
  fold: number;
  role: TrialRole;
  /** Order within its fold and role, from 0. */
  no: number;
  params: ParamSet;
  from?: number;
  to?: number;
  /** null: failing (too few trades, or the strategy failed on these params). */
  score: number | null;
  metrics?: Metrics;
  error?: string;
  /** The report's equity curve (evenly spaced points) and each trade's return, for the overfitting tests. */
  equity?: Float64Array;
  tradeReturns?: Float64Array;
  durationMs: number;
  bars: number;
}

export function trialKey(t: Pick<TrialRecord, 'fold' | 'role' | 'no'>): string {
  return `${t.fold}:${t.role}:${t.no}`;
}

export interface SweepProgress {
  /** Trials finished before, by trialKey (a resumed sweep). */
  finished?: Map<string, TrialRecord>;
  /** Each trial as it finishes (fresh: it ran now, or was copied from an identical one now). */
  onTrial?(record: TrialRecord): void;
  signal?: AbortSignal;
}

export interface FoldResult {
  fold: number;
  train: { from: number; to?: number; bars: number };
  test: { from: number; to?: number; bars: number };
  params: ParamSet;
  inSample: { score: number | null; metrics?: Metrics };
  outOfSample: { score: number | null; metrics?: Metrics; error?: string };
}

export interface SweepResult {
  method: SearchMethod;
  objective: Objective;
  minTrades: number;
  seed: number;
  trials: { total: number; failing: number; distinct: number };
  best?: { params: ParamSet; score: number; metrics: Metrics };
  /** The best ten, best first. */
  top: { params: ParamSet; score: number; metrics: Metrics }[];
  walkForward?: { mode: WindowMode; folds: FoldResult[]; meanInSample: number; meanOutOfSample: number; efficiency: number };
  deflatedSharpe?: DeflatedSharpe;
  overfitting?: OverfittingProbability;
  monteCarlo?: MonteCarloResult;
  /** One line: does the result hold out of sample? */
  verdict: string;
  warnings: string[];
}

/** The sweep was stopped (Ctrl-C); what finished is in the journal. */
export class SweepInterrupted extends Error {
  constructor() {
    super('the sweep was interrupted');
  }
}

export async function runSweep(plan: SweepPlan, series: Pick<CandleSeries, 'time' | 'length'>, pool: TrialPool, hooks: SweepProgress = {}): Promise<SweepResult> {
  if (!OBJECTIVES.includes(plan.objective)) throw new Error(`unknown objective ${plan.objective}`);
  const windows = plan.folds > 0 ? walkForwardWindows(series.time, plan.folds, plan.windows) : [];
  const evidence = new CurveEvidence();
  // All searches at once, so the pool stays busy while a model-based search waits for its batch.
  const [whole, ...foldBests] = await Promise.all([
    search(plan, 0, {}, series.length, pool, hooks, evidence),
    ...windows.map((w) => search(plan, w.fold, window(w.train), w.train.end - w.train.start, pool, hooks)),
  ]);
  const tests = await Promise.all(
    windows.map((w, i) => {
      const chosen = foldBests[i]!;
      return chosen.best ? runOne(plan, { fold: w.fold, role: 'test', no: 0, params: chosen.best.params, ...window(w.test) }, w.test.end - w.test.start, pool, hooks) : undefined;
    }),
  );
  if (hooks.signal?.aborted) throw new SweepInterrupted();
  return summarise(plan, whole!.tally, evidence, windows, foldBests.map((f) => f.best), tests);
}

function window(w: FoldWindows['train']): { from: number; to?: number } {
  return { from: w.from, ...(w.to !== undefined ? { to: w.to } : {}) };
}

/**
 * What the overfitting figures need of the fold-0 trials, gathered as they finish so that a sweep's
 * memory does not grow by an equity curve per trial: each distinct trial's Sharpe per period and
 * CSCV block sums; the curves and trade returns of the best so far only.
 */
class CurveEvidence {
  readonly sharpes: number[] = [];
  blocks: BlockReturns | undefined;
  best: TrialRecord | undefined;
  /** Highest score seen, in the order trials finished: a record below it can drop its curves now. */
  private highest = -Infinity;
  /** By trial number: a record's curves may be gone (a leaner copy) by the time it is added. */
  private readonly digests = new Map<number, { sharpe: number; rows: number; sum: Float64Array; sq: Float64Array }>();

  /** As a trial finishes (any order): its digest, and whether its curves may still be the best's. */
  digest(r: TrialRecord): boolean {
    if (r.equity && r.equity.length > 2) {
      const returns = curveReturns(r.equity);
      const layout = blockLayout(returns.length, 16);
      this.digests.set(r.no, { sharpe: periodSharpe(returns), rows: returns.length, ...blockSums(returns, layout.blocks, layout.size) });
    }
    if (r.score === null || !r.metrics || r.score < this.highest) return false;
    this.highest = r.score;
    return true;
  }

  /** A distinct trial of fold 0, in trial order. */
  add(r: TrialRecord): void {
    if (!this.digests.has(r.no) && r.equity) this.digest(r);
    const d = this.digests.get(r.no);
    this.digests.delete(r.no);
    if (d) {
      this.sharpes.push(d.sharpe);
      (this.blocks ??= new BlockReturns(d.rows, 16)).addSums(d.sum, d.sq);
    }
    if (r.score !== null && r.metrics && (!this.best || r.score > this.best.score!)) this.best = r;
  }
}

/** A record without its curves, once nothing needs them (the journal has them). */
function lean(r: TrialRecord): TrialRecord {
  if (!r.equity && !r.tradeReturns) return r;
  const { equity: _e, tradeReturns: _t, ...rest } = r;
  return rest;
}

/**
 * What a search keeps of its trials: counts, the ten best distinct ones and the best, not every
 * record (each is journaled as it finishes), so a long sweep's memory stays flat.
 */
class Tally {
  total = 0;
  failing = 0;
  distinct = 0;
  /** Best first, earliest on a tie; at most TOP_KEPT. */
  readonly top: TrialRecord[] = [];

  /** A trial in trial order; `distinct` when its params were not seen before in this search. */
  add(r: TrialRecord, distinct: boolean): void {
    this.total++;
    if (r.score === null) this.failing++;
    if (!distinct) return;
    this.distinct++;
    if (r.score === null || !r.metrics) return;
    const top = this.top;
    if (top.length === TOP_KEPT && !(r.score > top[top.length - 1]!.score!)) return;
    let at = top.length;
    while (at > 0 && r.score > top[at - 1]!.score!) at--;
    top.splice(at, 0, r);
    if (top.length > TOP_KEPT) top.pop();
  }

  get best(): TrialRecord | undefined {
    return this.top[0];
  }
}

const TOP_KEPT = 10;
/** Trials handed to the pool at once: a chunk of 500 for each of two workers, as before slicing. */
const SLICE = 1000;

/** What a repeat of the same params needs of the first: its result, without params or curves. */
type Result = Pick<TrialRecord, 'score' | 'metrics' | 'error' | 'bars'>;

function resultOf(r: TrialRecord): Result {
  return { score: r.score, bars: r.bars, ...(r.metrics ? { metrics: r.metrics } : {}), ...(r.error !== undefined ? { error: r.error } : {}) };
}

async function search(plan: SweepPlan, fold: number, range: { from?: number; to?: number }, bars: number, pool: TrialPool, hooks: SweepProgress, evidence?: CurveEvidence): Promise<{ tally: Tally; best?: TrialRecord }> {
  const s = createSearch(plan.method, plan.space, plan.trials, plan.seed * 1009 + fold);
  const tally = new Tally();
  const byParams = new Map<string, Result>();
  for (let proposed = s.nextBatch(); proposed.length > 0; proposed = s.nextBatch()) for (let cut = 0; cut < proposed.length; cut += SLICE) {
    // Grid and random searches propose every trial at once: taken a slice at a time, so what
    // waits in memory for its turn is a slice's trials, not the sweep's.
    const batch = proposed.slice(cut, cut + SLICE);
    const start = tally.total;
    const slots: (TrialRecord | undefined)[] = new Array(batch.length);
    const jobs: { job: TrialJob; indices: number[] }[] = [];
    const waiting = new Map<string, { job: TrialJob; indices: number[] }>();
    batch.forEach((params, i) => {
      const base = { fold, role: 'search' as const, no: start + i, params, ...range };
      const done = hooks.finished?.get(trialKey(base));
      if (done) {
        if (paramKey(done.params) !== paramKey(params)) throw new Error(`trial ${trialKey(base)} of the journal has other params than the search proposes`);
        slots[i] = done;
        return;
      }
      const key = paramKey(params);
      // The same params again (a small integer space, TPE returning to its best): its result, not a rerun.
      const same = byParams.get(key);
      if (same) {
        slots[i] = { ...same, ...base, durationMs: 0 };
        hooks.onTrial?.(slots[i]!);
        return;
      }
      const pending = waiting.get(key);
      if (pending) pending.indices.push(i);
      else {
        const entry = { job: { params, ...range }, indices: [i] };
        waiting.set(key, entry);
        jobs.push(entry);
      }
    });
    const byJob = new Map(jobs.map((j) => [j.job, j.indices]));
    await pool.run(
      jobs.map((j) => j.job),
      (job, output) => {
        const indices = byJob.get(job)!;
        let first = recordOf(plan, { fold, role: 'search', no: start + indices[0]!, params: job.params, ...range }, output, bars);
        for (const i of indices) {
          slots[i] = i === indices[0] ? first : copyOf(first, { fold, role: 'search', no: start + i, params: job.params, ...range });
          hooks.onTrial?.(slots[i]!);
        }
        // Journaled with its curves; held with them only while it may be the best of fold 0.
        if (!(evidence?.digest(first) ?? false)) {
          const leaned = lean(first);
          for (const i of indices) slots[i] = i === indices[0] ? leaned : lean(slots[i]!);
          first = leaned;
        }
      },
      hooks.signal,
    );
    if (hooks.signal?.aborted || slots.some((r) => r === undefined)) throw new SweepInterrupted();
    for (const r of slots as TrialRecord[]) {
      const key = paramKey(r.params);
      const distinct = !byParams.has(key);
      if (distinct) evidence?.add(r);
      tally.add(r === evidence?.best ? r : lean(r), distinct);
      if (distinct) byParams.set(key, resultOf(r));
      s.tell(r.params, r.score);
    }
  }
  return { tally, ...(tally.best ? { best: tally.best } : {}) };
}

async function runOne(plan: SweepPlan, base: Omit<TrialRecord, 'score' | 'durationMs' | 'bars'>, bars: number, pool: TrialPool, hooks: SweepProgress): Promise<TrialRecord | undefined> {
  const done = hooks.finished?.get(trialKey(base));
  if (done) return done;
  let record: TrialRecord | undefined;
  await pool.run(
    [{ params: base.params, ...(base.from !== undefined ? { from: base.from } : {}), ...(base.to !== undefined ? { to: base.to } : {}) }],
    (_, output) => {
      // Out of sample, the objective is read whatever the trade count: a short test window has fewer trades.
      record = recordOf({ ...plan, minTrades: 0 }, base, output, bars);
      hooks.onTrial?.(record);
    },
    hooks.signal,
  );
  return record;
}

function recordOf(plan: Pick<SweepPlan, 'objective' | 'minTrades' | 'capital'>, base: Omit<TrialRecord, 'score' | 'durationMs' | 'bars'>, output: TrialOutput, bars: number): TrialRecord {
  if ('failure' in output) {
    const f = output.failure;
    const where = f.file !== undefined && f.line !== undefined ? ` (${f.file}:${f.line})` : '';
    return { ...base, score: null, error: `${f.message}${where}`, durationMs: output.durationMs, bars };
  }
  const r = 'summary' in output ? output.summary : summariseReport(output.report);
  return {
    ...base,
    score: scoreOf(r.metrics, plan.objective, plan.minTrades),
    metrics: r.metrics,
    equity: Float64Array.from(r.equity),
    tradeReturns: Float64Array.from(r.tradeReturns),
    durationMs: output.durationMs,
    bars: r.bars,
  };
}

/** What a sweep keeps of a report. */
export function summariseReport(r: BacktestReport): TrialSummary {
  return { metrics: r.metrics, equity: r.equityCurve.equity, tradeReturns: Array.from(tradeReturns(r.trades, r.config.capital)), bars: r.data.bars };
}

function copyOf(r: TrialRecord, base: Pick<TrialRecord, 'fold' | 'role' | 'no' | 'params'>): TrialRecord {
  return { ...r, ...base, durationMs: 0 };
}

function summarise(plan: SweepPlan, tally: Tally, evidence: CurveEvidence, windows: FoldWindows[], foldBests: (TrialRecord | undefined)[], tests: (TrialRecord | undefined)[]): SweepResult {
  const warnings: string[] = [];
  const ranked = tally.top;
  const best = ranked[0];
  const result: SweepResult = {
    method: plan.method,
    objective: plan.objective,
    minTrades: plan.minTrades,
    seed: plan.seed,
    trials: { total: tally.total, failing: tally.failing, distinct: tally.distinct },
    top: ranked.map((r) => ({ params: r.params, score: r.score!, metrics: r.metrics! })),
    verdict: '',
    warnings,
  };
  if (!best) {
    result.verdict = `no trial passed: every one of the ${tally.total} had fewer than ${plan.minTrades} trades or failed; lower --min-trades or widen the params' ranges`;
    return result;
  }
  result.best = { params: best.params, score: best.score!, metrics: best.metrics! };

  // The best here and the evidence's are the same trial: highest score, earliest on a tie.
  const curves = evidence.best;
  if (curves?.equity && evidence.sharpes.length > 0) {
    result.deflatedSharpe = deflatedSharpe(curveReturns(curves.equity), evidence.sharpes);
    if (evidence.blocks && evidence.blocks.trials >= 2) result.overfitting = evidence.blocks.overfitting();
  }
  if (best.tradeReturns && best.tradeReturns.length > 0) result.monteCarlo = monteCarlo(best.tradeReturns, plan.monteCarloRuns ?? 1000, plan.seed);

  if (windows.length > 0) {
    const folds: FoldResult[] = windows.map((w, i) => {
      const chosen = foldBests[i];
      const test = tests[i];
      return {
        fold: w.fold,
        train: { ...window(w.train), bars: w.train.end - w.train.start },
        test: { ...window(w.test), bars: w.test.end - w.test.start },
        params: chosen?.params ?? {},
        inSample: { score: chosen?.score ?? null, ...(chosen?.metrics ? { metrics: chosen.metrics } : {}) },
        outOfSample: { score: test?.score ?? null, ...(test?.metrics ? { metrics: test.metrics } : {}), ...(test?.error ? { error: test.error } : chosen ? {} : { error: `no trial passed --min-trades ${plan.minTrades} in the train window` }) },
      };
    });
    const meanIn = mean(folds.map((f) => f.inSample.score));
    const meanOut = mean(folds.map((f) => f.outOfSample.score ?? (f.inSample.score === null ? null : -Infinity)));
    result.walkForward = { mode: plan.windows, folds, meanInSample: meanIn, meanOutOfSample: meanOut, efficiency: meanIn > 0 && Number.isFinite(meanIn) ? meanOut / meanIn : NaN };
  }
  result.verdict = verdictOf(plan, result);
  const dsr = result.deflatedSharpe;
  if (dsr && dsr.probability < 0.95) warnings.push(`deflated Sharpe ${fmt(dsr.probability)}: after ${dsr.trials} distinct trials the best Sharpe is within what luck gives (0.95 or more would say skill)`);
  const pbo = result.overfitting;
  if (pbo && pbo.probability > 0.5) warnings.push(`probability of backtest overfitting ${pct(pbo.probability)}: the in-sample best lands in the bottom half out of sample in most of ${pbo.splits} splits`);
  const mc = result.monteCarlo;
  if (mc && mc.shuffle.maxDrawdown.p95 > best.metrics!.maxDrawdown * 1.5 && mc.shuffle.maxDrawdown.p95 > 0.05) {
    warnings.push(`the same trades in another order fall up to ${pct(mc.shuffle.maxDrawdown.p95)} (95th percentile) against ${pct(best.metrics!.maxDrawdown)} in the backtest: plan for the deeper drawdown`);
  }
  if (best.metrics!.trades < 30) warnings.push(`the best trial has ${best.metrics!.trades} trades: too few for its ratios to mean much`);
  return result;
}

function verdictOf(plan: SweepPlan, r: SweepResult): string {
  const wf = r.walkForward;
  if (wf) {
    const what = `${plan.objective} ${fmt(wf.meanInSample)} in-sample → ${fmt(wf.meanOutOfSample)} out-of-sample over ${wf.folds.length} fold${wf.folds.length === 1 ? '' : 's'}`;
    if (!(wf.meanInSample > 0)) return `no edge in-sample: ${what}`;
    if (!(wf.meanOutOfSample > 0) || wf.efficiency < 0.5) return `out-of-sample collapses: ${what}; the chosen params do not hold on data they were not fitted to`;
    return `out-of-sample holds: ${what} (walk-forward efficiency ${pct(wf.efficiency)})`;
  }
  const pbo = r.overfitting;
  if (pbo && pbo.probability > 0.5) return `out-of-sample collapses: in ${pct(pbo.probability)} of ${pbo.splits} in/out-of-sample splits the in-sample best ranks in the bottom half out of sample (PBO)`;
  if (pbo) return `best ${plan.objective} ${fmt(r.best!.score)}; probability of backtest overfitting ${pct(pbo.probability)} (run with --folds K for a walk-forward test)`;
  return `best ${plan.objective} ${fmt(r.best!.score)} (run with --folds K for a walk-forward test)`;
}

function mean(xs: (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null);
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

function fmt(x: number): string {
  return x === Infinity ? 'unbounded' : Number.isFinite(x) ? x.toFixed(2) : String(x);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/** sha256 of the candles a sweep ran on: a resumed sweep must see the same bars. */
export function seriesHash(s: CandleSeries): string {
  const h = createHash('sha256');
  h.update(`${s.symbol}\n${s.timeframe}\n${s.length}\n`);
  for (const a of [s.time, s.open, s.high, s.low, s.close, s.volume]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}
