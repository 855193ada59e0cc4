/**
 * The sidecar's settings: volt.config.json (the nearest at or above the workspace root) under the
 * editor's `volt` settings, value by value, and the file's problems (invalid JSON, wrong values,
 * unknown keys) as diagnostics at their lines. Protocol types only, no connection.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, checkConfig, checkConfigText, defaultConfig, findConfigFile, type ConfigProblem, type VoltConfig } from '@volt/engine';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_SOURCE } from '../protocol.js';

export function isConfigFile(file: string): boolean {
  return path.basename(file) === CONFIG_FILE;
}

/** volt.config.json as saved: the file in use (if any), its settings and its problems. */
export interface WorkspaceConfig {
  file: string | undefined;
  /** The file's settings over the defaults; a value in error keeps its default. */
  config: VoltConfig;
  problems: ConfigProblem[];
}

/** The volt.config.json at or above `start` (the workspace root, or the folder of an adopted one). */
export function readWorkspaceConfig(start: string): WorkspaceConfig {
  const file = findConfigFile(start);
  if (file === undefined) return { file, config: defaultConfig(), problems: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const problem: ConfigProblem = { severity: 'error', key: '', message: `cannot read ${CONFIG_FILE}: ${(e as Error).message}`, hint: 'check the file’s permissions', file };
    return { file, config: defaultConfig(), problems: [problem] };
  }
  const checked = checkConfigText(text, file);
  return { file, config: checked.config, problems: checked.problems };
}

/**
 * What a newly opened strategy says about the config in use. The sidecar's config is the nearest
 * volt.config.json at or above the workspace root; when there is none, the first strategy opened
 * from a folder below the root that has one brings it in (a project inside a larger workspace).
 * A strategy governed by another file than the one in use is told about, not followed: one
 * sidecar has one config.
 */
export function configOfStrategy(inUse: string | undefined, strategyFile: string, root: string): { adopt: string } | { differs: string } | undefined {
  const own = findConfigFile(path.dirname(strategyFile));
  if (own === undefined || own === inUse) return undefined;
  if (inUse === undefined) {
    const rel = path.relative(path.resolve(root), path.dirname(own));
    return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : { adopt: own };
  }
  return { differs: own };
}

/** The settings in effect, and what the editor's own settings got wrong. */
export interface LayeredSettings {
  config: VoltConfig;
  /** Errors in initializationOptions.volt or the `volt` settings (each kept the value below it). */
  errors: ConfigProblem[];
  /** Keys of the editor's settings that Volt does not know (ignored). */
  warnings: ConfigProblem[];
  /** Why the Ollama host in effect cannot be used, as the critique's reason; undefined when it can. */
  hostProblem: string | undefined;
}

/** volt.config.json, then initializationOptions.volt, then the client's `volt` settings. */
export function layerSettings(file: WorkspaceConfig, initSettings: unknown, clientSettings: unknown): LayeredSettings {
  const init = checkConfig(file.config, initSettings, { file: 'initializationOptions', settingPrefix: 'volt.' });
  const client = checkConfig(init.config, clientSettings, { file: 'editor settings', settingPrefix: 'volt.' });
  const errors = [...init.problems, ...client.problems].filter((p) => p.severity === 'error');
  const warnings = [...init.problems, ...client.problems].filter((p) => p.severity === 'warning');
  // An editor's valid host replaces the file's unusable one; its own unusable one is the reason.
  const setsHost = (s: unknown): boolean => (s as { ollama?: { host?: unknown } } | null)?.ollama?.host !== undefined;
  const host =
    errors.find((p) => p.key === 'ollama.host') ??
    (setsHost(initSettings) || setsHost(clientSettings) ? undefined : file.problems.find((p) => p.severity === 'error' && p.key === 'ollama.host'));
  const where = host?.file !== undefined && host.line !== undefined ? `${host.file}:${host.line} ` : '';
  return { config: client.config, errors, warnings, hostProblem: host ? `LLM unavailable: ${where}${host.message}: ${host.hint}` : undefined };
}

/** `file:line:col: message; hint`, the one line shown for a problem. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.file !== undefined ? `${p.file}${p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}: ` : '';
  return `${where}${p.message}; ${p.hint}`;
}

/** Each problem on its key (or the syntax error's character); the hint follows the message. */
export function configDiagnostics(text: string, problems: readonly ConfigProblem[]): Diagnostic[] {
  const doc = TextDocument.create('file:///volt.config.json', 'json', 0, text);
  return problems.map((p) => ({
    range: { start: doc.positionAt(p.offset ?? 0), end: doc.positionAt((p.offset ?? 0) + (p.length ?? 1)) },
    severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: DIAGNOSTIC_SOURCE,
    message: `${p.message}; ${p.hint}`,
  }));
}

/** The diagnostics of a volt.config.json's text (an editor's buffer, or the file). */
export function configTextDiagnostics(text: string, file: string): Diagnostic[] {
  return configDiagnostics(text, checkConfigText(text, file).problems);
}
