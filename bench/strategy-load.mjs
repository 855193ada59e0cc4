// Strategy loading, the cost paid on every save before a backtest can start: Volt bundles the
// strategy and its local imports with esbuild, evaluates the bundle afresh (no module cache) and
// validates its shape. The peer is TypeScript's own transpileModule on the same files (what a
// ts-node style loader does first), transpiling only: no bundling, no evaluation, no validation.
// Figures are milliseconds per load (median of several after a warm-up); the ratio is peer ÷ Volt.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import ts from 'typescript';
import { loadStrategyFile } from '../packages/engine/dist/index.js';

const EXAMPLES = fileURLToPath(new URL('../examples/strategies/', import.meta.url));
const RUNS = 15;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeMs(fn) {
  const times = [];
  await fn();
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

export async function run() {
  const tsVersion = createRequire(import.meta.url)('typescript/package.json').version;
  const lines = [`strategy        files  volt load ms  typescript transpile ms  ratio (peer ÷ volt)`];
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.strategy.ts')).sort();
  const transpile = (inputs) => {
    for (const input of inputs) {
      ts.transpileModule(readFileSync(input, 'utf8'), {
        fileName: input,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
      });
    }
  };
  const inputsOf = new Map();
  for (const f of files) inputsOf.set(f, (await loadStrategyFile(path.join(EXAMPLES, f))).inputs);
  // Warm both over every file first, so no strategy is measured while its compiler is still cold.
  for (let round = 0; round < 10; round++) {
    for (const f of files) {
      await loadStrategyFile(path.join(EXAMPLES, f));
      transpile(inputsOf.get(f));
    }
  }
  for (const f of files) {
    const file = path.join(EXAMPLES, f);
    const inputs = inputsOf.get(f);
    const volt = await timeMs(() => loadStrategyFile(file));
    const peer = await timeMs(async () => transpile(inputs));
    lines.push(
      `${f.replace('.strategy.ts', '').padEnd(20)}${String(inputs.length).padStart(2)}${volt.toFixed(2).padStart(14)}` +
        `${peer.toFixed(2).padStart(25)}${(peer / volt).toFixed(2).padStart(21)}×`,
    );
  }
  lines.push(`(peer: typescript ${tsVersion} transpileModule, transpile only; median of ${RUNS} after warming both on every file)`);
  return lines;
}
