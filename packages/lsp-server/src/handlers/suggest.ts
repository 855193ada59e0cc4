/**
 * volt/suggest: bounded parameter suggestions for an open strategy, the same check `volt suggest`
 * runs (engine suggestParams in the sandbox), asked for by the trader and never run on a keystroke.
 * Each offered change becomes a VOLT207 hint on the param's line with a quick fix that writes the
 * value (service/params-edit, as the optimiser's "apply params" does); nothing changes without
 * that click. A refused change comes back in the result with its figures but gets no hint.
 */
import { isVoltError, Journal, recordSuggestions, sliceSeries, StrategyRunner, suggestParams, transpileStrategy, type SuggestionSource, type TranspiledStrategy } from '@volt/engine';
import { CodeActionKind, ErrorCodes, LSPErrorCodes, ResponseError, type CodeAction, type CodeActionParams, type Connection } from 'vscode-languageserver';
import { APPLY_SUGGESTION_TITLE, Requests, type SuggestRequestParams, type SuggestResult } from '../protocol.js';
import type { ServerFinding } from '../service/diagnostics.js';
import { paramsEdit } from '../service/params-edit.js';
import { checkStrategyTarget } from '../service/targets.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';
import { RunInputs } from './run-inputs.js';

export const SUGGEST_CODE = 'VOLT207';

