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

async function compare(file: string): Promise<void> {
  const bundle = await transpileStrategy(file);
  const loaded = await loadTranspiledStrategy(bundle);
  const jobs: TrialJob[] = [
    { params: { period: 14, width: 2 } }, { params: { period: 14, width: 3 } }, { params: { period: 20, width: 2 } },
    { params: { period: 14, width: 2 }, from: series.time[1000]!, to: series.time[2500]! },
    { params: { period: 14, width: 1.5 }, from: series.time[1000]!, to: series.time[2500]! },
  ];
  const pool = new LocalTrialPool({ workers: 1, bundle, series, options: {}, timeoutMs: 20_000, maxMemoryMb: 256 });
  const got = new Map<TrialJob, TrialOutput>();
  try {
    await pool.run(jobs, (job, out) => got.set(job, out));
  } finally {
    await pool.dispose();
  }
  for (const job of jobs) {
    const out = got.get(job)!;
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
});
