/**
 * The server's handle on the analysis thread. Requests are answered in order; if the thread dies
 * (a compiler crash, memory), pending analyses fail and the next one starts a fresh thread.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisConfig, Finding } from '@volt/engine';
import type { FromAnalysis, ToAnalysis } from './analysis-worker.js';

export interface AnalysisThreadOptions {
  workerFile: URL;
  /** Young generation of the analysis heap; small keeps resident memory low (default 8 MB). */
  youngGenerationMb?: number;
  /** Old generation limit (default 512 MB). */
  maxMemoryMb?: number;
}

export class AnalysisThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(f: Finding[]): void; reject(e: Error): void }>();
  private disposed = false;

  constructor(private readonly options: AnalysisThreadOptions) {}

  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]> {
    if (this.disposed) return Promise.reject(new Error('the analysis thread is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'analyze', id, fileName, text, config });
    });
  }

  forget(fileName: string): void {
    if (this.worker) this.post({ type: 'forget', fileName });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.failAll(new Error('the analysis thread is closed'));
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private post(message: ToAnalysis): void {
    this.thread().postMessage(message);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerFile, {
      resourceLimits: {
        maxYoungGenerationSizeMb: this.options.youngGenerationMb ?? 8,
        maxOldGenerationSizeMb: this.options.maxMemoryMb ?? 512,
      },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.unref();
    worker.on('message', (m: FromAnalysis) => {
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.type === 'findings') waiter.resolve(m.findings);
      else waiter.reject(new Error(m.message));
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new Error(why));
    };
    worker.on('error', (e) => lost(`the analysis thread failed: ${e.message}`));
    worker.on('exit', (code) => lost(`the analysis thread exited (${code})`));
    this.worker = worker;
    return worker;
  }

  private failAll(e: Error): void {
    for (const w of this.pending.values()) w.reject(e);
    this.pending.clear();
  }
}
