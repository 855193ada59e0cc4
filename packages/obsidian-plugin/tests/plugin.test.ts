/** main.ts's lifecycle in the stand-in: what it registers, the sidecar it starts once the layout is up, and the shutdown on unload. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import VoltPlugin from '../src/main.js';
import { App, Component, Setting, element, notices } from './obsidian-stand-in.js';
import { PLUGIN_DIR, recordedRun, workbench, type Workbench } from './fixtures.js';

let w: Workbench;
beforeAll(async () => {
  w = await workbench();
  await recordedRun(w, w.strategy('macd-trend.strategy.ts'));
  await w.sidecar.stop();
}, 60_000);
afterAll(async () => {
  await w.dispose();
});

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

it('registers the commands, views, ribbon, settings and code block; starts the sidecar; shuts it down on unload', async () => {
  const app = new App(w.vaultRoot);
  const plugin = new VoltPlugin(app as never, { id: 'volt', name: 'Volt', version: '0.1.0', dir: path.relative(w.vaultRoot, PLUGIN_DIR) } as never);
  (plugin as unknown as { data: unknown }).data = { workspace: w.root, vaultFolder: 'Journal' };
  await plugin.onload();
  const p = plugin as unknown as import('./obsidian-stand-in.js').Plugin;
  expect(p.commands.map((c) => `${c.id}: ${c.name}`)).toEqual([
    'sync-journal: Sync journal to vault',
    'backtest-strategy: Backtest this strategy',
    'review-trade: Review this trade',
    'open-trade-view: Open trade view',
    'compare-runs: Compare runs',
    'agent-status: Agent status',
    'pnl-calendar: Daily P&L calendar',
    'open-latest-run: Open the latest run',
  ]);
  expect(p.commands.some((c) => 'hotkeys' in c)).toBe(false);
  expect(p.ribbon.map((r) => r.title)).toEqual(['Volt: open the latest run']);
  expect([...app.viewCreators.keys()]).toEqual(['volt-trade', 'volt-run', 'volt-calendar']);
  expect([...p.codeBlocks.keys()]).toEqual(['volt']);
  expect(p.settingTabs).toHaveLength(1);

  // The code block reads the arguments on its opening fence from where Obsidian says the block sits.
  const blockEl = element();
  const note = new Component();
  p.codeBlocks.get('volt')!('', blockEl, { sourcePath: 'Notes.md', addChild: (c) => void note.addChild(c), getSectionInfo: (el) => (el === blockEl ? { text: 'Week 3\n```volt runs=12\n```', lineStart: 1, lineEnd: 2 } : null) });
  expect(blockEl.textContent).toBe("volt block, opening ```volt line: unknown key 'runs'. Write run=ID [chart=equity|drawdown|both|none], trade=ID, or calendar=all|STRATEGY NAME.");
  note.unload();

  // The note commands need a note open.
  const backtest = p.commands.find((c) => c.id === 'backtest-strategy')!;
  expect(backtest.checkCallback!(true)).toBe(false);
  app.activeFile = { path: 'Journal/Dashboard.md' };
  expect(backtest.checkCallback!(true)).toBe(true);

  app.layoutReady();
  const status = p.statusBar[0]!;
  await until(() => /^Volt: sidecar \d/.test(status.textContent ?? ''), 'the sidecar to start');
  const pid = plugin.sidecar.pid!;

  const progressShown: string[] = [];
  const showText = status.setText.bind(status);
  status.setText = (t: string) => (progressShown.push(t), showText(t));
  const count = notices.length;
  p.commands.find((c) => c.id === 'sync-journal')!.callback!();
  await until(() => notices.length > count, 'the sync notice');
  expect(notices.at(-1)).toMatch(/^Volt: vault synced .* 1 runs/);
  expect(existsSync(path.join(w.vaultRoot, 'Journal', 'Dashboard.md'))).toBe(true);
  // The export's progress showed in the status bar, and once it ended the sidecar's line is back.
  expect(progressShown.some((t) => /^Volt: \d+ of \d+ notes$/.test(t))).toBe(true);
  expect(status.textContent).toMatch(/^Volt: sidecar \d/);

  // A sidecar that dies is started again, and the status bar and a Notice say so.
  const texts: string[] = [];
  const setText = status.setText.bind(status);
  status.setText = (t: string) => (texts.push(t), setText(t));
  process.kill(pid, 'SIGKILL');
  await until(() => plugin.sidecar.pid !== undefined && plugin.sidecar.pid !== pid && /^Volt: sidecar \d/.test(status.textContent ?? ''), 'the sidecar to start again');
  expect(texts[0]).toBe('Volt: the sidecar was killed (SIGKILL); restarting…');
  expect(notices).toContain('Volt: the sidecar was killed (SIGKILL); restarting…');
  const revived = plugin.sidecar.pid!;

  // The settings tab saves as it is typed; the next request starts the sidecar with the new settings.
  p.settingTabs[0]!.display();
  const folder = Setting.rows.find((r) => r.name === 'Vault folder')!;
  expect(folder.value()).toBe('Journal');
  await folder.change('Trading');
  expect((p as unknown as { data: { vaultFolder: string } }).data.vaultFolder).toBe('Trading');
  expect(() => process.kill(revived, 0)).toThrow();
  const again = notices.length;
  p.commands.find((c) => c.id === 'sync-journal')!.callback!();
  await until(() => notices.length > again, 'the second sync notice');
  expect(existsSync(path.join(w.vaultRoot, 'Trading', 'Dashboard.md'))).toBe(true);
  // Journal path: another journal (a new one, with no runs) from the next request on.
  await Setting.rows.find((r) => r.name === 'Journal path')!.change('other/journal.db');
  const third = notices.length;
  p.commands.find((c) => c.id === 'sync-journal')!.callback!();
  await until(() => notices.length > third, 'the third sync notice');
  expect(notices.at(-1)).toMatch(/^Volt: vault synced \(0 trades, 0 runs, 0 strategies;/);
  expect(existsSync(path.join(w.vaultRoot, 'other', 'journal.db'))).toBe(true);
  const restarted = plugin.sidecar.pid!;
  expect(() => process.kill(restarted, 0)).not.toThrow();

  await plugin.onunload();
  expect(() => process.kill(restarted, 0)).toThrow();
  expect(status.textContent).toBe('Volt: sidecar stopped');
});
