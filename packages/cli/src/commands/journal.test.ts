import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal } from '@volt/engine';
import { busyBacktest } from '../../../engine/tests/journal/support.js';
import { main } from '../main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-journal-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A workspace whose volt.config.json puts the journal and the vault somewhere of its own. */
function workspace(): { root: string; journalFile: string; runs: number[] } {
  const root = path.join(tmp, `ws${n++}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ journal: { path: 'state/j.db' }, vault: { path: 'Vault' } }));
  const journalFile = path.join(root, 'state', 'j.db');
  const journal = Journal.open(journalFile);
  const runs = [
    journal.recordBacktest(busyBacktest(300, 1, 'Alpha'), { gitCommit: null }),
    journal.recordBacktest(busyBacktest(300, 2, 'Beta'), { gitCommit: null }),
  ];
  journal.close();
  return { root, journalFile, runs };
}

describe('volt journal', () => {
  it('lists runs from the journal that volt.config.json names, newest first', async () => {
    const ws = workspace();
    expect(await main(['journal', 'list', '--root', ws.root])).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STARTED \(UTC\)\s+STATUS\s+STRATEGY/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[3])).toEqual(['Beta', 'Alpha']);
  });

  it('lists trades filtered by strategy and outcome as JSON', async () => {
    const ws = workspace();
    expect(await main(['journal', 'list', '--journal', ws.journalFile, '--strategy', 'Alpha', '--outcome', 'stopped', '--limit', '0', '--json'])).toBe(0);
    const trades = JSON.parse(out) as { strategyName: string; outcome: string; exitReason: string }[];
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((t) => t.strategyName === 'Alpha' && t.outcome === 'STOPPED' && t.exitReason === 'stop')).toBe(true);
  });

  it('filters by date range, --to including its whole day', async () => {
    const ws = workspace();
    await main(['journal', 'list', 'trades', '--journal', ws.journalFile, '--from', '2020-01-03', '--to', '2020-01-04', '--limit', '0', '--json']);
    const trades = JSON.parse(out) as { entryTime: number }[];
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((t) => t.entryTime >= Date.UTC(2020, 0, 3) && t.entryTime < Date.UTC(2020, 0, 5))).toBe(true);
  });

  it('prints decisions as the structured JSON of DESIGN.md', async () => {
    const ws = workspace();
    await main(['journal', 'list', 'decisions', '--journal', ws.journalFile, '--run', String(ws.runs[0]), '--limit', '2', '--json']);
    const decisions = JSON.parse(out) as Record<string, unknown>[];
    expect(decisions).toHaveLength(2);
    expect(Object.keys(decisions[0]!)).toEqual(expect.arrayContaining(['timestamp', 'agent_results', 'consensus_decision', 'recommendations']));
  });

  it('shows one run with provenance, metrics and outcomes', async () => {
    const ws = workspace();
    expect(await main(['journal', 'show', String(ws.runs[1]), '--journal', ws.journalFile])).toBe(0);
    expect(out).toContain(`Run ${ws.runs[1]}: Beta (complete)`);
    expect(out).toMatch(/outcomes\s+PENDING 0\s+CORRECT \d+\s+FALSE_POSITIVE \d+\s+STOPPED \d+/);
    expect(await main(['journal', 'show', '999', '--journal', ws.journalFile])).toBe(1);
    expect(err).toContain('no run 999');
  });

  it('exports into the configured vault, and again without rewriting anything', async () => {
    const ws = workspace();
    expect(await main(['journal', 'export', '--root', ws.root])).toBe(0);
    expect(out).toMatch(/created, 0 updated, 0 unchanged/);
    const vault = path.join(ws.root, 'Vault');
    expect(readdirSync(vault).sort()).toEqual(['Agent-Logs', 'Dashboard.md', 'Performance', 'Strategies', 'Trades']);
    expect(readFileSync(path.join(vault, 'Strategies', 'Alpha.md'), 'utf8')).toContain('strategy: Alpha');
    out = '';
    expect(await main(['journal', 'export', '--root', ws.root, '--json'])).toBe(0);
    const again = JSON.parse(out) as { created: number; updated: number; unchanged: number; files: number };
    expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, again.files]);
  });

  it('explains a missing journal and a bad filter, with the usual exit codes', async () => {
    expect(await main(['journal', 'list', '--journal', path.join(tmp, 'none.db')])).toBe(1);
    expect(err).toMatch(/no journal here yet[^]*fix: run `volt backtest/);
    const ws = workspace();
    expect(await main(['journal', 'list', '--journal', ws.journalFile, '--outcome', 'WIN'])).toBe(2);
    expect(err).toContain('--outcome expects one of PENDING, CORRECT, FALSE_POSITIVE, STOPPED');
    expect(await main(['journal', 'list', '--journal', ws.journalFile, '--from', 'yesterday'])).toBe(2);
    expect(await main(['journal', 'export', '--journal', ws.journalFile])).toBe(2);
    expect(err).toContain('--vault DIR');
  });
});
