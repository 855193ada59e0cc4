#!/usr/bin/env node
// The demo on embedded defaults: every example strategy backtested on the deterministic synthetic
// market through the real `volt` CLI, each report printed, each run recorded in a throwaway journal.
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const volt = path.join(root, 'packages/cli/bin/volt.js');
const strategiesDir = path.join(root, 'examples/strategies');
const strategies = readdirSync(strategiesDir).filter((f) => f.endsWith('.strategy.ts')).sort();
const journalDir = mkdtempSync(path.join(tmpdir(), 'volt-demo-'));
const journal = path.join(journalDir, 'journal.db');

let failed = 0;
for (const file of strategies) {
  const args = ['backtest', path.join('examples/strategies', file), '--data', 'synthetic:42:20000:1h', '--journal', journal];
  console.log(`\n$ volt ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [volt, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
// The MACD trend strategy again, with every entry put to the rule-based agents' panel and the risk gate.
const reviewed = ['backtest', 'examples/strategies/macd-trend.strategy.ts', '--data', 'synthetic:42:20000:1h', '--agents', 'rules', '--journal', journal];
console.log(`\n$ volt ${reviewed.join(' ')}`);
if (spawnSync(process.execPath, [volt, ...reviewed], { cwd: root, stdio: 'inherit' }).status !== 0) failed++;

const vault = path.join(journalDir, 'vault');
for (const args of [['journal', 'list', '--journal', journal], ['journal', 'export', '--journal', journal, '--vault', vault]]) {
  console.log(`\n$ volt ${args.join(' ')}`);
  if (spawnSync(process.execPath, [volt, ...args], { cwd: root, stdio: 'inherit' }).status !== 0) failed++;
}
console.log(`\nThe runs above are recorded in ${journal}; open ${vault} in Obsidian to review them`);
console.log('(examples/vault/ is a committed one, made by node scripts/make-example-vault.mjs).');
process.exit(failed === 0 ? 0 : 1);
