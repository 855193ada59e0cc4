/**
 * TypeScript, loaded on first use. The compiler is ~80 MB of heap: every process that imports the
 * engine (the CLI, backtest workers) would pay for it at start-up, while only the analysis needs it.
 */
import { createRequire, Module } from 'node:module';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type * as ts from 'typescript';

let loaded: typeof ts | undefined;

export function typescript(): typeof ts {
  loaded ??= loadTypeScript();
  return loaded;
}

/** The parts of Node's CommonJS loader used below (stable for years, not in @types/node). */
interface LoadableModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(source: string, filename: string): void;
}

/**
 * `require('typescript')`, but with the 9 MB source read in small pieces. Node's loader reads a
 * module's text into one buffer that doubles as it fills (1, 2, 4, 8, 16 MB); freeing those makes
 * glibc raise its mmap threshold to 16 MB and its trim threshold to 32 MB for the rest of the
 * process, after which every allocation below 16 MB (the compilers' zones, message buffers) comes
 * from the per-thread arenas, which then never shrink. In the sidecar that was ~55 MB of resident
 * memory growing over a few hundred edits; read this way the thresholds stay near 1 MB and the
 * arenas hold ~20 MB. Any surprise falls back to the plain require.
 */
function loadTypeScript(): typeof ts {
  const require = createRequire(import.meta.url);
  try {
    const file = require.resolve('typescript');
    const cached = require.cache[file];
    if (cached) return cached.exports as typeof ts;
    const CommonJs = Module as unknown as { new (id: string): LoadableModule; _nodeModulePaths(dir: string): string[] };
    const module = new CommonJs(file);
    module.filename = file;
    module.paths = CommonJs._nodeModulePaths(path.dirname(file));
    module._compile(readInSmallPieces(file), file);
    module.loaded = true;
    require.cache[file] = module as unknown as NodeModule;
    return module.exports as typeof ts;
  } catch {
    return require('typescript') as typeof ts;
  }
}

/** A text file read 64 KB at a time, so no large buffer is ever allocated and freed. */
function readInSmallPieces(file: string): string {
  const fd = openSync(file, 'r');
  const piece = new Uint8Array(64 * 1024);
  const decoder = new TextDecoder();
  const parts: string[] = [];
  try {
    for (let n = readSync(fd, piece); n > 0; n = readSync(fd, piece)) {
      parts.push(decoder.decode(piece.subarray(0, n), { stream: true }));
    }
  } finally {
    closeSync(fd);
  }
  parts.push(decoder.decode());
  return parts.join('');
}
