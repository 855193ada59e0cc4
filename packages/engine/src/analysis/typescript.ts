/**
 * TypeScript, loaded on first use. The compiler is ~80 MB of heap: every process that imports the
 * engine (the CLI, backtest workers) would pay for it at start-up, while only the analysis needs it.
 */
import { createRequire } from 'node:module';
import type * as ts from 'typescript';

let loaded: typeof ts | undefined;

export function typescript(): typeof ts {
  loaded ??= createRequire(import.meta.url)('typescript') as typeof ts;
  return loaded;
}
