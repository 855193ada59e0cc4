/**
 * The sidecar's small shared state: the workspace root, the settings in force, what the client can
 * do, the open documents and the findings each feature has for each of them. Every feature handler
 * (handlers/*) reads it; none owns another's part.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, Journal, journalPathFor, runNotePath, tradeNotePath, type VoltConfig } from '@volt/engine';
import { TextDocuments, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { toDiagnostic, type ServerFinding } from './service/diagnostics.js';
import type { NotePaths } from './service/journal.js';
import { isConfigFile } from './service/config-file.js';
import type { IdleCollector } from './idle-gc.js';

export interface VoltServerOptions {
  /** The analysis worker module; default dist/worker/analysis-worker.js. When it does not exist the
   * analysis runs on the server's thread instead. */
  analysisWorkerFile?: URL;
  /** The engine's sandbox host (dist/runner/host.cjs), where strategy code runs; found beside the
   * engine by default. A bundled server names the copy it ships. */
  sandboxHostFile?: URL;
  /** Logs to the client's output through window/logMessage when true (default true). */
  log?: boolean;
  /** Collect garbage this long after the last edit or run (default 1000 ms; 0 turns it off). */
  idleGcMs?: number;
  /** The `volt` CLI (bin/volt.js) volt.paper.start runs sessions with; default the installed @volt/cli. */
  voltCliFile?: URL;
}

/** Which feature a finding comes from: each publishes its own, the diagnostics carry them all. */
export type FindingFeature = 'static' | 'backtest' | 'critique' | 'drift' | 'suggest';

/** What the sidecar knows of its default data: VOLT107 judges warm-up against the bar count. */
export interface DataFacts {
  bars: number;
  symbol: string;
  timeframe: string;
  source: string;
}

export class WorkspaceState {
  readonly documents = new TextDocuments(TextDocument);
  root = process.cwd();
  /** Every workspace folder: the commands act on strategies inside one of them. */
  folders: string[] = [];
  config: VoltConfig = defaultConfig();
  /** Why the Ollama host setting in force cannot be used (file or editor settings), for the critique's reason. */
  hostProblem: string | undefined;
  canAskConfiguration = false;
  canRefreshLens = false;
  canCreateProgress = false;
  shuttingDown = false;
  dataFacts: { spec: string; facts: DataFacts } | undefined;
  /** The static findings' document version, when known: diagnostics carry it. */
  private readonly versions = new Map<string, number>();
  private readonly findings = new Map<string, Record<FindingFeature, ServerFinding[]>>();

  constructor(
    readonly connection: Connection,
    readonly options: VoltServerOptions,
    readonly idle: IdleCollector | undefined,
  ) {}

  log(message: string): void {
    if (this.options.log !== false && !this.shuttingDown) this.connection.console.log(message);
  }

  /** The open buffer's text, else the file's, else ''. */
  documentText(uri: string): string {
    const doc = this.documents.get(uri);
    if (doc) return doc.getText();
    try {
      return readFileSync(uriToPath(uri), 'utf8');
    } catch {
      return '';
    }
  }

  journalPath(): string {
    return journalPathFor(this.root, this.config.journal.path);
  }

  private llmCache: Journal | undefined;

  /** The workspace journal doubles as the LLM answer cache (critique, LLM seats): a repeated question costs nothing. */
  journalCache(): Journal | undefined {
    try {
      this.llmCache ??= Journal.open(this.journalPath());
      return this.llmCache;
    } catch (e) {
      this.log(`journal: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  closeJournalCache(): void {
    this.llmCache?.close();
    this.llmCache = undefined;
  }

  vault(): { path: string; notes: NotePaths } | undefined {
    const dir = this.config.vault?.path;
    if (!dir) return undefined;
    const vaultDir = path.resolve(this.root, dir);
    return { path: vaultDir, notes: { run: (id) => runNotePath(vaultDir, id), trade: (t) => tradeNotePath(vaultDir, t) } };
  }

  // ---------------------------------------------------------------------------------------------
  // Findings: each feature sets its own for a document, then publishes them all

  findingsOf(uri: string, source: FindingFeature): ServerFinding[] {
    return this.findings.get(uri)?.[source] ?? [];
  }

  setFindings(uri: string, source: FindingFeature, findings: ServerFinding[], version?: number): void {
    let all = this.findings.get(uri);
    if (!all) this.findings.set(uri, (all = { static: [], backtest: [], critique: [], drift: [], suggest: [] }));
    all[source] = findings;
    if (version !== undefined) this.versions.set(uri, version);
  }

  /** The static version findings were computed on, if any. */
  findingsVersion(uri: string): number | undefined {
    return this.versions.get(uri);
  }

  forgetFindings(uri: string, source?: FindingFeature): void {
    if (source === undefined) {
      this.findings.delete(uri);
      this.versions.delete(uri);
    } else {
      const all = this.findings.get(uri);
      if (all) all[source] = [];
    }
  }

  publish(uri: string): void {
    if (this.shuttingDown) return;
    const doc = this.documents.get(uri);
    // Diagnostics carry the version their static findings were computed on.
    const version = doc ? (this.versions.get(uri) ?? doc.version) : null;
    const all = this.findings.get(uri);
    const diagnostics = all ? [...all.static, ...all.backtest, ...all.critique, ...all.drift, ...all.suggest].map((f) => toDiagnostic(f, version)) : [];
    void this.connection.sendDiagnostics(version === null ? { uri, diagnostics } : { uri, version, diagnostics });
  }
}

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  // Untitled buffers get a stable virtual path so the checker can hold them.
  return path.join(path.sep, 'volt-virtual', encodeURIComponent(uri) + (uri.endsWith('.ts') ? '' : '.ts'));
}

/** A volt.config.json on disk (the one in use or another), which gets diagnostics, not analysis. */
export function isConfigUri(uri: string): boolean {
  return uri.startsWith('file:') && isConfigFile(fileURLToPath(uri));
}

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function isStrategyText(text: string): boolean {
  return /\bdefineStrategy\s*(<[^>]*>)?\s*\(/.test(text) || /\bexport\s+default\b/.test(text);
}
