#!/usr/bin/env node
// Runs every benchmark in bench/*.mjs (or those named on the command line) against the built
// packages and prints their figures. Each benchmark measures a peer in the same run and prints the
// ratio, so the numbers mean something on any machine. Nothing here fails on a slow machine.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const benchDir = fileURLToPath(new URL('../bench/', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => wanted.length === 0 || wanted.includes(path.basename(f, '.mjs')))
  .sort();

if (files.length === 0) {
  console.error(`bench: nothing matches ${wanted.join(', ')}; available: ${readdirSync(benchDir).join(', ')}`);
  process.exit(2);
}

for (const file of files) {
  const name = path.basename(file, '.mjs');
  console.log(`\n## ${name}`);
  const started = process.hrtime.bigint();
  const mod = await import(pathToFileURL(path.join(benchDir, file)).href);
  const lines = await mod.run();
  for (const line of lines ?? []) console.log(line);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`(${name}: ${seconds.toFixed(1)} s)`);
}
