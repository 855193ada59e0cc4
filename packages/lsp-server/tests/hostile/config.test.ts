/**
 * Bad configuration as the built sidecar meets it: volt.config.json's problems are diagnostics on
 * the file at their lines (at startup, on open, change and save), it is found above the workspace
 * folder (or in a project folder below it), and an Ollama host that cannot be a URL costs the critique only, with the reason, never
 * the static findings (issue 10, item 5).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { Commands, type AgentStatusResult, type AnalyzeResult } from '../../src/protocol.js';
import { EXAMPLES, startBinary, type ClientOptions, type TestClient } from '../utils/connection.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-hostile-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const running: TestClient[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.dispose();
});

let n = 0;
function folder(config?: string): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir, { recursive: true });
  if (config !== undefined) writeFileSync(path.join(dir, 'volt.config.json'), config);
  return dir;
}

async function sidecar(options: ClientOptions): Promise<TestClient & { shown: string[] }> {
  const c = Object.assign(await startBinary(options), { shown: [] as string[] });
  // showErrorMessage is a request (it could offer actions).
  c.connection.onRequest('window/showMessageRequest', (p: { message: string }) => {
    c.shown.push(p.message);
    return null;
  });
  running.push(c);
  await c.initialize();
  return c;
}

const brief = (d: Diagnostic[]) => d.map((x) => [x.severity, x.range.start.line, x.range.start.character, x.message]);
const FAULTY = readFileSync(path.join(EXAMPLES, 'faulty', 'hardcoded-threshold.strategy.ts'), 'utf8');

describe('volt.config.json diagnostics', () => {
  const text = ['{', '  "agents": {', '    "mode": "rules",', '    "vixFile": "data/VIX.csv"', '  },', '  "risk": {', '    "maxDrawdown": 2', '  }', '}', ''].join('\n');

  it('at startup: unknown keys with the closest known one, invalid values at their line', async () => {
    const root = folder(text);
    const c = await sidecar({ root });
    const uri = pathToFileURL(path.join(root, 'volt.config.json')).href;
    const diags = await c.until(() => c.diagnostics.get(uri)?.diagnostics, 'diagnostics on volt.config.json');
    expect(brief(diags)).toEqual([
      [2, 3, 4, "unknown setting 'agents.vixFile', ignored; did you mean 'agents.vix'?"],
      [1, 6, 4, "'risk.maxDrawdown' must be a number in (0, 1], got 2; write e.g. \"maxDrawdown\": 0.25 (25%)"],
    ]);
    expect(diags.every((d) => d.source === 'volt')).toBe(true);
    // The rest of the file applies: the mode is the file's, the bad limit keeps its default.
    const status = await c.executeCommand<AgentStatusResult>(Commands.agentStatus, []);
    expect(status.mode).toBe('rules');
    expect(status.riskGate.limits.maxDrawdown).toBe(0.25);
  });

  it('follows the open buffer as it is typed, and applies the file when saved', async () => {
    const root = folder('{}\n');
    const c = await sidecar({ root });
    const uri = await c.open('volt.config.json', '{\n  "onSave": { "backtets": true }\n}\n');
    const typo = await c.until(() => (c.diagnostics.get(uri)?.diagnostics.length ? c.diagnostics.get(uri)!.diagnostics : undefined), 'a typo diagnostic');
    expect(brief(typo)).toEqual([[1, 1, 14, "unknown setting 'onSave.backtets'; did you mean 'onSave.backtest'? as written it is ignored"]]);

    const fixed = '{\n  "agents": { "mode": "rules" }\n}\n';
    await c.replaceAll(uri, fixed);
    await c.until(() => (c.diagnostics.get(uri)?.diagnostics.length === 0 ? true : undefined), 'the diagnostics to clear as the buffer is fixed');
    await c.save(uri, fixed);
    for (let tries = 0; (await c.executeCommand<AgentStatusResult>(Commands.agentStatus, [])).mode !== 'rules'; tries++) {
      expect(tries, 'the saved agents.mode to apply').toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 100));
    }

    await c.replaceAll(uri, '{\n  "agents": { "mode": "rules", }\n}\n');
    const syntax = await c.until(() => (c.diagnostics.get(uri)?.diagnostics.length ? c.diagnostics.get(uri)!.diagnostics : undefined), 'a syntax diagnostic');
    expect(syntax[0]!.message).toMatch(/^invalid JSON: unexpected "}", expected another property \(JSON allows no trailing comma\)/);
    expect(syntax[0]!.range.start).toEqual({ line: 1, character: 31 });
  });

  it('is found above the workspace folder, and its paths are its folder’s', async () => {
    const project = folder('{\n  "data": { "default": "synthetic:3:321:4h" },\n  "agents": { "vixFile": "x" }\n}\n');
    const root = path.join(project, 'strategies');
    mkdirSync(root);
    const c = await sidecar({ root });
    const configUri = pathToFileURL(path.join(project, 'volt.config.json')).href;
    const diags = await c.until(() => c.diagnostics.get(configUri)?.diagnostics, 'diagnostics on the parent folder’s volt.config.json');
    expect(diags.map((d) => d.message)).toEqual(["unknown setting 'agents.vixFile', ignored; did you mean 'agents.vix'?"]);
    const uri = await c.open('macd.strategy.ts', readFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), 'utf8'));
    const result = await c.executeCommand<{ summary: { bars: number } }>(Commands.backtest, [{ uri }]);
    expect(result.summary.bars).toBe(321);
  });
});

describe('a project in a subfolder of the workspace', () => {
  it('brings in its volt.config.json when the workspace has none, with its diagnostics and its paths', async () => {
    const root = folder();
    const project = path.join(root, 'trading');
    mkdirSync(path.join(project, 'strategies'), { recursive: true });
    writeFileSync(path.join(project, 'volt.config.json'), '{\n  "data": { "default": "synthetic:4:333:4h" },\n  "journal": { "path": "records/j.db" },\n  "onSave": { "backtests": true }\n}\n');
    const c = await sidecar({ root });
    const uri = await c.open('trading/strategies/macd.strategy.ts', readFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), 'utf8'));
    const configUri = pathToFileURL(path.join(project, 'volt.config.json')).href;
    const diags = await c.until(() => c.diagnostics.get(configUri)?.diagnostics, 'diagnostics on the project’s volt.config.json');
    expect(brief(diags)).toEqual([[1, 3, 14, "unknown setting 'onSave.backtests'; did you mean 'onSave.backtest'? as written it is ignored"]]);
    const result = await c.executeCommand<{ summary: { bars: number } }>(Commands.backtest, [{ uri }]);
    expect(result.summary.bars).toBe(333);
    await c.until(() => (existsSync(path.join(project, 'records', 'j.db')) ? true : undefined), 'the run recorded in the project’s journal');
  });
});

describe('an Ollama host Volt cannot use', () => {
  const expectStaticsAndReason = async (c: TestClient, reason: RegExp): Promise<void> => {
    const uri = await c.open('faulty.strategy.ts', FAULTY);
    const result = await c.executeCommand<AnalyzeResult>(Commands.analyze, [{ uri }]);
    expect(result.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['VOLT101', 'VOLT103', 'VOLT105']));
    expect(result.critique).toMatchObject({ source: 'unavailable' });
    expect(result.critique?.reason).toMatch(reason);
    expect(JSON.stringify(result)).not.toContain('pw@');
  };

  it('OLLAMA_HOST with credentials, an unclosed [ or port 99999: static findings stay, the critique says why', async () => {
    for (const [host, why] of [
      ['http://user:pw@127.0.0.1:1', /^LLM unavailable: OLLAMA_HOST=http:\/\/\*\*\*@127\.0\.0\.1:1 holds a user name or password/],
      ['http://[::1', /^LLM unavailable: OLLAMA_HOST=http:\/\/\[::1 is not a URL/],
      ['http://127.0.0.1:99999', /^LLM unavailable: OLLAMA_HOST=http:\/\/127\.0\.0\.1:99999 has the port 99999/],
    ] as const) {
      const c = await sidecar({ root: folder(), env: { OLLAMA_HOST: host } });
      await expectStaticsAndReason(c, why);
      const status = await c.executeCommand<AgentStatusResult>(Commands.agentStatus, []);
      expect(status.llm).toMatchObject({ available: false, reason: expect.stringMatching(/^OLLAMA_HOST=/) });
      expect(JSON.stringify(status)).not.toContain('pw@');
    }
  });

  it('ollama.host in volt.config.json: the reason names the file, the line and the setting', async () => {
    const root = folder('{\n  "ollama": {\n    "host": "http://user:pw@127.0.0.1:1"\n  }\n}\n');
    const c = await sidecar({ root, env: { OLLAMA_HOST: '' } });
    await expectStaticsAndReason(c, new RegExp(`^LLM unavailable: ${path.join(root, 'volt.config.json').replace(/[.]/g, '\\.')}:3 'ollama\\.host' holds a user name or password`));
    const uri = pathToFileURL(path.join(root, 'volt.config.json')).href;
    const diags = await c.until(() => c.diagnostics.get(uri)?.diagnostics, 'diagnostics on volt.config.json');
    expect(brief(diags)).toEqual([[1, 2, 4, expect.stringMatching(/^'ollama\.host' holds a user name or password.*\("http:\/\/\*\*\*@127\.0\.0\.1:1"\); remove user:password@/)]]);
    await c.until(() => (c.shown.length > 0 ? true : undefined), 'the file’s error shown');
    expect(c.shown[0]).toMatch(/volt\.config\.json:3:5: 'ollama\.host' holds a user name or password/);
    expect(c.shown.join('\n')).not.toContain('pw@');
  });

  it('the editor’s volt.ollama.host setting: named as such', async () => {
    const c = await sidecar({ root: folder(), env: { OLLAMA_HOST: '' }, settings: { ollama: { host: 'http://[::1' } } });
    await expectStaticsAndReason(c, /^LLM unavailable: the volt\.ollama\.host setting is not a URL/);
    const status = await c.executeCommand<AgentStatusResult>(Commands.agentStatus, []);
    expect(status.llm).toMatchObject({ available: false, reason: expect.stringMatching(/the volt\.ollama\.host setting is not a URL/) });
    await c.until(() => (c.shown.some((m) => /^the volt\.ollama\.host setting is not a URL/.test(m)) ? true : undefined), 'the setting’s error shown');
  });
});
