import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closedPort } from '../../../../test-support/ports.js';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { Journal, strategyTiers } from '../../../engine/src/journal/index.js';
import { FakeOllama } from '../../../engine/src/llm/testing/fake-ollama.js';
import { GOOD_DATA, SCRIPTED_DRAFTS, TYPE_ERROR_DRAFT } from '../../../engine/src/synth/testing/drafts.js';
import { main } from '../main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-synth-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const IDEA = 'ride the trend with two EMAs';

let out = '';
let err = '';
let server: FakeOllama | undefined;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

function workspace(name: string, host: string, synth = 'qwen2.5-coder:7b', extra: Record<string, unknown> = {}): string {
  const root = path.join(tmp, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: GOOD_DATA }, ollama: { host, models: { synth }, ...extra } }));
  return root;
}

function draftsOf(root: string): string[] {
  const dir = path.join(root, 'strategies/drafts');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('volt synth', () => {
  it('refuses three answers with their diagnostics, writes the fourth into strategies/drafts, COLD, and replays offline', async () => {
    server = await FakeOllama.start({ models: ['qwen2.5-coder:7b'], reply: (_c, i) => ({ content: JSON.stringify(SCRIPTED_DRAFTS[i]) }) });
    const root = workspace('loop', server.host);
    expect(await main(['synth', '--idea', IDEA, '--root', root])).toBe(0);
    expect(err).toContain('volt synth: attempt 1 of 4: asking qwen2.5-coder:7b');
    expect(err).toMatch(/attempt 1: refused at type check and lint: line 11:11: error TS2322: Type 'number' is not assignable to type 'string'\./);
    expect(err).toMatch(/attempt 2: refused at type check and lint: line 11:\d+: error VOLT106: fetch\(\)/);
    expect(err).toMatch(/attempt 3: refused at type check and lint: line 11:\d+: error VOLT104:/);
    expect(err).toMatch(/attempt 4: proven, out-of-sample holds/);
    expect(err).toMatch(/wrote .*strategies\/drafts\/ema-trend-rider\.strategy\.ts \(tier COLD\)/);
    expect(draftsOf(root)).toEqual(['ema-trend-rider.strategy.ts']);
    const text = readFileSync(path.join(root, 'strategies/drafts/ema-trend-rider.strategy.ts'), 'utf8');
    expect(text).toMatch(/^\/\/ Drafted by qwen2\.5-coder:7b through `volt synth` from the idea:\n\/\/   ride the trend with two EMAs\n/);
    expect(out).toMatch(/^# Strategy draft: ride the trend with two EMAs\n/);
    expect(out).toContain('Written to `strategies/drafts/ema-trend-rider.strategy.ts` (tier COLD).');
    const journal = Journal.open(path.join(root, '.volt/journal.db'));
    expect(journal.db.prepare(`SELECT status, strategy_name, draft_path FROM syntheses`).all()).toEqual([{ status: 'proven', strategy_name: 'EMA trend rider', draft_path: path.join(root, 'strategies/drafts/ema-trend-rider.strategy.ts') }]);
    expect(journal.db.prepare(`SELECT attempt, stage FROM synth_attempts ORDER BY attempt`).all().map((r) => (r as { stage: string }).stage)).toEqual(['type check and lint', 'type check and lint', 'type check and lint', 'proven']);
    expect(strategyTiers(journal).get('EMA trend rider')?.tier).toBe('COLD');
    journal.close();

    // Ollama gone: the same idea and model replay from the journal's cache, to a new file.
    await server.close();
    server = undefined;
    writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: GOOD_DATA }, ollama: { host: `http://127.0.0.1:${await closedPort()}` } }));
    err = '';
    expect(await main(['synth', '--idea', IDEA, '--root', root, '--out', 'mine/trend.strategy.ts'])).toBe(0);
    expect(err).toMatch(/attempt 4: proven/);
    expect(readFileSync(path.join(root, 'mine/trend.strategy.ts'), 'utf8')).toBe(text);
  }, 180_000);

  it('without Ollama says so at once, exit 1, nothing written', async () => {
    const root = workspace('down', `http://127.0.0.1:${await closedPort()}`);
    expect(await main(['synth', '--idea', IDEA, '--root', root])).toBe(1);
    expect(err).toMatch(/^volt synth: attempt 1 of 4: asking qwen2\.5-coder:7b\nvolt synth: LLM unavailable: Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+ \(start it with `ollama serve`/);
    expect(err.trim().split('\n')).toHaveLength(2);
    expect(draftsOf(root)).toEqual([]);
  });

  it('four refusals write nothing and exit 1 with the last reason', async () => {
    // ollama.models.synth names the model (not the default one here).
    // Answers slower than ollama.timeoutMs, which is sized for agents' votes: a draft gets longer (synthAnswerTimeout).
    server = await FakeOllama.start({ models: ['my-coder:3b'], reply: () => ({ content: JSON.stringify(TYPE_ERROR_DRAFT), delayMs: 400 }) });
    const root = workspace('refused', server.host, 'my-coder:3b', { timeoutMs: 100 });
    expect(await main(['synth', '--idea', IDEA, '--root', root, '--attempts', '2'])).toBe(1);
    expect(server.calls.map((c) => c.model)).toEqual(['my-coder:3b', 'my-coder:3b']);
    expect(err).toContain('volt synth: attempt 1 of 2: asking my-coder:3b');
    expect(err).toMatch(/volt synth: nothing written: no draft proved itself in 2 attempts; the last was refused at type check and lint: line 11:11: error TS2322/);
    expect(out).toContain('**Nothing written.**');
    expect(draftsOf(root)).toEqual([]);
  });

  it('says what is missing from the command line', async () => {
    expect(await main(['synth'])).toBe(2);
    expect(err).toMatch(/^volt synth: say what the strategy should do: --idea "…"/);
    err = '';
    expect(await main(['synth', 'buy', 'dips'])).toBe(2);
    expect(err).toMatch(/^volt synth: put the idea in --idea "…" \(in quotes\), got 'buy' 'dips'/);
    err = '';
    expect(await main(['synth', '--idea', 'x', '--out', 'draft.ts'])).toBe(2);
    expect(err).toMatch(/--out must name a \.strategy\.ts file, got 'draft\.ts'/);
  });

  it('the built volt binary: the API in the prompt comes from the built declarations, the proven draft is written, bad data is one line', async () => {
    const VOLT = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
    if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/synth.js'))) throw new Error('build first: npx tsc -b');
    // Asynchronously: the loopback Ollama answers from this process while the binary runs.
    const volt = (args: string[], cwd: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [VOLT, 'synth', ...args], { cwd, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      });
    server = await FakeOllama.start({ models: ['qwen2.5-coder:7b'], reply: (_c, i) => ({ content: JSON.stringify(SCRIPTED_DRAFTS[Math.min(i, 3)]) }) });
    const root = workspace('bin', server.host);
    const r = await volt(['--idea', IDEA], root);
    expect(r.stderr).toMatch(/attempt 3: refused at type check and lint: line 11:\d+: error VOLT104:/);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(root, 'strategies/drafts/ema-trend-rider.strategy.ts'), 'utf8')).toMatch(/^\/\/ Drafted by qwen2\.5-coder:7b through `volt synth`/);
    const system = server.calls[0]!.messages[0]!.content;
    expect(system).toContain('interface HistoryView');
    expect(system).toContain('/** Seeded, deterministic random number in [0, 1): use this, never Math.random. */');

    const bad = await volt(['--idea', IDEA, '--data', 'nosuch.csv'], root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^volt synth: .*nosuch\.csv: cannot read the data file: no such file\n/);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
  }, 180_000);
});
