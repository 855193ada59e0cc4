import { beforeEach, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import type { DraftProgressParams, DraftStrategyParams, DraftStrategyResult } from '@volt/lsp-server/protocol';
import { CLIENT_COMMANDS, type CommandContext } from '../src/commands.js';
import { draftStrategyFromIdea } from '../src/draft.js';
import { VoltStatus } from '../src/status.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const DRAFT = 'file:///ws/strategies/drafts/ema-trend-rider.strategy.ts';
const REPORT = 'file:///ws/.volt/drafts/ema-trend-rider.report.md';

/** A sidecar whose volt/draftStrategy sends the given progress lines, then answers `result`. */
function setup(result: DraftStrategyResult, lines: DraftProgressParams[]) {
  const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
  const status = new VoltStatus(vscode.window.createStatusBarItem() as unknown as vscode.StatusBarItem, CLIENT_COMMANDS.agentStatus);
  const asked: DraftStrategyParams[] = [];
  const listeners = new Set<(p: DraftProgressParams) => void>();
  const sidecar = {
    execute: () => Promise.reject(new Error('not served')),
    onBacktestStatus: () => ({ dispose() {} }),
    restart: async () => undefined,
    onDraftProgress(l: (p: DraftProgressParams) => void) {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    async draftStrategy(params: DraftStrategyParams) {
      asked.push(params);
      for (const p of lines) for (const l of listeners) l(p);
      return result;
    },
  };
  const ctx = { sidecar, reports: undefined, agents: undefined, status, output } as unknown as CommandContext;
  return { ctx, asked, output, listeners };
}

beforeEach(() => resetStandIn());

describe('Volt: Draft Strategy from Idea', () => {
  it('asks for the idea, shows each attempt, then opens the draft with its report beside it', async () => {
    const { ctx, asked, output, listeners } = setup(
      { status: 'proven', uri: DRAFT, reportUri: REPORT, name: 'EMA trend rider', tier: 'COLD', report: '# …', attempts: [] },
      [
        { attempt: 1, of: 4, state: 'asking', message: 'attempt 1 of 4: asking qwen2.5-coder:7b' },
        { attempt: 1, of: 4, state: 'refused', message: 'attempt 1 of 4: refused at type check and lint: line 11:11: error TS2322: …' },
        { attempt: 2, of: 4, state: 'proven', message: 'attempt 2 of 4: proven, out-of-sample holds' },
      ],
    );
    recorded.inputBoxAnswers.push('ride the trend with two EMAs');
    await draftStrategyFromIdea(ctx);
    expect(asked).toEqual([{ idea: 'ride the trend with two EMAs' }]);
    expect(recorded.shown.map((s) => [s.kind, s.text, s.column])).toEqual([
      ['inputBox', 'Volt: Draft Strategy from Idea', undefined],
      ['progress', 'Volt: drafting a strategy', undefined],
      ['progressReport', 'attempt 1 of 4: asking qwen2.5-coder:7b', undefined],
      ['progressReport', 'attempt 1 of 4: refused at type check and lint: line 11:11: error TS2322: …', undefined],
      ['progressReport', 'attempt 2 of 4: proven, out-of-sample holds', undefined],
      ['document', '/ws/strategies/drafts/ema-trend-rider.strategy.ts', vscode.ViewColumn.One],
      ['document', '/ws/.volt/drafts/ema-trend-rider.report.md', vscode.ViewColumn.Beside],
      ['info', 'Volt: drafted EMA trend rider (tier COLD); its report is beside it', undefined],
    ]);
    expect(output.lines).toContain('Draft: attempt 2 of 4: proven, out-of-sample holds');
    expect(listeners.size).toBe(0);
  });

  it('when nothing proved itself, opens the report alone and says why', async () => {
    const { ctx } = setup({ status: 'refused', reportUri: REPORT, report: '# …', message: 'no draft proved itself in 4 attempts', attempts: [] }, []);
    await draftStrategyFromIdea(ctx, 'buy dips');
    expect(recorded.shown.filter((s) => s.kind === 'document').map((s) => s.text)).toEqual(['/ws/.volt/drafts/ema-trend-rider.report.md']);
    expect(recorded.shown.at(-1)).toMatchObject({ kind: 'warning', text: 'Volt: nothing was drafted: no draft proved itself in 4 attempts' });
  });

  it('does nothing when the idea box is dismissed', async () => {
    const { ctx, asked } = setup({ status: 'unavailable', report: '', attempts: [] }, []);
    await draftStrategyFromIdea(ctx);
    expect(asked).toEqual([]);
  });
});
