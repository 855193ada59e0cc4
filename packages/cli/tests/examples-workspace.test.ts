// Trying the examples never changes a tracked file: a backtest run from examples/ records its
// journal and exports its vault where git ignores them, and leaves the sample vault alone.
// The examples are copied, with their .gitignore files, into a fresh git repository, so the real
// checkout is not touched and a journal a developer keeps in examples/.volt survives.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const git = (args: string[], cwd: string): string =>
  execFileSync('git', ['-c', 'user.name=volt-test', '-c', 'user.email=volt-test@127.0.0.1', ...args], { cwd, encoding: 'utf8' });

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/main.js'))) {
    throw new Error('packages/cli/dist is not built: run `npx tsc -b` (npm test does) before these tests');
  }
  // Exactly what the repository tracks under examples/, and the root .gitignore that applies to it.
  const tracked = git(['ls-files', 'examples', '.gitignore'], REPO_ROOT).split('\n').filter(Boolean);
  for (const file of tracked) {
    mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, file), path.join(tmp, file));
  }
  git(['init', '-q'], tmp);
  git(['add', '-A'], tmp);
  git(['commit', '-qm', 'examples as tracked'], tmp);
});

it('a backtest in examples/ writes its journal and vault where git ignores them', async () => {
  const examples = path.join(tmp, 'examples');
  const before = readFileSync(path.join(examples, 'vault', 'Performance', 'Run 1.md'), 'utf8');
  const code = await new Promise<number>((resolve) => {
    execFile(process.execPath, [BIN, 'backtest', 'strategies/rsi-mean-reversion.strategy.ts'], { cwd: examples }, (error) =>
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : 1),
    );
  });
  expect(code).toBe(0);
  // The run was recorded and exported (so the clean status below means "ignored", not "not written").
  expect(existsSync(path.join(examples, '.volt', 'journal.db'))).toBe(true);
  expect(existsSync(path.join(examples, 'my-vault', 'Performance', 'Run 1.md'))).toBe(true);
  expect(git(['status', '--porcelain', '--untracked-files=all'], tmp)).toBe('');
  expect(readFileSync(path.join(examples, 'vault', 'Performance', 'Run 1.md'), 'utf8')).toBe(before);
}, 60_000);
