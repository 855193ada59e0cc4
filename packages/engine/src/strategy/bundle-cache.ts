/**
 * Strategy bundles kept on disk, keyed by what they were bundled from, so a second `volt backtest`
 * of an unchanged strategy neither loads esbuild nor bundles (~35 ms of a ~200 ms process).
 *
 * One file per strategy path, `<cache>/<sha256 of the path>.json`: the bundle, and the size and
 * mtime of every installed package's file bundled into it. A record is used when the strategy's
 * content hash, taken again over the texts of its local files now (the strategy and the helpers it
 * imports), is the one it was bundled with, and every package file still has its size and mtime;
 * anything else bundles afresh and writes the record again. Not seen: a new file that would change
 * what an import resolves to (a `helper.ts` added beside a `helper.js`) while none of the inputs
 * changed; `--no-cache` bundles afresh.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleStrategy, type TranspiledStrategy } from './loader.js';
import type { CheckpointPlan } from '../runner/instrument.js';

/** Where the CLI keeps them, under the workspace, beside the candle cache. */
export const BUNDLE_CACHE_DIR = path.join('.volt', 'cache', 'bundles');

/** Bumped when the bundler's options or the record's layout change: older records are not read. */
const BUNDLE_FORMAT = 2;

interface PackageFile {
  path: string;
  size: number;
  mtimeMs: number;
}

interface BundleRecord {
  format: number;
  bundle: TranspiledStrategy;
  /** Where the runner puts its checkpoints in this bundle (runner/instrument.ts): the bundle is not parsed again on a hit. */
  checkpoints?: CheckpointPlan;
  packageFiles: PackageFile[];
}

export type BundleCacheUse = 'hit' | 'written' | 'unwritable';

/** transpileStrategy through the cache in `cacheDir`; a cache that cannot be read or written only costs the bundling. */
export async function transpileStrategyCached(file: string, cacheDir: string): Promise<{ bundle: TranspiledStrategy; cache: BundleCacheUse; checkpoints?: CheckpointPlan }> {
  const entry = path.resolve(file);
  const recordFile = path.join(cacheDir, `${createHash('sha256').update(entry).digest('hex').slice(0, 32)}.json`);
  const kept = readRecord(recordFile, entry);
  if (kept) return { bundle: kept.bundle, cache: 'hit', ...(kept.checkpoints ? { checkpoints: kept.checkpoints } : {}) };

  const { bundle, packageFiles } = await bundleStrategy(entry);
  const record: BundleRecord = { format: BUNDLE_FORMAT, bundle, packageFiles: [] };
  try {
    // A bundle the parser refuses is the runner's to report, at its run.
    try {
      record.checkpoints = (await import('../runner/instrument.js')).planCheckpoints(bundle.code, bundle.path);
    } catch {
      // Planned again at the run, and refused there with the reason.
    }
    for (const p of packageFiles) {
      const st = statSync(p);
      record.packageFiles.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
    }
    mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a reader never sees half a record.
    const tmp = `${recordFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, recordFile);
  } catch {
    try {
      rmSync(`${recordFile}.${process.pid}.tmp`, { force: true });
    } catch {
      // No directory to leave it in.
    }
    return { bundle, cache: 'unwritable', ...(record.checkpoints ? { checkpoints: record.checkpoints } : {}) };
  }
  return { bundle, cache: 'written', ...(record.checkpoints ? { checkpoints: record.checkpoints } : {}) };
}

function readRecord(recordFile: string, entry: string): BundleRecord | undefined {
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as BundleRecord;
  } catch {
    return undefined;
  }
  if (record.format !== BUNDLE_FORMAT || record.bundle?.path !== entry) return undefined;
  try {
    for (const p of record.packageFiles) {
      const st = statSync(p.path);
      if (st.size !== p.size || st.mtimeMs !== p.mtimeMs) return undefined;
    }
    // The content hash as transpileStrategy takes it, over the local files' texts as they are now.
    const { inputs, contentHash } = record.bundle;
    const cwd = path.dirname(entry);
    const hash = createHash('sha256');
    let source: string | undefined;
    if (inputs.length === 1) {
      source = readFileSync(entry, 'utf8');
      hash.update(source);
    } else {
      for (const p of inputs) {
        const text = readFileSync(p, 'utf8');
        if (p === entry) source = text;
        hash.update(path.relative(cwd, p)).update('\0').update(text).update('\0');
      }
    }
    if (hash.digest('hex') !== contentHash || source !== record.bundle.source) return undefined;
  } catch {
    return undefined;
  }
  return record;
}
