// A strategy that floods: 10,000 ctx.buy calls on every bar (issue 10, item 4), recorded into a
// journal and exported to a vault, against the same strategy calling ctx.buy once a bar, in the
// same run. Before the repeat counts and the per-run cap, 200 such bars wrote 2,000,000 decision
// rows (a 255 MB journal, a 360 MB --json) and 2,000 bars 2.3 GB, whose export ran past 300 s.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Journal,
  defineStrategy,
  exportVault,
  runBacktest,
  runMetaFor,
  startBacktestRecording,
  synthesize,
} from '../packages/engine/dist/index.js';

const BARS = 2_000;
const CALLS = 10_000;

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function strategy(calls) {
  return {
    definition: defineStrategy({
      name: `bench: ${calls} buys a bar`,
      onBar(ctx) {
        for (let i = 0; i < calls; i++) ctx.buy({ reason: 'again' });
      },
      risk: { stopLoss: 0.05 },
    }),
  };
}

function measure(dir, calls) {
  const file = path.join(dir, `journal-${calls}.db`);
  const series = synthesize({ seed: 1, bars: BARS, timeframe: '1h' });
  const loaded = strategy(calls);
  let t0 = process.hrtime.bigint();
  const rec = startBacktestRecording(file, runMetaFor(loaded, series));
  const report = runBacktest(loaded, series, {}, rec.observer);
  rec.finish(report);
  const run = seconds(t0);
  const json = JSON.stringify(report).length;
  const journal = Journal.open(file);
  const { rows, calls: counted } = journal.db.prepare(`SELECT count(*) AS rows, sum(repeats) AS calls FROM decisions`).get();
  t0 = process.hrtime.bigint();
  exportVault(journal, path.join(dir, `vault-${calls}`));
  const exported = seconds(t0);
  journal.close();
  return { run, rows, counted, bytes: statSync(file).size, json, exported };
}

export async function run() {
  const dir = mkdtempSync(path.join(tmpdir(), 'volt-bench-floods-'));
  try {
    const flood = measure(dir, CALLS);
    const peer = measure(dir, 1);
    const line = (name, m) =>
      `${name} ${fmt(m.rows).padStart(7)} rows (${fmt(m.counted)} calls), journal ${mb(m.bytes).padStart(9)}, --json ${mb(m.json).padStart(8)}, run+record ${m.run.toFixed(2)} s, vault export ${m.exported.toFixed(2)} s`;
    return [
      `${fmt(BARS)} bars:`,
      line(`flood, ${fmt(CALLS)} ctx.buy a bar:`, flood),
      line('peer, 1 ctx.buy a bar:          ', peer),
      `  the flood makes ${(flood.rows / peer.rows).toFixed(1)}× the peer's rows for ${fmt(CALLS)}× its calls; journal ${(flood.bytes / peer.bytes).toFixed(1)}×, export ${(flood.exported / peer.exported).toFixed(1)}× the peer's`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
