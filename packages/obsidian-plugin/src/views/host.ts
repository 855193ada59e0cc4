/** What views, modals and code blocks need of the plugin. */
import type { CommandContext } from '../commands.js';

export interface VoltHost {
  ctx: CommandContext;
  openTrade(tradeId: number): Promise<void>;
  openRun(runId: number): Promise<void>;
}
