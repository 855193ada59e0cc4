// Bundles the sandbox host (src/runner/host.ts) with the engine code it runs into one CommonJS file,
// dist/runner/host.cjs: the process that runs strategy code may read only that file (Node's
// permission model), and one file also starts fastest. Packages the sandbox never uses (the journal's
// SQLite, the strategy bundler, exchanges, the TypeScript compiler) are left out as empty modules.
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const engine = join(here, '..');
// (yaml: volt.config.json and notes; acorn: the checkpoints, put in by the runner before a bundle is sent;
// ioredis and bullmq: the agent bus and the trial queue, ~400 KB a sandbox would compile at every start.)
const LEFT_OUT = ['better-sqlite3', 'esbuild', 'ccxt', 'typescript', 'chokidar', 'yaml', 'acorn', 'acorn-walk', 'ioredis', 'bullmq'];

const leaveOut = {
  name: 'volt-sandbox-leave-out',
  setup(build) {
    const filter = new RegExp(`^(${LEFT_OUT.join('|')})(/.*)?$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

await esbuild.build({
  entryPoints: [join(engine, 'src/runner/host.ts')],
  outfile: join(engine, 'dist/runner/host.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // The static analysis (which reads import.meta) is in the bundle only because the engine's index
  // re-exports it; the sandbox never runs it.
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [leaveOut],
});
