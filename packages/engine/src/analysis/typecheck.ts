/**
 * TypeScript's own syntax and type errors for strategy files, from one long-lived LanguageService
 * over an in-memory host. Keeping the service (and its document registry) alive between edits is
 * what makes re-checking fast: the standard library and the engine's types are parsed once, and an
 * edit re-parses only the strategy that changed.
 */
import type * as ts from 'typescript';
import { typescript as T } from './typescript.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, FindingSeverity } from './types.js';

/** Where `@volt/engine` resolves for a strategy: the built declarations, else the sources (tests, dev). */
function engineEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dts = path.resolve(here, '..', 'index.d.ts');
  if (existsSync(dts)) return dts;
  return path.resolve(here, '..', 'index.ts');
}

/**
 * What `import … from '@volt/engine'` in a strategy sees by default: the strategy-facing part of
 * the engine (strategy API, indicators, candles, reports). The whole engine's types pull in the
 * journal's, the LLM client's and the exchange library's declarations, which multiply the cost of
 * every check; a strategy that imports something outside this part is switched to the whole.
 */
const STRATEGY_API = ['./errors.js', './strategy/index.js', './indicators/index.js', './data/candle.js', './data/timeframe.js', './backtest/types.js', './metrics/types.js', './options/index.js']
  .map((m) => `export * from '${m}';`)
  .join('\n');
/**
 * The globals a strategy's code can reach at run time, beyond the ES library: what Node offers
 * every module, declared briefly instead of loading @types/node (slow, and mostly APIs a strategy
 * must not use). I/O among them (fetch, process, require) type-checks so VOLT106 alone reports it.
 * `volt init` writes the same into a folder's types/volt-engine/globals.d.ts, so the editor's
 * TypeScript agrees with the sidecar's.
 */
export const STRATEGY_GLOBALS = `
interface VoltConsole {
  log(...data: unknown[]): void; info(...data: unknown[]): void; warn(...data: unknown[]): void;
  error(...data: unknown[]): void; debug(...data: unknown[]): void; trace(...data: unknown[]): void;
  table(data: unknown, columns?: string[]): void; time(label?: string): void; timeEnd(label?: string): void;
}
declare var console: VoltConsole;
declare function structuredClone<T>(value: T): T;
declare function queueMicrotask(callback: () => void): void;
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
declare function clearTimeout(handle: unknown): void;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
declare function clearInterval(handle: unknown): void;
declare function fetch(input: unknown, init?: unknown): Promise<any>;
declare var process: any;
declare function require(id: string): any;
`;

/** Compiler codes for "module has no exported member": the strategy needs the whole engine. */
const MISSING_EXPORT = new Set([2305, 2724, 2614, 2459, 2460]);

/** Built on first use: the enums live in the lazily loaded compiler. */
function compilerOptions(): ts.CompilerOptions {
  return {
    target: T().ScriptTarget.ES2022,
    module: T().ModuleKind.ESNext,
    moduleResolution: T().ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ['lib.es2023.d.ts'],
    // No @types/node: a strategy has no business with Node's APIs, and loading them costs ~100 ms.
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    isolatedModules: true,
    esModuleInterop: true,
  };
}

interface OpenScript {
  text: string;
  version: number;
}

/** Files the checker holds in memory at once; the least recently checked is dropped past this. */
const MAX_OPEN_SCRIPTS = 64;

export class StrategyTypeChecker {
  private readonly scripts = new Map<string, OpenScript>();
  /** Snapshots of files read from disk (lib, engine types, a strategy's own helpers), by mtime. */
  private readonly diskCache = new Map<string, { mtimeMs: number; snapshot: ts.IScriptSnapshot }>();
  private readonly service: ts.LanguageService;
  private readonly engine = engineEntry();
  private readonly strategyApi = path.join(path.dirname(this.engine), '__volt_strategy_api__.d.ts').split(path.sep).join('/');
  private readonly strategyApiSnapshot = T().ScriptSnapshot.fromString(STRATEGY_API);
  private readonly globals = path.join(path.dirname(this.engine), '__volt_globals__.d.ts').split(path.sep).join('/');
  private readonly globalsSnapshot = T().ScriptSnapshot.fromString(STRATEGY_GLOBALS);
  /** Files that import more of the engine than the strategy API (sticky while open). */
  private readonly wide = new Set<string>();
  private projectVersion = 0;

