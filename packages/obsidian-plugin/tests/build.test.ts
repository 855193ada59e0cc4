/**
 * What Obsidian loads: `npm run build`'s main.js and styles.css, as the sample plugin's build makes
 * them. main.js is CommonJS with obsidian and Node's builtins left to Obsidian and Electron, and the
 * bundle itself (not the TypeScript sources the other tests run) loads as a plugin, registers its
 * commands and syncs a vault through the real sidecar.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import * as standIn from './obsidian-stand-in.js';
import { PLUGIN_DIR, recordedRun, workbench, type Workbench } from './fixtures.js';

const MAIN = path.join(PLUGIN_DIR, 'main.js');
let w: Workbench;
let code: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['esbuild.config.mjs', '--production'], { cwd: PLUGIN_DIR, stdio: 'pipe' });
  code = readFileSync(MAIN, 'utf8');
  w = await workbench();
  await recordedRun(w, w.strategy('macd-trend.strategy.ts'));
  await w.sidecar.stop();
}, 90_000);
afterAll(async () => {
  await w?.dispose();
});

it('main.js is CommonJS; obsidian and the builtins stay outside it, the chart library and the JSON-RPC client inside; styles.css beside it', () => {
  // Booleans, so a failure does not print a megabyte of bundle.
  expect(/module\.exports\s*=/.test(code)).toBe(true);
  expect(/^\s*(import|export)\s/m.test(code)).toBe(false);
  const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
  expect(required).toContain('obsidian');
  expect(required.has('node:child_process') || required.has('child_process')).toBe(true);
  const builtins = new Set(Module.builtinModules.flatMap((m) => [m, `node:${m}`]));
  expect([...required].filter((r) => r !== 'obsidian' && r !== 'electron' && !r.startsWith('@codemirror/') && !builtins.has(r))).toEqual([]);
  expect(code.includes('TradingView Lightweight Charts')).toBe(true);
  expect(code.includes('Header must provide a Content-Length property')).toBe(true); // vscode-jsonrpc's reader
  expect(existsSync(path.join(PLUGIN_DIR, 'styles.css'))).toBe(true);
  expect(readFileSync(path.join(PLUGIN_DIR, 'styles.css'), 'utf8')).toContain('.volt-day-win');
  const manifest = JSON.parse(readFileSync(path.join(PLUGIN_DIR, 'manifest.json'), 'utf8')) as { id: string; isDesktopOnly: boolean; version: string };
  expect(manifest).toMatchObject({ id: 'volt', isDesktopOnly: true });
  expect(JSON.parse(readFileSync(path.join(PLUGIN_DIR, 'package.json'), 'utf8')).version).toBe(manifest.version);
});

it('the bundle loads as a plugin and syncs the journal through the real sidecar', async () => {
  // Obsidian hands the plugin its `obsidian` module; here that is the stand-in.
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = (req, ...rest) => (req === 'obsidian' ? standIn : load(req, ...rest));
  let Built: new (app: unknown, manifest: unknown) => standIn.Plugin & { onload(): Promise<void>; onunload(): Promise<void>; sidecar: { pid?: number } };
  try {
    Built = (createRequire(import.meta.url)(MAIN) as { default: typeof Built }).default;
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
  const app = new standIn.App(w.vaultRoot);
  const plugin = new Built(app, { id: 'volt', name: 'Volt', version: '0.1.0', dir: path.relative(w.vaultRoot, PLUGIN_DIR) });
  expect(plugin).toBeInstanceOf(standIn.Plugin);
  plugin.data = { workspace: w.root };
  await plugin.onload();
  expect(plugin.commands.map((c) => c.id)).toEqual(['sync-journal', 'backtest-strategy', 'review-trade', 'open-trade-view', 'compare-runs', 'agent-status', 'pnl-calendar', 'open-latest-run']);
  const count = standIn.notices.length;
  plugin.commands.find((c) => c.id === 'sync-journal')!.callback!();
  const deadline = Date.now() + 30_000;
  while (standIn.notices.length === count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(standIn.notices.at(-1)).toMatch(/^Volt: vault synced \(\d+ trades, 1 runs, 1 strategies;/);
  expect(existsSync(path.join(w.vaultRoot, 'Volt', 'Dashboard.md'))).toBe(true);
  const pid = plugin.sidecar.pid!;
  await plugin.onunload();
  expect(() => process.kill(pid, 0)).toThrow();
});
