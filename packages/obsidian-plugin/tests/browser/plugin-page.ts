/**
 * The whole plugin (src/main.ts) in a Chromium page: the stand-in's App with a real DOM, the
 * plugin's commands, views and modals, its requests sent to the real sidecar through the test
 * (sidecar-bridge.ts stands in for the process it cannot spawn here).
 */
import { App, Modal, notices, type Plugin } from '../obsidian-stand-in.js';
import VoltPlugin from '../../src/main.js';

let app: App;
let plugin: Plugin & VoltPlugin;

async function start(vaultRoot: string): Promise<void> {
  app = new App(vaultRoot);
  plugin = new VoltPlugin(app as never, { id: 'volt', name: 'Volt', version: '0.1.0' } as never) as Plugin & VoltPlugin;
  await plugin.onload();
  app.layoutReady();
}

/** Opens `note` (its vault path and frontmatter) and runs a palette command on it; false when the command is not available there. */
function run(id: string, note?: { path: string; frontmatter: Record<string, unknown> | undefined }): boolean {
  app.activeFile = note ? { path: note.path } : null;
  if (note?.frontmatter) app.frontmatter.set(note.path, note.frontmatter);
  const command = plugin.commands.find((c) => c.id === id);
  if (!command) throw new Error(`no command ${id}`);
  if (command.callback) {
    command.callback();
    return true;
  }
  return command.checkCallback!(false) !== false;
}

function ribbon(): void {
  plugin.ribbon[0]!.callback(new MouseEvent('click'));
}

const state = () => ({ notices: [...notices], modals: Modal.open.length, status: plugin.statusBar[0]?.textContent ?? '', leaves: app.leaves.map((l) => l.view?.getViewType()) });

Object.assign(window, { voltPlugin: { start, run, ribbon, state, unload: () => plugin.onunload() } });
