/** Where the plugin finds the sidecar and Node: the settings, an installed volt-lsp, then the checkout it sits in. */
import { afterAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateSidecar } from '../src/locate.js';
import { PLUGIN_DIR, REPO_ROOT } from './fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-locate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const exe = (dir: string, name: string) => {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
};
const bin = path.join(tmp, 'bin');
const node = exe(bin, 'node');
// A HOME without global prefixes, so the machine's own do not leak in.
const env = { PATH: bin, HOME: path.join(tmp, 'home') };
const checkoutSidecar = path.join(REPO_ROOT, 'packages', 'lsp-server', 'bin', 'volt-lsp.js');

it('a Node path in settings that does not exist is said, with where to fix it', () => {
  expect(locateSidecar({ sidecarPath: checkoutSidecar, nodePath: path.join(tmp, 'nope', 'node'), env, fixedDirs: [] })).toEqual({
    ok: false,
    message: `Volt: the Node path in settings, ${path.join(tmp, 'nope', 'node')}, does not exist. Fix it in Settings → Volt, or clear it to use node from PATH.`,
  });
});

it('a volt-lsp.js in settings runs with the Node found on PATH; an installed volt-lsp runs itself with that Node on its PATH', () => {
  expect(locateSidecar({ sidecarPath: checkoutSidecar, nodePath: '', env, fixedDirs: [] })).toMatchObject({ ok: true, command: node, args: [checkoutSidecar, '--stdio'], pathDirs: [bin] });
  const installed = exe(path.join(tmp, 'home', '.npm-global', 'bin'), 'volt-lsp');
  try {
    // Not on PATH: found in a global prefix all the same (a desktop launcher's Obsidian has no shell PATH).
    expect(locateSidecar({ sidecarPath: '', nodePath: '', pluginDir: PLUGIN_DIR, env, fixedDirs: [] })).toMatchObject({ ok: true, command: installed, args: ['--stdio'], how: `volt-lsp at ${installed}`, pathDirs: [bin] });
  } finally {
    rmSync(installed);
  }
});

it('with nothing installed, the checkout the plugin sits in; outside a checkout, what to install', () => {
  expect(locateSidecar({ sidecarPath: '', nodePath: '', pluginDir: PLUGIN_DIR, env, fixedDirs: [] })).toMatchObject({ ok: true, command: node, args: [checkoutSidecar, '--stdio'], how: 'the Volt repository beside the plugin' });
  const r = locateSidecar({ sidecarPath: '', nodePath: '', pluginDir: path.join(tmp, 'vault', '.obsidian', 'plugins', 'volt'), env, fixedDirs: [] });
  expect(r.ok).toBe(false);
  expect(!r.ok && r.message).toMatch(/^Volt: no volt-lsp on PATH or in .*\.npm-global\/bin.* Install Volt \(npm install -g @volt\/cli\), or set Sidecar path in Settings → Volt\.$/);
  expect(locateSidecar({ sidecarPath: checkoutSidecar, nodePath: '', env: { PATH: path.join(tmp, 'empty'), HOME: env.HOME }, fixedDirs: [] })).toMatchObject({ ok: false, message: expect.stringMatching(/^Volt: no Node\.js on PATH or in the usual folders/) });
});

it('Node only in a fixed folder (Homebrew’s, here a test’s own) is found when PATH lacks it, and a volt-lsp.js in settings runs on it', () => {
  const brew = path.join(tmp, 'brew', 'bin');
  const brewNode = exe(brew, 'node');
  const bare = { PATH: path.join(tmp, 'empty'), HOME: env.HOME };
  expect(locateSidecar({ sidecarPath: checkoutSidecar, nodePath: '', env: bare, fixedDirs: [brew] })).toMatchObject({ ok: true, command: brewNode, args: [checkoutSidecar, '--stdio'], pathDirs: [brew] });
  // The same folder on PATH too: PATH's node comes first.
  expect(locateSidecar({ sidecarPath: checkoutSidecar, nodePath: '', env, fixedDirs: [brew] })).toMatchObject({ ok: true, command: node });
});

it("on Windows, npm's volt-lsp.cmd is run as the script it points at, on node.exe (a .cmd cannot be spawned as a program)", () => {
  const prefix = path.join(tmp, 'AppData', 'Roaming', 'npm');
  const nodeExe = exe(path.join(tmp, 'nodejs'), 'node.exe');
  const cmd = exe(prefix, 'volt-lsp.cmd');
  const winEnv = { PATH: [path.join(tmp, 'nodejs'), prefix].join(path.delimiter), HOME: env.HOME };
  // The shim without its package: said, with what to set instead.
  const lost = locateSidecar({ sidecarPath: '', nodePath: '', env: winEnv, fixedDirs: [], platform: 'win32' });
  expect(lost).toEqual({ ok: false, message: `Volt: found npm's shim ${cmd} but not the volt-lsp.js it runs beside it. Set Sidecar path in Settings → Volt to the volt-lsp.js of your install (npm root -g, then @volt/cli/bin/volt-lsp.js).` });
  const script = exe(path.join(prefix, 'node_modules', '@volt', 'cli', 'bin'), 'volt-lsp.js');
  expect(locateSidecar({ sidecarPath: '', nodePath: '', env: winEnv, fixedDirs: [], platform: 'win32' })).toEqual({
    ok: true, command: nodeExe, args: [script, '--stdio'], how: `volt-lsp at ${cmd}`, pathDirs: [path.dirname(nodeExe)],
  });
});
