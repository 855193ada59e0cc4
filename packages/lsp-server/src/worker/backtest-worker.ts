/**
 * A warm backtest worker: loads strategy bundles the server sends, runs them on cached data and
 * posts the report back. Strategy code only ever runs here, never on the server's thread, so a
 * strategy that loops, throws or eats memory takes down this worker at worst.
 */
import './young-generation.js'; // first: see there
import { parentPort, workerData } from 'node:worker_threads';
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  isVoltError,
  loadTranspiledStrategy,
  resolveDataSpec,
  runBacktest,
  sliceSeries,
  type CandleSeries,
  type LoadedStrategy,
  type StrategyContext,
  type TranspiledStrategy,
} from '@volt/engine';
import type { LookaheadCheck, RunFailure } from '../service/backtest.js';
import { CELL_BAR, type FromWorker, type RunRequest, type ToWorker } from './messages.js';
import { IdleCollector } from '../idle-gc.js';

const port = parentPort!;
const cells = new Int32Array(workerData.cells as SharedArrayBuffer);

function send(message: FromWorker): void {
  port.postMessage(message);
}

/** Data by spec: synthetic data is deterministic and files are re-read only when they change. */
const dataCache = new Map<string, { mtimeMs: number; series: CandleSeries }>();
const MAX_CACHED_DATA = 4;

async function loadData(spec: string, cwd: string): Promise<CandleSeries> {
  const synthetic = spec.startsWith('synthetic:');
  const file = synthetic ? undefined : path.resolve(cwd, spec);
  const mtimeMs = file ? statSync(file).mtimeMs : 0;
  const key = file ?? spec;
  const hit = dataCache.get(key);
  if (hit && hit.mtimeMs === mtimeMs) return hit.series;
  const series = await resolveDataSpec(spec, { cwd, lenient: true });
  dataCache.set(key, { mtimeMs, series });
  if (dataCache.size > MAX_CACHED_DATA) dataCache.delete(dataCache.keys().next().value as string);
  return series;
}

/** Records the bar each onBar call is at, so a runaway can be placed at its bar from outside. */
function trackBars(loaded: LoadedStrategy): void {
  const def = loaded.definition;
  const onBar = def.onBar;
  try {
    def.onBar = function trackedOnBar(this: unknown, ctx: StrategyContext) {
      cells[CELL_BAR] = ctx.index;
      onBar.call(this, ctx);
    };
  } catch {
    // A frozen definition: runs fine, just without the bar number on a timeout.
  }
}

function failureOf(e: unknown, kind: RunFailure['kind']): RunFailure {
  const f: RunFailure = { kind, message: e instanceof Error ? e.message : String(e) };
  if (isVoltError(e)) {
    if (e.file !== undefined) f.file = e.file;
    if (e.line !== undefined) f.line = e.line;
    if (e.column !== undefined) f.column = e.column;
    if (e.hint !== undefined) f.hint = e.hint;
  }
  return f;
}

async function load(bundle: TranspiledStrategy): Promise<LoadedStrategy> {
  const loaded = await loadTranspiledStrategy(bundle);
  trackBars(loaded);
  return loaded;
}

/**
 * Runs the strategy again, fresh, on the data cut after `cut` bars: every signal before the cut
 * must be the same as in the full run, or the strategy saw bars it should not have.
 */
async function checkLookahead(request: RunRequest, series: CandleSeries, full: ReturnType<typeof runBacktest>): Promise<LookaheadCheck | undefined> {
  if (series.length < 60) return undefined;
  const cut = Math.floor((series.length * 2) / 3);
  const cutSeries = sliceSeries(series, undefined, series.time[cut]);
  const fresh = await load(request.bundle);
  const partial = runBacktest(fresh, cutSeries, request.options);
  // The last bar before the cut may differ legitimately (no next bar to fill on): compare before it.
  const last = cut - 1;
  const a = full.signals.filter((s) => s.bar < last);
  const b = partial.signals.filter((s) => s.bar < last);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x && y && x.bar === y.bar && x.action === y.action && x.confidence === y.confidence) continue;
    const bar = Math.min(x?.bar ?? Infinity, y?.bar ?? Infinity);
    const describe = (s: typeof x) => (s && s.bar === bar ? `${s.action} (confidence ${s.confidence})` : 'no signal');
    return { cutBar: cut, firstDifference: { bar, time: series.time[bar] ?? 0, full: describe(x), cut: describe(y) } };
  }
  return { cutBar: cut };
}

async function run(id: number, request: RunRequest): Promise<void> {
  const started = performance.now();
  cells[CELL_BAR] = -1;
  let loaded: LoadedStrategy;
  try {
    loaded = await load(request.bundle);
  } catch (e) {
    send({ type: 'failure', id, failure: failureOf(e, 'load') });
    return;
  }
  let series: CandleSeries;
  try {
    series = await loadData(request.data, request.cwd);
    if (request.symbol !== undefined) series = { ...series, symbol: request.symbol };
    if (request.from !== undefined || request.to !== undefined) {
      series = sliceSeries(series, request.from, request.to === undefined ? undefined : request.to + 1);
    }
  } catch (e) {
    send({ type: 'failure', id, failure: failureOf(e, 'data') });
    return;
  }
  let report: ReturnType<typeof runBacktest>;
  try {
    report = runBacktest(loaded, series, request.options, {
      onProgress: (done, total) => send({ type: 'progress', id, done, total }),
    });
  } catch (e) {
    const failure = failureOf(e, 'threw');
    if (cells[CELL_BAR]! >= 0) failure.bar = cells[CELL_BAR]!;
    send({ type: 'failure', id, failure });
    return;
  }
  let lookahead: LookaheadCheck | undefined;
  if (request.lookahead) {
    try {
      lookahead = await checkLookahead(request, series, report);
    } catch {
      // The full run succeeded; a failure on the cut data says nothing about lookahead.
    }
  }
  const message: FromWorker = { type: 'result', id, report, durationMs: performance.now() - started };
  if (lookahead) message.lookahead = lookahead;
  send(message);
}

/**
 * Collect garbage once the worker has been idle a moment: a 50,000-bar report is megabytes of
 * short-lived objects, and V8 would otherwise let them pile up to the heap limit between runs.
 */
const idleGc = new IdleCollector(1000);

port.on('message', (message: ToWorker) => {
  idleGc.poke();
  if (message.type === 'run') {
    void run(message.id, message.request);
  } else if (message.type === 'probe') {
    loadData(message.probe.data, message.probe.cwd).then(
      (s) => send({ type: 'probed', id: message.id, facts: { bars: s.length, symbol: s.symbol, timeframe: s.timeframe, source: s.source } }),
      (e: unknown) => send({ type: 'failure', id: message.id, failure: failureOf(e, 'data') }),
    );
  }
});
send({ type: 'ready' });
