/**
 * Where an installed Volt's sidecar is. The extension prefers an installed `volt-lsp` (`npm install
 * -g @volt/cli`) to the sidecar bundled in it, so the editor, the terminal's `volt` and Neovim share
 * one release. The search (PATH first, then the usual global prefixes: VS Code started from a
 * desktop launcher often lacks the shell's PATH) is @volt/lsp-server/locate's, the one `volt doctor`
 * and the Obsidian plugin use; what is the extension's own is here: no search on Windows, and the
 * script the found link points to.
 */
import { realpathSync } from 'node:fs';
import { findProgram } from '@volt/lsp-server/locate';

export interface InstalledSidecar {
  /** The `volt-lsp` found (often a link into the prefix's lib/node_modules). */
  file: string;
  /** The JavaScript entry it links to, which the extension runs on the chosen Node. */
  script: string;
  via: 'PATH' | 'global prefix';
}

/** The first `volt-lsp` on PATH, else in a global prefix; undefined when Volt is not installed. */
export function findInstalledSidecar(env: NodeJS.ProcessEnv = process.env): InstalledSidecar | undefined {
  // npm's Windows shims (.cmd) are not scripts Node can run; there the bundled sidecar is used.
  if (process.platform === 'win32') return undefined;
  const found = findProgram('volt-lsp', env);
  return found ? { file: found.file, script: realpathSync(found.file), via: found.via } : undefined;
}

/** '' when the sidecar is of the extension's release, else the sentence that says it is not. */
export function versionMismatch(extensionVersion: string, serverVersion: string | undefined): string {
  if (serverVersion === undefined || serverVersion === extensionVersion) return '';
  return `the sidecar is volt-lsp ${serverVersion} but the Volt extension is ${extensionVersion}: install both from one release (npm install -g @volt/cli, and the .vsix of the same version)`;
}
