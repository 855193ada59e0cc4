/**
 * The server's handle on the analysis thread. Requests are answered in order; if the thread dies
 * (a compiler crash, memory), pending analyses fail and the next one starts a fresh thread.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisConfig, EditReview, Finding, SourceEdit } from '@volt/engine';
import type { Hover } from 'vscode-languageserver';
import type { LastRunMarket } from '../service/options-hover.js';
import type { FromAnalysis, ToAnalysis } from './analysis-worker.js';

export interface AnalysisThreadOptions {
  workerFile: URL;
}

export class AnalysisThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: never): void; reject(e: Error): void }>();
  private disposed = false;

  constructor(private readonly options: AnalysisThreadOptions) {}

  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]> {
    return this.request<Finding[]>((id) => ({ type: 'analyze', id, fileName, text, config }));
  }

  /** Hover text for the strategy at `offset` (params, indicators). */
  hover(text: string, offset: number, bars: number | undefined, market?: LastRunMarket): Promise<Hover | null> {
    return this.request<Hover | null>((id) => ({ type: 'hover', id, text, offset, bars, ...(market ? { market } : {}) }));
  }

  /** What `edits` would add that the static lint forbids (the critique's quick fixes; engine reviewEdit). */
  reviewEdit(fileName: string, text: string, edits: SourceEdit[]): Promise<EditReview> {
    return this.request<EditReview>((id) => ({ type: 'review', id, fileName, text, edits }));
  }

  private request<T>(message: (id: number) => ToAnalysis): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('the analysis thread is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.post(message(id));
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
    // No resourceLimits: any limit changes V8's heap sizing for the thread and measured ~10 ms
    // slower at p95 per edit. This thread runs our compiler, not strategy code; its garbage is
    // collected when the editor goes quiet (analysis-worker.ts).
    const worker = new Worker(this.options.workerFile, {
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
      if (m.type === 'findings') waiter.resolve(m.findings as never);
      else if (m.type === 'hover') waiter.resolve(m.hover as never);
      else if (m.type === 'review') waiter.resolve(m.review as never);
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
