/**
 * The language client restarts a sidecar that exits (a crash, or unreadable input: see
 * packages/lsp-server/tests/hostile/framing.test.ts), at most 3 times in 3 minutes. The policy
 * runs here on its own; the real vscode-languageclient calls it (wired in src/client.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIDECAR_SELECTOR } from '../src/documents.js';
import { SIDECAR_RESTARTS, sidecarErrorHandler } from '../src/restarts.js';

// vscode-languageclient's enum values, as src/client.ts passes them.
const actions = { continue: 1, restart: 2, doNotRestart: 1 } as const;

describe('restarting the sidecar', () => {
  it('restarts after each exit, up to 3 within 3 minutes, then stops and says so once', () => {
    let clock = 0;
    const gaveUp: string[] = [];
    const handler = sidecarErrorHandler(actions as never, (m) => gaveUp.push(m), SIDECAR_RESTARTS, () => clock);
    const closes = [0, 10_000, 20_000, 30_000].map((t) => {
      clock = t;
      return handler.closed() as { action: number; message: string };
    });
    expect(closes.map((c) => c.action)).toEqual([2, 2, 2, 1]);
    expect(closes[0]!.message).toBe('The Volt sidecar exited; starting it again (1 of 3).');
    expect(gaveUp).toEqual(['The Volt sidecar exited 4 times in 3 minutes; see the Volt output channel, then run "Volt: Restart Sidecar".']);
    // Exits older than the window no longer count.
    clock = 30_000 + 180_000;
    expect((handler.closed() as { action: number }).action).toBe(2);
  });

  it('does not shut the client down on a read or write error: the sidecar decides by exiting', () => {
    const handler = sidecarErrorHandler(actions as never, () => undefined);
    expect(handler.error(new Error('bad header'), undefined, 1)).toEqual({ action: 1 });
  });

  it('is the handler the language client is given, and volt.config.json goes to the sidecar', () => {
    const client = readFileSync(new URL('../src/client.ts', import.meta.url), 'utf8');
    expect(client).toMatch(/errorHandler: sidecarErrorHandler\(\s*\{ continue: ErrorAction\.Continue, restart: CloseAction\.Restart, doNotRestart: CloseAction\.DoNotRestart \}/);
    expect(client).toMatch(/documentSelector: SIDECAR_SELECTOR/);
    expect(SIDECAR_SELECTOR).toContainEqual({ scheme: 'file', pattern: '**/volt.config.json' });
  });
});
