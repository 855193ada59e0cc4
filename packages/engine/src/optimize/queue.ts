/**
 * Sweeps beyond one machine, on BullMQ over Redis: the asking process (`volt optimize --queue`)
 * puts chunks of trials on the queue and journals their results as they come back; `volt worker
 * --queue` on any machine takes chunks and runs them through its own StrategyRunner. The strategy
 * bundle and the candles travel once, by content hash (kept in Redis for a day; each worker process
 * fetches each once). A worker that dies mid-chunk holds its lock no longer than `LOCK_MS`; BullMQ
 * then hands the chunk to another worker.
 *
 * Its own entry, `@volt/engine/queue`: only `volt optimize --queue` and `volt worker` load BullMQ.
 */
import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { BacktestOptions } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import { VoltError } from '../errors.js';
import { StrategyRunner, type RunFailure, type SandboxLimits } from '../runner/index.js';
import type { TranspiledStrategy } from '../strategy/index.js';
import { SweepLanes, SweepStopped, type TrialJob, type TrialOutput, type TrialPool } from './pool.js';
import { seriesHash, summariseReport } from './sweep.js';

export const QUEUE_NAME = 'volt-trials';
/** A worker's hold on a chunk, renewed while it runs; a dead worker's chunk is free again after it. */
export const LOCK_MS = 10_000;
const BLOB_TTL_S = 24 * 3600;

interface ChunkData {
  bundleKey: string;
  candlesKey: string;
  options: BacktestOptions;
  limits: SandboxLimits;
  trials: TrialJob[];
}

type ChunkOutputs = { outputs: (TrialOutput | null)[]; stopped?: RunFailure };
/**
 * What a worker returns for a chunk: its outputs v8-serialized, as base64 (BullMQ keeps results as
 * JSON; the trials' equity points and trade returns as JSON numbers were ~40 KB a trial to write,
 * store, stream back and parse, about half that this way and several times cheaper to code).
 */
type ChunkResult = { packed: string };

/** redis://HOST:PORT[/DB] as connection options, or a clear error. */
export function redisConnection(url: string): { host: string; port: number; db: number; maxRetriesPerRequest: null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VoltError({ kind: 'usage', message: `--queue expects redis://HOST:PORT, got '${url}'` });
  }
  if (u.protocol !== 'redis:') throw new VoltError({ kind: 'usage', message: `--queue expects redis://HOST:PORT, got '${url}'` });
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), maxRetriesPerRequest: null };
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis({ ...redisConnection(url), lazyConnect: true, retryStrategy: () => null });
  // The failure is the connect() below; ioredis would also print it as an unhandled event.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return redis;
  } catch (e) {
    redis.disconnect();
    throw new VoltError({ kind: 'data', message: `cannot reach Redis at ${url}: ${e instanceof Error ? e.message : String(e)}`, hint: 'start redis-server there, or check the host and port' });
  }
}

export interface QueuePoolOptions {
  url: string;
  bundle: TranspiledStrategy;
  series: CandleSeries;
  options: BacktestOptions;
  limits: SandboxLimits;
  /** Most trials per chunk (default 50): the unit a worker takes and, if it dies, loses. */
  chunk?: number;
}

/** The asking side: a TrialPool whose trials run wherever `volt worker` runs. */
export class QueueTrialPool implements TrialPool {
  private constructor(
    private readonly o: QueuePoolOptions,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly keys: { bundleKey: string; candlesKey: string },
  ) {}

