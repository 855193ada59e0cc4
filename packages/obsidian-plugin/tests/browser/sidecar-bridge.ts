/**
 * In the page, the plugin's Sidecar is this: each request goes to the test's real Sidecar in Node
 * (window.voltRequest), which speaks to the built volt-lsp. A page cannot spawn a process; all
 * else main.ts does with its sidecar (state in the status bar, requests, stop) is the plugin's own.
 */
import type { SidecarOptions } from '../../src/sidecar.js';

type Bridge = { voltRequest(method: string, params: unknown): Promise<unknown> };

export class Sidecar {
  private started = false;
  constructor(private readonly options: SidecarOptions) {}
  get running(): boolean {
    return this.started;
  }
  get pid(): number | undefined {
    return undefined;
  }
  async ready(): Promise<void> {
    if (!this.started) this.options.onState?.('ready', 'Volt: sidecar (through the test)');
    this.started = true;
  }
  async request<R>(method: string, params?: unknown): Promise<R> {
    await this.ready();
    return (window as unknown as Bridge).voltRequest(method, params) as Promise<R>;
  }
  async stop(): Promise<void> {
    this.started = false;
    this.options.onState?.('stopped', 'Volt: sidecar stopped');
  }
}
