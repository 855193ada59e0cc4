/**
 * A warm pool of backtest workers. Each run gets a timeout and a heap limit; a run that overstays
 * either is paused through the inspector (to learn which line of the strategy it was on), then its
 * worker is terminated and replaced, and the run resolves as a failure. The server's own thread
 * never runs strategy code, so it keeps answering whatever a strategy does.
 */
import { Worker } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import type { BacktestReport } from '@volt/engine';
import type { LookaheadCheck, RunFailure } from '../service/backtest.js';
import { CELL_BAR, CELL_SIZE, type DataFacts, type DataProbe, type FromWorker, type RunRequest, type ToWorker } from './messages.js';

export interface PoolLimits {
  /** Warm workers (default 1). */
  size: number;
  /** A run longer than this is stopped (ms). */
  timeoutMs: number;
  /** Old-generation heap of each worker (MB). */
  maxMemoryMb: number;
}

export interface PoolOptions extends PoolLimits {
  /** The built worker module (dist/worker/backtest-worker.js). */
  workerFile: URL;
  /** Replace a worker after this many runs, a backstop against whatever a strategy leaks into its worker (default 1000). */
  recycleAfter?: number;
}

export type RunOutcome =
  | { status: 'done'; report: BacktestReport; lookahead?: LookaheadCheck; durationMs: number }
  | { status: 'failed'; failure: RunFailure }
  | { status: 'cancelled' };

export interface RunHooks {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

interface Job {
  id: number;
  message: ToWorker;
  hooks: RunHooks;
  resolve(outcome: RunOutcome | { status: 'probed'; facts: DataFacts }): void;
  /** The bundle's code, to map a paused position back to the strategy's line. */
  code?: string;
  bundlePath?: string;
}

interface Slot {
  worker: Worker;
  cells: Int32Array;
  ready: Promise<void>;
  job?: Job;
  runs: number;
  timers: NodeJS.Timeout[];
  /** Inspector session id of this worker, once attached. */
  inspectorSession?: string;
  /** A heap check of this worker is under way (checks take longer than the poll interval). */
  heapCheck?: boolean;
  /** Being replaced: takes no new work, and its exit is not reported as a crash. */
  stopping?: boolean;
  terminated?: boolean;
}

/** How close to the heap limit a run may get before it is stopped and placed (fraction). */
const HEAP_ALARM = 0.6;
const HEAP_POLL_MS = 50;
/** How long a cancelled run may keep its worker before the worker is replaced. */
const CANCEL_GRACE_MS = 250;

export class BacktestPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private limits: PoolLimits;
  private disposed = false;
  private inspector: Session | undefined;
  private readonly inspectorWaiters = new Map<number, (sessionId: string) => void>();
  private readonly inspectorSessions = new Map<number, string>();
  private inspectorReplies = new Map<number, (reply: { result?: unknown; error?: unknown; method?: string; params?: unknown }) => void>();
  private readonly pausedWaiters = new Map<string, (params: PausedParams) => void>();
  private readonly scriptUrls = new Map<string, string>();
  private inspectorMessageId = 1;

  constructor(private readonly options: PoolOptions) {
    this.limits = { size: options.size, timeoutMs: options.timeoutMs, maxMemoryMb: options.maxMemoryMb };
    this.startInspector();
    for (let i = 0; i < Math.max(1, this.limits.size); i++) this.slots.push(this.spawn());
  }

  /** Changes limits; workers are replaced when idle so new heap limits take effect. */
  configure(limits: Partial<PoolLimits>): void {
    const before = this.limits;
    this.limits = { ...this.limits, ...limits };
    if (this.limits.maxMemoryMb !== before.maxMemoryMb) {
      for (const slot of this.slots) if (!slot.job) this.replace(slot);
    }
    while (this.slots.length < Math.max(1, this.limits.size)) this.slots.push(this.spawn());
    while (this.slots.length > Math.max(1, this.limits.size)) {
      const idle = this.slots.findIndex((s) => !s.job);
      if (idle < 0) break;
      const [slot] = this.slots.splice(idle, 1);
      this.stop(slot!);
    }
    this.pump();
  }

