/**
 * What Volt shows a user names files as VS Code does, relative to the workspace: the sidecar's
 * messages speak LSP (`file:///home/…/rsi.strategy.ts`), which reads as noise in a toast.
 */
import * as vscode from 'vscode';

// A URI runs until whitespace or a closing quote/bracket; a trailing ':line:col' or sentence mark is kept apart.
const FILE_URI = /file:\/\/[^\s'"`)\]>]+/g;

/** `text` with each `file:` URI replaced by its workspace-relative path (`:line:col` kept). */
export function plainPaths(text: string): string {
  return text.replace(FILE_URI, (match) => {
    const [, uri, tail] = /^(.*?)((?::\d+){0,2}[.,;:]?)$/.exec(match)!;
    try {
      return vscode.workspace.asRelativePath(vscode.Uri.parse(uri!)) + tail;
    } catch {
      return match;
    }
  });
}

/** An error as one line for a message, without `file:` URIs. */
export function errorText(error: unknown): string {
  return plainPaths(error instanceof Error ? error.message : String(error));
}
