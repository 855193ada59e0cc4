/**
 * volt.backtest and volt.analyze take strategy files of the workspace only: anything else is
 * refused with a clear error before it is read or bundled (issue 10, item 6).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Commands } from '../../src/protocol.js';
import { EXAMPLES, startBinary, type TestClient } from '../utils/connection.js';

const outside = mkdtempSync(path.join(os.tmpdir(), 'volt-outside-'));
let client: TestClient;

beforeAll(async () => {
  client = await startBinary({ settings: { data: { default: 'synthetic:5:300:4h' } } });
  await client.initialize();
  mkdirSync(client.root, { recursive: true });
  copyFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), path.join(outside, 'elsewhere.strategy.ts'));
  symlinkSync('/etc/passwd', path.join(client.root, 'passwd.strategy.ts'));
});
afterAll(async () => {
  await client.dispose();
  rmSync(outside, { recursive: true, force: true });
});

const INVALID_PARAMS = -32602;

describe.each([Commands.backtest, Commands.analyze])('%s refuses what is not a strategy of the workspace', (command) => {
  it('file:///etc/passwd: not a *.strategy.ts file', async () => {
    await expect(client.executeCommand(command, [{ uri: 'file:///etc/passwd' }])).rejects.toMatchObject({
      code: INVALID_PARAMS,
      message: `${command} works on strategy files (*.strategy.ts) only, and file:///etc/passwd is not one; rename it to NAME.strategy.ts if it is a strategy`,
    });
  });

  it('a link named like a strategy that points outside the workspace', async () => {
    await expect(client.executeCommand(command, [{ uri: client.uri('passwd.strategy.ts') }])).rejects.toMatchObject({
      code: INVALID_PARAMS,
      message: expect.stringMatching(/passwd\.strategy\.ts is outside the workspace .*; open the folder that holds it as the workspace$/),
    });
  });

  it('a real strategy in another folder', async () => {
    const uri = pathToFileURL(path.join(outside, 'elsewhere.strategy.ts')).href;
    await expect(client.executeCommand(command, [{ uri }])).rejects.toMatchObject({ code: INVALID_PARAMS, message: expect.stringMatching(/is outside the workspace/) });
  });

  it('a buffer that is not on disk and not open', async () => {
    await expect(client.executeCommand(command, [{ uri: 'untitled:draft.strategy.ts' }])).rejects.toMatchObject({
      code: INVALID_PARAMS,
      message: expect.stringMatching(/is not a file on disk; save it/),
    });
  });
});

it('a strategy of the workspace still runs', async () => {
  const uri = await client.open('strategies/ok.strategy.ts', (await import('node:fs')).readFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), 'utf8'));
  const result = await client.executeCommand<{ summary: { bars: number } }>(Commands.backtest, [{ uri }]);
  expect(result.summary.bars).toBe(300);
});
