// Candles from the binary cache (engine/data/binary-cache.ts), each figure beside a peer measured in
// the same run:
// - whole process: `volt backtest` of the RSI example on 200,000 daily bars read from the cache,
//   against the same command with --no-cache (the CSV parsed and checked, the strategy bundled
//   afresh); the two take turns, min and median of the wall clock of the process. Then where the
//   cached run's time goes: Node's start, the CLI's start (`volt --version`), the sandbox's start
//   (to its first tiny run), the bundle (esbuild, and the bundle cache), the cached load, and the run
//   in a sandbox that had started but not warmed up (candles over the pipe, the bar loop, the report).
// - one load of 1,000,000 bars: the cache file, against parsing the CSV, and against the same six
//   columns as an Apache Arrow IPC file read with apache-arrow (import measured apart, in a fresh
//   process: every `volt` process would pay it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { candlesToCsv, loadCandlesCached, parseCandles, synthesize, StrategyRunner, transpileStrategy, transpileStrategyCached, loadCandlesSync } from '../packages/engine/dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VOLT = path.join(ROOT, 'packages', 'cli', 'bin', 'volt.js');
const STRATEGY = path.join(ROOT, 'examples', 'strategies', 'rsi-mean-reversion.strategy.ts');
const PROCESS_RUNS = 15;
const LOAD_RUNS = 7;

function best(runs, fn) {
  fn();
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return fastest;
}

function writeCsv(file, bars, timeframe) {
  const series = synthesize({ seed: 7, bars, timeframe });
  writeFileSync(file, [...candlesToCsv(series)].join(''));
  return series;
}

