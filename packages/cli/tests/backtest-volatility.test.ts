import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedDataFile } from '../../../test-support/shared-data.js';

// The built `volt` bin with the agents reading the VIX and its term structure from files.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const MACD = path.join(REPO_ROOT, 'examples/strategies/macd-trend.strategy.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-backtest-vol-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function volt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** A VIX3M file of weekdays through 2021 (the synthetic run's span) at `level`, CBOE's columns. */
function vix3mFile(name: string, level: number): string {
  const rows = ['DATE,OPEN,HIGH,LOW,CLOSE'];
  for (let t = Date.UTC(2019, 11, 1); t < Date.UTC(2022, 0, 1); t += 86_400_000) {
    const day = new Date(t);
    if (day.getUTCDay() % 6 !== 0) rows.push(`${day.toISOString().slice(0, 10)},${level},${level},${level},${level}`);
  }
  const file = path.join(tmp, name);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

function volatilityReasons(journal: string): string[] {
  const db = new Database(journal, { readonly: true });
  try {
    return db
      .prepare('SELECT agent_results FROM decisions WHERE agent_results IS NOT NULL ORDER BY seq')
      .all()
      .map((r) => JSON.parse((r as { agent_results: string }).agent_results).volatility_assessor.reasoning as string);
  } finally {
    db.close();
  }
}

describe('volt backtest --vix --vix3m: the term structure in the regime and in the agents’ words', () => {
  it('a VIX3M far above the VIX is contango; the volatility assessor names the ratio and the IV rank', async () => {
    const journal = path.join(tmp, 'contango.db');
    const ran = await volt(['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--agents', 'rules', '--vix', sharedDataFile('vix-daily.csv'), '--vix3m', vix3mFile('high.csv', 60), '--journal', journal, '--json']);
    expect(ran.code).toBe(0);
    const reasons = volatilityReasons(journal);
    expect(reasons.length).toBeGreaterThan(5);
    for (const r of reasons) expect(r).toMatch(/^VIX \d+\.\d, contango 0\.\d\d \(VIX\/VIX3M\), IV rank \d+, IV percentile \d+, implied [\d.]+% vs realized [\d.]+%/);
  });

  it('a VIX3M far below it is backwardation, and lifts the regime', async () => {
    const args = (file: string, journal: string) => ['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--agents', 'rules', '--vix', sharedDataFile('vix-daily.csv'), '--vix3m', file, '--journal', journal, '--json'];
    const [inverted, plain] = await Promise.all([
      volt(args(vix3mFile('low.csv', 5), path.join(tmp, 'inverted.db'))),
      volt(['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--agents', 'rules', '--vix', sharedDataFile('vix-daily.csv'), '--journal', path.join(tmp, 'plain.db'), '--json']),
    ]);
    expect(inverted.code).toBe(0);
    const regimes = JSON.parse(inverted.stdout).agents.regimes;
    expect(regimes.normal ?? 0).toBe(0);
    expect(JSON.parse(plain.stdout).agents.regimes.normal).toBeGreaterThan(0);
    expect(volatilityReasons(path.join(tmp, 'inverted.db')).some((r) => /backwardation \d+\.\d\d \(VIX\/VIX3M\).*the VIX curve is inverted/.test(r))).toBe(true);
  });
});
