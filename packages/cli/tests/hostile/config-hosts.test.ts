/**
 * Hostile configuration through the built `volt` bin: Ollama hosts that cannot be URLs, unknown
 * keys in volt.config.json, and a config file found from a subfolder (issue 10, item 5).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const MACD = path.join(REPO_ROOT, 'examples/strategies/macd-trend.strategy.ts');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-hostile-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/main.js'))) throw new Error('build first: npx tsc -b');
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function volt(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const { OLLAMA_HOST: _ignored, ...base } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

let n = 0;
function workspace(config?: string): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir, { recursive: true });
  if (config !== undefined) writeFileSync(path.join(dir, 'volt.config.json'), config);
  return dir;
}

/** One line of stderr, no stack trace, no secret. */
function expectOneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/TypeError|Invalid URL|^\s+at /m);
  expect(stderr).not.toContain('pw');
  return lines[0]!;
}

const BAD_HOSTS = [
  ['http://user:pw@127.0.0.1:1', /user name or password.*remove user:password@/],
  ['http://[::1', /is not a URL.*never closed/],
  ['http://127.0.0.1:99999', /port 99999, outside 1–65535/],
] as const;

describe('Ollama hosts Volt cannot use', () => {
  for (const [host, why] of BAD_HOSTS) {
    it(`OLLAMA_HOST=${host}: volt agents status says so in one line naming OLLAMA_HOST`, async () => {
      const ran = await volt(['agents', 'status'], workspace(), { OLLAMA_HOST: host });
      expect(ran.code).toBe(1);
      const line = expectOneLine(ran.stderr);
      expect(line).toMatch(/^volt agents: OLLAMA_HOST=/);
      expect(line).toMatch(why);
      expect(line).toMatch(/or unset it$/);
    });

    it(`ollama.host ${host} in volt.config.json: the file, the line and the setting`, async () => {
      const dir = workspace(`{\n  "ollama": {\n    "host": ${JSON.stringify(host)}\n  }\n}\n`);
      const ran = await volt(['agents', 'status'], dir);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toContain(`${path.join(dir, 'volt.config.json')}:3:5: 'ollama.host' `);
      expect(ran.stderr.replace(/\n\s+fix: /, ': ')).toMatch(why);
      expect(ran.stderr).not.toMatch(/TypeError|^\s+at /m);
      expect(ran.stderr).not.toContain('pw');
    });
  }

  it('volt backtest --agents ollama with a bad OLLAMA_HOST falls back to the rule agents and says why once', async () => {
    const ran = await volt(['backtest', MACD, '--data', 'synthetic:3:400:4h', '--agents', 'ollama', '--no-journal'], workspace(), {
      OLLAMA_HOST: 'http://user:pw@127.0.0.1:1',
    });
    expect(ran.stderr).not.toMatch(/TypeError|^\s+at /m);
    expect(ran.stderr).not.toContain('pw');
    expect(ran.code).toBe(0);
    expect(ran.stderr.match(/OLLAMA_HOST=http:\/\/\*\*\*@127\.0\.0\.1:1 holds a user name or password/g)).toHaveLength(1);
  });
});

describe('unknown keys in volt.config.json', () => {
  const config = '{\n  "agents": {\n    "mode": "off",\n    "vixFile": "data/VIX.csv"\n  }\n}\n';

  for (const command of ['agents status', 'journal list', 'lint', 'backtest']) {
    it(`volt ${command} warns once on stderr with the closest known key`, async () => {
      const dir = workspace(config);
      const args = command.split(' ');
      if (command === 'lint') {
        // lint finds the config above the strategy it checks.
        const strategy = path.join(dir, 'macd.strategy.ts');
        writeFileSync(strategy, readFileSync(MACD, 'utf8'));
        args.push(strategy, '--no-types');
      }
      if (command === 'backtest') args.push(MACD, '--data', 'synthetic:3:300:4h', '--no-journal');
      const ran = await volt(args, dir);
      const warnings = ran.stderr.split('\n').filter((l) => l.includes('warning:'));
      expect(warnings, ran.stderr).toEqual([
        `volt ${args[0]}: warning: ${path.join(dir, 'volt.config.json')}:4:5: unknown setting 'agents.vixFile', ignored; did you mean 'agents.vix'?`,
      ]);
    });
  }
});

describe('volt.config.json in a parent folder', () => {
  it('is found from a subfolder, and its relative paths are its own folder’s', async () => {
    const dir = workspace('{\n  "data": { "default": "data/market.csv" },\n  "journal": { "path": "records/journal.db" }\n}\n');
    const csv = await volt(['data', 'synth', '--seed', '5', '--bars', '300', '--timeframe', '4h'], dir);
    expect(csv.code, csv.stderr).toBe(0);
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'market.csv'), csv.stdout);
    const sub = path.join(dir, 'strategies', 'trend');
    mkdirSync(sub, { recursive: true });

    const ran = await volt(['backtest', MACD], sub);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(path.join(dir, 'data', 'market.csv'));
    expect(existsSync(path.join(dir, 'records', 'journal.db'))).toBe(true);
    expect(existsSync(path.join(sub, 'records'))).toBe(false);

    const listed = await volt(['journal', 'list', '--json'], sub);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  });
});
