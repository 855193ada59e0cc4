/** Smoke tests of the built `volt-lsp --stdio`, started the way an editor starts it. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLES, startBinary, type TestClient } from './utils/connection.js';

let client: TestClient & { child: import('node:child_process').ChildProcess; stderr: () => string };

beforeAll(async () => {
  client = await startBinary({ settings: { data: { default: 'synthetic:11:2000:1h' } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
});

it('lints, backtests on save and shows the lens over stdio', async () => {
  const faulty = readFileSync(path.join(EXAMPLES, 'faulty', 'hardcoded-threshold.strategy.ts'), 'utf8');
  const uri = await client.open('faulty.strategy.ts', faulty);
  const diags = await client.diagnosticsFor(uri, (d) => d.length > 0);
  expect(diags.map((d) => d.code)).toEqual(['VOLT103', 'VOLT105', 'VOLT103', 'VOLT110', 'VOLT103', 'VOLT110', 'VOLT101', 'VOLT102']);

  const example = readFileSync(path.join(EXAMPLES, 'macd-trend.strategy.ts'), 'utf8');
  const macd = await client.open('macd.strategy.ts', example);
  await client.save(macd, example);
  const status = await client.backtestSettled(macd, 1);
  expect(status.state).toBe('done');
  const [lens] = await client.codeLens(macd);
  expect(lens!.command!.title).toMatch(/^Sharpe /);
});

it('survives a malformed message and answers the next request', async () => {
  const body = '{"jsonrpc":"2.0","id":99,"method":"textDocument/hover","params":';
  client.child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const uri = client.uri('faulty.strategy.ts');
  const lenses = await client.codeLens(uri);
  expect(Array.isArray(lenses)).toBe(true);
  expect(client.child.exitCode).toBeNull();
});

it('exits cleanly on shutdown and exit', async () => {
  await client.connection.sendRequest('shutdown');
  const exited = new Promise<number | null>((resolve) => client.child.once('exit', (code) => resolve(code)));
  await client.connection.sendNotification('exit');
  expect(await exited).toBe(0);
});
