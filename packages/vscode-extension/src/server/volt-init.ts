/**
 * `volt init` as the extension ships it, for "Volt: New Strategy Folder": packages/cli's init
 * bundled by esbuild.config.mjs into dist/server/bin/volt-init.js, run on the same Node as the
 * sidecar. The engine's declarations it copies into the folder are the ones bundled beside it
 * (dist/server/**\/*.d.ts, laid out as the engine's dist/), so a .vsix user gets the same folder as
 * `volt init` gives, with no Volt installed.
 */
import { fileURLToPath } from 'node:url';
import { isVoltError } from '@volt/engine';
import { run } from '@volt/cli/init';

run(process.argv.slice(2), { engineDist: fileURLToPath(new URL('..', import.meta.url)) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`volt init: ${isVoltError(e) ? e.format() : e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
