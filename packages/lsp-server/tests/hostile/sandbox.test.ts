/**
 * Hostile strategies saved in the real sidecar over stdio (the built `volt-lsp --stdio`): what they
 * try is refused at their line as VOLT204, nothing happens outside, and a healthy strategy saved
 * right after runs as it would on a fresh server.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinary, type TestClient } from '../utils/connection.js';
import { CLEAN, withOnBar } from '../fixtures.js';

let client: TestClient;

beforeAll(async () => {
  client = await startBinary({
    settings: { data: { default: 'synthetic:7:3000:1h' }, lint: { debounceMs: 10 }, backtest: { timeoutMs: 1500, maxMemoryMb: 96 } },
  });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
});

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

async function saveAndRun(name: string, text: string) {
  const r = await client.saveAndRun(name, text);
  return { ...r, volt204: r.backtest.find((d) => d.code === 'VOLT204') };
}

describe('the sidecar runs strategy code in the sandbox', () => {
  it('a process started on save is refused at its line, and does not run', async () => {
    const marker = path.join(client.root, 'pwned');
    const text = `import { execSync } from 'node:child_process';\n${withOnBar(`    if (ctx.index === 10) execSync('id > ${marker}');`)}`;
    const r = await saveAndRun('spawns.strategy.ts', text);
    expect(r.status.state).toBe('failed');
    expect(r.volt204!.message).toMatch(/^strategies may not start processes: require\('node:child_process'\) was refused by the sandbox; nothing was done/);
    expect(r.volt204!.range.start.line).toBe(lineOf(text, "from 'node:child_process'"));
    expect(existsSync(marker)).toBe(false);
  });

  it('a file write and the network are refused inside onBar, at the line', async () => {
    const marker = path.join(client.root, 'written');
    const writes = withOnBar(`    if (ctx.index === 10) (process as any).getBuiltinModule('fs').writeFileSync('${marker}', 'x');`);
    const w = await saveAndRun('writes.strategy.ts', writes);
    expect(w.volt204!.message).toContain('strategies may not read or write files');
    expect(w.volt204!.range.start.line).toBe(lineOf(writes, 'writeFileSync'));
    expect(existsSync(marker)).toBe(false);

    const fetches = withOnBar(`    if (ctx.index === 10) void fetch('http://127.0.0.1:9/');`);
    const f = await saveAndRun('fetches.strategy.ts', fetches);
    expect(f.volt204!.message).toContain('strategies may not use the network');
    expect(f.volt204!.range.start.line).toBe(lineOf(fetches, 'fetch('));
  });

  it('a timer left behind by one strategy does not touch the next run', async () => {
    // Today's hostile case: a busy loop queued for after the run, then an interval.
    const leaves = withOnBar(`    if (ctx.index === 50) { setTimeout(() => { while (true) {} }, 0); setInterval(() => undefined, 1); }
    if (ctx.position.side === 0 && ctx.ind.rsi.ready && ctx.ind.rsi.value < 30) ctx.buy({ confidence: 0.6, reason: 'dip' });
    else if (ctx.position.side === 1 && ctx.ind.rsi.value > 70) ctx.exit({ reason: 'back' });`);
    const first = await saveAndRun('leaves.strategy.ts', leaves);
    expect(first.status.state).toBe('done');

    const healthy = await saveAndRun('healthy.strategy.ts', CLEAN);
    expect(healthy.status.state).toBe('done');
    // Run again, alone: the same numbers, so the first run left nothing behind.
    const again = await saveAndRun('healthy-again.strategy.ts', CLEAN);
    expect(again.status.summary!.trades).toBe(healthy.status.summary!.trades);
    expect(again.status.summary!.totalReturn).toBe(healthy.status.summary!.totalReturn);
    expect(healthy.status.summary!.durationMs).toBeLessThan(1500);
  });

  it('an endless loop after a hostile one is still stopped at its line', async () => {
    const text = withOnBar(`    if (ctx.index === 200) { let n = 1; while (n > 0) n = (n * 7) % 1000 + 1; }`);
    const r = await saveAndRun('spins.strategy.ts', text);
    expect(r.volt204!.message).toMatch(/^Stopped at bar 200: onBar did not return within 1500 ms/);
    expect(r.volt204!.range.start.line).toBe(lineOf(text, 'while (n > 0)'));
  });
});