function whole(name: string, v: unknown, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ResponseError(ErrorCodes.InvalidParams, `volt/suggest: ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

type Offered = SuggestResult['suggestions'][number];

export class SuggestHandler {
  private readonly inputs: RunInputs;
  /** The offered changes of each document's last request: what its quick fixes write. */
  private readonly offered = new Map<string, Offered[]>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {
    this.inputs = new RunInputs(state);
  }

  register(c: Connection, open: <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A) => R): void {
    c.onRequest(Requests.suggest, open((p: SuggestRequestParams) => this.suggest(p)));
  }

  async suggest(p: SuggestRequestParams): Promise<SuggestResult> {
    if (typeof p !== 'object' || p === null || typeof p.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'volt/suggest expects { uri } of a *.strategy.ts file');
    const s = this.state;
    const config = this.features.settings.configInUse();
    const folders = [...s.folders, ...(config !== undefined ? [config.replace(/[/\\][^/\\]*$/, '')] : [])];
    const target = checkStrategyTarget('volt/suggest', p.uri, folders.length > 0 ? folders : [s.root], s.documents.get(p.uri) !== undefined);
    if (!target.ok) throw new ResponseError(ErrorCodes.InvalidParams, target.message);
    const folds = whole('folds', p.folds, 3, 1, 20);
    const minTrades = whole('minTrades', p.minTrades, 10, 0, Number.MAX_SAFE_INTEGER);
    const failed = (message: string): ResponseError<void> => new ResponseError(LSPErrorCodes.RequestFailed, `volt/suggest: ${message}`);
    let bundle: TranspiledStrategy;
    try {
      bundle = await transpileStrategy(uriToPath(p.uri));
    } catch (e) {
      throw failed(e instanceof Error ? e.message : String(e));
    }
    const market = this.inputs.marketOf({ uri: p.uri, ...(p.data !== undefined ? { data: p.data } : {}), ...(p.symbol !== undefined ? { symbol: p.symbol } : {}) }, bundle);
    const prepared = await this.inputs.prepare(market, { uri: p.uri, ...(p.from !== undefined ? { from: p.from } : {}), ...(p.to !== undefined ? { to: p.to } : {}) });
    if ('failure' in prepared) throw failed(prepared.failure.message);
    const { series, options } = prepared;
    if (series.length < 2) throw failed(`${market.spec} has ${series.length} bars in that range: nothing to check a suggestion on`);
    const host = s.options.sandboxHostFile ? { hostFile: s.options.sandboxHostFile } : {};
    const runner = new StrategyRunner({ timeoutMs: s.config.backtest.timeoutMs, maxMemoryMb: s.config.backtest.maxMemoryMb, spares: 1, ...host });
    let suggestions: Offered[];
    let strategyName: string | undefined;
    try {
      // The declared params (and their ranges) come from the strategy itself, read in its sandbox on a few bars.
      const probe = await runner.run({ bundle, series: series.length > 200 ? sliceSeries(series, undefined, series.time[200]) : series });
      if (probe.status === 'failed') throw failed(probe.failure.message + (probe.failure.line !== undefined ? ` (line ${probe.failure.line})` : ''));
      if (probe.status !== 'done') throw new ResponseError(LSPErrorCodes.RequestCancelled, 'volt/suggest: cancelled');
      strategyName = probe.strategy.name;
      const { capital, feeRate, slippage } = options;
      suggestions = await suggestParams({ runner, bundle, series, params: probe.strategy.params, folds, minTrades, options: { capital, feeRate, slippage } });
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      throw failed(isVoltError(e) ? e.message : e instanceof Error ? e.message : String(e));
    } finally {
      await runner.dispose();
    }
    const offered = suggestions.filter((x) => x.status === 'offered');
    this.keep(suggestions, { strategyName: strategyName ?? bundle.path, strategyPath: bundle.path, dataSpec: market.spec });
    this.offered.set(p.uri, offered);
    this.publish(p.uri, offered);
    return { uri: p.uri, data: { spec: market.spec, symbol: series.symbol, timeframe: series.timeframe, bars: series.length }, suggestions };
  }

  /** The offered changes into the workspace journal, for the weekly report's pending list; a journal that cannot be written costs the answer nothing. */
  private keep(suggestions: readonly Offered[], source: SuggestionSource): void {
    if (!suggestions.some((x) => x.status === 'offered')) return;
    try {
      const journal = Journal.open(this.state.journalPath());
      try {
        recordSuggestions(journal, source, suggestions);
      } finally {
        journal.close();
      }
    } catch (e) {
      this.state.log(`journal: suggestions not kept: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** VOLT207 on the line of each param's value, in the text as it is now. */
  private publish(uri: string, offered: readonly Offered[]): void {
    const doc = this.state.documents.get(uri);
    const findings: ServerFinding[] = [];
    if (doc) {
      for (const o of offered) {
        const edit = paramsEdit(doc.getText(), { [o.param]: o.to })?.edits[0];
        if (!edit) continue;
        const line = doc.positionAt(edit.start).line;
        const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
        const start = text.length - text.trimStart().length;
        findings.push({
          code: SUGGEST_CODE,
          severity: 'hint',
          source: 'backtest',
          message: `${o.param}: ${o.message}`,
          range: { start: { line, character: start }, end: { line, character: text.length } },
          fix: { title: titleOf(o), edits: [] },
        });
      }
    }
    this.state.setFindings(uri, 'suggest', findings);
    this.state.publish(uri);
  }

  /** On a VOLT207 line: the quick fix that writes the suggested value, and only that value. */
  codeActions(params: CodeActionParams): CodeAction[] {
    const offered = this.offered.get(params.textDocument.uri);
    const doc = this.state.documents.get(params.textDocument.uri);
    if (!offered || offered.length === 0 || !doc) return [];
    const only = params.context?.only;
    if (only && !only.some((k) => CodeActionKind.QuickFix === k || CodeActionKind.QuickFix.startsWith(`${k}.`))) return [];
    const out: CodeAction[] = [];
    for (const o of offered) {
      const edit = paramsEdit(doc.getText(), { [o.param]: o.to });
      // Already at the value, or the param is gone: nothing to offer.
      if (!edit || edit.missing.length > 0 || edit.edits.length === 0) continue;
      const e = edit.edits[0]!;
      const line = doc.positionAt(e.start).line;
      if (params.range.start.line > line || params.range.end.line < line) continue;
      const diagnostics = (params.context?.diagnostics ?? []).filter((d) => d.code === SUGGEST_CODE && d.range.start.line === line);
      out.push({
        title: titleOf(o),
        kind: CodeActionKind.QuickFix,
        ...(diagnostics.length > 0 ? { diagnostics } : {}),
        edit: { changes: { [doc.uri]: [{ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText }] } },
      });
    }
    return out;
  }
}

const titleOf = (o: Offered): string => `${APPLY_SUGGESTION_TITLE} ${o.param} to ${o.to} (was ${o.from}; out-of-sample Sharpe ${o.outOfSample.before.toFixed(2)} → ${o.outOfSample.after.toFixed(2)})`;
