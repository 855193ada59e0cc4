// Builds what Obsidian loads from .obsidian/plugins/volt/ (as the official sample plugin does):
//   main.js     the plugin, CommonJS; obsidian, electron, @codemirror/* and Node's builtins stay
//               external (Obsidian and Electron provide them), lightweight-charts and
//               vscode-jsonrpc are bundled in
//   styles.css  src/styles.css
// `node esbuild.config.mjs --production` minifies and drops the source map; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');

const options = {
  entryPoints: { main: join(here, 'src/main.ts'), styles: join(here, 'src/styles.css') },
  outdir: here,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'es2022',
  external: ['obsidian', 'electron', '@codemirror/*', '@lezer/*', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
  alias: {
    '@volt/lsp-server/protocol': join(here, '../lsp-server/src/protocol.ts'),
    '@volt/lsp-server/locate': join(here, '../lsp-server/src/locate.ts'),
  },
  sourcemap: production ? false : 'inline',
  minify: production,
  logLevel: 'warning',
};

if (process.argv.includes('--watch')) await (await esbuild.context(options)).watch();
else await esbuild.build(options);
