import { describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import { VoltStatus } from '../src/status.js';

function statusBar() {
  const item = vscode.window.createStatusBarItem() as unknown as vscode.StatusBarItem & { shown: boolean };
  return { item, status: new VoltStatus(item, 'volt.showAgentStatus') };
}

describe('status bar item', () => {
  it('shows the spinner while any work runs, then the agents and the LLM state', async () => {
    const { item, status } = statusBar();
    expect(item.shown).toBe(true);
    expect(item.command).toBe('volt.showAgentStatus');
    expect(item.text).toBe('$(pulse) Volt');

    status.workStarted('backtest:a', 'backtesting a.strategy.ts');
    status.workStarted('backtest:b', 'backtesting b.strategy.ts');
    status.workStarted('backtest:b', 'backtesting b.strategy.ts');
    expect(item.text).toBe('$(sync~spin) Volt: backtesting b.strategy.ts (+1)');
    status.workFinished('backtest:b');
    expect(item.text).toBe('$(sync~spin) Volt: backtesting a.strategy.ts');

    status.setAgents({
      agents: [
        { role: 'trend', kind: 'rules', weight: 0.25, available: true },
        { role: 'volatility', kind: 'rules', weight: 0.4, available: true },
        { role: 'market', kind: 'llm', model: 'llama3.3', weight: 0.1, available: true },
      ],
      llm: { host: 'http://127.0.0.1:11434', available: true, models: ['llama3.3'] },
    });
    status.workFinished('backtest:a');
    expect(item.text).toBe('$(pulse) Volt: 3 agents · Ollama on');
    expect(String(item.tooltip)).toBe(
      'Ollama at http://127.0.0.1:11434: available (llama3.3)\ntrend: rules, weight 0.25\nvolatility: rules, weight 0.4\nmarket: LLM llama3.3, weight 0.1',
    );
  });

  it('clears the spinner even when the work throws, and says when the sidecar is down', async () => {
    const { item, status } = statusBar();
    await expect(status.during('x', 'reading the journal', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(item.text).toBe('$(pulse) Volt');
    status.setSidecarProblem('The Volt sidecar exited');
    expect(item.text).toBe('$(error) Volt: sidecar stopped');
    status.setSidecarProblem(null);
    expect(item.text).toBe('$(pulse) Volt');
  });

  it('counts the running paper and live sessions in the item and lists them in the tooltip', () => {
    const { item, status } = statusBar();
    const session = { id: 3, mode: 'paper' as const, status: 'running' as const, strategyPath: '/w/a.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', startedAt: 0, bars: 10, trades: 2, open: 1, pnl: 80, pnlPct: 0.008, stopReason: null, label: 'paper: +0.8% · 2 trades · 1 open' };
    status.setSessions([session, { ...session, id: 4, status: 'stopped' }]);
    expect(item.text).toBe('$(pulse) Volt · 1 session');
    expect(String(item.tooltip)).toContain('Session 3 (paper): binance BTC/USDT 1m, paper: +0.8% · 2 trades · 1 open');
    expect(String(item.tooltip)).not.toContain('Session 4');
    status.setSessions([]);
    expect(item.text).toBe('$(pulse) Volt');
  });
});

