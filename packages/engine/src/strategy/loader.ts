import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin, SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
// Loaded when a strategy is bundled, not by every process that evaluates one (bundle-cache.ts).
import type * as esbuild from 'esbuild';
import { VoltError, isVoltError } from '../errors.js';
import type { LoadedStrategy, StrategyDefinition } from './types.js';
import { validateStrategy } from './validate.js';

/** A strategy file bundled into one CommonJS module, ready to evaluate (in this thread or a worker). */
export interface TranspiledStrategy {
  /** Absolute path of the .strategy.ts file. */
  path: string;
  /** CommonJS code with an inline source map; `@volt/engine` stays a `require`. */
  code: string;
  /** Absolute paths of every local file bundled, the strategy first: what a watcher should watch. */
  inputs: string[];
  /**
   * sha256 (hex) of the strategy's source text when it imports no local files; otherwise of every
   * input's path (relative to the strategy) and text, so editing a helper also changes the hash.
   */
  contentHash: string;
  /** The strategy file's text as it was bundled (for placing validation errors on their line). */
  source: string;
}

const ENGINE_MODULE = '@volt/engine';

const LOADERS: Record<string, esbuild.Loader> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx',
  '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.json': 'json',
};

/** The name the bundle runs under; stack frames carry it, and the source map leads back from it. */
function bundleName(file: string): string {
  return `${file}.bundle.cjs`;
}

function isLocal(file: string): boolean {
  return !file.split(path.sep).includes('node_modules');
}

/** esbuild reports columns in UTF-8 bytes from 0; editors count characters from 1. */
function charColumn(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8').length + 1;
}

