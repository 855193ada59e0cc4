/**
 * The sandbox host started from V8's code cache of it (scripts/host-boot.cjs, made at build time by
 * scripts/build-host.mjs): a sandbox then does not compile the host's ~1 MB at every start. V8 takes
 * a cache only under the V8 flags it was made with, so the runner and the build take them from here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The V8 flags of every sandbox (the heap limit is backtest.maxMemoryMb). */
export function sandboxV8Flags(maxMemoryMb: number): string[] {
  return ['--disallow-code-generation-from-strings', `--max-old-space-size=${maxMemoryMb}`, '--max-semi-space-size=2'];
}

/** The cache's file name beside host.cjs, per heap limit (the build makes the default's). */
export function codeCacheName(maxMemoryMb: number): string {
  return `host.${maxMemoryMb}mb.v8cache`;
}

/** The boot file and cache for a host and heap limit, when both were built beside it. */
export function codeCacheFor(hostFile: string, maxMemoryMb: number): { boot: string; cache: string } | undefined {
  const dir = path.dirname(hostFile);
  const boot = path.join(dir, 'host-boot.cjs');
  const cache = path.join(dir, codeCacheName(maxMemoryMb));
  if (path.basename(hostFile) !== 'host.cjs' || !existsSync(boot) || !existsSync(cache)) return undefined;
  return { boot, cache };
}
