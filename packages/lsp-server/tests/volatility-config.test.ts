/**
 * The sidecar gives the agents the same volatility inputs as `volt backtest`: agents.vix and the
 * term structure (vix9d/vix3m/vix6m), impliedVol and events of volt.config.json, read again when a
 * file changes, and a configured file not there yet is left out with a line in the log.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveDataSpec, syntheticChain } from '@volt/engine';
import { Commands } from '../src/protocol.js';
import { EXAMPLES, startBinary, type TestClient } from './utils/connection.js';
import { sharedDataFile } from '../../../test-support/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-sidecar-vol-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const running: TestClient[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.dispose();
});

/** A daily CBOE-style file of weekdays through 2021 (the synthetic run's span) at `level`. */
function levelFile(file: string, level: number): void {
  const rows = ['DATE,OPEN,HIGH,LOW,CLOSE'];
  for (let t = Date.UTC(2019, 11, 1); t < Date.UTC(2022, 0, 1); t += 86_400_000) {
    const day = new Date(t);
    if (day.getUTCDay() % 6 !== 0) rows.push(`${day.toISOString().slice(0, 10)},${level},${level},${level},${level}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

async function volatilityReasons(journal: string): Promise<string[]> {
  for (let tries = 0; tries < 100; tries++) {
    try {
      const db = new Database(journal, { readonly: true });
      try {
        const rows = db.prepare('SELECT agent_results FROM decisions WHERE agent_results IS NOT NULL ORDER BY seq').all() as { agent_results: string }[];
        if (rows.length > 0) return rows.map((r) => JSON.parse(r.agent_results).volatility_assessor.reasoning as string);
      } finally {
        db.close();
      }
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no decisions in ${journal}`);
}

describe('the sidecar reads the agents’ term structure from volt.config.json', () => {
  it('agents.vix3m far above the VIX is contango in the volatility assessor’s words; a missing agents.vix6m is logged and left out', async () => {
    const root = path.join(tmp, 'ws');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    levelFile(path.join(root, 'data', 'VIX3M_History.csv'), 60);
    const config = {
      data: { default: 'synthetic:7:3000:4h' },
      agents: { mode: 'rules', vix: sharedDataFile('vix-daily.csv'), vix3m: 'data/VIX3M_History.csv', vix6m: 'data/VIX6M_History.csv' },
    };
    writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify(config, null, 2));
    const c = await startBinary({ root });
    running.push(c);
    const logs: string[] = [];
    c.connection.onNotification('window/logMessage', (m: { message: string }) => logs.push(m.message));
    await c.initialize();
    const uri = await c.open('macd.strategy.ts', readFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), 'utf8'));
    await c.executeCommand(Commands.backtest, [{ uri }]);
    const reasons = await volatilityReasons(path.join(root, '.volt', 'journal.db'));
    expect(reasons.length).toBeGreaterThan(5);
    for (const r of reasons) expect(r).toMatch(/^VIX \d+\.\d, contango 0\.\d\d \(VIX\/VIX3M\), IV rank \d+/);
    await c.until(() => (logs.some((m) => m.includes('agents.vix6m of volt.config.json names data/VIX6M_History.csv, which does not exist yet: left out')) ? true : undefined), 'the missing file in the log');
  });
});

describe('the sidecar reads backtest.optionsChain', () => {
  it('ctx.options runs on the chain file volt.config.json names, as volt backtest --options-chain does', async () => {
    const root = path.join(tmp, 'chain-ws');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    const series = await resolveDataSpec('synthetic:5:200:1h');
    const rows = ['time,expiry,right,strike,bid,ask'];
    for (let i = 20; i < 200; i++) {
      for (const q of syntheticChain(series.time[i]!, series.open[i]!, 0.5, { weeks: 2 })) rows.push(`${series.time[i]},${q.expiry},${q.right},${q.strike},${q.bid.toFixed(2)},${(q.ask + 2).toFixed(2)}`);
    }
    writeFileSync(path.join(root, 'data', 'chain.csv'), rows.join('\n') + '\n');
    writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:5:200:1h' }, backtest: { optionsChain: 'data/chain.csv' } }));
    const c = await startBinary({ root });
    running.push(c);
    await c.initialize();
    const uri = await c.open(
      'call.strategy.ts',
      `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'one call',
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.index !== 30) return;
    const q = ctx.options.chain().find((x) => x.right === 'call' && x.strike >= ctx.bar.close);
    ctx.options.open([{ right: 'call', strike: q.strike, expiry: q.expiry, quantity: 1 }]);
  },
});
`,
    );
    const result = await c.executeCommand<{ report: { options: { chain: string; positions: { legs: { entry: number; strike: number; expiry: number }[] }[] } } }>(Commands.backtest, [{ uri }]);
    expect(result.report.options.chain).toBe(path.join(root, 'data', 'chain.csv'));
    const leg = result.report.options.positions[0]!.legs[0]!;
    const quoted = rows.find((r) => r.startsWith(`${series.time[31]},${leg.expiry},call,${leg.strike},`))!.split(',');
    expect(leg.entry).toBe(Number(quoted[5]));
  });
});
