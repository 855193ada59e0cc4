/**
 * volt.config.json as the editor sees it: its problems (invalid JSON, wrong values, unknown keys)
 * as diagnostics at their lines. Protocol types only, no connection.
 */
import path from 'node:path';
import { CONFIG_FILE, type ConfigProblem } from '@volt/engine';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_SOURCE } from '../protocol.js';

export function isConfigFile(file: string): boolean {
  return path.basename(file) === CONFIG_FILE;
}

/** Each problem on its key (or the syntax error's character); the hint follows the message. */
export function configDiagnostics(text: string, problems: readonly ConfigProblem[]): Diagnostic[] {
  const doc = TextDocument.create('file:///volt.config.json', 'json', 0, text);
  return problems.map((p) => {
    const start = doc.positionAt(p.offset ?? 0);
    const end = doc.positionAt((p.offset ?? 0) + (p.length ?? 1));
    return {
      range: { start, end },
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      message: `${p.message}; ${p.hint}`,
    };
  });
}

/** The first error of the settings an editor sent, as the one line to show. */
export function firstError(problems: readonly ConfigProblem[]): ConfigProblem | undefined {
  return problems.find((p) => p.severity === 'error');
}
