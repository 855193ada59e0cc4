/**
 * Parsed candle files kept as columns of float64 on disk, so the next load is a read, not a parse.
 *
 * A file `volt` has loaded once is written to `<cache>/<content hash>.candles`: a 16-byte header
 * (`VOLTCDL1`, the metadata's byte length, the bar count), the metadata as JSON (symbol, timeframe,
 * what lenient loading repaired, the notes) padded to 8 bytes, then the six columns one after the
 * other (time, open, high, low, close, volume), little-endian. A load reads the file into one buffer
 * and the columns are views on it: nothing is parsed or copied. Only a load that passed the checks
 * (strict, or lenient with its repairs) is written, so a cached file has passed them once.
 *
 * The key is the SHA-256 of the file's bytes with the load options (lenient, symbol, onlySymbol,
 * timeframe) and the format's version. Hashing a 60 MB file costs more than reading its cache, so a
 * small pointer per path (`<cache>/by-path/<hash of path + options>.json`) remembers the content
 * hash with the size, mtime and inode it was taken at, as git's index does: a file whose stat still
 * matches is not hashed again; any change to it is a new hash, a new cache file, and the old one is
 * simply no longer read.
 *
 * Why not Apache Arrow IPC: the same columns in an Arrow file load no faster (both are a read and
 * views), and importing `apache-arrow` alone takes longer than reading a million cached bars; see
 * BENCHMARKS.md ("Candles from the binary cache").
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import type { CandleSeries } from './candle.js';
import { loadCandlesSync, parseCandleBytes, type LoadedCandles, type LoadOptions } from './load.js';

/** Where the CLI and the sidecar keep them, under the workspace: beside the exchange cache's CSV files. */
export const CANDLE_CACHE_DIR = path.join('.volt', 'cache', 'candles');

const MAGIC = 'VOLTCDL1';
const HEADER_BYTES = 16;
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
/** Bumped when the layout or what the loader makes of a file changes: old cache files are then not read. */
const CACHE_FORMAT = 1;

interface CachedMeta {
  symbol: string;
  timeframe: string;
  repairs: string[];
  notes: string[];
}

interface PathPointer {
  size: number;
  mtimeMs: number;
  ino: number;
  contentHash: string;
}

/** What a cached load did, for tests and notes: read the binary file, or parsed the text and wrote it. */
export type CacheUse = 'hit' | 'written' | 'unwritable';

export interface CachedLoad extends LoadedCandles {
  cache: CacheUse;
  /** The binary file read or written. */
  cacheFile: string;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * `loadCandlesSync` through the binary cache in `cacheDir`: the columns of the cache file when the
 * file's content was loaded before with the same options, else the text parsed (and checked) and
 * the cache file written beside for the next time. Errors are the loader's own.
 */
export function loadCandlesCached(file: string, cacheDir: string, options: LoadOptions = {}): CachedLoad {
  const optionsKey = JSON.stringify([CACHE_FORMAT, options.lenient === true, options.symbol ?? null, options.onlySymbol ?? null, options.timeframe ?? null]);
  const absolute = path.resolve(file);
  let stat: { size: number; mtimeMs: number; ino: number };
  try {
    stat = statSync(absolute);
  } catch {
    // The loader says why it cannot be read, in its own words.
    return { ...loadCandlesSync(file, options), cache: 'unwritable', cacheFile: '' };
  }
  const pointerFile = path.join(cacheDir, 'by-path', `${sha256(`${absolute}\0${optionsKey}`)}.json`);
  const pointer = readPointer(pointerFile);
  if (pointer && pointer.size === stat.size && pointer.mtimeMs === stat.mtimeMs && pointer.ino === stat.ino) {
    const cacheFile = path.join(cacheDir, `${pointer.contentHash}.candles`);
    const hit = readCacheFile(cacheFile, file);
    if (hit) return { ...hit, cache: 'hit', cacheFile };
  }
  // Unknown or changed: the bytes decide. A file copied elsewhere, or touched, finds its cache again.
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch {
    return { ...loadCandlesSync(file, options), cache: 'unwritable', cacheFile: '' };
  }
  const contentHash = createHash('sha256').update(optionsKey).update('\0').update(bytes).digest('hex');
  const cacheFile = path.join(cacheDir, `${contentHash}.candles`);
  const hit = readCacheFile(cacheFile, file);
  if (hit) {
    writePointer(pointerFile, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, contentHash });
    return { ...hit, cache: 'hit', cacheFile };
  }
  // The loader's UTF-16 check and every row check run here, once; a refused file is never cached.
  const loaded = parseCandleBytes(bytes, file, options);
  const written = writeCacheFile(cacheFile, loaded);
  if (written) writePointer(pointerFile, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, contentHash });
  return { ...loaded, cache: written ? 'written' : 'unwritable', cacheFile };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function readPointer(file: string): PathPointer | undefined {
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Partial<PathPointer>;
    if (typeof p.size === 'number' && typeof p.mtimeMs === 'number' && typeof p.ino === 'number' && typeof p.contentHash === 'string' && /^[0-9a-f]{64}$/.test(p.contentHash)) {
      return p as PathPointer;
    }
  } catch {
    // No pointer yet, or a broken one: hash the file.
  }
  return undefined;
}