function buildError(failure: unknown, file: string, cwd: string): VoltError {
  const messages: esbuild.Message[] =
    typeof failure === 'object' && failure !== null && Array.isArray((failure as { errors?: unknown }).errors)
      ? (failure as esbuild.BuildFailure).errors
      : [];
  const first = messages[0];
  if (!first) {
    return new VoltError({
      kind: 'strategy',
      message: `could not bundle the strategy: ${failure instanceof Error ? failure.message : String(failure)}`,
      file,
      hint: 'check that the file exists and is readable',
      cause: failure,
    });
  }
  const loc = first.location;
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more error${messages.length > 2 ? 's' : ''})` : '';
  const unresolved = /^Could not resolve "([^"]+)"/.exec(first.text);
  const hint = unresolved
    ? `'${unresolved[1]}' was not found: a strategy can import @volt/engine, node built-ins, its own files ` +
      `('./helper') and packages installed beside it (npm install ${unresolved[1]})`
    : 'fix the syntax at this spot; the strategy is not run until it parses';
  return new VoltError({
    kind: 'strategy',
    message: first.text + more,
    file: loc ? path.resolve(cwd, loc.file) : file,
    line: loc?.line,
    column: loc ? charColumn(loc.lineText, loc.column) : undefined,
    hint,
    cause: failure,
  });
}

/**
 * Bundles a strategy and the local files it imports into one CommonJS module (platform node,
 * inline source map). `@volt/engine` stays external so the strategy runs against the engine of the
 * process that loads it; node built-ins stay external; installed packages are bundled in. Syntax
 * errors and unresolvable imports become a VoltError with file:line:col and esbuild's message.
 */
export async function transpileStrategy(file: string): Promise<TranspiledStrategy> {
  return (await bundleStrategy(file)).bundle;
}

/** transpileStrategy, with the installed packages' files it bundled (what a cached bundle must also check). */
export async function bundleStrategy(file: string): Promise<{ bundle: TranspiledStrategy; packageFiles: string[] }> {
  const entry = path.resolve(file);
  const cwd = path.dirname(entry);
  if (!existsSync(entry)) {
    throw new VoltError({
      kind: 'strategy',
      file: entry,
      message: 'no such strategy file',
      hint: 'check the path; a strategy is a *.strategy.ts file (volt init scaffolds one)',
    });
  }
  // What esbuild actually read, so the hash describes exactly the code that was bundled, even if
  // the editor writes the file again while we bundle.
  const texts = new Map<string, string>();
  const recordSources: esbuild.Plugin = {
    name: 'volt-strategy-sources',
    setup(build) {
      // Before tsconfig `paths` can point it at the engine's sources: the strategy must share the
      // engine instance of the process running it.
      build.onResolve({ filter: /^@volt\/engine$/ }, () => ({ path: ENGINE_MODULE, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined || !isLocal(args.path)) return undefined;
        const contents = await readFile(args.path, 'utf8');
        texts.set(args.path, contents);
        return { contents, loader };
      });
    },
  };

  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    const { build } = await import('esbuild');
    result = await build({
      entryPoints: [entry],
      absWorkingDir: cwd,
      outfile: bundleName(entry),
      bundle: true,
      write: false,
      metafile: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [recordSources],
    });
  } catch (e) {
    throw buildError(e, entry, cwd);
  }

  const output = result.outputFiles.find((o) => o.path.endsWith('.cjs')) ?? result.outputFiles[0];
  if (!output) throw new VoltError({ kind: 'internal', message: 'esbuild produced no output', file: entry });

  const read = Object.keys(result.metafile.inputs).map((p) => path.resolve(cwd, p));
  const others = read.filter((p) => p !== entry && isLocal(p)).sort();
  const packageFiles = read.filter((p) => !isLocal(p)).sort();
  const inputs = [entry, ...others];

  const hash = createHash('sha256');
  if (others.length === 0) {
    hash.update(texts.get(entry) ?? (await readFile(entry, 'utf8')));
  } else {
    for (const p of inputs) {
      const text = texts.get(p) ?? (await readFile(p, 'utf8'));
      hash.update(path.relative(cwd, p)).update('\0').update(text).update('\0');
    }
  }
  const source = texts.get(entry) ?? (await readFile(entry, 'utf8'));
  return { bundle: { path: entry, code: output.text, inputs, contentHash: hash.digest('hex'), source }, packageFiles };
}

interface EvaluatedBundle {
  code: string;
  file: string;
  map?: SourceMap;
  /** Undoes an instrumented bundle's column shift (see runner/instrument.ts). */
  columnOf?: (line0: number, column0: number) => number;
}

/** How the sandbox's runner evaluates a bundle; the defaults are an ordinary in-process load. */
export interface EvaluateOptions {
  /** Extra names the bundle's code sees as parameters of its wrapper (the runner's checkpoint). */
  scope?: Record<string, unknown>;
  /** What `require(id)` of a node built-in gives; default: the built-in itself. */
  requireBuiltin?: (id: string) => unknown;
  /** For stack frames of an instrumented bundle: its column as esbuild wrote it (0-based in, 0-based out). */
  columnOf?: (line0: number, column0: number) => number;
  /**
   * Compiled bundles to reuse (a sweep's sandbox keeps one per process). Each evaluation still runs
   * the module's top level afresh, so no state passes from one to the next; what is kept is the
   * parsed code, and with it what V8 learned and optimised while earlier evaluations ran.
   */
  compiled?: Map<string, { wrapper: string; run: Function }>;
}

/** Each evaluated strategy's bundle, so errors its code throws later (in onBar) can be placed too. */
const bundles = new WeakMap<object, EvaluatedBundle>();

function sourceMapOf(bundle: EvaluatedBundle): SourceMap | undefined {
  if (bundle.map) return bundle.map;
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(bundle.code);
  if (!m) return undefined;
  const payload = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as SourceMapPayload;
  bundle.map = new SourceMap(payload);
  return bundle.map;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where in the strategy's own files an error thrown by its bundled code happened. */
function locateInBundle(error: unknown, bundle: EvaluatedBundle): { file: string; line: number; column: number } | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const frame = new RegExp(`${escapeRegExp(bundleName(bundle.file))}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  const map = sourceMapOf(bundle);
  if (!map) return undefined;
  const line0 = Number(frame[1]) - 1;
  const column0 = Number(frame[2]) - 1;
  const entry = map.findEntry(line0, bundle.columnOf ? bundle.columnOf(line0, column0) : column0) as Partial<{
    originalSource: string;
    originalLine: number;
    originalColumn: number;
  }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  return {
    file: path.resolve(path.dirname(bundle.file), entry.originalSource),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
  };
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `threw ${typeof error === 'string' ? `'${error}'` : String(error)}`;
}

function placeError(error: unknown, bundle: EvaluatedBundle, while_: string, hint: string): VoltError {
  const at = locateInBundle(error, bundle);
  if (isVoltError(error)) {
    if (error.file !== undefined) return error;
    return new VoltError({
      kind: error.kind,
      message: error.message,
      hint: error.hint,
      file: at?.file ?? bundle.file,
      line: at?.line,
      column: at?.column,
      cause: error,
    });
  }
  return new VoltError({
    kind: 'strategy',
    message: `${describeThrown(error)} (${while_})`,
    file: at?.file ?? bundle.file,
    line: at?.line,
    column: at?.column,
    hint,
    cause: error,
  });
}

