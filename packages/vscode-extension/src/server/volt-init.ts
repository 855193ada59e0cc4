/**
 * `volt init` as the extension ships it, for "Volt: New Strategy Folder": the engine's
 * initWorkspace, bundled by esbuild.config.mjs into dist/server/bin/volt-init.js and run on the same
 * Node as the sidecar. The declarations it copies into the folder are the ones bundled beside it
 * (dist/server/**\/*.d.ts, laid out as the engine's dist/, with dist/server/package.json giving
 * their version), so a .vsix user gets the folder `volt init` makes, with no Volt installed.
 *   node volt-init.js DIR   → the lines of what was done on stdout; a refusal on stderr, exit 1
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWorkspace, isVoltError } from '@volt/engine';

try {
  const dir = path.resolve(process.argv[2] ?? '.');
  const { done } = initWorkspace(dir, { engineDist: fileURLToPath(new URL('..', import.meta.url)) });
  process.stdout.write([`volt init: set up ${dir}`, ...done.map((d) => `  ${d}`), ''].join('\n'));
} catch (e) {
  process.stderr.write(`volt init: ${isVoltError(e) ? e.format() : e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