  static async open(o: QueuePoolOptions): Promise<QueueTrialPool> {
    const redis = await connect(o.url);
    const keys = { bundleKey: `volt:bundle:${o.bundle.contentHash}`, candlesKey: `volt:candles:${seriesHash(o.series)}` };
    // Shipped once by content hash: a second sweep on the same data finds them there.
    await redis.set(keys.bundleKey, serialize(o.bundle), 'EX', BLOB_TTL_S);
    await redis.set(keys.candlesKey, serialize(plainSeries(o.series)), 'EX', BLOB_TTL_S, 'NX');
    await redis.expire(keys.candlesKey, BLOB_TTL_S);
    const connection = redisConnection(o.url);
    const queue = new Queue(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    await events.waitUntilReady();
    // BullMQ reconnects by itself; a Redis that stays away is said by the chunks that time out.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    // Each chunk waited for listens on both until it finishes: a sweep waits for many at once.
    queue.setMaxListeners(0);
    events.setMaxListeners(0);
    return new QueueTrialPool(o, redis, queue, events, keys);
  }

  async run(jobs: TrialJob[], onDone: (job: TrialJob, output: TrialOutput) => void, signal?: AbortSignal): Promise<void> {
    if (jobs.length === 0 || signal?.aborted) return;
    const size = Math.max(1, Math.min(this.o.chunk ?? 50, Math.ceil(jobs.length / 4)));
    const chunks: TrialJob[][] = [];
    for (let i = 0; i < jobs.length; i += size) chunks.push(jobs.slice(i, i + size));
    const added = await this.queue.addBulk(
      chunks.map((trials) => ({
        name: 'trials',
        data: { ...this.keys, options: this.o.options, limits: this.o.limits, trials } satisfies ChunkData,
        opts: { jobId: randomUUID(), attempts: 3, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
      })),
    );
    let stopped: SweepStopped | undefined;
    let onAbort: (() => void) | undefined;
    const abort = new Promise<void>((resolve) => signal?.addEventListener('abort', (onAbort = () => resolve()), { once: true }));
    await Promise.race([
      abort,
      Promise.all(
        added.map(async (job, c) => {
          const result = deserialize(Buffer.from(((await job.waitUntilFinished(this.events)) as ChunkResult).packed, 'base64')) as ChunkOutputs;
          if (signal?.aborted) return;
          chunks[c]!.forEach((trial, i) => {
            const out = result.outputs[i];
            if (out) onDone(trial, out);
          });
          if (result.stopped) stopped = new SweepStopped(result.stopped);
        }),
      ),
    ]);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // What has not started yet is taken off the queue: nobody is waiting for it any more.
    if (signal?.aborted) await Promise.all(added.map((j) => j.remove().catch(() => undefined)));
    if (stopped) throw stopped;
  }

  async dispose(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

export interface TrialWorkerOptions {
  url: string;
  /** Chunks run at once, each in its own sandbox (default 1). */
  concurrency?: number;
  /** `sandboxes`: processes the chunk started (0 when it ran in one kept from an earlier chunk). */
  onChunk?(trials: number, ms: number, sandboxes: number): void;
  /** Trouble with Redis (BullMQ reconnects by itself). */
  onError?(message: string): void;
}

/** The working side (`volt worker`): takes chunks until closed. */
export async function serveTrialQueue(o: TrialWorkerOptions): Promise<{ close(): Promise<void> }> {
  const redis = await connect(o.url);
  const bundles = new Map<string, TranspiledStrategy>();
  const candles = new Map<string, CandleSeries>();
  const runners = new Map<string, StrategyRunner>();
  const fetch = async <T>(cache: Map<string, T>, key: string): Promise<T> => {
    const hit = cache.get(key);
    if (hit) return hit;
    const raw = await redis.getBuffer(key);
    if (!raw) throw new Error(`${key} is no longer in Redis (kept a day): start the sweep again`);
    const value = deserialize(raw) as T;
    // Candles of the last few sweeps only: a worker that serves for weeks stays small.
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
    return value;
  };
  const lanes = new SweepLanes();
  const worker = new Worker<ChunkData, ChunkResult>(
    QUEUE_NAME,
    async (job: Job<ChunkData, ChunkResult>) => {
      const started = performance.now();
      const d = job.data;
      const [bundle, series] = await Promise.all([fetch(bundles, d.bundleKey), fetch(candles, d.candlesKey)]);
      const limitsKey = `${d.limits.timeoutMs}:${d.limits.maxMemoryMb}`;
      let runner = runners.get(limitsKey);
      // No built-in warm-up: it would specialise the backtester for another strategy's shapes.
      if (!runner) runners.set(limitsKey, (runner = new StrategyRunner({ ...d.limits, concurrency: o.concurrency ?? 1, spares: 1, warmUp: false })));
      const laneKey = `${d.bundleKey}\0${d.candlesKey}\0${limitsKey}\0${JSON.stringify(d.options)}`;
      const outputs: (TrialOutput | null)[] = d.trials.map(() => null);
      let stopped: RunFailure | undefined;
      let pending = d.trials.map((_, i) => i);
      let sandboxes = 0;
      while (pending.length > 0 && !stopped) {
        const batch = pending;
        const outcome = await lanes.run(() => sandboxes++, laneKey, runner, { bundle, series, options: d.options }, batch.map((i) => d.trials[i]!), (k, out) => (outputs[batch[k]!] = 'report' in out ? { summary: summariseReport(out.report), durationMs: out.durationMs } : out));
        if (outcome.status === 'cancelled') throw new Error('the worker is closing');
        pending = batch.filter((i) => outputs[i] === null);
        if (outcome.status !== 'failed' || pending.length === 0) continue;
        if (outcome.failure.kind === 'load' || outcome.failure.kind === 'data' || outcome.failure.errorKind === 'usage') stopped = outcome.failure;
        else {
          // Stopped by its limits: that trial fails, the rest run in a fresh sandbox.
          outputs[pending[0]!] = { failure: outcome.failure, durationMs: 0 };
          pending = pending.slice(1);
        }
      }
      o.onChunk?.(d.trials.length, performance.now() - started, sandboxes);
      return { packed: serialize({ outputs, ...(stopped ? { stopped } : {}) } satisfies ChunkOutputs).toString('base64') };
    },
    { connection: redisConnection(o.url), concurrency: o.concurrency ?? 1, lockDuration: LOCK_MS, stalledInterval: LOCK_MS / 2, maxStalledCount: 5 },
  );
  worker.on('error', (e) => o.onError?.(e instanceof Error ? e.message : String(e)));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      lanes.close();
      await Promise.all([...runners.values()].map((r) => r.dispose()));
      redis.disconnect();
    },
  };
}

function plainSeries(s: CandleSeries): CandleSeries {
  return { symbol: s.symbol, timeframe: s.timeframe, source: s.source, length: s.length, time: s.time, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume };
}
