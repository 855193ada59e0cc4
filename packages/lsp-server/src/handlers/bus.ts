/**
 * The sidecar on the agent bus (issue 15): every run it finishes is told to the bus that
 * volt.config.json names, as `volt backtest` tells it: each signal on `signals/<symbol>`, each
 * position opened and closed, each entry the risk gate refused on `alerts/risk`. With `bus.redis`
 * set, other processes (another sidecar, a paper session, `volt bus watch`, a dashboard) hear them;
 * without it the bus is this process's own. One connection is kept while the setting stays.
 */
import { openBus, publishRun, type AgentBus, type BacktestReport, type JournalEvent } from '@volt/engine';
import type { WorkspaceState } from '../workspace.js';

export class BusHandler {
  private bus: Promise<AgentBus | undefined> | undefined;
  private url = '';
  private readonly said = new Set<string>();

  constructor(private readonly state: WorkspaceState) {}

  /** Tells the bus what a finished run did; trouble with Redis goes to the log (once per kind), never to the run. */
  publishRun(report: Readonly<BacktestReport>, events?: readonly JournalEvent[]): Promise<void> {
    const url = this.state.config.bus?.redis ?? '';
    if (this.bus === undefined || url !== this.url) {
      const old = this.bus;
      void old?.then((b) => b?.close());
      this.url = url;
      const opened = openBus({ bus: { redis: url } }, (e) => this.say(e)).catch((e: unknown) => {
        this.say(e);
        // Tried again at the next run: Redis may be up by then.
        if (this.bus === opened) this.bus = undefined;
        return undefined;
      });
      this.bus = opened;
    }
    return this.bus.then((b) => {
      if (b) publishRun(b, report, events !== undefined && events.length > 0 ? events : undefined);
    });
  }

  async dispose(): Promise<void> {
    const b = await this.bus;
    this.bus = undefined;
    await b?.close();
  }

  private say(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (this.said.has(message)) return;
    this.said.add(message);
    this.state.log(`agent bus: ${message}`);
  }
}
