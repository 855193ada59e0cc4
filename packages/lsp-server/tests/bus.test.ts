/**
 * The sidecar on the agent bus (issue 15): with `bus.redis` in volt.config.json, the runs the built
 * `volt-lsp --stdio` finishes are heard by two other processes subscribed on a real redis-server
 * (127.0.0.1 only): each signal on `signals/<symbol>`, each position opened and closed, and each
 * entry the agents' risk gate refused on `alerts/risk`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { positionClosed, positionOpened, signalMessage, type BusMessage } from '@volt/engine';
import { startRedis } from '../../../test-support/redis.js';
import { Commands, type BacktestResult } from '../src/protocol.js';
import { copyExamples, REPO_ROOT, startBinary, type TestClient } from './utils/connection.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let root: string;
const listeners: ChildProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
  root = mkdtempSync(path.join(os.tmpdir(), 'volt-lsp-bus-'));
  copyExamples(root);
});
afterAll(() => {
  for (const l of listeners) if (l.exitCode === null) l.kill('SIGKILL');
  redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A second Node process with a bus of its own, printing each message it hears on `patterns`. */
async function listener(patterns: string[]): Promise<{ heard: { c: string; m: BusMessage }[]; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { RedisBus } = await import(${JSON.stringify(path.join(REPO_ROOT, 'packages/engine/dist/bus/redis.js'))});
    const bus = await RedisBus.open(process.argv[1]);
    for (const p of JSON.parse(process.argv[2])) bus.subscribe(p, (m, c) => console.log(JSON.stringify({ c, m })));
    await bus.ready();
    console.log('ready');
    process.stdin.on('end', async () => { await bus.close(); });
    process.stdin.resume();
  `, redis.url, JSON.stringify(patterns)], { stdio: ['pipe', 'pipe', 'inherit'] });
  listeners.push(child);
  const heard: { c: string; m: BusMessage }[] = [];
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (l) => (l === 'ready' ? resolve() : heard.push(JSON.parse(l))));
  });
  return {
    heard,
    stop: async () => {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

it('two other processes hear the signals, positions and risk alerts of a run the sidecar finishes', async () => {
  // A panel that lets most entries through to a gate whose circuit breaker trips after one loss:
  // alerts/risk has something to carry.
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({
    data: { default: 'synthetic:42:20000:1h' }, agents: { mode: 'rules', thresholds: { normal: 0.05, highVolatility: 0.05, crash: 0.05 } }, risk: { maxConsecutiveLosses: 1, maxDailyLoss: 0.0005 },
    onSave: { backtest: false, critique: false }, bus: { redis: redis.url },
  }));
  const signals = await listener(['signals/*']);
  const rest = await listener(['positions/open', 'positions/close', 'alerts/risk']);
  let client: TestClient | undefined;
  try {
    client = await startBinary({ root });
    await client.initialize();
    const uri = pathToFileURL(path.join(root, 'strategies', 'rsi-mean-reversion.strategy.ts')).href;
    const bt = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    const report = bt.report;
    expect(report.trades.length).toBeGreaterThan(0);
    const name = report.strategy.name;
    const trades = report.trades.length;
    const deadline = Date.now() + 20_000;
    while ((rest.heard.filter((h) => h.m.kind === 'position-closed').length < trades || signals.heard.length < report.signals.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    // Every position, opened and then closed, as the run's trades say.
    const positions = rest.heard.filter((h) => h.c.startsWith('positions/'));
    expect(positions.filter((h) => h.c === 'positions/open').map((h) => h.m)).toEqual(report.trades.map((t) => positionOpened(t, name)));
    expect(positions.filter((h) => h.c === 'positions/close').map((h) => h.m)).toEqual(report.trades.map((t) => positionClosed(t, name)));
    // Every signal of the run on its symbol's channel, in order, those the panel refused marked so.
    expect(signals.heard.map((h) => h.c)).toEqual(report.signals.map(() => `signals/${report.data.symbol}`));
    expect(signals.heard.map((h) => h.m)).toEqual(report.signals.map((s) => signalMessage(s, report.data.symbol, name)));
    expect(signals.heard.some((h) => (h.m as { ignored?: string }).ignored?.startsWith('REJECTED'))).toBe(true);
    // The gate's refusals, one line each.
    const alerts = rest.heard.filter((h) => h.c === 'alerts/risk').map((h) => h.m);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(a).toMatchObject({ kind: 'risk-alert', symbol: report.data.symbol, source: name, message: expect.stringMatching(/\S/) });
    // Nothing else was heard on these channels.
    expect(rest.heard.length).toBe(2 * trades + alerts.length);
  } finally {
    await client?.dispose();
    await signals.stop();
    await rest.stop();
  }
}, 90_000);

it('a bus that cannot be reached costs the run nothing: it is said once in the log', async () => {
  const down = redis.url.replace(/:\d+$/, ':1');
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:42:3000:1h' }, onSave: { backtest: false, critique: false }, bus: { redis: down } }));
  const client = await startBinary({ root });
  try {
    await client.initialize();
    const uri = pathToFileURL(path.join(root, 'strategies', 'rsi-mean-reversion.strategy.ts')).href;
    const first = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    expect(first.summary.trades).toBeGreaterThan(0);
    await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
    const deadline = Date.now() + 10_000;
    while (!client.logs.some((l) => l.includes('agent bus:')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(client.logs.filter((l) => l.includes('agent bus:'))).toEqual([expect.stringMatching(/^agent bus: cannot reach the agent bus at redis:\/\/127\.0\.0\.1:1 \(bus\.redis in volt\.config\.json\)/)]);
  } finally {
    await client.dispose();
  }
}, 60_000);
