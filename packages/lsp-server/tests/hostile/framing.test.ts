/**
 * A stream the built sidecar can no longer read (raw bytes, a wrong Content-Length, a header
 * without one) ends it with exit status 1 and the reason on stderr, so the editor restarts it;
 * a well-framed message that is not JSON is only that one message lost. And the shutdown rules
 * of the LSP spec (issue 10, item 6).
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startBinary, type TestClient } from '../utils/connection.js';

type Binary = TestClient & { child: ChildProcess; stderr: () => string };

const running: Binary[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.dispose();
});

async function server(): Promise<Binary> {
  // The wait for a frame that never completes, shortened from its 30 s default.
  const c = await startBinary({ env: { VOLT_LSP_STALL_MS: '400' } });
  running.push(c);
  await c.initialize();
  return c;
}

function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the server is still running after ${timeoutMs} ms: alive but deaf`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

const frame = (body: string, length = Buffer.byteLength(body)): string => `Content-Length: ${length}\r\n\r\n${body}`;
const request = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/codeLens', params: { textDocument: { uri: 'file:///x.strategy.ts' } } });

describe('a stream that can no longer be read', () => {
  it('raw binary: exits 1 and says why on stderr', async () => {
    const c = await server();
    c.child.stdin!.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]));
    expect(await exitOf(c.child)).toBe(1);
    expect(c.stderr()).toMatch(/volt-lsp: cannot read the editor's messages any more: byte 0x00 arrived where a message header .* was expected; exiting/);
  });

  it('a Content-Length shorter than the body: the rest lands where a header should be', async () => {
    const c = await server();
    const body = request(7);
    c.child.stdin!.write(frame(body, body.length - 20) + frame(request(8)));
    expect(await exitOf(c.child)).toBe(1);
    expect(c.stderr()).toMatch(/a message header line is not 'Name: value'/);
  });

  it('a Content-Length longer than what follows: exits once nothing more comes', async () => {
    const c = await server();
    const body = request(9);
    c.child.stdin!.write(frame(body, body.length + 500));
    expect(await exitOf(c.child)).toBe(1);
    expect(c.stderr()).toMatch(/a message was cut short: its Content-Length is \d+ bytes, \d+ arrived, then nothing for 0 s/);
  });

  it('a header without Content-Length, and one that is not a number', async () => {
    const a = await server();
    a.child.stdin!.write('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}');
    expect(await exitOf(a.child)).toBe(1);
    expect(a.stderr()).toMatch(/a message header has no Content-Length/);

    const b = await server();
    b.child.stdin!.write('Content-Length: twelve\r\n\r\n{}');
    expect(await exitOf(b.child)).toBe(1);
    expect(b.stderr()).toMatch(/Content-Length is not a whole number: "twelve"/);
  });

  it('text that never ends its header: exits once nothing more comes', async () => {
    const c = await server();
    // Once the server's own questions after `initialized` are answered, nothing else is sent.
    await c.until(() => (c.configurationRequests > 0 ? true : undefined), 'the settings request');
    await new Promise((r) => setTimeout(r, 200));
    c.child.stdin!.write('hello, is anyone there?');
    expect(await exitOf(c.child)).toBe(1);
    expect(c.stderr()).toMatch(/a message header was never finished/);
  });

  it('a well-framed body that is not JSON loses that message only', async () => {
    const c = await server();
    c.child.stdin!.write(frame('{"jsonrpc":"2.0","id":99,"method":"textDocument/hover","params":'));
    // Non-ASCII in a body is fine: only headers must be ASCII.
    const lenses = await c.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: c.uri('é-ü.strategy.ts') } });
    expect(lenses).toEqual([]);
    await new Promise((r) => setTimeout(r, 800)); // past the stall time: nothing is pending
    expect(c.child.exitCode).toBeNull();
  });
});

describe('shutdown and exit', () => {
  it('answers requests after shutdown with InvalidRequest, and exit then ends it with 0', async () => {
    const c = await server();
    await c.connection.sendRequest('shutdown');
    await expect(c.codeLens(c.uri('a.strategy.ts'))).rejects.toMatchObject({ code: -32600 });
    await expect(c.executeCommand('volt.journal', [])).rejects.toMatchObject({ code: -32600, message: expect.stringMatching(/shutting down/) });
    await expect(c.connection.sendRequest('shutdown')).rejects.toMatchObject({ code: -32600 });
    const exited = exitOf(c.child);
    await c.connection.sendNotification('exit');
    expect(await exited).toBe(0);
  });

  it('exit without shutdown ends it with 1', async () => {
    const c = await server();
    const exited = exitOf(c.child);
    await c.connection.sendNotification('exit');
    expect(await exited).toBe(1);
  });
});
