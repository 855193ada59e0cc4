import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { DEFAULT_CONFIG, VoltError, checkConfigText, findConfigFile, loadConfig, mergeConfig, setConfigWarningHandler, type ConfigProblem } from '@volt/engine';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A workspace whose volt.config.json holds `text`. */
function workspace(text?: string): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir);
  if (text !== undefined) writeFileSync(path.join(dir, 'volt.config.json'), text);
  return dir;
}

function configError(text: string): VoltError {
  const dir = workspace(text);
  try {
    loadConfig(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(VoltError);
    expect((e as VoltError).kind).toBe('config');
    expect((e as VoltError).file).toBe(path.join(dir, 'volt.config.json'));
    return e as VoltError;
  }
  throw new Error('the config loaded, but an error was expected');
}

describe('loadConfig', () => {
  it('gives the defaults when the workspace has no volt.config.json', () => {
    const config = loadConfig(workspace());
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.data.default).toBe('synthetic:42');
    expect(config.agents.weights).toEqual({ volatility: 0.4, hedge: 0.35, trend: 0.25 });
    // A private copy: changing it leaves the defaults alone.
    config.risk.maxPositionPct = 0.05;
    expect(DEFAULT_CONFIG.risk.maxPositionPct).toBe(0.1);
  });

  it('merges the file over the defaults, field by field', () => {
    const dir = workspace(JSON.stringify({ risk: { maxDailyLoss: 0.02 }, ollama: { host: 'http://10.0.0.2:11434' }, vault: { path: 'notes' } }));
    const config = loadConfig(dir);
    expect(config.risk).toEqual({ maxPositionPct: 0.1, maxDrawdown: 0.25, maxDailyLoss: 0.02, maxConsecutiveLosses: 5, maxBidAskPct: 0.1, maxPinning: 0.5, maxVolatilityCrush: 0.3, maxEarlyAssignment: 0.5, minDealerGamma: -1 });
    expect(config.ollama.host).toBe('http://10.0.0.2:11434');
    expect(config.ollama.models.critique).toBe('qwen2.5-coder:7b');
    // Paths are the config file's folder's.
    expect(config.vault).toEqual({ path: path.join(dir, 'notes') });
    expect(config.journal.path).toBe(path.join(dir, '.volt', 'journal.db'));
  });

  it('loads the example workspace’s config', () => {
    const config = loadConfig(path.join(REPO_ROOT, 'examples'));
    expect(config.data.default).toBe('synthetic:42:20000:1h');
    // Never the tracked sample vault (examples/vault/): trying the examples must not change it.
    expect(config.vault?.path).toBe(path.join(REPO_ROOT, 'examples', 'my-vault'));
    expect(config.agents.mode).toBe('off');
  });

  it('accepts extra agent roles and models, and keeps other tools’ sections', () => {
    const config = loadConfig(
      workspace(JSON.stringify({ agents: { weights: { market: 0.1 } }, ollama: { models: { audit: 'llama3.3' } }, $schema: 'x' })),
    );
    expect(config.agents.weights.market).toBe(0.1);
    expect(config.ollama.models.audit).toBe('llama3.3');
    expect((config as unknown as Record<string, unknown>).$schema).toBe('x');
  });

  it('reports invalid JSON with file:line:col', () => {
    const e = configError('{\n  "risk": {\n    "maxDrawdown": 0.2,\n  }\n}\n');
    expect([e.line, e.column]).toEqual([4, 3]);
    expect(e.message).toMatch(/invalid JSON.*trailing comma/);
    expect(e.hint).toMatch(/strict JSON/);
  });

  it('reports an unterminated file at its end', () => {
    const e = configError('{\n  "data": { "default": "synthetic:7" }\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/end of file/);
  });

  it('reports a setting of the wrong type on its own line', () => {
    const e = configError(['{', '  "data": { "default": "synthetic:1" },', '  "risk": {', '    "maxPositionPct": "10%"', '  }', '}'].join('\n'));
    expect([e.line, e.column]).toEqual([4, 5]);
    expect(e.message).toBe(`'risk.maxPositionPct' must be a number in (0, 1], got "10%"`);
    expect(e.hint).toMatch(/0\.10/);
  });

  it('reports out-of-range values, bad enums and bad URLs', () => {
    expect(configError('{"risk": {"maxConsecutiveLosses": 2.5}}').message).toMatch(/whole number/);
    expect(configError('{"backtest": {"capital": 0}}').message).toMatch(/capital/);
    expect(configError('{"agents": {"mode": "gpt"}}').message).toMatch(/one of "off", "rules", "ollama"/);
    expect(configError('{"ollama": {"host": "localhost:11434"}}').message).toMatch(/ollama\.host/);
    expect(configError('{"onSave": {"backtest": "yes"}}').message).toMatch(/true or false/);
    expect(configError('{"risk": {"minDealerGamma": -2}}').message).toMatch(/^'risk\.minDealerGamma' must be a number in \[-1, 1\], got -2/);
    expect(configError('{"risk": 0.1}').message).toMatch(/'risk' must be an object/);
    expect(configError('[]').message).toMatch(/the settings must be an object/);
  });

  it("reads the LLM hindsight guard's settings and refuses a cutoff that is not a month", () => {
    const dir = workspace(JSON.stringify({ agents: { llm: { mask: false, tokenBudget: 50000 } }, ollama: { cutoffs: { 'llama3.3': '2023-12', 'my-model:3b': '2024-06-30' } } }));
    const config = loadConfig(dir);
    expect(config.agents.llm).toEqual({ mask: false, tokenBudget: 50000 });
    expect(config.ollama.cutoffs).toEqual({ 'llama3.3': '2023-12', 'my-model:3b': '2024-06-30' });
    expect(loadConfig(workspace('{}')).agents.llm).toBeUndefined();
    const e = configError('{\n  "ollama": {\n    "cutoffs": { "llama3.3": "Dec 2023" }\n  }\n}');
    expect(e.message).toBe(`'ollama.cutoffs.llama3.3' must be a month as "YYYY-MM" (or a day, "YYYY-MM-DD"), got "Dec 2023"`);
    expect(e.line).toBe(3);
    expect(configError('{"agents": {"llm": {"tokenBudget": 0}}}').message).toMatch(/'agents\.llm\.tokenBudget' must be a whole number/);
    expect(configError('{"agents": {"llm": {"mask": "no"}}}').message).toMatch(/true or false/);
  });

  it('refuses a misspelt setting, which would otherwise be silently ignored', () => {
    const e = configError('{\n  "risk": {\n    "maxDailyloss": 0.5\n  }\n}');
    expect(e.line).toBe(3);
    expect(e.message).toBe("unknown setting 'risk.maxDailyloss'");
    expect(e.hint).toMatch(/did you mean 'risk.maxDailyLoss'/);
  });

  it('reads the portfolio limits, and refuses one out of range at its line', () => {
    expect(loadConfig(workspace(JSON.stringify({ portfolio: { maxGross: 1.5, maxPositions: 3, maxCorrelation: 0.8 } }))).portfolio).toEqual({ maxGross: 1.5, maxPositions: 3, maxCorrelation: 0.8 });
    expect(loadConfig(workspace('{}')).portfolio).toBeUndefined();
    const e = configError('{\n  "portfolio": {\n    "maxCorrelation": 2\n  }\n}');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/portfolio\.maxCorrelation.*\[-1, 1\].*got 2/);
    const typo = configError('{ "portfolio": { "maxgross": 1 } }');
    expect(typo.hint).toMatch(/portfolio\.maxGross/);
    expect(configError('{ "portfolio": { "maxPositions": 2.5 } }').message).toMatch(/whole number/);
  });

  it('reads weeklyReport and refuses a webhook that is not a URL, at its line', () => {
    const dir = workspace(JSON.stringify({ weeklyReport: { webhook: 'https://hooks.example.com/volt', everyHours: 24 } }));
    expect(loadConfig(dir).weeklyReport).toEqual({ webhook: 'https://hooks.example.com/volt', everyHours: 24 });
    const e = configError('{\n  "weeklyReport": {\n    "webhook": "hooks.example.com"\n  }\n}');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(configError('{ "weeklyReport": { "everyHours": 0 } }').message).toMatch(/everyHours/);
  });

  it('refuses a vault section without a path', () => {
    const e = configError('{\n  "vault": {}\n}');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/missing 'vault\.path'/);
  });
});

