import { runRules } from './rules.js';
import { typescript } from './typescript.js';
import type { AnalysisConfig, Finding, SourceEdit, SourcePoint } from './types.js';

function offsetAt(text: string, lineStarts: number[], p: SourcePoint): number {
  const start = lineStarts[p.line];
  if (start === undefined) return text.length;
  const next = lineStarts[p.line + 1] ?? text.length + 1;
  return Math.min(start + p.character, next - 1, text.length);
}

/** Applies non-overlapping edits (a finding's fix) to `text`; used by `volt lint --fix` and tests. */
export function applyEdits(text: string, edits: readonly SourceEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const spans = edits
    .map((e) => ({ from: offsetAt(text, lineStarts, e.range.start), to: offsetAt(text, lineStarts, e.range.end), text: e.newText }))
    .sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const s of spans) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}

/** Findings an edit from outside (an LLM's quick fix) must never bring in, whatever it claims. */
const GUARDED_CODES: ReadonlySet<string> = new Set(['VOLT104', 'VOLT105', 'VOLT106']);

export interface EditReview {
  /** True when the edited source has no guarded or error-level finding that the source lacked. */
  safe: boolean;
  /** The findings the edit would add (lookahead, wall clock, I/O, any error), in source order. */
  added: Finding[];
}

/**
 * Lints `text` before and after `edits` and says what the edits would add: any VOLT104/105/106
 * finding (lookahead, wall clock or randomness, I/O) and any other error-level finding, syntax
 * errors included. The verdict comes from the rules run on the edited code, not from anything the
 * edit's author says about it, so no prompt hidden in a strategy can talk it round. TypeScript's
 * type check is left out: it is the slow part, and a type error shows on the next lint anyway.
 */
export function reviewEdit(text: string, edits: readonly SourceEdit[], fileName = 'strategy.ts', config: AnalysisConfig = {}): EditReview {
  const before = guardedFindings(text, fileName, config);
  const after = guardedFindings(applyEdits(text, edits), fileName, config);
  // A multiset difference on (code, message): an edit that adds a second file write is caught too.
  const seen = new Map<string, number>();
  for (const f of before) seen.set(key(f), (seen.get(key(f)) ?? 0) + 1);
  const added: Finding[] = [];
  for (const f of after) {
    const left = seen.get(key(f)) ?? 0;
    if (left > 0) seen.set(key(f), left - 1);
    else added.push(f);
  }
  return { safe: added.length === 0, added };
}

function key(f: Finding): string {
  return `${f.code}\u0000${f.message}`;
}

function guardedFindings(text: string, fileName: string, config: AnalysisConfig): Finding[] {
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings = runRules(sf, config).filter((f) => f.severity === 'error' || GUARDED_CODES.has(f.code));
  const syntax = ts.transpileModule(text, { fileName, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  for (const d of syntax.diagnostics ?? []) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const at = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    findings.push({
      code: `TS${d.code}`,
      severity: 'error',
      message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
      range: { start: at, end: at },
      source: 'typescript',
    });
  }
  return findings;
}
