import type * as ts from 'typescript';
import { typescript as T } from './typescript.js';
import { runRules } from './rules.js';
import { StrategyTypeChecker } from './typecheck.js';
import type { AnalysisConfig, Finding } from './types.js';

let shared: StrategyTypeChecker | undefined;

/** The process-wide checker: one warm LanguageService reused by every analysis. */
export function sharedTypeChecker(): StrategyTypeChecker {
  shared ??= new StrategyTypeChecker();
  return shared;
}

/**
 * Every static finding about one strategy's source: the trading rules VOLT101–VOLT111 and, unless
 * `config.typeCheck` is false, TypeScript's syntax and type errors. Pure in its inputs (the same
 * text, name and config give the same findings, whatever was analysed before) and sorted by
 * position. `checker` defaults to a shared warm one; pass your own to isolate.
 */
export function analyzeStrategySource(
  text: string,
  fileName: string,
  config: AnalysisConfig = {},
  checker: StrategyTypeChecker | undefined = undefined,
): Finding[] {
  let sf: ts.SourceFile | undefined;
  let compiler: Finding[] = [];
  if (config.typeCheck !== false) {
    const tc = checker ?? sharedTypeChecker();
    tc.update(fileName, text);
    compiler = tc.check(fileName);
    sf = tc.sourceFile(fileName);
  }
  sf ??= T().createSourceFile(fileName, text, T().ScriptTarget.ES2022, true, T().ScriptKind.TS);
  return sortFindings([...runRules(sf, config), ...compiler]);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