describe('unknown keys, hosts and where the file is', () => {
  it('warns about an unknown key with the closest known one, and keeps the rest', () => {
    const text = '{\n  "agents": {\n    "mode": "rules",\n    "vixFile": "vix.csv"\n  },\n  "$schema": "x",\n  "colour": 1\n}';
    const { problems, config } = checkConfigText(text, '/ws/volt.config.json');
    expect(config.agents.mode).toBe('rules');
    expect(problems.map((p) => [p.severity, p.line, p.message, p.hint])).toEqual([
      ['warning', 4, "unknown setting 'agents.vixFile', ignored", "did you mean 'agents.vix'?"],
      ['warning', 7, "unknown section 'colour', ignored", expect.stringMatching(/^Volt's sections: data, backtest/)],
    ]);
    const heard: ConfigProblem[] = [];
    setConfigWarningHandler((p) => heard.push(p));
    try {
      loadConfig(workspace(text));
    } finally {
      setConfigWarningHandler(undefined);
    }
    expect(heard.map((p) => p.key)).toEqual(['agents.vixFile', 'colour']);
  });

  it('reports every invalid value at its line and keeps the default for it', () => {
    const text = '{\n  "risk": { "maxDrawdown": 2 },\n  "backtest": {\n    "capital": -1,\n    "feeRate": 0.002\n  }\n}';
    const { problems, config } = checkConfigText(text, '/ws/volt.config.json');
    expect(problems.map((p) => [p.severity, p.key, p.line])).toEqual([
      ['error', 'risk.maxDrawdown', 2],
      ['error', 'backtest.capital', 4],
    ]);
    expect(config.risk.maxDrawdown).toBe(0.25);
    expect(config.backtest.feeRate).toBe(0.002);
  });

  it('refuses Ollama hosts it cannot use, never repeating a password', () => {
    for (const [host, why] of [
      ['http://user:pw@127.0.0.1:1', /user name or password/],
      ['http://[::1', /never closed/],
      ['http://127.0.0.1:99999', /port 99999, outside 1–65535/],
    ] as const) {
      const e = configError(`{\n  "ollama": {\n    "host": ${JSON.stringify(host)}\n  }\n}`);
      expect(e.line).toBe(3);
      expect(e.message).toMatch(/^'ollama\.host' /);
      expect(e.message).toMatch(why);
      expect(e.format()).not.toContain('pw');
    }
  });

  it('is found in a parent folder, and its paths are its folder’s', () => {
    const dir = workspace(JSON.stringify({ journal: { path: 'j/journal.db' }, data: { default: 'data/btc.csv' }, agents: { vix: 'vix.csv' } }));
    const sub = path.join(dir, 'strategies', 'deep');
    mkdirSync(sub, { recursive: true });
    expect(findConfigFile(sub)).toBe(path.join(dir, 'volt.config.json'));
    const config = loadConfig(sub);
    expect(config.journal.path).toBe(path.join(dir, 'j', 'journal.db'));
    expect(config.data.default).toBe(path.join(dir, 'data', 'btc.csv'));
    expect(config.agents.vix).toBe(path.join(dir, 'vix.csv'));
    // A spec is not a path.
    expect(loadConfig(workspace('{"data": {"default": "synthetic:7"}}')).data.default).toBe('synthetic:7');
  });
});

describe('mergeConfig', () => {
  it('applies editor settings over a loaded config and names the setting on error', () => {
    const base = loadConfig(workspace(JSON.stringify({ onSave: { critique: true } })));
    const merged = mergeConfig(base, { onSave: { backtest: false }, lint: { maxPositionCap: 0.2 } }, { file: 'editor settings' });
    expect(merged.onSave).toEqual({ backtest: false, critique: true });
    expect(merged.lint.maxPositionCap).toBe(0.2);
    expect(base.onSave.backtest).toBe(true);
    expect(() => mergeConfig(base, { lint: { maxPositionCap: 5 } }, { file: 'editor settings' })).toThrow(
      "'lint.maxPositionCap' must be a number in (0, 1], got 5",
    );
    expect(() => mergeConfig(base, { ollama: { host: 'http://[::1' } }, { file: 'editor settings', settingPrefix: 'volt.' })).toThrow(
      /^the volt\.ollama\.host setting is not a URL/,
    );
  });
});