function writePointer(file: string, pointer: PathPointer): void {
  try {
    atomicWrite(file, [Buffer.from(JSON.stringify(pointer))]);
  } catch {
    // A cache that cannot be written costs the next load a hash, nothing else.
  }
}

/** The columns of a cache file as views on one buffer; undefined when it is missing, short or not one. */
function readCacheFile(cacheFile: string, source: string): LoadedCandles | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  let fd: number;
  try {
    fd = openSync(cacheFile, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_BYTES) return undefined;
    // Its own ArrayBuffer, offset 0: the float64 views below need 8-byte alignment.
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, bytes, got, size - got, got);
      if (n === 0) return undefined;
      got += n;
    }
    if (Buffer.from(buffer, 0, 8).toString('latin1') !== MAGIC) return undefined;
    const header = new DataView(buffer);
    const metaBytes = header.getUint32(8, true);
    const length = header.getUint32(12, true);
    const columnsAt = HEADER_BYTES + pad8(metaBytes);
    if (size !== columnsAt + COLUMNS.length * 8 * length) return undefined;
    const meta = JSON.parse(Buffer.from(buffer, HEADER_BYTES, metaBytes).toString('utf8')) as CachedMeta;
    const column = (k: number): Float64Array => new Float64Array(buffer, columnsAt + k * 8 * length, length);
    const series: CandleSeries = {
      symbol: meta.symbol,
      timeframe: meta.timeframe,
      source: source,
      length,
      time: column(0),
      open: column(1),
      high: column(2),
      low: column(3),
      close: column(4),
      volume: column(5),
    };
    return { series, repairs: meta.repairs, notes: meta.notes };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function writeCacheFile(cacheFile: string, loaded: LoadedCandles): boolean {
  if (!LITTLE_ENDIAN) return false;
  const { series } = loaded;
  const meta: CachedMeta = { symbol: series.symbol, timeframe: series.timeframe, repairs: loaded.repairs, notes: loaded.notes };
  const metaBuffer = Buffer.from(JSON.stringify(meta), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES + pad8(metaBuffer.length));
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(metaBuffer.length, 8);
  header.writeUInt32LE(series.length, 12);
  metaBuffer.copy(header, HEADER_BYTES);
  const parts: Uint8Array[] = [header];
  for (const name of COLUMNS) {
    const c = series[name];
    parts.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  }
  try {
    atomicWrite(cacheFile, parts);
    return true;
  } catch {
    return false;
  }
}

/** Written beside and renamed: a reader sees the whole file or none, even with several writers. */
function atomicWrite(file: string, parts: Uint8Array[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  try {
    const fd = openSync(partial, 'w');
    try {
      for (const part of parts) {
        let done = 0;
        while (done < part.byteLength) done += writeSync(fd, part, done);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(partial, file);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}