  constructor(registry: ts.DocumentRegistry = T().createDocumentRegistry(undefined, undefined, T().JSDocParsingMode.ParseForTypeErrors)) {
    const options = compilerOptions();
    const host: ts.LanguageServiceHost = {
      getProjectVersion: () => String(this.projectVersion),
      // Doc comments matter to no diagnostic we report: skip parsing them (strategies are full of them).
      jsDocParsingMode: T().JSDocParsingMode.ParseForTypeErrors,
      getCompilationSettings: () => options,
      getScriptFileNames: () => [this.globals, ...this.scripts.keys()],
      getScriptVersion: (f) => {
        if (f === this.strategyApi || f === this.globals) return '1';
        const open = this.scripts.get(f);
        if (open) return String(open.version);
        return String(this.readDisk(f)?.mtimeMs ?? 0);
      },
      getScriptSnapshot: (f) => {
        if (f === this.strategyApi) return this.strategyApiSnapshot;
        if (f === this.globals) return this.globalsSnapshot;
        const open = this.scripts.get(f);
        if (open) return T().ScriptSnapshot.fromString(open.text);
        return this.readDisk(f)?.snapshot;
      },
      getCurrentDirectory: () => process.cwd(),
      getDefaultLibFileName: (o) => T().getDefaultLibFilePath(o),
      fileExists: (f) => f === this.strategyApi || f === this.globals || this.scripts.has(f) || T().sys.fileExists(f),
      readFile: (f) =>
        f === this.strategyApi ? STRATEGY_API : f === this.globals ? STRATEGY_GLOBALS : (this.scripts.get(f)?.text ?? this.readStable(f)),
      readDirectory: T().sys.readDirectory,
      directoryExists: T().sys.directoryExists,
      getDirectories: T().sys.getDirectories,
      realpath: T().sys.realpath,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((lit) => {
          if (lit.text === '@volt/engine') {
            const whole = this.wide.has(containingFile);
            const target = whole ? this.engine : this.strategyApi;
            return {
              resolvedModule: {
                resolvedFileName: target,
                extension: target.endsWith('.d.ts') ? T().Extension.Dts : T().Extension.Ts,
                isExternalLibraryImport: false,
              },
            };
          }
          return T().resolveModuleName(lit.text, containingFile, options, T().sys);
        }),
    };
    this.service = T().createLanguageService(host, registry);
  }

  private readDisk(file: string): { mtimeMs: number; snapshot: ts.IScriptSnapshot } | undefined {
    const cached = this.diskCache.get(file);
    // Library and engine declarations do not change under a running server; helpers next to a
    // strategy might, so anything outside node_modules and the TypeScript lib is re-stat'ed.
    if (cached && (file.includes('node_modules') || file.endsWith('.d.ts'))) return cached;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    const text = T().sys.readFile(file);
    if (text === undefined) return undefined;
    const entry = { mtimeMs, snapshot: T().ScriptSnapshot.fromString(text) };
    this.diskCache.set(file, entry);
    return entry;
  }

  /** package.json and declaration files are read at every program build: keep them. */
  private readonly stableFiles = new Map<string, string | undefined>();
  private readStable(file: string): string | undefined {
    if (!file.endsWith('package.json') && !file.endsWith('.d.ts')) return T().sys.readFile(file);
    if (!this.stableFiles.has(file)) this.stableFiles.set(file, T().sys.readFile(file));
    return this.stableFiles.get(file);
  }

  /** Makes `text` the current content of `fileName`; cheap when nothing changed. */
  update(fileName: string, text: string): void {
    const key = normalize(fileName);
    const open = this.scripts.get(key);
    if (open && open.text === text) {
      // Refresh recency for eviction.
      this.scripts.delete(key);
      this.scripts.set(key, open);
      return;
    }
    this.scripts.delete(key);
    this.scripts.set(key, { text, version: (open?.version ?? 0) + 1 });
    // A namespace import can reach anything: give it the whole engine from the start.
    if (/import\s+\*\s+as\s+\w+\s+from\s+['"]@volt\/engine['"]/.test(text)) this.wide.add(key);
    while (this.scripts.size > MAX_OPEN_SCRIPTS) {
      const oldest = this.scripts.keys().next().value as string;
      this.scripts.delete(oldest);
    }
    this.projectVersion++;
  }

  /** Drops a file (closed in the editor). */
  forget(fileName: string): void {
    this.wide.delete(normalize(fileName));
    if (this.scripts.delete(normalize(fileName))) this.projectVersion++;
  }

  /** The parsed tree of the current text, shared with the type check (no second parse). */
  sourceFile(fileName: string): ts.SourceFile | undefined {
    return this.service.getProgram()?.getSourceFile(normalize(fileName));
  }

  check(fileName: string): Finding[] {
    const key = normalize(fileName);
    const syntactic = this.service.getSyntacticDiagnostics(key);
    // Type errors on top of a syntax error are mostly echoes of it: show the cause only.
    let diagnostics: readonly ts.Diagnostic[] = syntactic.length > 0 ? syntactic : this.service.getSemanticDiagnostics(key);
    if (!this.wide.has(key) && diagnostics.some((d) => MISSING_EXPORT.has(d.code) && /@volt\/engine|__volt_strategy_api__/.test(T().flattenDiagnosticMessageText(d.messageText, ' ')))) {
      // The strategy uses more of the engine than the strategy API: check it against the whole.
      this.wide.add(key);
      const open = this.scripts.get(key);
      if (open) open.version++;
      this.projectVersion++;
      diagnostics = this.service.getSemanticDiagnostics(key);
    }
    return diagnostics.filter((d) => d.file !== undefined).map(toFinding);
  }
}

function normalize(fileName: string): string {
  return path.resolve(fileName).split(path.sep).join('/');
}

function toFinding(d: ts.Diagnostic): Finding {
  const sf = d.file!;
  const start = d.start ?? 0;
  const end = start + (d.length ?? 0);
  const severity: FindingSeverity =
    d.category === T().DiagnosticCategory.Error ? 'error'
      : d.category === T().DiagnosticCategory.Warning ? 'warning'
        : d.category === T().DiagnosticCategory.Suggestion ? 'hint' : 'info';
  const finding: Finding = {
    code: `TS${d.code}`,
    severity,
    message: T().flattenDiagnosticMessageText(d.messageText, '\n'),
    range: { start: sf.getLineAndCharacterOfPosition(start), end: sf.getLineAndCharacterOfPosition(end) },
    source: 'typescript',
  };
  if (d.reportsUnnecessary) finding.unnecessary = true;
  return finding;
}
