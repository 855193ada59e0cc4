/**
 * Findings (engine analysis and backtest results) as LSP diagnostics and code actions. Protocol
 * types only: no connection here, so every function is testable on plain values.
 */
import type { Finding, FindingFix } from '@volt/engine';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DiagnosticTag,
  type CodeAction,
  type Diagnostic,
  type Range,
} from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE, type FindingSeverity, type VoltDiagnosticData, type VoltFinding } from '../protocol.js';

/** A finding of either kind as the server keeps it: static findings from the engine, VOLT2xx from runs. */
export interface ServerFinding {
  code: string;
  severity: FindingSeverity;
  message: string;
  range: Range;
  source: VoltFinding['source'];
  fix?: FindingFix;
  unnecessary?: boolean;
}

const SEVERITY: Record<FindingSeverity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function fromEngineFinding(f: Finding): ServerFinding {
  const out: ServerFinding = { code: f.code, severity: f.severity, message: f.message, range: f.range, source: f.source };
  if (f.fix) out.fix = f.fix;
  if (f.unnecessary) out.unnecessary = true;
  return out;
}

export function toDiagnostic(f: ServerFinding, version: number | null): Diagnostic {
  const data: VoltDiagnosticData = { code: f.code, version };
  if (f.fix) data.fixTitle = f.fix.title;
  const d: Diagnostic = {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    source: f.source === 'typescript' ? 'volt(ts)' : DIAGNOSTIC_SOURCE,
    message: f.message,
    data,
  };
  if (f.unnecessary) d.tags = [DiagnosticTag.Unnecessary];
  return d;
}

export function toVoltFinding(f: ServerFinding): VoltFinding {
  const out: VoltFinding = { code: f.code, severity: f.severity, message: f.message, range: f.range, source: f.source };
  if (f.fix) out.fixTitle = f.fix.title;
  return out;
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** Ranges touch or overlap (an empty request range at a finding's edge counts). */
export function rangesIntersect(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character
    && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * Quick fixes for the findings under `range`, and for those the client sent as the context: Neovim
 * asks with the cursor's position and every diagnostic of its line, so a fix is offered from any
 * column of that line. Each action names the diagnostic it fixes (the one the client sent when it
 * matches, so editors link them) and carries the fix as a workspace edit. The critique's edits
 * arrive here already checked by the static lint (critiqueStrategy drops any that would add
 * lookahead, a clock, I/O or an error) and are never marked preferred.
 */
export function codeActionsFor(uri: string, findings: readonly ServerFinding[], range: Range, sent: readonly Diagnostic[], version: number | null): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const f of findings) {
    if (!f.fix) continue;
    const matching = sent.find((d) => d.code === f.code && sameRange(d.range, f.range));
    if (!matching && !rangesIntersect(f.range, range)) continue;
    const diagnostic = matching ?? toDiagnostic(f, version);
    actions.push({
      title: f.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      // A model's edit is a suggestion to read, never the fix an editor applies on its own.
      isPreferred: f.source !== 'critique',
      edit: { changes: { [uri]: f.fix.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
    });
  }
  return actions;
}