  run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const job: Job = { id, message: { type: 'run', id, request }, hooks, resolve: resolve as Job['resolve'], code: request.bundle.code, bundlePath: request.bundle.path };
      this.enqueue(job);
    });
  }

  /** Loads data in a worker (warming its cache) and says how many bars it has. */
  probe(probe: DataProbe): Promise<DataFacts> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const job: Job = {
        id,
        message: { type: 'probe', id, probe },
        hooks: {},
        resolve: (o) => {
          if (o.status === 'probed') resolve(o.facts);
          else reject(new Error(o.status === 'failed' ? o.failure.message : 'cancelled'));
        },
      };
      this.enqueue(job);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.resolve({ status: 'cancelled' });
    await Promise.all(this.slots.map((s) => {
      if (s.job) s.job.resolve({ status: 'cancelled' });
      return this.stop(s);
    }));
    this.inspector?.disconnect();
  }

  /** Thread ids of the live workers (tests check a runaway's worker was replaced). */
  workerThreadIds(): number[] {
    return this.slots.map((s) => s.worker.threadId);
  }

  // ---------------------------------------------------------------------------------------------

  private enqueue(job: Job): void {
    if (this.disposed) {
      job.resolve({ status: 'cancelled' });
      return;
    }
    if (job.hooks.signal?.aborted) {
      job.resolve({ status: 'cancelled' });
      return;
    }
    job.hooks.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
    this.queue.push(job);
    this.pump();
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.resolve({ status: 'cancelled' });
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    // The caller moves on at once. A run usually ends within milliseconds: let the warm worker
    // finish and drop its result; only one still busy after the grace period is terminated.
    job.resolve({ status: 'cancelled' });
    job.resolve = () => undefined;
    job.hooks = {};
    slot.timers.push(setTimeout(() => {
      if (slot.job === job) this.retire(slot, { status: 'cancelled' });
    }, CANCEL_GRACE_MS));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job || slot.stopping) continue;
      const job = this.queue.shift()!;
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.runs++;
    void slot.ready.then(() => {
      if (slot.job !== job || slot.terminated) return;
      slot.worker.postMessage(job.message);
      if (job.message.type !== 'run') return;
      slot.timers.push(setTimeout(() => void this.stopRunaway(slot, job, 'timeout'), this.limits.timeoutMs));
      if (this.inspector) slot.timers.push(setInterval(() => void this.watchHeap(slot, job), HEAP_POLL_MS));
    });
  }

  private finish(slot: Slot, outcome: Parameters<Job['resolve']>[0]): void {
    const job = slot.job;
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
    slot.job = undefined;
    job?.resolve(outcome);
    if (!slot.stopping && slot.runs >= (this.options.recycleAfter ?? 1000)) this.replace(slot);
    this.pump();
  }

  private spawn(): Slot {
    const buffer = new SharedArrayBuffer(CELL_SIZE * Int32Array.BYTES_PER_ELEMENT);
    const worker = new Worker(this.options.workerFile, {
      workerData: { cells: buffer },
      resourceLimits: {
        maxOldGenerationSizeMb: this.limits.maxMemoryMb,
        // Two 1 MB semi-spaces: a run's garbage (signals, per-bar objects) dies young either way,
        // and the 50,000-bar save measured as fast as with 2 × 4 MB, which held ~6 MB more RSS.
        maxYoungGenerationSizeMb: 3,
        stackSizeMb: 4,
      },
      // A strategy's console.log must not write into the LSP stream on stdout.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.unref();
    let ready!: () => void;
    const slot: Slot = { worker, cells: new Int32Array(buffer), ready: new Promise((r) => (ready = r)), runs: 0, timers: [] };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        ready();
        return;
      }
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      switch (m.type) {
        case 'progress':
          job.hooks.onProgress?.(m.done, m.total);
          break;
        case 'result': {
          const outcome: RunOutcome = { status: 'done', report: m.report, durationMs: m.durationMs };
          if (m.lookahead) outcome.lookahead = m.lookahead;
          this.finish(slot, outcome);
          break;
        }
        case 'probed':
          this.finish(slot, { status: 'probed', facts: m.facts });
          break;
        case 'failure':
          this.finish(slot, { status: 'failed', failure: m.failure });
          break;
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (slot.stopping || !slot.job) return;
      const bar = slot.cells[CELL_BAR]!;
      const memory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const failure: RunFailure = memory
        ? { kind: 'memory', message: `ran out of memory (worker heap limit ${this.limits.maxMemoryMb} MB)` }
        : { kind: 'crashed', message: e.message };
      if (bar >= 0) failure.bar = bar;
      this.retire(slot, { status: 'failed', failure });
    });
    worker.on('exit', () => {
      if (slot.terminated || this.disposed) return;
      if (slot.job) this.retire(slot, { status: 'failed', failure: { kind: 'crashed', message: 'the worker exited' } });
      else this.replace(slot);
    });
    return slot;
  }

  /** Ends the slot's job with `outcome` and replaces its worker; nothing new starts on it meanwhile. */
  private retire(slot: Slot, outcome: Parameters<Job['resolve']>[0]): void {
    slot.stopping = true;
    this.finish(slot, outcome);
    this.replace(slot);
  }

  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    void this.stop(slot);
    if (i >= 0 && !this.disposed) {
      this.slots[i] = this.spawn();
      this.pump();
    }
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.terminated) return;
    slot.terminated = true;
    slot.stopping = true;
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
    this.inspectorSessions.delete(slot.worker.threadId);
    await slot.worker.terminate().catch(() => undefined);
  }

  /** Stops a run that overstayed, placing it at the strategy line it was executing. */
  private async stopRunaway(slot: Slot, job: Job, why: 'timeout' | 'memory'): Promise<void> {
    if (slot.job !== job) return;
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
    const bar = slot.cells[CELL_BAR]!;
    const at = await this.locate(slot, job).catch(() => undefined);
    // Resume before terminating: a worker paused in the debugger does not stop promptly.
    await this.sendToWorker(slot, 'Debugger.disable', {}, 300).catch(() => undefined);
    if (slot.job !== job) return;
    const failure: RunFailure = why === 'timeout'
      ? { kind: 'timeout', message: `onBar did not return within ${this.limits.timeoutMs} ms` }
      : { kind: 'memory', message: `the strategy's memory kept growing past ${Math.round(HEAP_ALARM * this.limits.maxMemoryMb)} MB` };
    if (bar >= 0) failure.bar = bar;
    if (at) Object.assign(failure, at);
    this.retire(slot, { status: 'failed', failure });
  }

  private async watchHeap(slot: Slot, job: Job): Promise<void> {
    if (slot.job !== job || slot.heapCheck) return;
    slot.heapCheck = true;
    try {
      const limit = HEAP_ALARM * this.limits.maxMemoryMb * 1024 * 1024;
      if ((await this.heapUsed(slot)) <= limit) return;
      // Garbage counts as used until the next collection: only memory that survives one is a leak.
      await this.sendToWorker(slot, 'HeapProfiler.collectGarbage', {}, 2000).catch(() => undefined);
      if (slot.job === job && (await this.heapUsed(slot)) > limit) await this.stopRunaway(slot, job, 'memory');
    } finally {
      slot.heapCheck = false;
    }
  }

  private async heapUsed(slot: Slot): Promise<number> {
    const reply = await this.sendToWorker(slot, 'Runtime.getHeapUsage', {}, 1000).catch(() => undefined);
    return (reply?.result as { usedSize?: number } | undefined)?.usedSize ?? 0;
  }

  // ---------------------------------------------------------------------------------------------
  // The inspector: this thread's session reaches each worker's (NodeWorker domain), which can pause
  // a worker that is busy in a loop, like a debugger would, and tell us where it is.

  private startInspector(): void {
    try {
      const session = new Session();
      session.connect();
      session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo: { workerId: string } } }) => {
        const threadId = Number(m.params.workerInfo.workerId);
        this.inspectorSessions.set(threadId, m.params.sessionId);
        this.inspectorWaiters.get(threadId)?.(m.params.sessionId);
        this.inspectorWaiters.delete(threadId);
      });
      session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { sessionId: string; message: string } }) => {
        const msg = JSON.parse(m.params.message) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: unknown };
        if (msg.id !== undefined) {
          this.inspectorReplies.get(msg.id)?.(msg);
          this.inspectorReplies.delete(msg.id);
        } else if (msg.method === 'Debugger.scriptParsed') {
          const p = msg.params as { scriptId: string; url: string };
          this.scriptUrls.set(`${m.params.sessionId}/${p.scriptId}`, p.url);
        } else if (msg.method === 'Debugger.paused') {
          this.pausedWaiters.get(m.params.sessionId)?.(msg.params as PausedParams);
          this.pausedWaiters.delete(m.params.sessionId);
        }
      });
      session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
      this.inspector = session;
    } catch {
      this.inspector = undefined; // Node built without the inspector: runaways are still stopped, without a line.
    }
  }

  private sessionOf(slot: Slot, timeoutMs: number): Promise<string> {
    const known = this.inspectorSessions.get(slot.worker.threadId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      this.inspectorWaiters.set(slot.worker.threadId, resolve);
      setTimeout(() => reject(new Error('no inspector session')), timeoutMs).unref();
    });
  }

  private async sendToWorker(slot: Slot, method: string, params: object, timeoutMs: number): Promise<{ result?: unknown; error?: unknown }> {
    if (!this.inspector) throw new Error('no inspector');
    const sessionId = await this.sessionOf(slot, timeoutMs);
    const id = this.inspectorMessageId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inspectorReplies.delete(id);
        reject(new Error(`${method}: no reply`));
      }, timeoutMs);
      timer.unref();
      this.inspectorReplies.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.inspector!.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  }

  /** Pauses the worker and maps the innermost strategy frame back to its source line. */
  private async locate(slot: Slot, job: Job): Promise<Pick<RunFailure, 'file' | 'line' | 'column'> | undefined> {
    if (!this.inspector || !job.code || !job.bundlePath) return undefined;
    const sessionId = await this.sessionOf(slot, 500);
    const paused = new Promise<PausedParams>((resolve, reject) => {
      this.pausedWaiters.set(sessionId, resolve);
      setTimeout(() => reject(new Error('did not pause')), 1000).unref();
    });
    await this.sendToWorker(slot, 'Debugger.enable', {}, 1000);
    await this.sendToWorker(slot, 'Debugger.pause', {}, 1000);
    const { callFrames } = await paused;
    const bundleUrl = `${job.bundlePath}.bundle.cjs`;
    for (const frame of callFrames) {
      const url = frame.url || this.scriptUrls.get(`${sessionId}/${frame.location.scriptId}`) || '';
      if (!url.endsWith(bundleUrl) && !url.endsWith('.bundle.cjs')) continue;
      return mapToSource(job.code, job.bundlePath, frame.location.lineNumber, frame.location.columnNumber ?? 0);
    }
    return undefined;
  }
}

interface PausedParams {
  callFrames: { url: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } }[];
}

/** A 0-based position in the bundle → the strategy file, 1-based line and column. */
function mapToSource(code: string, bundlePath: string, line: number, column: number): Pick<RunFailure, 'file' | 'line' | 'column'> | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) return undefined;
  const map = new SourceMap(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as SourceMapPayload);
  const entry = map.findEntry(line, column) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  return {
    file: path.resolve(path.dirname(bundlePath), entry.originalSource),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
  };
}
