/**
 * Hostile strategies through the real `volt` binary: each must end within the run's limit with
 * exit 1, one message at its line (no V8 stack), the run marked failed in the journal, and nothing
 * done outside the sandbox.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const TIMEOUT_MS = 1500;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-hostile-'));
const outside = path.join(tmp, 'outside');
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  mkdirSync(outside);
  writeFileSync(path.join(tmp, 'volt.config.json'), JSON.stringify({ backtest: { timeoutMs: TIMEOUT_MS, maxMemoryMb: 128 } }));
  writeFileSync(path.join(outside, 'secret.txt'), 'the user\'s secret');
  listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => listener.close(() => r()));
  rmSync(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function volt(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const HEAD = `import { defineStrategy } from '@volt/engine';\n`;

/** A strategy whose onBar body is `body`; `before` goes between the import and the definition. */
function strategy(name: string, body: string, before = '', extra = ''): string {
  const file = path.join(tmp, `${name}.strategy.ts`);
  writeFileSync(
    file,
    `${HEAD}${before}
export default defineStrategy({
  name: '${name}',
  timeframe: '1h',
  params: { level: { value: 30, min: 10, max: 45 } },
  indicators: (ind) => ({ rsi: ind.rsi(14) }),${extra}
  onBar(ctx) {
${body}
    if (ctx.ind.rsi.ready && ctx.position.side === 0 && ctx.ind.rsi.value < ctx.params.level) ctx.buy({ confidence: 0.6, reason: 'dip' });
    else if (ctx.position.side === 1 && ctx.ind.rsi.value > 55) ctx.exit({ reason: 'back' });
  },
  risk: { stopLoss: 0.04, takeProfit: 0.08, maxPositionPct: 0.1 },
});
`,
  );
  return file;
}

const lineOf = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;

async function backtest(file: string, journal: string): Promise<Ran> {
  return volt(['backtest', file, '--data', 'synthetic:3:2000:1h', '--journal', journal]);
}

/** The journal's account of the last run: status and error line. */
async function lastRun(journal: string): Promise<string> {
  const list = await volt(['journal', 'list', '--json', '--journal', journal]);
  const runs = JSON.parse(list.stdout) as { id: number }[];
  const show = await volt(['journal', 'show', String(runs[0]!.id), '--journal', journal]);
  return show.stdout;
}

function expectOneMessage(r: Ran, file: string, line: number): void {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/FATAL ERROR|at .*\(node:|Error: |<--- Last few GCs/);
  expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^volt backtest: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: `));
}

describe('a strategy that never returns or grows without end', () => {
  it('an endless loop in onBar stops within the limit at its line, and the journal says why', async () => {
    const file = strategy('spins', `    if (ctx.index === 300) {\n      let n = 0;\n      while (n >= 0) n = (n + 1) % 7;\n    }`);
    const journal = path.join(tmp, 'spins.db');
    const r = await backtest(file, journal);
    expectOneMessage(r, file, lineOf(file, 'while (n >= 0)'));
    expect(r.stderr).toContain(`onBar did not return within ${TIMEOUT_MS} ms (at bar 300)`);
    expect(r.ms).toBeLessThan(TIMEOUT_MS + 10_000);
    const shown = await lastRun(journal);
    expect(shown).toMatch(/\(failed\)/);
    expect(shown).toContain('onBar did not return');
  });

  it('an endless loop in indicators() is named as such', async () => {
    const file = path.join(tmp, 'declares.strategy.ts');
    writeFileSync(file, readFileSync(strategy('declares', ''), 'utf8').replace('indicators: (ind) => ({ rsi: ind.rsi(14) }),', 'indicators: (ind) => { for (;;) {} },'));
    const r = await backtest(file, path.join(tmp, 'declares.db'));
    expectOneMessage(r, file, lineOf(file, 'for (;;)'));
    expect(r.stderr).toContain(`indicators() did not return within ${TIMEOUT_MS} ms`);
  });

  it("an endless loop at the module's top level is named as such", async () => {
    const file = strategy('top', '', 'let k = 1;\nwhile (k > 0) k = k * 3 % 1000 + 1;\n');
    const journal = path.join(tmp, 'top.db');
    const r = await backtest(file, journal);
    expectOneMessage(r, file, lineOf(file, 'while (k > 0)'));
    expect(r.stderr).toContain(`the module's top level did not finish within ${TIMEOUT_MS} ms`);
    expect(await lastRun(journal)).toMatch(/top\s*\(failed\)|\(failed\)/);
  });

  it('a heap that grows every bar ends with a memory message, not a V8 crash', async () => {
    const file = strategy('hoards', `    hoard.push(new Array(200_000).fill(ctx.bar.close));`, 'const hoard: number[][] = [];\n');
    const r = await backtest(file, path.join(tmp, 'hoards.db'));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/FATAL ERROR|Last few GCs|node::/);
    expect(r.stderr).toMatch(/memory/);
    expect(r.stderr).toContain(file);
  });

  it('buffers allocated every bar are stopped at their line', async () => {
    const file = strategy('buffers', `    buffers.push(new Float64Array(2_000_000));`, 'const buffers: Float64Array[] = [];\n');
    const r = await backtest(file, path.join(tmp, 'buffers.db'));
    // Stopped at the checkpoint it passed last: onBar's own (the push is no loop of its own).
    expectOneMessage(r, file, lineOf(file, 'onBar(ctx)'));
    expect(r.stderr).toMatch(/memory grew past \d+ MB of its 128 MB/);
  });
});

