/**
 * Documents and their static analysis: debounced per document, cached per version, on the analysis
 * thread (the server's thread never waits on the compiler); code actions and hover from it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeStrategySource, reviewEdit, StrategyTypeChecker, type AnalysisConfig, type EditReview, type Finding, type SourceEdit } from '@volt/engine';
import { ErrorCodes, ResponseError, type CodeAction, type CodeActionParams, type Hover, type HoverParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActionsFor, fromEngineFinding, type ServerFinding } from '../service/diagnostics.js';
import { hoverAt } from '../service/hover.js';
import type { LastRunMarket } from '../service/options-hover.js';
import { requireDocument } from '../params.js';
import { AnalysisThread } from '../worker/analysis.js';
import { isConfigUri, uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

/** Runs the static analysis on its thread when the worker module is there, else on this one. */
interface Analyzer {
  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]>;
  hover(text: string, offset: number, bars: number | undefined, market?: LastRunMarket): Promise<Hover | null>;
  reviewEdit(fileName: string, text: string, edits: SourceEdit[]): Promise<EditReview>;
  forget(fileName: string): void;
  dispose(): Promise<void>;
}

class InThreadAnalyzer implements Analyzer {
  private readonly checker = new StrategyTypeChecker();
  analyze(fileName: string, text: string, config: AnalysisConfig): Promise<Finding[]> {
    try {
      return Promise.resolve(analyzeStrategySource(text, fileName, config, this.checker));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
  hover(text: string, offset: number, bars: number | undefined, market?: LastRunMarket): Promise<Hover | null> {
    return Promise.resolve(hoverAt(text, offset, bars, market));
  }
  reviewEdit(fileName: string, text: string, edits: SourceEdit[]): Promise<EditReview> {
    return Promise.resolve(reviewEdit(text, edits, fileName));
  }
  forget(fileName: string): void {
    this.checker.forget(fileName);
  }
  async dispose(): Promise<void> {}
}

/** The built analysis worker, wherever this module runs from (dist, or src under the test runner). */
function defaultAnalysisWorkerFile(): URL {
  const here = new URL('../worker/analysis-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/worker/analysis-worker.js', import.meta.url);
}

interface StaticState {
  version: number;
  findings: ServerFinding[];
}

export class DocumentsHandler {
  private analyzer: Analyzer | undefined;
  /** Analyses requested and not yet answered, per document (one per version at most). */
  private readonly inflight = new Map<string, { version: number; promise: Promise<StaticState> }>();
  private readonly statics = new Map<string, StaticState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  /** Findings are cached per document version; a new cap or data set must re-lint unchanged text too. */
  configure(): void {
    this.statics.clear();
    this.inflight.clear();
  }

  reanalyzeAll(): void {
    this.configure();
    for (const doc of this.state.documents.all()) this.analyzeAndPublish(doc);
  }

  changed(doc: TextDocument): void {
    // Runs asked for by command and a critique are of the text being replaced: a newer edit supersedes them.
    this.features.runs.supersedeCommandRuns(doc.uri);
    this.features.critique.abort(doc.uri, 'superseded');
    this.features.runs.textChanged(doc.uri, doc.getText());
    const previous = this.timers.get(doc.uri);
    if (previous) clearTimeout(previous);
    this.timers.set(doc.uri, setTimeout(() => {
      this.timers.delete(doc.uri);
      const current = this.state.documents.get(doc.uri);
      if (current) this.analyzeAndPublish(current);
    }, this.state.config.lint.debounceMs));
  }

  closed(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
    this.statics.delete(uri);
    this.inflight.delete(uri);
    this.features.critique.forget(uri);
    this.features.runs.forget(uri);
    this.features.watch.unwatchFor(uri);
    this.analyzer?.forget(uriToPath(uri));
    this.state.forgetFindings(uri);
    void this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  analysisConfig(): AnalysisConfig {
    const s = this.state;
    const cfg: { maxPositionCap: number; bars?: number; dataLabel?: string } = { maxPositionCap: s.config.lint.maxPositionCap };
    if (s.dataFacts) {
      cfg.bars = s.dataFacts.facts.bars;
      cfg.dataLabel = s.dataFacts.spec;
    }
    return cfg;
  }

  staticAnalyzer(): Analyzer {
    if (!this.analyzer) {
      const file = this.state.options.analysisWorkerFile ?? defaultAnalysisWorkerFile();
      this.analyzer = existsSync(fileURLToPath(file)) ? new AnalysisThread({ workerFile: file }) : new InThreadAnalyzer();
    }
    return this.analyzer;
  }

  /** Static findings of the document's current text; cached per version, one request per version. */
  analyze(doc: TextDocument): Promise<StaticState> {
    const uri = doc.uri;
    const version = doc.version;
    const cached = this.statics.get(uri);
    if (cached && cached.version === version) return Promise.resolve(cached);
    const running = this.inflight.get(uri);
    if (running && running.version === version) return running.promise;
    const promise = this.staticAnalyzer()
      .analyze(uriToPath(uri), doc.getText(), this.analysisConfig())
      .then(
        (findings) => findings.map(fromEngineFinding),
        (e: unknown) => {
          // An analyser failure must not take the server down: log it, publish what else we know.
          this.state.log(`analysis of ${uri} failed: ${e instanceof Error ? e.message : String(e)}`);
          return [] as ServerFinding[];
        },
      )
      .then((findings) => {
        const result = { version, findings };
        const current = this.statics.get(uri);
        if (this.state.documents.get(uri) && (!current || current.version <= version)) {
          this.statics.set(uri, result);
          this.state.setFindings(uri, 'static', findings, version);
        }
        if (this.inflight.get(uri)?.promise === promise) this.inflight.delete(uri);
        this.state.idle?.poke();
        return result;
      });
    this.inflight.set(uri, { version, promise });
    return promise;
  }

  analyzeAndPublish(doc: TextDocument): void {
    void this.analyze(doc).then(() => this.state.publish(doc.uri));
  }

  async codeAction(params: CodeActionParams): Promise<CodeAction[]> {
    requireDocument(params);
    if (!params.range || !params.context) throw new ResponseError(ErrorCodes.InvalidParams, 'codeAction needs range and context');
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!doc || isConfigUri(doc.uri)) return [];
    const { findings } = await this.analyze(doc);
    const all = [...findings, ...this.state.findingsOf(doc.uri, 'critique')];
    return codeActionsFor(doc.uri, all, params.range, params.context.diagnostics, doc.version);
  }

  async hover(params: HoverParams): Promise<Hover | null> {
    requireDocument(params);
    if (typeof params.position?.line !== 'number') throw new ResponseError(ErrorCodes.InvalidParams, 'hover needs a position');
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!doc || isConfigUri(doc.uri)) return null;
    // Options legs whose spot, vol or premium are left to run time are shown at the last run's close.
    return this.staticAnalyzer().hover(doc.getText(), doc.offsetAt(params.position), this.state.dataFacts?.facts.bars, this.features.runs.lastMarketOf(doc.uri));
  }

  async dispose(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    await this.analyzer?.dispose();
  }
}
