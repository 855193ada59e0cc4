/** The Chromium the browser tests drive, and the esbuild bundle of a page's entry with the plugin's imports resolved as in a browser. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { PLUGIN_DIR, REPO_ROOT } from '../fixtures.js';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'obsidian');

export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // next
    }
  }
  throw new Error('no chromium on PATH: install it (scripts/setup.sh does: apt-get install chromium)');
}

/**
 * Bundles `entry` for a page: `obsidian` is the stand-in, the protocol the lsp-server's, and Node's
 * builtins are names that throw when called (in the page nothing that draws calls them: they find
 * and spawn the sidecar, which the page reaches through the test instead). `replace` swaps a module
 * the plugin imports (by the end of its path) for a page's own.
 */
export async function buildPage(entry: string, outfile: string, replace: Record<string, string> = {}): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    alias: { '@volt/lsp-server/protocol': path.join(REPO_ROOT, 'packages', 'lsp-server', 'src', 'protocol.ts'), obsidian: path.join(PLUGIN_DIR, 'tests', 'obsidian-stand-in.ts') },
    plugins: [
      {
        name: 'page-modules',
        setup(build) {
          build.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'no-node' }));
          build.onLoad({ filter: /.*/, namespace: 'no-node' }, (a) => ({
            contents: `const missing = () => { throw new Error('${a.path} is not in a browser page'); };
              export const existsSync = missing, statSync = missing, realpathSync = missing, pathToFileURL = missing, spawn = missing;
              export default new Proxy({}, { get: () => missing });`,
            loader: 'js',
          }));
          for (const [ending, file] of Object.entries(replace)) {
            build.onResolve({ filter: new RegExp(`${ending.replace(/[.]/g, '\\.')}$`) }, (a) => (a.importer.startsWith(path.join(PLUGIN_DIR, 'src')) ? { path: file } : undefined));
          }
        },
      },
    ],
    logLevel: 'warning',
  });
}
