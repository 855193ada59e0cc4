/**
 * Where an installed Volt's sidecar is. The extension prefers an installed `volt-lsp` (`npm install
 * -g @volt/cli`) to the sidecar bundled in it, so the editor, the terminal's `volt` and Neovim share
 * one release: PATH first, then the usual global prefixes (npm's prefix, ~/.npm-global, ~/.local,
 * Volta, Homebrew, /usr/local: VS Code started from a desktop launcher often lacks the shell's PATH).
 * The same order as volt.nvim's lua/volt/locate.lua and `volt doctor`.
 */
import { realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function globalBinDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? os.homedir();
  const dirs = [
    env.npm_config_prefix ? path.join(env.npm_config_prefix, 'bin') : undefined,
    env.NPM_CONFIG_PREFIX ? path.join(env.NPM_CONFIG_PREFIX, 'bin') : undefined,
    path.join(home, '.npm-global', 'bin'),
    path.join(home, '.local', 'bin'),
    path.join(home, '.volta', 'bin'),
    '/opt/homebrew/bin',
    '/usr/local/bin',
  ];
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}

export interface InstalledSidecar {
  /** The `volt-lsp` found (often a link into the prefix's lib/node_modules). */
  file: string;
  /** The JavaScript entry it links to, which the extension runs on the chosen Node. */
  script: string;
  via: 'PATH' | 'global prefix';
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `volt-lsp` on PATH, else in a global prefix; undefined when Volt is not installed. */
export function findInstalledSidecar(env: NodeJS.ProcessEnv = process.env): InstalledSidecar | undefined {
  // npm's Windows shims (.cmd) are not scripts Node can run; there the bundled sidecar is used.
  if (process.platform === 'win32') return undefined;
  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const [dirs, via] of [[pathDirs, 'PATH'], [globalBinDirs(env), 'global prefix']] as const) {
    for (const dir of dirs) {
      const file = path.join(dir, 'volt-lsp');
      if (!isFile(file)) continue;
      return { file, script: realpathSync(file), via };
    }
  }
  return undefined;
}

/** '' when the sidecar is of the extension's release, else the sentence that says it is not. */
export function versionMismatch(extensionVersion: string, serverVersion: string | undefined): string {
  if (serverVersion === undefined || serverVersion === extensionVersion) return '';
  return `the sidecar is volt-lsp ${serverVersion} but the Volt extension is ${extensionVersion}: install both from one release (npm install -g @volt/cli, and the .vsix of the same version)`;
}
