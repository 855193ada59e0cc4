import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { main } from '../main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-lint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FAULTY = path.join(REPO_ROOT, 'examples', 'strategies', 'faulty', 'hardcoded-threshold.strategy.ts');
const CLEAN = path.join(REPO_ROOT, 'examples', 'strategies', 'macd-trend.strategy.ts');

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

describe('volt lint', () => {
  it('prints file:line:col findings and exits 1 when one is an error', async () => {
    expect(await main(['lint', FAULTY])).toBe(1);
    expect(out).toMatch(/hardcoded-threshold\.strategy\.ts:21:48: error VOLT105: Math\.random\(\)/);
    expect(out).toContain('8 finding(s), 1 error(s)');
  });

  it('exits 0 on a clean example; --json gives the findings as data', async () => {
    expect(await main(['lint', CLEAN, '--json'])).toBe(0);
    const [result] = JSON.parse(out) as { file: string; findings: { code: string; severity: string }[] }[];
    expect(result!.findings.every((f) => f.severity === 'hint')).toBe(true);
  });

  it('--fix applies every mechanical fix and leaves a strategy with no findings', async () => {
    const file = path.join(tmp, 'faulty.strategy.ts');
    copyFileSync(FAULTY, file);
    expect(await main(['lint', '--fix', file])).toBe(0);
    expect(out).toContain('no findings');
    const fixed = readFileSync(file, 'utf8');
    expect(fixed).toContain('ctx.random() > ctx.params.randomAbove');
    expect(fixed).toContain("stopLoss: { kind: 'volatility', atrMultiple: 2 }");
  });

  it('VOLT107 judges warm-up against --data', async () => {
    const file = path.join(tmp, 'slow.strategy.ts');
    writeFileSync(file, readFileSync(CLEAN, 'utf8'));
    expect(await main(['lint', file, '--data', 'synthetic:1:30', '--json'])).toBe(1);
    expect(out).toContain('VOLT107');
  });
});