describe('a strategy that tries to act', () => {
  it('process.exit(0) in onBar is refused: exit 1 and the run marked failed', async () => {
    const file = strategy('quits', `    if (ctx.index === 100) process.exit(0);`);
    const journal = path.join(tmp, 'quits.db');
    const r = await backtest(file, journal);
    expectOneMessage(r, file, lineOf(file, 'process.exit(0)'));
    expect(r.stderr).toContain('strategies may not end the process');
    expect(await lastRun(journal)).toMatch(/\(failed\)[\s\S]*strategies may not end the process/);
  });

  it('starting a process is refused at the import, and nothing runs', async () => {
    const marker = path.join(outside, 'pwned-exec');
    const file = strategy('spawns', `    if (ctx.index === 50) execSync('id > ${marker}');`, `import { execSync } from 'node:child_process';\n`);
    const r = await backtest(file, path.join(tmp, 'spawns.db'));
    expectOneMessage(r, file, lineOf(file, "from 'node:child_process'"));
    expect(r.stderr).toContain('strategies may not start processes');
    expect(existsSync(marker)).toBe(false);
  });

  it('writing a file is refused even when the strategy catches the refusal', async () => {
    const marker = path.join(outside, 'pwned-write');
    const file = strategy(
      'writes',
      `    if (ctx.index === 50) { try { (process as any).getBuiltinModule('fs').writeFileSync('${marker}', 'x'); } catch {} }`,
    );
    const r = await backtest(file, path.join(tmp, 'writes.db'));
    expectOneMessage(r, file, lineOf(file, 'getBuiltinModule'));
    expect(r.stderr).toContain('strategies may not read or write files');
    expect(existsSync(marker)).toBe(false);
  });

  it('reading a file outside the bundle is refused', async () => {
    const file = strategy('reads', `    if (ctx.index === 10) secret = readFileSync('${path.join(outside, 'secret.txt')}', 'utf8');`, `import { readFileSync } from 'node:fs';\nlet secret = '';\n`);
    const r = await backtest(file, path.join(tmp, 'reads.db'));
    expectOneMessage(r, file, lineOf(file, "from 'node:fs'"));
    expect(r.stdout).not.toContain("the user's secret");
  });

  it('the network is refused: fetch and a raw socket never reach a listening server', async () => {
    const before = connections;
    const fetches = strategy('fetches', `    if (ctx.index === 20) void fetch('http://127.0.0.1:${port}/leak').catch(() => undefined);`);
    const r1 = await backtest(fetches, path.join(tmp, 'fetches.db'));
    expectOneMessage(r1, fetches, lineOf(fetches, 'fetch('));
    expect(r1.stderr).toContain('strategies may not use the network');
    const dials = strategy('dials', `    if (ctx.index === 20) { try { (process as any).getBuiltinModule('net').connect(${port}, '127.0.0.1'); } catch {} }`);
    const r2 = await backtest(dials, path.join(tmp, 'dials.db'));
    expectOneMessage(r2, dials, lineOf(dials, "getBuiltinModule('net')"));
    await new Promise((r) => setTimeout(r, 200));
    expect(connections).toBe(before);
  });

  it('code from strings is refused, and the environment is not the user\'s', async () => {
    const evals = strategy('evals', `    if (ctx.index === 5) (0, eval)('1 + 1');`);
    const r = await backtest(evals, path.join(tmp, 'evals.db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${evals}:${lineOf(evals, 'eval)(')}`);
    expect(r.stderr).toMatch(/Code generation from strings disallowed/);
    const env = strategy('env', `    if (ctx.index === 0) console.log('env: ' + JSON.stringify(process.env));`);
    const r2 = await volt(['backtest', env, '--data', 'synthetic:3:500:1h', '--no-journal'], { ...process.env, VOLT_TEST_SECRET: 'hunter2' });
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain('env.strategy.ts: env: {}');
    expect(r2.stderr).not.toContain('hunter2');
  });
});

describe('the journal', () => {
  it('a backtest that cannot be recorded exits non-zero unless --no-journal', async () => {
    const file = strategy('healthy', '');
    const blocked = path.join(tmp, 'not-a-folder');
    writeFileSync(blocked, 'a file where the journal folder should be');
    const r = await backtest(file, path.join(blocked, 'journal.db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--no-journal');
    expect(r.stdout).toBe('');
    const r2 = await volt(['backtest', file, '--data', 'synthetic:3:2000:1h', '--journal', path.join(blocked, 'journal.db'), '--no-journal']);
    expect(r2.code).toBe(0);
  });
});
