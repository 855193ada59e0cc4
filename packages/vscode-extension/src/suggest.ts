/**
 * Volt: Suggest Params. Asks the sidecar (volt/suggest) which param changes, one step inside each
 * declared range, did better out of sample; the sidecar puts each offered one on its param's line
 * as a VOLT207 hint whose lightbulb writes the value. Here the trader is told what came back, the
 * refused changes included, so "nothing offered" never reads as "nothing checked".
 */
import * as vscode from 'vscode';
import type { SuggestRequestParams, SuggestResult } from '@volt/lsp-server/protocol';
import { errorText } from './user-text.js';

export interface SuggestCalls {
  suggest(params: SuggestRequestParams): Promise<SuggestResult>;
}

export async function suggestParams(sidecar: SuggestCalls, output: vscode.OutputChannel, uri: vscode.Uri): Promise<SuggestResult | undefined> {
  const name = vscode.workspace.asRelativePath(uri);
  try {
    // The sidecar checks the file as saved: an unsaved edit would be judged on the old text.
    await vscode.workspace.textDocuments?.find((d) => d.uri.toString() === uri.toString() && d.isDirty)?.save();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Volt: checking param suggestions for ${name} out of sample` },
      () => sidecar.suggest({ uri: uri.toString() }),
    );
    for (const s of result.suggestions) output.appendLine(`Suggest ${name}: ${s.status} ${s.param} ${s.from} → ${s.to}: ${s.message}`);
    const offered = result.suggestions.filter((s) => s.status === 'offered');
    const refused = result.suggestions.length - offered.length;
    const on = `${result.data.symbol} ${result.data.timeframe}, ${result.data.bars} bars`;
    if (offered.length > 0) {
      const list = offered.map((s) => `${s.param} ${s.from} → ${s.to}`).join(', ');
      void vscode.window.showInformationMessage(`Volt: ${offered.length} suggestion${offered.length > 1 ? 's' : ''} for ${name} (${on}): ${list}. The lightbulb on the param's line writes it; nothing changes until you click.`);
    } else {
      const why = refused > 0 ? `${refused} change${refused > 1 ? 's' : ''} refused (the output channel says why)` : 'the training windows kept every param where it is';
      void vscode.window.showInformationMessage(`Volt: no suggestion for ${name} (${on}): ${why}.`);
    }
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: suggesting params for ${name} failed: ${errorText(error)}`);
    return undefined;
  }
}
