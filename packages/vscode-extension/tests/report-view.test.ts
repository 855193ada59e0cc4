import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, reportHtml } from '../src/report-view.js';
import { formatDuration, reportModel } from '../src/report-model.js';
import { backtestResult } from './fixtures.js';

const script = readFileSync(new URL('../media/report.js', import.meta.url), 'utf8');

describe('report page under a strict Content-Security-Policy', () => {
  const html = reportHtml({ cspSource: 'vscode-webview://abc', nonce: 'n0nce', scriptUri: 'vscode-webview://abc/media/report.js', styleUri: 'vscode-webview://abc/media/report.css' });

  it('allows only the extension’s own nonce’d script and stylesheet, nothing inline, nothing remote', () => {
    const csp = contentSecurityPolicy('vscode-webview://abc', 'n0nce');
    expect(csp).toBe("default-src 'none'; script-src 'nonce-n0nce'; style-src vscode-webview://abc; img-src vscode-webview://abc; font-src vscode-webview://abc");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([' nonce="n0nce" src="vscode-webview://abc/media/report.js"']);
    expect(html).not.toMatch(/ style=|<style|\son\w+=|https?:\/\//);
  });

  it('draws with DOM calls the policy permits (no inline styles, no eval, no HTML strings)', () => {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\(['"]style/);
    expect(script).toContain("addEventListener('securitypolicyviolation'");
  });
});

describe('reportModel', () => {
  it('formats the metrics as a trader reads them, with the change since the last run', () => {
    const model = reportModel(backtestResult('file:///ws/rsi.strategy.ts'));
    const row = (label: string) => model.metrics.find((m) => m.label === label);
    expect(row('Total return')).toEqual({ label: 'Total return', value: '12.34%', change: '+5.00 pp' });
    expect(row('Sharpe')).toEqual({ label: 'Sharpe', value: '1.23', change: '+0.20' });
    expect(row('Max drawdown')).toEqual({ label: 'Max drawdown', value: '8.10%', change: '-1.00 pp' });
    expect(row('Win rate')?.change).toBe('±0');
    expect(row('Sortino')?.value).toBe('unbounded');
    expect(row('Longest drawdown')?.value).toBe('3.0 d');
    expect(row('Equity')?.value).toBe('10,000.00 → 11,234.00');
    expect(model.subtitle).toBe('BTC/USDT 1h · synthetic:42 · 2024-01-01 00:00 → 2024-12-31 00:00 · 8760 bars · ran in 42 ms');
  });

  it('lists trades with signed P&L and passes the equity and drawdown series through', () => {
    const model = reportModel(backtestResult('file:///ws/rsi.strategy.ts'));
    expect(model.trades.map((t) => [t.side, t.pnl, t.pnlPct, t.result, t.exitReason])).toEqual([
      ['long', '+300.00', '+2.38%', 'win', 'signal'],
      ['short', '-176.60', '-2.09%', 'loss', 'stop'],
    ]);
    expect(model.equity).toEqual([10_000, 10_300, 10_123.4, 11_234]);
    expect(model.drawdown).toEqual([0, 0, 0.0172, 0]);
    expect(model.tradeCount).toBe(2);
  });

  it('reads durations in the unit that fits', () => {
    expect([formatDuration(30 * 60_000), formatDuration(5 * 3_600_000), formatDuration(3 * 86_400_000)]).toEqual(['30 min', '5.0 h', '3.0 d']);
  });
});
