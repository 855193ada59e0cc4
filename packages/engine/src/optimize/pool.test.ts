import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/index.js';
import { sliceSeries, synthesize } from '../data/index.js';
import { loadTranspiledStrategy, transpileStrategy } from '../strategy/index.js';
import { LocalTrialPool, summariseReport, type TrialJob, type TrialOutput } from './index.js';

// The local pool through real sandboxes: each trial's summary (sent instead of the report) is what
// the report of the same trial run alone gives, also where the sandbox shares indicator series.
const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const series = synthesize({ seed: 9, bars: 3000, timeframe: '1h' });

function strategy(name: string, body: string): string {
  const file = path.join(dir, `${name}.strategy.ts`);
  writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: '${name}',
  params: { period: { value: 14, min: 5, max: 30 }, width: { value: 2, min: 1, max: 3, step: 0.5 } },
  indicators: (ind, p) => ({ rsi: ind.rsi(p.period), bands: ind.bollinger(p.period, p.width), macd: ind.macd(12, 26, 9) }),
  onBar(ctx) {
    const { rsi, bands, macd } = ctx.ind;
${body}
    if (!bands.ready || !macd.ready) return;
    if (ctx.position.side === 0 && bands.percentB < 0.1 && rsi.value < 40) ctx.buy({ reason: 'low' });
    else if (ctx.position.side === 1 && (bands.percentB > 0.9 || macd.histogram < 0)) ctx.exit({ reason: 'high' });
  },
});
`);
  return file;
}

const JOBS: TrialJob[] = [
  { params: { period: 14, width: 2 } }, { params: { period: 14, width: 3 } }, { params: { period: 20, width: 2 } },
  { params: { period: 14, width: 2 }, from: series.time[1000]!, to: series.time[2500]! },
  { params: { period: 14, width: 1.5 }, from: series.time[1000]!, to: series.time[2500]! },
];

async function compare(file: string, jobs: TrialJob[] = JOBS, freshEach = false): Promise<void> {
  const bundle = await transpileStrategy(file);
  let loaded = await loadTranspiledStrategy(bundle);
  const pool = new LocalTrialPool({ workers: 1, bundle, series, options: {}, timeoutMs: 20_000, maxMemoryMb: 256 });
  const got = new Map<TrialJob, TrialOutput>();
  try {
    await pool.run(jobs, (job, out) => got.set(job, out));
  } finally {
    await pool.dispose();
  }
  for (const job of jobs) {
    const out = got.get(job)!;
    if (freshEach) loaded = await loadTranspiledStrategy(bundle);
    expect('summary' in out, JSON.stringify(out).slice(0, 300)).toBe(true);
    const alone = runBacktest(loaded, job.from !== undefined ? sliceSeries(series, job.from, job.to) : series, { params: job.params });
    expect(JSON.stringify((out as { summary: unknown }).summary)).toBe(JSON.stringify(summariseReport(alone)));
  }
}

describe('LocalTrialPool', () => {
  it('sends each trial as its summary, equal to the report of the trial run alone', async () => {
    await compare(strategy('shared', ''));
  }, 60_000);

  it('a strategy feeding its own indicators by hand gets the same results (its trials run unshared)', async () => {
    await compare(strategy('hand-fed', '    if (ctx.index === 10) rsi.update(ctx.bar.close);'));
  }, 60_000);

  it('keeps its sandbox between batches (as TPE and walk-forward send them), each trial as if run alone', async () => {
    const file = strategy('batched', '');
    const bundle = await transpileStrategy(file);
    const loaded = await loadTranspiledStrategy(bundle);
    const pool = new LocalTrialPool({ workers: 1, bundle, series, options: {}, timeoutMs: 20_000, maxMemoryMb: 256 });
    try {
      for (const batch of [JOBS.slice(0, 2), JOBS.slice(2, 4), JOBS.slice(4)]) {
        const got = new Map<TrialJob, TrialOutput>();
        await pool.run(batch, (job, out) => got.set(job, out));
        for (const job of batch) {
          const alone = runBacktest(loaded, job.from !== undefined ? sliceSeries(series, job.from, job.to) : series, { params: job.params });
          expect(JSON.stringify((got.get(job) as { summary: unknown }).summary)).toBe(JSON.stringify(summariseReport(alone)));
        }
      }
      expect(pool.sandboxesStarted).toBe(1);
    } finally {
      await pool.dispose();
    }
  }, 60_000);

  it('a trial stopped by its time limit fails alone: the rest of its chunk and the next batch run in a fresh sandbox', async () => {
    const file = strategy('stuck', '    while (ctx.params.period === 13) { /* never returns */ }');
    const bundle = await transpileStrategy(file);
    const loaded = await loadTranspiledStrategy(bundle);
    const pool = new LocalTrialPool({ workers: 1, bundle, series, options: {}, timeoutMs: 1500, maxMemoryMb: 256 });
    const got = new Map<TrialJob, TrialOutput>();
    const first: TrialJob[] = [{ params: { period: 14, width: 2 } }, { params: { period: 13, width: 2 } }, { params: { period: 20, width: 2 } }];
    const second: TrialJob[] = [{ params: { period: 21, width: 2 } }];
    try {
      await pool.run(first, (job, out) => got.set(job, out));
      await pool.run(second, (job, out) => got.set(job, out));
      expect(pool.sandboxesStarted).toBe(2);
    } finally {
      await pool.dispose();
    }
    const stuck = got.get(first[1]!) as { failure: { kind: string; message: string; line?: number } };
    expect(stuck.failure.kind).toBe('timeout');
    expect(stuck.failure.message).toMatch(/did not return within 1500 ms/);
    for (const job of [first[0]!, first[2]!, second[0]!]) {
      const alone = runBacktest(loaded, series, { params: job.params });
      expect(JSON.stringify((got.get(job) as { summary: unknown }).summary)).toBe(JSON.stringify(summariseReport(alone)));
    }
  }, 60_000);

  it('leaves no state from one trial to the next: module-level variables start again in each trial', async () => {
    // The sandbox compiles the bundle once and evaluates its top level per trial: a strategy that
    // counts bars, keeps a history and remembers the params it saw at the module level gets, in the
    // 2nd…7th trial of one process, what it gets loaded fresh and run alone.
    const file = path.join(dir, 'stateful.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
let bars = 0;
const closes: number[] = [];
const seen = new Set<number>();
export default defineStrategy({
  name: 'stateful',
  params: { period: { value: 14, min: 5, max: 30 }, width: { value: 2, min: 1, max: 3, step: 0.5 } },
  indicators: (ind, p) => { seen.add(p.period); return { rsi: ind.rsi(p.period) }; },
  onBar(ctx) {
    bars++;
    closes.push(ctx.bar.close);
    if (!ctx.ind.rsi.ready || closes.length < 50) return;
    // Trades only while few bars have passed and one period was seen: a leak changes every trade.
    const early = bars < 1500 && seen.size === 1;
    if (ctx.position.side === 0 && early && ctx.ind.rsi.value < 45 && ctx.bar.close < closes[closes.length - 50]!) ctx.buy({ reason: 'dip' });
    else if (ctx.position.side === 1 && (ctx.ind.rsi.value > 55 || !early)) ctx.exit({ reason: 'up' });
  },
});
`);
    const jobs: TrialJob[] = [
      { params: { period: 14, width: 2 } }, { params: { period: 14, width: 2 } }, { params: { period: 9, width: 2 } },
      { params: { period: 14, width: 2 }, from: series.time[500]!, to: series.time[2500]! }, { params: { period: 14, width: 2 } },
      { params: { period: 21, width: 1 } }, { params: { period: 14, width: 2 } },
    ];
    await compare(file, jobs, true);
  }, 60_000);
});
