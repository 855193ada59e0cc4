import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../test-support/redis.js';
import { runBacktest } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { loadTranspiledStrategy, transpileStrategy } from '../strategy/index.js';
import { summariseReport, type TrialJob, type TrialOutput } from './index.js';
import { QueueTrialPool, serveTrialQueue } from './queue.js';

// The queue's workers keep their sandbox between chunks of one sweep, on a real redis-server.
const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-queue-'));
let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => {
  redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('volt worker keeps its sandbox across chunks', () => {
  it('runs every chunk of a sweep in one sandbox process, each trial as if run alone', async () => {
    const file = path.join(dir, 'counted.strategy.ts');
    // Module-level state: a chunk handed to a kept sandbox must still start each trial afresh.
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
let bars = 0;
export default defineStrategy({
  name: 'counted',
  params: { period: { value: 14, min: 5, max: 30 } },
  indicators: (ind, p) => ({ rsi: ind.rsi(p.period) }),
  onBar(ctx) {
    bars++;
    if (!ctx.ind.rsi.ready) return;
    if (ctx.position.side === 0 && bars < 1200 && ctx.ind.rsi.value < 40) ctx.buy({ reason: 'low' });
    else if (ctx.position.side === 1 && (ctx.ind.rsi.value > 60 || bars >= 1200)) ctx.exit({ reason: 'high' });
  },
});
`);
    const bundle = await transpileStrategy(file);
    const series = synthesize({ seed: 5, bars: 2000, timeframe: '1h' });
    const chunks: number[] = [];
    const worker = await serveTrialQueue({ url: redis.url, onChunk: (_n, _ms, sandboxes) => chunks.push(sandboxes) });
    const pool = await QueueTrialPool.open({ url: redis.url, bundle, series, options: {}, limits: { timeoutMs: 20_000, maxMemoryMb: 256 }, chunk: 3 });
    const jobs: TrialJob[] = [8, 14, 14, 21, 8, 30, 14, 9, 14, 5, 14, 14].map((period) => ({ params: { period } }));
    const got = new Map<TrialJob, TrialOutput>();
    try {
      await pool.run(jobs, (job, out) => got.set(job, out));
      // A second batch of the same sweep (as TPE and walk-forward send them) finds the sandbox still there.
      const later: TrialJob[] = [{ params: { period: 14 } }, { params: { period: 11 } }];
      await pool.run(later, (job, out) => got.set(job, out));
      jobs.push(...later);
    } finally {
      await pool.dispose();
      await worker.close();
    }
    expect(chunks.length).toBe(6);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(1);
    for (const job of jobs) {
      const alone = runBacktest(await loadTranspiledStrategy(bundle), series, { params: job.params });
      expect(alone.metrics.trades).toBeGreaterThan(0);
      expect(JSON.stringify((got.get(job) as { summary: unknown }).summary)).toBe(JSON.stringify(summariseReport(alone)));
    }
  }, 60_000);
});
