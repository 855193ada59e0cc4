import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

describe('volt backtest --implied-vol exchange:deribit:DVOL/BTC:…', () => {
  it('ranks IV against Deribit’s DVOL, fetched through ccxt from a Deribit API on 127.0.0.1 and cached', async () => {
    const { startDeribitApi } = await import('../../engine/tests/data/deribit-api.js');
    const day = 86_400_000;
    const start = Date.UTC(2019, 6, 1);
    // DVOL climbing from 30 to 90 over 2019-07 → 2021-05: the synthetic run's bars rank high late on.
    const dvol = Array.from({ length: 700 }, (_, i) => {
      const v = 30 + (60 * i) / 700;
      return [start + i * day, v, v, v, v];
    });
    const api = await startDeribitApi({ chain: { asOf: start, expiries: [], strikes: [], smile: () => 0.5 }, dvol, dvolPage: 300, realized: [] });
    try {
      const journal = path.join(tmp, 'dvol.db');
      const spec = 'exchange:deribit:DVOL/BTC:1d:2019-07-01:2021-06-01';
      const ran = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, 'backtest', MACD, '--data', 'synthetic:7:3000:4h', '--agents', 'rules', '--implied-vol', spec, '--journal', journal, '--json'],
          { cwd: tmp, env: { ...process.env, VOLT_EXCHANGE_API_URL: api.url }, maxBuffer: 64 * 1024 * 1024 },
          (error, _stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr }),
        );
      });
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      const reasons = volatilityReasons(journal);
      expect(reasons.length).toBeGreaterThan(5);
      // A steadily rising index: each reading is the top of its trailing year
      for (const r of reasons) expect(r).toMatch(/IV rank 100, IV percentile 100, implied \d+\.\d% vs realized/);
      expect(api.requests.some((u) => u.pathname.endsWith('get_volatility_index_data'))).toBe(true);
      expect(readdirSync(path.join(tmp, '.volt', 'cache'))).toContain('deribit-DVOL_BTC-1d-20190701T000000Z-20210601T000000Z.csv');
    } finally {
      await api.close();
    }
  });
});

describe('volt backtest --events', () => {
  it('the volatility assessor names the next scheduled event in its reasoning', async () => {
    const rows = ['date,symbol,event,expected_move'];
    for (let t = Date.UTC(2020, 0, 3); t < Date.UTC(2021, 6, 1); t += 7 * 86_400_000) rows.push(`${new Date(t).toISOString().slice(0, 10)},*,jobs report,0.02`);
    const file = path.join(tmp, 'events.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const journal = path.join(tmp, 'events.db');
    const ran = await volt(['backtest', MACD, '--data', 'synthetic:7:3000:4h', '--agents', 'rules', '--events', file, '--journal', journal, '--json']);
    expect(ran.code).toBe(0);
    const reasons = volatilityReasons(journal);
    expect(reasons.some((r) => /jobs report in \d\.\d days \(priced for a 2\.0% move\)/.test(r))).toBe(true);
    const bad = path.join(tmp, 'bad-events.csv');
    writeFileSync(bad, 'date,symbol,event\nlater,*,jobs report\n');
    const refused = await volt(['backtest', MACD, '--data', 'synthetic:7:300:4h', '--agents', 'rules', '--events', bad, '--no-journal']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:2: 'later' is not a date`);
  });
});
