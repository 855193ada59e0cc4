/**
 * `volt data` as a user runs it. The exit codes (0 ok, 1 data problem, 2 usage) are checked on the
 * built CLI in a child process (`volt`), which needs the build (`npx tsc -b`, run first by
 * `npm test`); the many variations of output and options run in-process through main() (`inProcess`),
 * since each child process pays the whole engine's start-up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, sharedDataFile } from '../../../../test-support/shared-data.js';
import { loadCandlesSync } from '@volt/engine';
import { main } from '../main.js';

const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  // The build is the thing under test; `npm test` runs `tsc -b` before vitest.
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/data.js'))) {
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` first (npm test does)');
  }
});

function volt(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [VOLT, 'data', ...args], { cwd: tmp, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const status = await main(['data', ...args]);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('volt data check', () => {
  it('exits 0 and says so for a clean file', () => {
    const r = volt('check', sharedDataFile('ETH_BTC-5m.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('5760 rows (json), ETH/BTC, 5m, 2018-01-10 04:55 → 2018-01-30 04:50');
    expect(r.stdout).toContain('no problems: loads as it is');
  });

  it('lists every problem as file:line, the fix once per kind, and exits 1', () => {
    const file = sharedDataFile('bitfinex-1h-btc-usd.csv');
    const r = volt('check', file);
    expect(r.status).toBe(1);
    const located = r.stdout.split('\n').filter((l) => l.startsWith(file) && /^:\d+:/.test(l.slice(file.length)));
    expect(located.map((l) => Number(l.slice(file.length + 1).split(':')[0]))).toEqual([14372, 14374, 14376, 14378, 14380]);
    expect(r.stdout).toContain('out-of-order (5): re-run with --lenient to sort the rows by time');
    expect(r.stdout).toContain('note: newest first: read in reverse');
    expect(r.stdout).toContain('5 problems; all repairable with --lenient');
  });

  it('emits one JSON document with --json', async () => {
    const r = await inProcess('check', sharedDataFile('vix-daily.csv'), '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, ok: false, format: 'csv', rows: 9235, timeframe: '1d', first: '1990-01-02T00:00:00.000Z' });
    expect(report.problems).toHaveLength(47);
    expect(report.problems[0]).toMatchObject({ kind: 'ohlc-inconsistent', line: 535 });
  });

  it('reports a header that does not match its rows', async () => {
    const r = await inProcess('check', sharedDataFile('2006-01-02-volume-min-001.txt'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('2006-01-02-volume-min-001.txt:1: the header names 7 columns');
    expect(r.stdout).toContain('header-mismatch (1): add Time after Date');
  });

  it('exits 1 with file and fix for a file that does not exist, 2 for a wrong call', async () => {
    const missing = volt('check', 'nowhere.csv');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nowhere.csv: cannot read the data file: no such file');
    expect(missing.stderr).toContain('fix: check the path');
    expect(volt('check').status).toBe(2);
    expect((await inProcess('check', 'a.csv', 'b.csv')).status).toBe(2);
    expect((await inProcess('check', '--frobnicate', 'a.csv')).status).toBe(2);
  });
});

describe('volt data synth', () => {
  it('writes the same CSV for the same seed, and another for another seed', async () => {
    const a = volt('synth', '--seed', '7', '--bars', '300', '--timeframe', '15m');
    const b = await inProcess('synth', '--seed', '7', '--bars', '300', '--timeframe', '15m');
    const c = await inProcess('synth', '--seed', '8', '--bars', '300', '--timeframe', '15m');
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(301);
    expect(lines[0]).toBe('time,open,high,low,close,volume');
    expect(lines[1]).toMatch(/^2020-01-01T00:00:00\.000Z,/);
    expect(lines[2]).toMatch(/^2020-01-01T00:15:00\.000Z,/);
  });

  it('writes a file that loads back in strict mode, in the format of its extension', async () => {
    const out = path.join(tmp, 'market.json');
    const r = await inProcess('synth', '--seed', '3', '--bars', '1000', '--timeframe', '1d', '--start', '2015-06-01', '--symbol', 'SYN/USD', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^wrote 1000 bars of 1d \(seed 3\) to .*market\.json; regimes: calm \d+%/);
    expect(readFileSync(out, 'utf8').startsWith('[[1433116800000,')).toBe(true);
    const { series } = loadCandlesSync(out);
    expect([series.length, series.timeframe, series.time[0]]).toEqual([1000, '1d', Date.UTC(2015, 5, 1)]);
  });

  it('stops quietly when the reader goes away', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${VOLT}" data synth --seed 1 --bars 300000 | head -n 2`], { encoding: 'utf8' });
    expect(r.stdout.split('\n')).toHaveLength(3);
    expect(r.stderr).toBe('');
  });

  it('refuses wrong calls with exit 2 and an unwritable --out with exit 1', async () => {
    expect(volt('synth', '--bars', '10').status).toBe(2);
    for (const wrong of [['--seed', 'x'], ['--seed', '1', '--bars', '0'], ['--seed', '1', '--timeframe', '7x'], ['--seed', '1', '--format', 'xml'], ['--seed', '1', '--start', 'someday']]) {
      expect((await inProcess('synth', ...wrong)).status, wrong.join(' ')).toBe(2);
    }
    const unwritable = await inProcess('synth', '--seed', '1', '--bars', '10', '--out', path.join(tmp, 'no/such/folder/m.csv'));
    expect(unwritable.status).toBe(1);
    expect(unwritable.stderr).toContain('cannot write the candles');
  });
});

describe('volt data', () => {
  it('prints its help with exit 0, and exits 2 without or with an unknown subcommand', async () => {
    const help = await inProcess('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('volt data check FILE');
    expect(help.stdout).toContain('volt data synth --seed N');
    expect((await inProcess('check', '--help')).status).toBe(0);
    expect((await inProcess('synth', '--help')).stdout).toContain('--start-price');
    expect(volt().status).toBe(2);
    expect((await inProcess('frobnicate')).status).toBe(2);
  });

  it('is listed by volt help', () => {
    const r = spawnSync(process.execPath, [VOLT, 'help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('  data');
  });
});
