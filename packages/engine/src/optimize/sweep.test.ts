import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/index.js';
import { sliceSeries, synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { paramSpace, runSweep, walkForwardWindows, trialKey, type SweepPlan, type TrialJob, type TrialOutput, type TrialPool, type TrialRecord } from './index.js';

// The orchestration, tested with a pool that runs trials in this process (the CLI's tests run the
// same sweeps through the sandboxed runner) and finishes each batch in a scrambled order.
const series = synthesize({ seed: 5, bars: 3000, timeframe: '1h' });
const strategy = defineStrategy({
  name: 'ema cross',
  params: { fast: { value: 10, min: 3, max: 30 }, slow: { value: 40, min: 20, max: 120, step: 10 } },
  indicators: (ind, p) => ({ fast: ind.ema(p.fast), slow: ind.ema(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (fast.value > slow.value && ctx.position.side <= 0) ctx.buy({ reason: 'up' });
    else if (fast.value < slow.value && ctx.position.side >= 0) ctx.sell({ reason: 'down' });
  },
});

class InProcessPool implements TrialPool {
  runs = 0;
  constructor(private readonly order: number) {}
  async run(jobs: TrialJob[], onDone: (job: TrialJob, output: TrialOutput) => void): Promise<void> {
    const scrambled = jobs.map((j, i) => ({ j, k: (i * this.order) % 7 })).sort((a, b) => a.k - b.k).map((x) => x.j);
    for (const job of scrambled) {
      this.runs++;
      const report = runBacktest(strategy, job.from !== undefined || job.to !== undefined ? sliceSeries(series, job.from, job.to) : series, { params: job.params, equityPoints: 200 });
      onDone(job, { report, durationMs: 1 });
    }
  }
  async dispose(): Promise<void> {}
}

const plan: SweepPlan = { space: paramSpace(strategy.params), method: 'tpe', trials: 30, objective: 'sharpe', minTrades: 5, seed: 3, folds: 3, windows: 'rolling', capital: 10_000, monteCarloRuns: 200 };

describe('runSweep', () => {
  it('the same seed gives the same trials and result whatever order trials finish in', async () => {
    const seen: TrialRecord[][] = [[], []];
    const a = await runSweep(plan, series, new InProcessPool(3), { onTrial: (r) => seen[0]!.push(r) });
    const b = await runSweep(plan, series, new InProcessPool(5), { onTrial: (r) => seen[1]!.push(r) });
    expect(b).toEqual(a);
    const byKey = (rs: TrialRecord[]) => new Map(rs.map((r) => [trialKey(r), r.params]));
    expect(byKey(seen[1]!)).toEqual(byKey(seen[0]!));
    // 30 trials on the whole series, 30 on each of 3 train windows, 3 tests.
    expect(seen[0]!.length).toBe(30 + 3 * 30 + 3);
  });

  it('walk-forward: params chosen per fold, in- and out-of-sample metrics, a one-line verdict', async () => {
    const r = await runSweep(plan, series, new InProcessPool(1));
    expect(r.walkForward!.folds).toHaveLength(3);
    for (const f of r.walkForward!.folds) {
      expect(Object.keys(f.params).sort()).toEqual(['fast', 'slow']);
      expect(f.inSample.metrics!.trades).toBeGreaterThanOrEqual(5);
      expect(f.outOfSample.metrics).toBeDefined();
      expect(f.test.from).toBeGreaterThanOrEqual(f.train.to!);
    }
    expect(r.verdict).toMatch(/^(out-of-sample (holds|collapses)|no edge in-sample): sharpe -?[\d.]+ in-sample → -?[\d.]+ out-of-sample over 3 folds/);
    expect(r.deflatedSharpe!.trials).toBe(r.trials.distinct);
    expect(r.overfitting!.splits).toBe(12870);
    expect(r.monteCarlo!.runs).toBe(200);
  });

  it('a resumed sweep runs only what had not finished, and ends where an uninterrupted one does', async () => {
    const whole = await runSweep(plan, series, new InProcessPool(1));
    const journal = new Map<string, TrialRecord>();
    const controller = new AbortController();
    let count = 0;
    await expect(
      runSweep(plan, series, new InProcessPool(1), {
        signal: controller.signal,
        onTrial: (r) => {
          journal.set(trialKey(r), r);
          if (++count === 47) controller.abort();
        },
      }),
    ).rejects.toThrow(/interrupted/);
    const pool = new InProcessPool(1);
    const resumed = await runSweep(plan, series, pool, { finished: journal });
    expect(resumed).toEqual(whole);
    expect(pool.runs).toBeLessThan(30 + 90 + 3 - 40);
  });

  it('says in one line when out-of-sample performance collapses, and when it holds', async () => {
    // Reports made up to order: in the train windows Sharpe 1.5, in the test windows `oos`.
    const tests = new Set(walkForwardWindows(series.time, plan.folds, plan.windows).map((w) => w.test.from));
    const made = (oos: number): TrialPool => ({
      async run(jobs, onDone) {
        for (const job of jobs) {
          const sharpe = job.from === undefined ? 1 + job.params.fast! / 100 : tests.has(job.from) ? oos : 1.5;
          const report = runBacktest(strategy, sliceSeries(series, job.from, job.to), { params: job.params, equityPoints: 100 });
          onDone(job, { report: { ...report, metrics: { ...report.metrics, sharpe, trades: 50 } }, durationMs: 1 });
        }
      },
      async dispose() {},
    });
    const collapsed = await runSweep({ ...plan, method: 'random', trials: 8 }, series, made(-0.4));
    expect(collapsed.verdict).toBe('out-of-sample collapses: sharpe 1.50 in-sample → -0.40 out-of-sample over 3 folds; the chosen params do not hold on data they were not fitted to');
    // Half the in-sample figure is where "collapses" starts.
    expect((await runSweep({ ...plan, method: 'random', trials: 8 }, series, made(0.7))).verdict).toMatch(/^out-of-sample collapses: sharpe 1.50 in-sample → 0.70/);
    expect((await runSweep({ ...plan, method: 'random', trials: 8 }, series, made(1.2))).verdict).toBe('out-of-sample holds: sharpe 1.50 in-sample → 1.20 out-of-sample over 3 folds (walk-forward efficiency 80%)');
  });
});
