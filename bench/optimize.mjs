// Sweep throughput (CPU seconds per trial too, which a busy machine does not distort): 1,000 parameter sets × 100,000 synthetic 1m bars of an RSI + MACD + Bollinger
// strategy (the backtest bench's, with its periods and thresholds as params), through Volt's
// LocalTrialPool on two workers (two StrategyRunners, sandbox processes, a chunk of trials per
// process, candles sent once per chunk), against the peer measured in the same run: the same
// trials one by one through runBacktest in this process, on one core, no sandbox. Figures: trials
// per second and bar-steps per second (trials × bars); the ratio is the pool's over the peer's.
// The peer runs a slice of the trials (its rate does not depend on how many). Also printed: the
// resident memory of this (the asking) process before and after the pool's trials.
// Then TPE against random search on the same budget (60 trials, the best Sharpe found, 5 seeds,
// 20,000 1h bars), through the same pool, and how long those 10 sweeps took. Then, when redis-server is installed, the same trials
// through the Redis queue (BullMQ) with two workers against one (each a serveTrialQueue of
// concurrency 1, as \`volt worker --workers 1\` runs, in this process; sandboxes are processes of
// their own). Last, the asking process's memory over a 10,000-trial sweep (runSweep, random, 3,000
// bars): RSS, and heap + external after a GC when run with --expose-gc, every 2,000 trials.
// VOLT_BENCH_TRIALS, VOLT_BENCH_BARS, VOLT_BENCH_QUEUE_TRIALS and VOLT_BENCH_RSS_TRIALS change the sizes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalTrialPool, SharedIndicators, withSharedIndicators, createSearch, loadTranspiledStrategy, paramSpace, runBacktest, runSweep, synthesize, transpileStrategy } from '../packages/engine/dist/index.js';

const TRIALS = Number(process.env.VOLT_BENCH_TRIALS ?? 1000);
const BARS = Number(process.env.VOLT_BENCH_BARS ?? 100_000);
const PEER_TRIALS = Math.min(TRIALS, 150);
const WORKERS = Number(process.env.VOLT_BENCH_WORKERS ?? 2);
// The queue's batch: the pool's 1,000 by default (200 left each worker's fixed costs, its sandbox's
// own indicator series and its first jobs, a fifth of the figure).
const QUEUE_TRIALS = Number(process.env.VOLT_BENCH_QUEUE_TRIALS ?? 1000);

