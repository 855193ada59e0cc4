import { beforeEach, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import type { PaperSessionStatus, PaperStartParams, PaperStopParams } from '@volt/lsp-server/protocol';
import { CLIENT_COMMANDS, registerCommands, type CommandContext } from '../src/commands.js';
import type { PaperCalls } from '../src/paper.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

beforeEach(() => resetStandIn());

const session = (id: number, status: PaperSessionStatus['status']): PaperSessionStatus => ({
  id, mode: 'paper', status, strategyPath: '/ws/rsi.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m',
  startedAt: 0, bars: 10, trades: 2, open: 1, pnl: 80, pnlPct: 0.008, stopReason: null, label: 'paper: +0.8% · 2 trades · 1 open',
});

function sidecar(over: Partial<PaperCalls> = {}) {
  const started: PaperStartParams[] = [];
  const stopped: PaperStopParams[] = [];
  const calls: PaperCalls = {
    paperStart: async (p) => (started.push(p), { pid: 4242, session: 7 }),
    paperStop: async (p) => (stopped.push(p), { stopped: true, status: 'running' }),
    sessions: async () => ({ sessions: [session(3, 'finished'), session(7, 'running')] }),
    ...over,
  };
  return { calls, started, stopped };
}

function register(paper: PaperCalls) {
  const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
  registerCommands({ paper, output } as unknown as CommandContext);
  return output;
}

describe('Volt: Start Paper Session', () => {
  it('asks the market and hours, starts the session of the active strategy and names it', async () => {
    const s = sidecar();
    const output = register(s.calls);
    recorded.activeFile = '/ws/rsi.strategy.ts';
    recorded.inputBoxAnswers = ['binance', 'ETH/USDT', '2'];
    recorded.quickPickAnswers = ['5m'];
    const r = await recorded.commands.get(CLIENT_COMMANDS.startPaperSession)!();
    expect(r).toEqual({ pid: 4242, session: 7 });
    expect(s.started).toEqual([{ uri: 'file:///ws/rsi.strategy.ts', exchange: 'binance', symbol: 'ETH/USDT', timeframe: '5m', hours: 2 }]);
    expect(recorded.shown.find((x) => x.kind === 'info')?.text).toMatch(/^Volt: paper session 7 of .*rsi\.strategy\.ts started on binance ETH\/USDT 5m\. The status bar lists it; Volt: Stop Paper Session ends it\.$/);
    expect(output.lines).toEqual([expect.stringMatching(/session 7 on binance ETH\/USDT 5m for 2 h$/)]);
  });

  it("gives the CLI's refusal in one line, and asks nothing of the sidecar when dismissed", async () => {
    const s = sidecar({ paperStart: () => Promise.reject(new Error('volt paper: binance has no market BTC/USDX —   fix: its BTC markets include BTC/USDT')) });
    register(s.calls);
    recorded.activeFile = '/ws/rsi.strategy.ts';
    recorded.inputBoxAnswers = ['binance', 'BTC/USDX', '12'];
    recorded.quickPickAnswers = ['1m'];
    expect(await recorded.commands.get(CLIENT_COMMANDS.startPaperSession)!()).toBeUndefined();
    expect(recorded.shown.find((x) => x.kind === 'error')?.text).toMatch(/^Volt: the paper session of .*rsi\.strategy\.ts did not start: volt paper: binance has no market BTC\/USDX/);
    resetStandIn();
    const t = sidecar();
    register(t.calls);
    recorded.activeFile = '/ws/rsi.strategy.ts';
    recorded.inputBoxAnswers = [undefined];
    expect(await recorded.commands.get(CLIENT_COMMANDS.startPaperSession)!()).toBeUndefined();
    expect(t.started).toEqual([]);
  });
});

describe('Volt: Stop Paper Session', () => {
  it('offers the running sessions only and pulls the picked one’s kill switch', async () => {
    const s = sidecar();
    register(s.calls);
    recorded.quickPickAnswers = ['Session 7 (paper)'];
    expect(await recorded.commands.get(CLIENT_COMMANDS.stopPaperSession)!()).toEqual({ stopped: true, status: 'running' });
    expect(recorded.shown.find((x) => x.kind === 'quickPick')?.items).toEqual([{ label: 'Session 7 (paper)', description: 'binance BTC/USDT 1m', detail: 'paper: +0.8% · 2 trades · 1 open' }]);
    expect(s.stopped).toEqual([{ session: 7 }]);
    expect(recorded.shown.find((x) => x.kind === 'info')?.text).toBe('Volt: session 7 stops: it closes its position and ends within a second.');
  });

  it('says when nothing is running', async () => {
    const s = sidecar({ sessions: async () => ({ sessions: [session(3, 'finished')] }) });
    register(s.calls);
    expect(await recorded.commands.get(CLIENT_COMMANDS.stopPaperSession)!()).toBeUndefined();
    expect(recorded.shown.map((x) => x.text)).toEqual(['Volt: no paper or live session is running.']);
    expect(s.stopped).toEqual([]);
  });
});
