import { beforeEach, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import type { SuggestRequestParams, SuggestResult } from '@volt/lsp-server/protocol';
import { CLIENT_COMMANDS, registerCommands, type CommandContext } from '../src/commands.js';
import { suggestParams } from '../src/suggest.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const data = { spec: 'up.csv', symbol: 'BTC/USDT', timeframe: '1h', bars: 600 };
const offered: SuggestResult['suggestions'][number] = {
  param: 'oversold', from: 30, to: 34, status: 'offered', picked: 3, folds: 3,
  inSample: { before: 0.5, after: 0.8 }, outOfSample: { before: 0.6, after: 0.9, trades: 41 },
  message: '34 did better out of sample: Sharpe 0.60 → 0.90 over 3 folds, 41 trades',
};
const refused: SuggestResult['suggestions'][number] = {
  ...offered, param: 'period', from: 14, to: 16, status: 'refused', message: 'period 14 → 16 not offered: it fits only in sample',
};

beforeEach(() => resetStandIn());

describe('Volt: Suggest Params', () => {
  it('asks the sidecar for the active strategy and names each offered change and where to click', async () => {
    const asked: SuggestRequestParams[] = [];
    const sidecar = { suggest: async (p: SuggestRequestParams) => (asked.push(p), { uri: p.uri, data, suggestions: [offered, refused] }) };
    const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
    recorded.activeFile = '/ws/rsi.strategy.ts';
    registerCommands({ suggester: sidecar, output } as unknown as CommandContext);
    const r = (await recorded.commands.get(CLIENT_COMMANDS.suggestParams)!()) as SuggestResult;
    expect(r.suggestions).toHaveLength(2);
    expect(asked).toEqual([{ uri: 'file:///ws/rsi.strategy.ts' }]);
    expect(recorded.shown.find((s) => s.kind === 'progress')?.text).toMatch(/^Volt: checking param suggestions for .*rsi\.strategy\.ts out of sample$/);
    expect(recorded.shown.find((s) => s.kind === 'info')?.text).toMatch(/^Volt: 1 suggestion for .*rsi\.strategy\.ts \(BTC\/USDT 1h, 600 bars\): oversold 30 → 34\. The lightbulb on the param's line writes it; nothing changes until you click\.$/);
    expect(output.lines).toEqual([
      expect.stringMatching(/offered oversold 30 → 34: 34 did better out of sample/),
      expect.stringMatching(/refused period 14 → 16: period 14 → 16 not offered: it fits only in sample/),
    ]);
  });

  it('says a change was refused rather than nothing checked, and the sidecar\'s refusal in one line', async () => {
    const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel;
    await suggestParams({ suggest: async (p) => ({ uri: p.uri, data, suggestions: [refused] }) }, output, vscode.Uri.file('/ws/rsi.strategy.ts'));
    expect(recorded.shown.find((s) => s.kind === 'info')?.text).toMatch(/no suggestion for .*: 1 change refused \(the output channel says why\)\.$/);
    resetStandIn();
    await suggestParams({ suggest: () => Promise.reject(new Error('volt/suggest: up.csv has 1 bars in that range: nothing to check a suggestion on')) }, output, vscode.Uri.file('/ws/rsi.strategy.ts'));
    expect(recorded.shown.find((s) => s.kind === 'error')?.text).toMatch(/^Volt: suggesting params for .* failed: .*nothing to check a suggestion on$/);
    expect(recorded.shown.filter((s) => s.kind === 'info')).toEqual([]);
  });
});