/**
 * Runs bundled strategy code and returns its default export (not yet validated). Each call runs
 * the code afresh, with no module cache, so evaluating new code after an edit gives new behaviour.
 * `require('@volt/engine')` yields the engine this process runs; node built-ins are allowed (the
 * sidecar's static checks flag I/O); anything else is refused. A throw at the module's top level
 * becomes a VoltError at the strategy's line, through the bundle's source map.
 */
export async function evaluateStrategy(code: string, file: string, options: EvaluateOptions = {}): Promise<unknown> {
  const entry = path.resolve(file);
  // Imported when first needed: the engine's index re-exports this module.
  const engine: unknown = await import('../index.js');
  const nodeRequire = options.requireBuiltin ?? createRequire(entry);
  const strategyRequire = (id: string): unknown => {
    if (id === ENGINE_MODULE) return engine;
    if (isBuiltin(id)) return nodeRequire(id);
    throw new VoltError({
      kind: 'strategy',
      message: `the strategy requires '${id}', which cannot be loaded at run time`,
      hint: 'import @volt/engine, node built-ins, your own files or installed packages with a static import',
    });
  };

  const bundle: EvaluatedBundle = { code, file: entry };
  if (options.columnOf) bundle.columnOf = options.columnOf;
  const module = { exports: {} as Record<string, unknown> };
  const scope = Object.entries(options.scope ?? {});
  try {
    const names = ['exports', 'require', 'module', '__filename', '__dirname', ...scope.map(([name]) => name)];
    // Keyed by the code itself (the same string each trial, so its hash is computed once), checked against the rest.
    const wrapper = `${entry}\0${names.join(',')}`;
    const hit = options.compiled?.get(code);
    let run = hit?.wrapper === wrapper ? hit.run : undefined;
    if (!run) {
      run = vm.compileFunction(code, names, { filename: bundleName(entry) });
      options.compiled?.set(code, { wrapper, run });
    }
    run.call(module.exports, module.exports, strategyRequire, module, entry, path.dirname(entry), ...scope.map(([, value]) => value));
  } catch (e) {
    throw placeError(
      e,
      bundle,
      'while loading the strategy',
      'this code runs once when the file is loaded, before any bar: fix it, or move it into onBar',
    );
  }
  const exported = module.exports;
  const value = exported !== null && typeof exported === 'object' && 'default' in exported ? exported.default : undefined;
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) bundles.set(value, bundle);
  return value;
}

/**
 * An error thrown by a loaded strategy's own code (onBar, indicators) as a VoltError on the line
 * of the strategy (or helper file) that threw. The backtester and the sidecar report run-time
 * failures through this.
 */
export function strategyRuntimeError(
  error: unknown,
  strategy: LoadedStrategy | StrategyDefinition,
  while_ = 'while running onBar',
): VoltError {
  const definition = 'definition' in strategy ? strategy.definition : strategy;
  const bundle = bundles.get(definition);
  const file = 'definition' in strategy ? strategy.path : undefined;
  if (!bundle) {
    if (isVoltError(error)) return error;
    return new VoltError({
      kind: 'strategy',
      message: `${describeThrown(error)} (${while_})`,
      file,
      hint: 'fix the strategy code that threw',
      cause: error,
    });
  }
  return placeError(error, bundle, while_, 'fix the strategy code that threw; the run stopped at this bar');
}

/** Bundles, runs and validates a `.strategy.ts` file: what the CLI, the sidecar and workers call. */
export async function loadStrategyFile(file: string): Promise<LoadedStrategy> {
  const bundle = await transpileStrategy(file);
  return loadTranspiledStrategy(bundle);
}

/** Runs and validates an already bundled strategy (a worker receives the bundle from the server). */
export async function loadTranspiledStrategy(bundle: TranspiledStrategy, options?: EvaluateOptions): Promise<LoadedStrategy> {
  const value = await evaluateStrategy(bundle.code, bundle.path, options);
  const definition = validateStrategy(value, bundle.path, bundle.source);
  return { definition, path: bundle.path, contentHash: bundle.contentHash, inputs: bundle.inputs };
}