const SOURCE = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'rsi-macd-bollinger',
  timeframe: '1m',
  params: {
    rsiPeriod: { value: 14, min: 7, max: 21 },
    bandPeriod: { value: 20, min: 10, max: 40, step: 5 },
    bandWidth: { value: 2, min: 1.5, max: 3, step: 0.25 },
    oversold: { value: 30, min: 15, max: 40 },
    overbought: { value: 70, min: 60, max: 85 },
  },
  risk: { stopLoss: 0.02, takeProfit: 0.04, maxPositionPct: 0.1 },
  indicators: (ind, p) => ({ rsi: ind.rsi(p.rsiPeriod), macd: ind.macd(12, 26, 9), bands: ind.bollinger(p.bandPeriod, p.bandWidth) }),
  onBar(ctx) {
    const { rsi, macd, bands } = ctx.ind;
    if (!bands.ready || !macd.ready) return;
    const close = ctx.bar.close;
    const side = ctx.position.side;
    if (side === 0) {
      if (close < bands.lower && rsi.value < ctx.params.oversold && macd.histogram < 0) ctx.buy({ reason: 'below band, oversold' });
      else if (close > bands.upper && rsi.value > ctx.params.overbought && macd.histogram > 0) ctx.sell({ reason: 'above band, overbought' });
    } else if ((side === 1 && close > bands.middle) || (side === -1 && close < bands.middle)) {
      ctx.exit({ reason: 'back to the middle band' });
    }
  },
});
`;

const rssMb = () => (process.memoryUsage().rss / 1024 / 1024).toFixed(0);

// CPU seconds of this process and of its children that ended (the sandboxes: Node reaps them, so
// the kernel adds their time to ours). On a machine shared with other work the wall clock measures
// the neighbours too; CPU time per trial does not, and × the cores is what an idle machine gives.
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuSeconds() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / TICK;
  } catch {
    children = NaN;
  }
  return (own.user + own.system) / 1e6 + children;
}
const PARTS = (process.env.VOLT_BENCH_PARTS ?? 'pool,search,queue,memory').split(',');

export async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-bench-optimize-'));
  try {
    const file = path.join(dir, 'rsi-macd-bollinger.strategy.ts');
    writeFileSync(file, SOURCE);
    const bundle = await transpileStrategy(file);
    const strategy = await loadTranspiledStrategy(bundle);
    const series = synthesize({ seed: 42, bars: BARS, timeframe: '1m' });
    const options = { capital: 10_000, feeRate: 0.001, slippage: 0.0005 };
    const trials = createSearch('random', paramSpace(strategy.definition.params), TRIALS, 1).nextBatch();

    // Peer: one by one, in process.
    runBacktest(strategy, series, { ...options, params: trials[0] });
    let t0 = performance.now();
    let c0 = cpuSeconds();
    for (const params of trials.slice(0, PEER_TRIALS)) runBacktest(strategy, series, { ...options, params });
    const peerSeconds = (performance.now() - t0) / 1000;
    const peerCpu = (cpuSeconds() - c0) / PEER_TRIALS;
    // What sharing indicator series saves by itself: the peer's trials again, in process, shared.
    const shared = new SharedIndicators(256 * 1024 * 1024);
    c0 = cpuSeconds();
    for (const params of trials.slice(0, PEER_TRIALS)) withSharedIndicators(shared, series, 'all', () => runBacktest(strategy, series, { ...options, params }));
    const sharedCpu = (cpuSeconds() - c0) / PEER_TRIALS;
    const peerTrials = PEER_TRIALS / peerSeconds;

    // Volt: the pool `volt optimize --workers 2` uses.
    c0 = cpuSeconds();
    const pool = new LocalTrialPool({ workers: WORKERS, bundle, series, options, timeoutMs: 60_000, maxMemoryMb: 512, ...(process.env.VOLT_BENCH_CHUNK ? { chunk: Number(process.env.VOLT_BENCH_CHUNK) } : {}) });
    await pool.run(trials.slice(0, WORKERS), () => {});
    const rssBefore = rssMb();
    let failed = 0;
    let trades = 0;
    t0 = performance.now();
    await pool.run(trials.map((params) => ({ params })), (_, out) => {
      if ('failure' in out) failed++;
      else trades += ('summary' in out ? out.summary : out.report).metrics.trades;
    });
    const seconds = (performance.now() - t0) / 1000;
    const rssAfter = rssMb();
    await pool.dispose();
    // Every sandbox of the pool (the warm-up trials and the spares' start included) has ended now.
    await new Promise((r) => setTimeout(r, 500));
    const poolCpu = (cpuSeconds() - c0) / TRIALS;
    const rate = TRIALS / seconds;
    const perCpu = (cpu) => (BARS / cpu / 1e6).toFixed(1);

    const best = { tpe: [], random: [] };
    let searchSeconds = NaN;
    if (PARTS.includes('search')) {
      const s0 = performance.now();
      // TPE against random search, same budget, on the strategy itself.
      const short = synthesize({ seed: 42, bars: 20_000, timeframe: '1h' });
      const searchPool = new LocalTrialPool({ workers: WORKERS, bundle, series: short, options, timeoutMs: 60_000, maxMemoryMb: 512 });
      for (const method of ['tpe', 'random']) {
        for (let seed = 1; seed <= 5; seed++) {
          const r = await runSweep({ space: paramSpace(strategy.definition.params), method, trials: 60, objective: 'sharpe', minTrades: 30, seed, folds: 0, windows: 'rolling', capital: 10_000, monteCarloRuns: 10 }, short, searchPool);
          best[method].push(r.best?.score ?? NaN);
        }
      }
      await searchPool.dispose();
      searchSeconds = (performance.now() - s0) / 1000;
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const queued = !PARTS.includes('queue') ? 'queue: not measured (VOLT_BENCH_PARTS)' : await queueFigures(bundle, series, options, trials.slice(0, Math.min(TRIALS, QUEUE_TRIALS)));
    const memory = !PARTS.includes('memory') ? 'memory: not measured (VOLT_BENCH_PARTS)' : await memoryFigures(bundle, strategy, Number(process.env.VOLT_BENCH_RSS_TRIALS ?? 10_000));
    function poolLines() {
      const cores = os.availableParallelism();
      return [
        `${TRIALS} trials × ${BARS.toLocaleString('en-US')} bars, ${WORKERS} workers: ${seconds.toFixed(1)} s, ${rate.toFixed(1)} trials/s, ${((rate * BARS) / 1e6).toFixed(1)} M bar-steps/s (${failed} failed, ${(trades / TRIALS).toFixed(0)} trades per trial)`,
        `peer, runBacktest one by one in process (${PEER_TRIALS} trials): ${peerTrials.toFixed(1)} trials/s, ${((peerTrials * BARS) / 1e6).toFixed(1)} M bar-steps/s`,
        `ratio: ${(rate / peerTrials).toFixed(2)}× (wall clock; load average ${os.loadavg()[0].toFixed(1)})`,
        `CPU per trial: pool ${(poolCpu * 1000).toFixed(2)} ms (asker + sandboxes, ${perCpu(poolCpu)} M bar-steps per CPU-second, ×${cores} cores ${(Number(perCpu(poolCpu)) * cores).toFixed(1)} M/s), peer ${(peerCpu * 1000).toFixed(2)} ms (${perCpu(peerCpu)} M per CPU-second); ratio ${(peerCpu / poolCpu).toFixed(2)}× per CPU-second`,
        `in process, indicator series shared: ${(sharedCpu * 1000).toFixed(2)} ms CPU per trial against ${(peerCpu * 1000).toFixed(2)} ms unshared (${(peerCpu / sharedCpu).toFixed(2)}×; ${shared.computed} series computed, ${shared.reused} declarations replayed)`,
        `asking process RSS: ${rssBefore} MB before, ${rssAfter} MB after the trials`,
      ];
    }
    const wins = best.tpe.filter((x, i) => x > best.random[i]).length;
    return [
      ...poolLines(),
      !PARTS.includes('search') ? 'search: not measured (VOLT_BENCH_PARTS)' : `best Sharpe in 60 trials (20,000 1h bars, seeds 1-5): tpe ${best.tpe.map((x) => x.toFixed(2)).join(' ')} (mean ${mean(best.tpe).toFixed(2)}), random ${best.random.map((x) => x.toFixed(2)).join(' ')} (mean ${mean(best.random).toFixed(2)}); tpe better on ${wins} of 5 (the 10 sweeps of 60 trials: ${searchSeconds.toFixed(1)} s)`,
      queued,
      memory,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function queueFigures(bundle, series, options, trials) {
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'queue: redis-server is not installed (scripts/setup.sh installs it); not measured';
  const { QueueTrialPool, serveTrialQueue } = await import('../packages/engine/dist/optimize/queue.js');
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((resolve) => redis.stdout.on('data', (d) => d.toString().includes('Ready to accept') && resolve()));
    const url = `redis://127.0.0.1:${port}`;
    const rates = {};
    const cpu = {};
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, () => serveTrialQueue({ url, concurrency: 1 })));
      const pool = await QueueTrialPool.open({ url, bundle, series, options, limits: { timeoutMs: 60_000, maxMemoryMb: 512 } });
      // Warm: each worker's sandbox is started, has the candles and has run ~10 trials (a worker keeps
      // its sandbox across jobs of a sweep, so this measures the queue's steady state, not N starts).
      const c0 = cpuSeconds();
      const warm = trials.slice(0, 10 * count);
      await pool.run(warm.map((params) => ({ params })), () => {});
      const t0 = performance.now();
      await pool.run(trials.map((params) => ({ params })), () => {});
      rates[count] = trials.length / ((performance.now() - t0) / 1000);
      await pool.dispose();
      await Promise.all(workers.map((w) => w.close()));
      // The workers' sandboxes have ended (close waits for them): their CPU is counted.
      await new Promise((r) => setTimeout(r, 300));
      // The sandboxes' CPU is counted when they end, so their warm-up is in it: per trial of both batches.
      cpu[count] = ((cpuSeconds() - c0) / (warm.length + trials.length)) * 1000;
    }
    return `queue (Redis, BullMQ), ${trials.length} trials: 2 workers ${rates[2].toFixed(1)} trials/s, 1 worker ${rates[1].toFixed(1)} trials/s; ratio ${(rates[2] / rates[1]).toFixed(2)}× (wall clock, load average ${os.loadavg()[0].toFixed(1)}); CPU per trial (asker, workers and their sandboxes, warm-up included): ${cpu[2].toFixed(2)} ms with 2, ${cpu[1].toFixed(2)} ms with 1, so on two idle cores 2 × ${cpu[1].toFixed(2)} / ${cpu[2].toFixed(2)} = ${((2 * cpu[1]) / cpu[2]).toFixed(2)}×`;
  } finally {
    redis.kill('SIGKILL');
  }
}

async function memoryFigures(bundle, strategy, count) {
  const short = synthesize({ seed: 42, bars: 3000, timeframe: '1m' });
  const pool = new LocalTrialPool({ workers: WORKERS, bundle, series: short, options: {}, timeoutMs: 60_000, maxMemoryMb: 512 });
  const samples = [];
  let n = 0;
  const sample = () => {
    globalThis.gc?.();
    const m = process.memoryUsage();
    samples.push(`${(m.rss / 1048576).toFixed(0)}${globalThis.gc ? `/${((m.heapUsed + m.external) / 1048576).toFixed(0)}` : ''}`);
  };
  sample();
  await runSweep({ space: paramSpace(strategy.definition.params), method: 'random', trials: count, objective: 'sharpe', minTrades: 0, seed: 1, folds: 0, windows: 'rolling', capital: 10_000, monteCarloRuns: 100 }, short, pool, {
    onTrial: () => {
      if (++n % 2000 === 0) sample();
    },
  });
  await pool.dispose();
  return `asking process over ${count} trials (3,000 bars), every 2,000: RSS${globalThis.gc ? '/heap+external' : ''} MB ${samples.join(' → ')}`;
}
