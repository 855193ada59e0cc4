/**
 * Where the sidecar and Node are: the path in the settings, then an installed `volt-lsp`, then the
 * Volt repository the plugin sits in (packages/obsidian-plugin → packages/lsp-server/bin/volt-lsp.js).
 * An installed program is found by @volt/lsp-server/locate, the search `volt doctor` and the VS Code
 * extension use too (PATH, then the usual global prefixes, because Obsidian started from a desktop
 * launcher often lacks the shell's PATH); the settings, Node and the checkout are the plugin's own.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { findProgram, globalBinDirs } from '@volt/lsp-server/locate';

export interface LocateInput {
  /** Settings → Volt → Sidecar path: a volt-lsp executable or its bin/volt-lsp.js. */
  sidecarPath: string;
  /** Settings → Volt → Node path; found on PATH when empty. */
  nodePath: string;
  /** The plugin's own folder (its manifest's dir, absolute). */
  pluginDir?: string;
  env: Record<string, string | undefined>;
  /** Folders looked in whatever the environment says (default @volt/lsp-server/locate's FIXED_BIN_DIRS; tests pass none). */
  fixedDirs?: readonly string[];
  /** Whose program names to look for (default process.platform; tests pass win32). */
  platform?: NodeJS.Platform;
}

export type Located = { ok: true; command: string; args: string[]; how: string; pathDirs: string[] } | { ok: false; message: string };

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** `name` in PATH's folders, then in the global prefixes. */
export function findExecutable(name: string, env: LocateInput['env'], fixedDirs?: readonly string[], platform?: NodeJS.Platform): string | undefined {
  return findProgram(name, env, { fixedDirs, ...(platform ? { platform } : {}) })?.file;
}

/**
 * The script behind npm's Windows shim of volt-lsp (`<prefix>/volt-lsp.cmd` runs
 * `<prefix>/node_modules/@volt/cli/bin/volt-lsp.js`): a .cmd cannot be spawned as a program, so the
 * plugin runs the script on Node, as the shim would.
 */
export function shimScript(cmd: string): string | undefined {
  const script = path.join(path.dirname(cmd), 'node_modules', '@volt', 'cli', 'bin', 'volt-lsp.js');
  return isFile(script) ? script : undefined;
}

/** The repository's sidecar when the plugin runs from packages/obsidian-plugin of a Volt checkout. */
export function checkoutSidecar(pluginDir: string | undefined): string | undefined {
  if (!pluginDir) return undefined;
  const file = path.resolve(pluginDir, '..', 'lsp-server', 'bin', 'volt-lsp.js');
  return existsSync(file) ? file : undefined;
}

export function locateSidecar(input: LocateInput): Located {
  const node = (): { ok: true; node: string } | { ok: false; message: string } => {
    if (input.nodePath) {
      if (!isFile(input.nodePath)) return { ok: false, message: `Volt: the Node path in settings, ${input.nodePath}, does not exist. Fix it in Settings → Volt, or clear it to use node from PATH.` };
      return { ok: true, node: input.nodePath };
    }
    const found = findExecutable('node', input.env, input.fixedDirs, input.platform);
    if (!found) return { ok: false, message: 'Volt: no Node.js on PATH or in the usual folders. Install Node 20.19 or newer, or set Node path in Settings → Volt.' };
    return { ok: true, node: found };
  };
  const viaNode = (script: string, how: string): Located => {
    const n = node();
    if (!n.ok) return n;
    return { ok: true, command: n.node, args: [script, '--stdio'], how, pathDirs: [path.dirname(n.node)] };
  };
  if (input.sidecarPath) {
    const p = input.sidecarPath;
    if (!isFile(p)) {
      return { ok: false, message: `Volt: the sidecar path in settings, ${p}, does not exist. Fix it in Settings → Volt (a volt-lsp, or a checkout's packages/lsp-server/bin/volt-lsp.js), or clear it to find volt-lsp automatically.` };
    }
    if (p.endsWith('.js') || p.endsWith('.mjs')) return viaNode(p, 'the sidecar path in settings');
    // An installed volt-lsp starts with `#!/usr/bin/env node`: it needs a node on its PATH.
    const n = node();
    return { ok: true, command: p, args: ['--stdio'], how: 'the sidecar path in settings', pathDirs: n.ok ? [path.dirname(n.node)] : [] };
  }
  const installed = findExecutable('volt-lsp', input.env, input.fixedDirs, input.platform);
  if (installed && /\.cmd$/i.test(installed)) {
    const script = shimScript(installed);
    if (script) return viaNode(script, `volt-lsp at ${installed}`);
    return { ok: false, message: `Volt: found npm's shim ${installed} but not the volt-lsp.js it runs beside it. Set Sidecar path in Settings → Volt to the volt-lsp.js of your install (npm root -g, then @volt/cli/bin/volt-lsp.js).` };
  }
  if (installed) {
    const n = node();
    return { ok: true, command: installed, args: ['--stdio'], how: `volt-lsp at ${installed}`, pathDirs: n.ok ? [path.dirname(n.node)] : [] };
  }
  const checkout = checkoutSidecar(input.pluginDir);
  if (checkout) return viaNode(checkout, 'the Volt repository beside the plugin');
  return {
    ok: false,
    message: `Volt: no volt-lsp on PATH or in ${globalBinDirs(input.env, input.fixedDirs).join(', ')}. Install Volt (npm install -g @volt/cli), or set Sidecar path in Settings → Volt.`,
  };
}
