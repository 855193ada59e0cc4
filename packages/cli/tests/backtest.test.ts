import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedDataFile } from '../../../test-support/shared-data.js';

// These tests run the built `volt` bin as a user would: `npm test` builds before it tests.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EXAMPLE = path.join(REPO_ROOT, 'examples/strategies/rsi-mean-reversion.strategy.ts');
const MACD = path.join(REPO_ROOT, 'examples/strategies/macd-trend.strategy.ts');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-backtest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/backtest.js'))) {
    throw new Error('packages/cli/dist is not built: run `npx tsc -b` (npm test does) before these tests');
  }
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function volt(args: string[], cwd = tmp): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function folder(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('volt backtest, readable report', () => {
  let ran: Ran;
  beforeAll(async () => {
    ran = await volt(['backtest', MACD, '--data', 'synthetic:7:3000:4h']);
  });

  it('exits 0 with a header, an equity sparkline, the metrics and the last trades', () => {
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^MACD trend on SYNTH 4h, synthetic:7:3000:4h\n/);
    expect(ran.stdout).toMatch(/\nequity [▁▂▃▄▅▆▇█]{20,} {2}10,000\.00 → [\d,]+\.\d\d\n/);
    for (const label of ['Total return', 'CAGR', 'Sharpe', 'Sortino', 'Calmar', 'Max drawdown', 'Win rate', 'Profit factor', 'Expectancy', 'Exposure', 'Fees paid', 'Avg holding']) {
      expect(ran.stdout).toContain(label);
    }
    expect(ran.stdout).toMatch(/\n +#  side +entry +price +exit +price +why +pnl +pnl %\n/);
  });

  it('aligns the numbers of the metrics table on their right edge', () => {
    const lines = ran.stdout.split('\n');
    const first = lines.findIndex((l) => l.startsWith('Total return'));
    const table = lines.slice(first, first + 9);
    // two columns of `label  value`: the right column starts at one place, the left column's
    // values end just before its five-space gap, and the right column's values end together
    const col = table[0]!.indexOf('Trades');
    for (const line of table) {
      expect(line.slice(col - 5, col)).toBe('     ');
      expect(line[col - 6]).not.toBe(' ');
      expect(line[col]).not.toBe(' ');
      expect(line.length).toBe(table[0]!.length);
    }
  });
});

describe('volt backtest --json', () => {
  it('prints exactly one JSON document, byte-identical run after run', async () => {
    const args = ['backtest', EXAMPLE, '--data', 'synthetic:11:4000:1h', '--json', '--seed', '5'];
    const [a, b] = await Promise.all([volt(args), volt(args)]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    const report = JSON.parse(a.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.data).toMatchObject({ source: 'synthetic:11:4000:1h', bars: 4000, timeframe: '1h' });
    expect(report.config).toEqual({ capital: 10_000, feeRate: 0.001, slippage: 0.0005, seed: 5, maxPositionCap: 0.1 });
    expect(b.stdout).toBe(a.stdout);
  });

  it('passes --fee, --slippage, --capital and --param through to the run', async () => {
    const r = await volt(['backtest', EXAMPLE, '--data', 'synthetic:3:500', '--json', '--fee', '0.002', '--slippage', '0', '--capital', '2500', '--param', 'oversold=25', '--param', 'exitLevel=60']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.config).toMatchObject({ feeRate: 0.002, slippage: 0, capital: 2500 });
    expect(report.strategy.params).toMatchObject({ oversold: 25, exitLevel: 60 });
    expect(report.metrics.startEquity).toBe(2500);
  });

  it('keeps only the bars between --from and --to', async () => {
    const r = await volt(['backtest', EXAMPLE, '--data', 'synthetic:3:2000:1h', '--json', '--from', '2020-01-10', '--to', '2020-01-20T12:00']);
    expect(r.code).toBe(0);
    const { data } = JSON.parse(r.stdout);
    expect(data.from).toBe(Date.UTC(2020, 0, 10));
    expect(data.to).toBe(Date.UTC(2020, 0, 20, 11));
    expect(data.bars).toBe(10 * 24 + 12);
  });
});

describe('volt backtest data', () => {
  it('uses data.default of volt.config.json in the current folder', async () => {
    const dir = folder('configured');
    writeFileSync(path.join(dir, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:9:300:4h' } }));
    const r = await volt(['backtest', EXAMPLE, '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).data).toMatchObject({ source: 'synthetic:9:300:4h', bars: 300, timeframe: '4h' });
    // the example is written for 1h bars: said on stderr, stdout stays one JSON document
    expect(r.stderr).toContain('is written for 1h bars and the data has 4h bars');
  });

  it('falls back to synthetic:42 without a config', async () => {
    const r = await volt(['backtest', EXAMPLE, '--json'], folder('bare'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).data.source).toBe('synthetic:42');
  });

  it('refuses a flawed file with its line (exit 1), and repairs it with --lenient', async () => {
    const file = sharedDataFile('bitfinex-1h-btc-usd.csv');
    const strict = await volt(['backtest', EXAMPLE, '--data', file]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/bitfinex-1h-btc-usd\.csv:\d+: out of order/);
    const lenient = await volt(['backtest', EXAMPLE, '--data', file, '--lenient', '--json']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/--lenient repaired .*out of order/);
    expect(JSON.parse(lenient.stdout).data.bars).toBeGreaterThan(17_000);
  });
});

describe('volt backtest errors', () => {
  it('exits 1 naming the strategy line and the bar when onBar throws', async () => {
    const dir = folder('broken');
    const file = path.join(dir, 'boom.strategy.ts');
    writeFileSync(
      file,
      [
        "import { defineStrategy } from '@volt/engine';",
        'export default defineStrategy({',
        "  name: 'boom',",
        '  onBar(ctx) {',
        "    if (ctx.index === 50) throw new Error('kaboom');",
        '  },',
        '});',
        '',
      ].join('\n'),
    );
    const r = await volt(['backtest', file, '--data', 'synthetic:1:200:1h']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('kaboom');
    expect(r.stderr).toContain('bar 50');
    expect(r.stderr).toContain('2020-01-03T02:00:00.000Z');
    expect(r.stderr).toContain(`${file}:5`);
  });

  it('exits 2 on usage mistakes', async () => {
    const mistakes = [
      ['backtest'],
      ['backtest', EXAMPLE, '--fee', 'lots'],
      ['backtest', EXAMPLE, '--fee', '1.5'],
      ['backtest', EXAMPLE, '--param', 'oversold'],
      ['backtest', EXAMPLE, '--from', 'someday'],
      ['backtest', EXAMPLE, '--param', 'nope=1'],
    ];
    const results = await Promise.all(mistakes.map((args) => volt(args)));
    expect(results.map((r) => r.code)).toEqual(mistakes.map(() => 2));
    expect(results.at(-1)!.stderr).toContain("has no param 'nope'");
  });
});

describe('volt backtest progress bar', () => {
  // A strategy slow on purpose (a busy wait in onBar), so the run certainly passes the one-second
  // mark; `script` gives the process a terminal, which is when the bar is drawn.
  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.runIf(hasScript)('draws on a terminal once a run takes over a second, and stays off pipes', async () => {
    const dir = folder('slow');
    const file = path.join(dir, 'slow.strategy.ts');
    writeFileSync(
      file,
      [
        "import { defineStrategy } from '@volt/engine';",
        'export default defineStrategy({',
        "  name: 'slow',",
        '  onBar() {',
        '    const until = performance.now() + 0.08;',
        '    while (performance.now() < until) {}',
        '  },',
        '});',
        '',
      ].join('\n'),
    );
    const args = ['backtest', file, '--data', 'synthetic:1:20000:1m'];
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const onTerminal = await new Promise<string>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: dir }, (_error, stdout) => resolve(stdout));
    });
    expect(onTerminal).toMatch(/\r\[#+\.*\] +\d+%  [\d,]+\/20,000 bars/);
    expect(onTerminal).toContain('Total return');
    const piped = await volt(args, dir);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
