/**
 * Backtests the sidecar runs go into the journal's track records (agent_track_records) as
 * `volt backtest --agents` does, through the engine's recordTrackRecords; with
 * agents.trackRecord.carry the next editor run starts from them (learningInputs, as the CLI).
 */
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Journal, recordAgentEvaluation } from '@volt/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedDataFile } from '../../../test-support/shared-data.js';
import { Commands, type AgentStatusResult, type BacktestResult } from '../src/protocol.js';
import { startInBand, type TestClient } from './utils/connection.js';

const EMA = readFileSync(path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts'), 'utf8');
let client: TestClient;

beforeAll(async () => {
  client = await startInBand({
    settings: {
      data: { default: sharedDataFile('ETH_BTC-5m.json') },
      lint: { debounceMs: 5 },
      onSave: { backtest: true, critique: false },
      agents: { mode: 'rules', trackRecord: { min: 0.5, max: 1.5, carry: true } },
    },
  });
  await client.initialize();
  // The example imports its own ./lib/crossing.ts.
  cpSync(path.join(REPO_ROOT, 'examples/strategies/lib'), path.join(client.root, 'lib'), { recursive: true });
});
afterAll(async () => {
  await client.dispose();
});

/** Read by this process, not the sidecar's: what another `volt` would find in the file. */
function read<T>(sql: string): T[] {
  const journal = Journal.openExisting(path.join(client.root, '.volt', 'journal.db'));
  try {
    return journal.db.prepare(sql).all() as T[];
  } finally {
    journal.close();
  }
}

type Row = { agent: string; market: string; regime: string; judged: number; correct: number };
const records = (): Row[] => read<Row>(`SELECT agent, market, regime, judged, correct FROM agent_track_records ORDER BY agent, regime`);
const judgedBy = (agent: string): number => records().filter((r) => r.agent === agent).reduce((s, r) => s + r.judged, 0);
const runs = (): number[] => read<{ id: number }>(`SELECT id FROM runs ORDER BY id`).map((r) => r.id);

describe('track records from the sidecar', () => {
  it('each run through the panel, on save or asked for, adds to the journal\u2019s records of its market, and with carry moves the next run\u2019s weights', async () => {
    // The first run is a save's, the second one asked for: both record.
    const uri = await client.open('ema.strategy.ts', EMA);
    await client.save(uri, EMA);
    const first = await client.backtestSettled(uri, 1);
    expect(first.state).toBe('done');
    expect(first.summary!.agents?.mode).toBe('rules');
    await client.until(() => (runs().length === 1 && records().length > 0 ? true : undefined), 'track records after the first run');
    expect(new Set(records().map((r) => r.market))).toEqual(new Set(['ETH']));
    const trend1 = judgedBy('trend_analyzer');
    expect(trend1).toBeGreaterThan(0);

    await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri, rerun: true }]);
    await client.until(() => (runs().length === 2 && judgedBy('trend_analyzer') > trend1 ? true : undefined), 'the second run added to the totals');

    // The first run started from nothing (the configured weight); the second from the first's record.
    type Decision = { run_id: number; agent_results: string };
    const decisions = read<Decision>(`SELECT run_id, agent_results FROM decisions WHERE agent_results IS NOT NULL ORDER BY run_id, seq`);
    const [a, b] = runs();
    const weight = (run: number): number => JSON.parse(decisions.find((d) => d.run_id === run)!.agent_results).trend_analyzer.weight;
    expect(weight(a!)).toBeCloseTo(0.25, 6);
    expect(Math.abs(weight(b!) - weight(a!))).toBeGreaterThan(1e-6);
  }, 120_000);

  it('volt.agentStatus carries the journal\u2019s track records and its last `volt agents evaluate`', async () => {
    await client.until(() => (records().length > 0 ? true : undefined), 'track records from the test above');
    const before = await client.executeCommand<AgentStatusResult>(Commands.agentStatus, [{}]);
    const trend = before.trackRecords!.filter((t) => t.agent === 'trend_analyzer' && t.market === 'ETH');
    expect(trend.reduce((s, t) => s + t.judged, 0)).toBe(judgedBy('trend_analyzer'));
    for (const t of trend) expect(t.multiplier).toBeCloseTo(0.5 + (t.correct + 2) / (t.judged + 4), 3);
    expect(before.lastEvaluation).toBeUndefined();

    // What `volt agents evaluate` keeps (another process, the same journal file).
    const evaluation = {
      strategy: 'EMA crossover',
      datasets: ['BTC_USDT-1h.json', 'ETH_BTC-5m.json', 'SOL_USDT-1h.json'],
      folds: 3,
      arms: [
        { name: 'no panel', sharpe: 0.4, maxDrawdown: 0.12, totalReturn: 0.05, trades: 40 },
        { name: 'panel', sharpe: 0.6, maxDrawdown: 0.08, totalReturn: 0.07, trades: 22 },
      ],
      agents: [{ agent: 'trend_analyzer', weight: 0.25, judged: 22, accuracy: 0.59, marginalSharpe: 0.1, marginalDrawdown: -0.01, marginalTrades: -3 }],
      best: 'volatility-led 0.40/0.35/0.25',
    };
    const journal = Journal.open(path.join(client.root, '.volt', 'journal.db'));
    try {
      recordAgentEvaluation(journal.db, evaluation, { strategyPath: '/ws/ema.strategy.ts', now: Date.UTC(2026, 0, 5, 9, 30) });
    } finally {
      journal.close();
    }
    const after = await client.executeCommand<AgentStatusResult>(Commands.agentStatus, [{}]);
    expect(after.lastEvaluation).toEqual({ id: 1, at: Date.UTC(2026, 0, 5, 9, 30), strategyPath: '/ws/ema.strategy.ts', evaluation });
  });
});
