// Candles from the binary cache (engine/data/binary-cache.ts), each figure beside a peer measured in
// the same run:
// - whole process: `volt backtest` of the RSI example on 200,000 daily bars read from the cache,
//   against the same command with --no-cache (the CSV parsed and checked as before); best of a few
//   runs, wall clock of the process. Then where the cached run's time goes: Node's start, the CLI's
//   start (`volt --version`), and in one process the bundling, the cached load and the run.
// - one load of 1,000,000 bars: the cache file, against parsing the CSV, and against the same six
//   columns as an Apache Arrow IPC file read with apache-arrow (import measured apart, in a fresh
//   process: every `volt` process would pay it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { candlesToCsv, loadCandlesCached, parseCandles, synthesize, StrategyRunner, transpileStrategy, loadCandlesSync } from '../packages/engine/dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VOLT = path.join(ROOT, 'packages', 'cli', 'bin', 'volt.js');
const STRATEGY = path.join(ROOT, 'examples', 'strategies', 'rsi-mean-reversion.strategy.ts');
const PROCESS_RUNS = 5;
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

export async function run() {
  const lines = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'volt-bench-cache-'));
  try {
    // --- whole process, 200,000 daily bars
    const daily = path.join(dir, 'daily.csv');
    writeCsv(daily, 200_000, '1d');
    const args = ['backtest', STRATEGY, '--data', daily, '--no-journal'];
    const plain = best(PROCESS_RUNS, () => runVolt(dir, [...args, '--no-cache']));
    runVolt(dir, args); // writes the cache
    const cached = best(PROCESS_RUNS, () => runVolt(dir, args));
    const same = runVolt(dir, args) === runVolt(dir, [...args, '--no-cache']);
    lines.push(`volt backtest, RSI example, 200,000 daily bars, whole process: cached ${ms(cached)}, plain CSV ${ms(plain)}: ${(plain / cached).toFixed(1)}× faster (same report: ${same})`);

    const nodeStart = best(PROCESS_RUNS, () => execFileSync(process.execPath, ['-e', '0']));
    const cliStart = best(PROCESS_RUNS, () => runVolt(dir, ['--version']));
    let t0 = performance.now();
    const b = await transpileStrategy(STRATEGY);
    const bundling = performance.now() - t0;
    const cacheDir = path.join(dir, '.volt', 'cache', 'candles');
    const load = best(LOAD_RUNS, () => loadCandlesCached(daily, cacheDir));
    const parse = best(3, () => loadCandlesSync(daily));
    const series = loadCandlesCached(daily, cacheDir).series;
    const runner = new StrategyRunner({ timeoutMs: 10_000, maxMemoryMb: 256, spares: 1 });
    runner.warm();
    await new Promise((r) => setTimeout(r, 200));
    t0 = performance.now();
    const outcome = await runner.run({ bundle: b, series });
    const runMs = performance.now() - t0;
    await runner.dispose();
    if (outcome.status !== 'done') throw new Error(`bench run failed: ${JSON.stringify(outcome)}`);
    lines.push(
      `  where the cached run's ${ms(cached)} goes: Node starts ${ms(nodeStart)}; the CLI to \`--version\` ${ms(cliStart)}; ` +
        `bundling (esbuild) ${ms(bundling)}; cached load ${ms(load)} (the CSV: ${ms(parse)}); the run in a warm sandbox ${ms(runMs)} ` +
        `(candles over the pipe, the bar loop, the report back); the rest is the sandbox's start, the report's text and exit`,
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
