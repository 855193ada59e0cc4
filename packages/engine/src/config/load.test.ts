import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { DEFAULT_CONFIG, VoltError, loadConfig, mergeConfig } from '@volt/engine';

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
    const config = loadConfig(
      workspace(JSON.stringify({ risk: { maxDailyLoss: 0.02 }, ollama: { host: 'http://10.0.0.2:11434' }, vault: { path: 'notes' } })),
    );
    expect(config.risk).toEqual({ maxPositionPct: 0.1, maxDrawdown: 0.25, maxDailyLoss: 0.02, maxConsecutiveLosses: 5, maxBidAskPct: 0.1, maxPinning: 0.5, maxVolatilityCrush: 0.3, maxEarlyAssignment: 0.5 });
    expect(config.ollama.host).toBe('http://10.0.0.2:11434');
    expect(config.ollama.models.critique).toBe('qwen2.5-coder:7b');
    expect(config.vault).toEqual({ path: 'notes' });
  });

  it('loads the example workspace’s config', () => {
    const config = loadConfig(path.join(REPO_ROOT, 'examples'));
    expect(config.data.default).toBe('synthetic:42:20000:1h');
    // Never the tracked sample vault (examples/vault/): trying the examples must not change it.
    expect(config.vault?.path).toBe('my-vault');
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
    expect(configError('{"risk": 0.1}').message).toMatch(/'risk' must be an object/);
    expect(configError('[]').message).toMatch(/the settings must be an object/);
  });

  it('refuses a misspelt setting, which would otherwise be silently ignored', () => {
    const e = configError('{\n  "risk": {\n    "maxDailyloss": 0.5\n  }\n}');
    expect(e.line).toBe(3);
    expect(e.message).toBe("unknown setting 'risk.maxDailyloss'");
    expect(e.hint).toMatch(/did you mean 'maxDailyLoss'/);
  });

  it('refuses a vault section without a path', () => {
    const e = configError('{\n  "vault": {}\n}');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/missing 'vault\.path'/);
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
  });
});
