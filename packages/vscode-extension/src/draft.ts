/**
 * Volt: Draft Strategy from Idea. Asks for the idea, lets the sidecar draft and prove it
 * (volt/draftStrategy) with a line of progress per attempt, then opens the draft with its report
 * beside it; when nothing proved itself, the report alone says why.
 */
import * as vscode from 'vscode';
import type { DraftStrategyResult } from '@volt/lsp-server/protocol';
import type { CommandContext } from './commands.js';
import { errorText, plainPaths } from './user-text.js';

export async function draftStrategyFromIdea(ctx: CommandContext, given?: string): Promise<DraftStrategyResult | undefined> {
  const { sidecar } = ctx;
  if (!sidecar.draftStrategy) return undefined;
  const idea = given?.trim() || (await vscode.window.showInputBox({
    title: 'Volt: Draft Strategy from Idea',
    prompt: 'What should the strategy do? The synthesizer model (ollama.models.synth) drafts it; Volt writes it only once it is proven.',
    placeHolder: 'buy RSI dips in an uptrend, exit on a MACD cross',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Describe the idea in a few words'),
  }))?.trim();
  if (!idea) return undefined;
  let result: DraftStrategyResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Volt: drafting a strategy', cancellable: true },
      async (progress, token) => {
        const listening = sidecar.onDraftProgress?.((p) => {
          progress.report({ message: plainPaths(p.message) });
          ctx.output.appendLine(`Draft: ${plainPaths(p.message)}`);
        });
        try {
          return await ctx.status.during('draft', 'drafting a strategy', () => sidecar.draftStrategy!({ idea }, token));
        } finally {
          listening?.dispose();
        }
      },
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: could not draft a strategy: ${errorText(error)}`);
    return undefined;
  }
  if (result.uri) await vscode.window.showTextDocument(vscode.Uri.parse(result.uri), { viewColumn: vscode.ViewColumn.One, preview: false });
  if (result.reportUri) {
    await vscode.window.showTextDocument(vscode.Uri.parse(result.reportUri), { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: result.uri !== undefined });
  }
  if (result.status === 'proven') {
    void vscode.window.showInformationMessage(`Volt: drafted ${result.name} (tier ${result.tier}); its report is beside it`);
  } else if (result.status !== 'cancelled') {
    void vscode.window.showWarningMessage(`Volt: nothing was drafted: ${plainPaths(result.message ?? result.status)}`);
  }
  return result;
}
