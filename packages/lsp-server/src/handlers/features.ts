/** The sidecar's feature handlers, as each of them sees the others (wired once by VoltServer). */
import type { BusHandler } from './bus.js';
import type { CommandsHandler } from './commands.js';
import type { CritiqueHandler } from './critique.js';
import type { DocumentsHandler } from './documents.js';
import type { RunsHandler } from './runs.js';
import type { SettingsHandler } from './settings.js';
import type { WatchHandler } from './watch.js';

export interface Features {
  settings: SettingsHandler;
  documents: DocumentsHandler;
  runs: RunsHandler;
  watch: WatchHandler;
  critique: CritiqueHandler;
  commands: CommandsHandler;
  bus: BusHandler;
}
