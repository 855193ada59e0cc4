import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// The built `volt` bin (`npm test` builds first): the risk rows of every backtest report.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const MACD = path.join(REPO_ROOT, 'examples/strategies/macd-trend.strategy.ts');

function volt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('VaR, CVaR and benchmark correlation in the backtest report', () => {
  it('prints historical and normal VaR/CVaR at 95/99% in the metrics table, and the JSON carries them', async () => {
    const args = ['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--no-journal'];
    const [table, json] = await Promise.all([volt(args), volt([...args, '--json'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\nVaR 95\/99, 1 bar +\d+\.\d\d% \/ \d+\.\d\d% {5}CVaR 95\/99, 1 bar +\d+\.\d\d% \/ \d+\.\d\d%\n/);
    expect(table.stdout).toMatch(/\nVaR 95\/99, normal +\d+\.\d\d% \/ \d+\.\d\d% {5}CVaR 95\/99, normal +\d+\.\d\d% \/ \d+\.\d\d%\n/);
    expect(table.stdout).not.toContain('Benchmark corr.');
    const m = JSON.parse(json.stdout).metrics;
    const h = m.valueAtRisk.historical;
    expect(h.cvar95).toBeGreaterThanOrEqual(h.var95);
    expect(h.cvar99).toBeGreaterThanOrEqual(h.var99);
    expect(h.var99).toBeGreaterThanOrEqual(h.var95);
    expect(m.valueAtRisk.parametric.var99).toBeGreaterThan(m.valueAtRisk.parametric.var95);
    expect(m).not.toHaveProperty('benchmarkCorrelation');
  });

  it('--benchmark adds the correlation, byte-identical run after run', async () => {
    const args = ['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--benchmark', 'synthetic:7:3000:4h', '--no-journal', '--json'];
    const [a, b] = await Promise.all([volt(args), volt(args)]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const c = JSON.parse(a.stdout).metrics.benchmarkCorrelation;
    expect(c).toBeGreaterThanOrEqual(-1);
    expect(c).toBeLessThanOrEqual(1);
    expect(c).not.toBe(0);
    const table = await volt(args.slice(0, -1));
    expect(table.stdout).toMatch(/\nBenchmark corr\. +-?\d\.\d\d\n/);
  });

  it('names the benchmark file it cannot read', async () => {
    const ran = await volt(['backtest', MACD, '--data', 'synthetic:7:300:4h', '--benchmark', 'no-such-file.csv', '--no-journal']);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/no-such-file\.csv/);
  });
});
