/**
 * A Volt workspace (the example strategies, a volt.config.json with the agents' panel on), an
 * Obsidian vault folder beside it, and the plugin's own Sidecar + VoltClient talking to the built
 * `volt-lsp --stdio` found the way the plugin finds it (the checkout beside packages/obsidian-plugin).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { VoltClient } from '../src/client.js';
import type { CommandContext } from '../src/commands.js';
import { locateSidecar } from '../src/locate.js';
import type { NoteInfo } from '../src/notes.js';
import { DEFAULT_SETTINGS, sidecarSettings, type VoltPluginSettings } from '../src/settings.js';
import { Sidecar, type SidecarState } from '../src/sidecar.js';
import { PUT_BUYER_STRATEGY } from '../../engine/src/options/testing/put-buyer.js';

export const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = path.resolve(PLUGIN_DIR, '..', '..');

export interface Workbench {
  root: string;
  vaultRoot: string;
  /** Where the notes go: the vault's Volt folder. */
  notes: string;
  settings: VoltPluginSettings;
  sidecar: Sidecar;
  client: VoltClient;
  ctx: CommandContext;
  states: { state: SidecarState; message: string }[];
  strategy(name: string): string;
  /** A note as Obsidian's metadata cache gives it: its vault path and parsed frontmatter. */
  note(file: string): NoteInfo;
  dispose(): Promise<void>;
}

export async function workbench(config: Record<string, unknown> = {}): Promise<Workbench> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'volt-obsidian-'));
  cpSync(path.join(REPO_ROOT, 'examples', 'strategies'), path.join(root, 'strategies'), { recursive: true });
  writeFileSync(
    path.join(root, 'volt.config.json'),
    JSON.stringify({ data: { default: 'synthetic:42:20000:1h' }, agents: { mode: 'rules' }, onSave: { backtest: false, critique: false }, ...config }),
  );
  const vaultRoot = path.join(root, 'vault');
  mkdirSync(vaultRoot);
  const settings: VoltPluginSettings = { ...DEFAULT_SETTINGS, workspace: root };
  const states: Workbench['states'] = [];
  const sidecar = new Sidecar({
    locate: () => locateSidecar({ sidecarPath: settings.sidecarPath, nodePath: settings.nodePath, pluginDir: PLUGIN_DIR, env: process.env }),
    root: () => root,
    settings: () => sidecarSettings(settings, vaultRoot),
    onState: (state, message) => states.push({ state, message }),
  });
  const client = new VoltClient(sidecar);
  const notes = path.join(vaultRoot, settings.vaultFolder);
  return {
    root,
    vaultRoot,
    notes,
    settings,
    sidecar,
    client,
    ctx: { client, syncAfterRun: true },
    states,
    strategy: (name) => path.join(root, 'strategies', name),
    note(file) {
      const text = readFileSync(file, 'utf8');
      const end = text.indexOf('\n---\n', 4);
      return { path: path.relative(vaultRoot, file), frontmatter: text.startsWith('---\n') && end > 0 ? (parse(text.slice(4, end + 1)) as Record<string, unknown>) : undefined };
    },
    async dispose() {
      await sidecar.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const uriOf = (file: string): string => pathToFileURL(file).href;

/** Backtests a strategy through the sidecar and waits for its run in the journal (recorded just after the answer). */
export async function recordedRun(w: Workbench, file: string, rerun = false): Promise<number> {
  const before = (await w.client.runs({ strategy: file, limit: 1 })).runs[0]?.runId;
  await w.client.backtest({ uri: uriOf(file), rerun });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const latest = (await w.client.runs({ strategy: file, limit: 1 })).runs[0]?.runId;
    if (latest !== undefined && latest !== before) return Number(latest);
    if (Date.now() > deadline) throw new Error(`no new run of ${file} in the journal`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The engine's put-buyer test strategy (its run carries options greeks, for the run view's Greeks panel), written into the workbench's strategies folder; returns its path. */
export function putBuyer(w: Workbench): string {
  const file = w.strategy('put-buyer.strategy.ts');
  writeFileSync(file, PUT_BUYER_STRATEGY);
  return file;
}