function runVolt(cwd, args) {
  const r = spawnSync(process.execPath, [VOLT, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`volt ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const ms = (x) => `${x.toFixed(1)} ms`;

/** Commands taking turns (so a busy machine slows each alike): min and median of each, after one unmeasured turn. */
function turns(runs, fns) {
  const times = fns.map(() => []);
  for (let r = 0; r <= runs; r++) {
    fns.forEach((fn, i) => {
      const t0 = process.hrtime.bigint();
      fn();
      if (r > 0) times[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { min: t[0], median: t[t.length >> 1] };
  });
}

export async function run() {
  const lines = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'volt-bench-cache-'));
  try {
    // --- whole process, 200,000 daily bars
    const daily = path.join(dir, 'daily.csv');
    writeCsv(daily, 200_000, '1d');
    const args = ['backtest', STRATEGY, '--data', daily, '--no-journal'];
    runVolt(dir, args); // writes the caches (candles, bundle)
    const [cached, plain] = turns(PROCESS_RUNS, [() => runVolt(dir, args), () => runVolt(dir, [...args, '--no-cache'])]);
    const same = runVolt(dir, args) === runVolt(dir, [...args, '--no-cache']);
    lines.push(
      `volt backtest, RSI example, 200,000 daily bars, whole process: cached ${ms(cached.min)} (median ${ms(cached.median)}), ` +
        `plain CSV ${ms(plain.min)} (median ${ms(plain.median)}): ${(plain.min / cached.min).toFixed(2)}× faster at the min, ` +
        `${(plain.median / cached.median).toFixed(2)}× at the median (same report: ${same})`,
    );

    const nodeStart = best(PROCESS_RUNS, () => execFileSync(process.execPath, ['-e', '0']));
    const cliStart = best(PROCESS_RUNS, () => runVolt(dir, ['--version']));
    let t0 = performance.now();
    const b = await transpileStrategy(STRATEGY);
    const bundling = performance.now() - t0;
    const bundleCache = path.join(dir, '.volt', 'cache', 'bundles');
    let bundleHit = Infinity;
    let checkpoints;
    for (let i = 0; i < LOAD_RUNS; i++) {
      t0 = performance.now();
      const kept = await transpileStrategyCached(STRATEGY, bundleCache);
      bundleHit = Math.min(bundleHit, performance.now() - t0);
      if (kept.cache !== 'hit') throw new Error('the bundle cache did not answer');
      checkpoints = kept.checkpoints;
    }
    const cacheDir = path.join(dir, '.volt', 'cache', 'candles');
    const load = best(LOAD_RUNS, () => loadCandlesCached(daily, cacheDir));
    const parse = best(3, () => loadCandlesSync(daily));
    const series = loadCandlesCached(daily, cacheDir).series;
    const tiny = synthesize({ seed: 1, bars: 10, timeframe: '1d' });
    let sandboxStart = Infinity;
    let runMs = Infinity;
    for (let i = 0; i < 5; i++) {
      // As `volt backtest` starts one: no spares, no warm-up, the default heap limit (the host's code cache is made for it).
      let runner = new StrategyRunner({ timeoutMs: 10_000, maxMemoryMb: 256, spares: 0, warmUp: false });
      t0 = performance.now();
      runner.warm();
      const first = await runner.run({ bundle: b, series: tiny });
      sandboxStart = Math.min(sandboxStart, performance.now() - t0);
      await runner.dispose();
      if (first.status !== 'done') throw new Error(`bench run failed: ${JSON.stringify(first)}`);
      runner = new StrategyRunner({ timeoutMs: 10_000, maxMemoryMb: 256, spares: 0, warmUp: false });
      runner.warm();
      await new Promise((r) => setTimeout(r, 300));
      t0 = performance.now();
      const outcome = await runner.run({ bundle: b, checkpoints, series });
      runMs = Math.min(runMs, performance.now() - t0);
      await runner.dispose();
      if (outcome.status !== 'done') throw new Error(`bench run failed: ${JSON.stringify(outcome)}`);
    }
    lines.push(
      `  where the cached run's ${ms(cached.min)} goes: Node starts ${ms(nodeStart)}; the CLI to \`--version\` ${ms(cliStart)}; ` +
        `a sandbox from its start to the end of a 10-bar run ${ms(sandboxStart)} (started first thing, beside the CLI's loading); ` +
        `the bundle from the bundle cache ${bundleHit.toFixed(2)} ms (esbuild: ${ms(bundling)}); cached load ${ms(load)} (the CSV: ${ms(parse)}); ` +
        `the run in a started, cold sandbox ${ms(runMs)} (candles over the pipe, the bar loop, the report back); the rest is the report's text and exit`,
    );

    // --- one load of 1,000,000 bars
    const big = path.join(dir, 'hourly.csv');
    writeCsv(big, 1_000_000, '1h');
    const bigParse = best(3, () => parseCandles(readFileSync(big, 'utf8'), big));
    loadCandlesCached(big, cacheDir);
    const bigCached = best(LOAD_RUNS, () => loadCandlesCached(big, cacheDir));
    const hit = loadCandlesCached(big, cacheDir);
    if (hit.cache !== 'hit') throw new Error('the cache did not answer');

    const arrowFile = path.join(dir, 'hourly.arrow');
    const arrowScript = path.join(ROOT, 'bench', '.arrow-import.mjs');
    writeFileSync(arrowScript, "const t = performance.now(); await import('apache-arrow'); console.log(performance.now() - t);\n");
    let arrowImport;
    try {
      arrowImport = Math.min(...Array.from({ length: 3 }, () => Number(execFileSync(process.execPath, [arrowScript], { encoding: 'utf8' }))));
    } finally {
      rmSync(arrowScript, { force: true });
    }
    const arrow = await import('apache-arrow');
    const s = hit.series;
    const table = arrow.tableFromArrays({ time: s.time, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume });
    writeFileSync(arrowFile, arrow.tableToIPC(table, 'file'));
    const arrowLoad = best(LOAD_RUNS, () => {
      const t = arrow.tableFromIPC(readFileSync(arrowFile));
      // What the backtester needs: one Float64Array per column (contiguous when written in one batch).
      for (const name of ['time', 'open', 'high', 'low', 'close', 'volume']) t.getChild(name).toArray();
    });
    lines.push(
      `one load of 1,000,000 bars: cache file ${ms(bigCached)}, parsing the CSV ${ms(bigParse)} (${(bigParse / bigCached).toFixed(0)}×), ` +
        `Arrow IPC with apache-arrow ${ms(arrowLoad)} + ${ms(arrowImport)} to import it (${((arrowLoad + arrowImport) / bigCached).toFixed(1)}× the cache file)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
