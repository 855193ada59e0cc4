/**
 * TypeScript's own syntax and type errors for strategy files, from one long-lived LanguageService
 * over an in-memory host. Keeping the service (and its document registry) alive between edits is
 * what makes re-checking fast: the standard library and the engine's types are parsed once, and an
 * edit re-parses only the strategy that changed.
 */
import ts from 'typescript';
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

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
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
  private projectVersion = 0;

  constructor(registry: ts.DocumentRegistry = ts.createDocumentRegistry()) {
    const host: ts.LanguageServiceHost = {
      getProjectVersion: () => String(this.projectVersion),
      getCompilationSettings: () => COMPILER_OPTIONS,
      getScriptFileNames: () => [...this.scripts.keys()],
      getScriptVersion: (f) => {
        const open = this.scripts.get(f);
        if (open) return String(open.version);
        return String(this.readDisk(f)?.mtimeMs ?? 0);
      },
      getScriptSnapshot: (f) => {
        const open = this.scripts.get(f);
        if (open) return ts.ScriptSnapshot.fromString(open.text);
        return this.readDisk(f)?.snapshot;
      },
      getCurrentDirectory: () => process.cwd(),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.scripts.has(f) || ts.sys.fileExists(f),
      readFile: (f) => this.scripts.get(f)?.text ?? ts.sys.readFile(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((lit) => {
          if (lit.text === '@volt/engine') {
            return {
              resolvedModule: {
                resolvedFileName: this.engine,
                extension: this.engine.endsWith('.d.ts') ? ts.Extension.Dts : ts.Extension.Ts,
                isExternalLibraryImport: false,
              },
            };
          }
          return ts.resolveModuleName(lit.text, containingFile, options, ts.sys);
        }),
    };
    this.service = ts.createLanguageService(host, registry);
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
    const text = ts.sys.readFile(file);
    if (text === undefined) return undefined;
    const entry = { mtimeMs, snapshot: ts.ScriptSnapshot.fromString(text) };
    this.diskCache.set(file, entry);
    return entry;
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
    while (this.scripts.size > MAX_OPEN_SCRIPTS) {
      const oldest = this.scripts.keys().next().value as string;
      this.scripts.delete(oldest);
    }
    this.projectVersion++;
  }

  /** Drops a file (closed in the editor). */
  forget(fileName: string): void {
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
    const diagnostics: readonly ts.Diagnostic[] = syntactic.length > 0 ? syntactic : this.service.getSemanticDiagnostics(key);
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
    d.category === ts.DiagnosticCategory.Error ? 'error'
      : d.category === ts.DiagnosticCategory.Warning ? 'warning'
        : d.category === ts.DiagnosticCategory.Suggestion ? 'hint' : 'info';
  const finding: Finding = {
    code: `TS${d.code}`,
    severity,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    range: { start: sf.getLineAndCharacterOfPosition(start), end: sf.getLineAndCharacterOfPosition(end) },
    source: 'typescript',
  };
  if (d.reportsUnnecessary) finding.unnecessary = true;
  return finding;
}
