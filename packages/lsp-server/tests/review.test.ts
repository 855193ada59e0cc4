/**
 * The review requests (issue 13) against the built `volt-lsp --stdio`: a run recorded by
 * volt.backtest with the agents' panel, read back run by run and trade by trade, a review written
 * to the journal and exported into the vault, and every mistake a face can make said plainly.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { Commands, Requests, type AnnotateTradeResult, type BacktestResult, type ExportVaultResult, type RunDetailResult, type RunsResult, type TradeDetailResult } from '../src/protocol.js';
import { copyExamples, startBinary, type TestClient } from './utils/connection.js';
import { PUT_BUYER_STRATEGY } from '../../engine/src/options/testing/put-buyer.js';

let client: TestClient;
let root: string;
let runId: number;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'volt-review-'));
  copyExamples(root);
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:42:20000:1h' }, agents: { mode: 'rules' }, vault: { path: 'vault' }, onSave: { backtest: false, critique: false } }));
  client = await startBinary({ root });
  await client.initialize();
  const uri = pathToFileURL(path.join(root, 'strategies', 'rsi-mean-reversion.strategy.ts')).href;
  const bt = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri }]);
  expect(bt.summary.agents?.modified).toBeGreaterThan(0);
  // The sidecar records a run just after answering: wait until the journal has it.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const runs = await client.connection.sendRequest<RunsResult>(Requests.runs, {});
    if (runs.runs[0]) {
      runId = Number(runs.runs[0].runId);
      break;
    }
    if (Date.now() > deadline) throw new Error('the run never reached the journal');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

const request = <R>(method: string, params: unknown) => client.connection.sendRequest<R>(method, params);
const failure = (method: string, params: unknown) => request(method, params).then(() => 'answered', (e: Error) => e.message);

it('volt/runs lists the run, volt/run gives metrics, equity and trades', async () => {
  const runs = await request<RunsResult>(Requests.runs, { strategy: 'RSI mean reversion' });
  expect(runs.runs.map((r) => Number(r.runId))).toContain(runId);
  expect(runs.vaultPath).toBe(path.join(root, 'vault'));
  const detail = await request<RunDetailResult>(Requests.run, { runId });
  expect(detail.run.status).toBe('complete');
  expect(detail.run.metrics!.trades).toBe(detail.trades.length);
  expect(detail.trades.length).toBeGreaterThan(0);
  expect(detail.equity.time.length).toBe(detail.equity.equity.length);
  expect(detail.equity.time.length).toBeGreaterThan(100);
  expect(detail.trades.map((t) => t.tradeNo)).toEqual([...detail.trades.map((t) => t.tradeNo)].sort((a, b) => a - b));
});

it("volt/run carries a ctx.options run's greeks curves and hedge efficiency (null here: no underlying held) from the journal, and none for a run without options", async () => {
  const file = path.join(root, 'strategies', 'put-buyer.strategy.ts');
  writeFileSync(file, PUT_BUYER_STRATEGY);
  const bt = await client.executeCommand<BacktestResult>(Commands.backtest, [{ uri: pathToFileURL(file).href }]);
  const options = bt.report.options!;
  expect(options.positions).toHaveLength(1);
  expect(options.greeks.time.length).toBeGreaterThan(100);
  const detail = await request<RunDetailResult>(Requests.run, { runId: Number(bt.summary.runId) });
  expect(detail.options).toEqual({ chain: 'synthetic', hedgeEfficiency: options.hedgeEfficiency, greeks: options.greeks });
  const plain = await request<RunDetailResult>(Requests.run, { runId });
  expect(plain).not.toHaveProperty('options');
});

it("volt/trade gives the decisions, the agents' votes and reasoning and the gate's changes", async () => {
  const detail = await request<RunDetailResult>(Requests.run, { runId });
  const t = detail.trades[0]!;
  const trade = await request<TradeDetailResult>(Requests.trade, { tradeId: t.tradeId });
  expect(trade.trade.tradeId).toBe(t.tradeId);
  expect(trade.run).toMatchObject({ runId, strategy: 'RSI mean reversion' });
  const entry = trade.decisions.find((d) => d.action === 'buy' || d.action === 'sell')!;
  expect(entry.votes.length).toBeGreaterThanOrEqual(3);
  for (const v of entry.votes) {
    expect(['BUY', 'SELL', 'HOLD']).toContain(v.decision);
    expect(v.reasoning.length).toBeGreaterThan(0);
  }
  expect(entry.consensus?.decision).toMatch(/BUY|SELL|HOLD/);
  // The gate resized some entries on the agents' advice: those trades carry what it changed.
  const changed = await Promise.all(detail.trades.map((x) => request<TradeDetailResult>(Requests.trade, { tradeId: x.tradeId })));
  const change = changed.flatMap((d) => d.decisions.flatMap((x) => x.gateChanges))[0];
  expect(change).toMatchObject({ field: expect.any(String), to: expect.any(Number), rule: 'agent-advice' });
  expect(trade.notePath).toBe(path.join(root, 'vault', 'Trades', `Trade ${t.tradeId} ${t.asset.replace(/[/]/g, '-')} ${t.side}.md`));
});

it('annotate → export: the note has the review in its frontmatter, keeps the text under ## Review, and a second export changes nothing', async () => {
  const progress = client.progress.length;
  const first = await request<ExportVaultResult>(Requests.exportVault, { workDoneToken: 'export-1' });
  expect(first.trades).toBeGreaterThan(0);
  expect(client.progress.slice(progress).map((p) => (p as { value: { kind: string } }).value.kind)).toEqual(expect.arrayContaining(['begin', 'report', 'end']));
  const trade = (await request<RunDetailResult>(Requests.run, { runId })).trades[1]!;
  appendFileSync(trade.notePath!, 'Entered early; the candle had not closed.\n');

  const annotated = await request<AnnotateTradeResult>(Requests.annotateTrade, { tradeId: trade.tradeId, outcome: 'FALSE_POSITIVE', rating: 2, tags: ['#early', 'mean-reversion'], review: 'Should have waited for the close.' });
  expect(annotated.review).toMatchObject({ outcome: 'FALSE_POSITIVE', rating: 2, tags: ['early', 'mean-reversion'] });
  expect(annotated.notePath).toBe(trade.notePath);
  const second = await request<ExportVaultResult>(Requests.exportVault, { runId });
  expect(second.updated).toBeGreaterThan(0);
  const text = readFileSync(trade.notePath!, 'utf8');
  const fm = parse(text.slice(4, text.indexOf('\n---\n', 4) + 1)) as Record<string, unknown>;
  expect(fm).toMatchObject({ trade_id: trade.tradeId, review_outcome: 'FALSE_POSITIVE', rating: 2, review_tags: ['early', 'mean-reversion'] });
  expect(text).toContain('> Should have waited for the close.');
  expect(text.endsWith('## Review\n\nEntered early; the candle had not closed.\n')).toBe(true);

  const mtime = statSync(trade.notePath!).mtimeMs;
  const third = await request<ExportVaultResult>(Requests.exportVault, {});
  expect(third.created + third.updated).toBe(0);
  expect(readFileSync(trade.notePath!, 'utf8')).toBe(text);
  expect(statSync(trade.notePath!).mtimeMs).toBe(mtime);
  // Every face sees it: volt/trade reads the review back.
  expect((await request<TradeDetailResult>(Requests.trade, { tradeId: trade.tradeId })).trade.review?.rating).toBe(2);
});

it('says plainly what is wrong: a trade or run not in the journal, a bad rating, a locked journal', async () => {
  expect(await failure(Requests.trade, { tradeId: 987654 })).toMatch(/^trade 987654 is not in the journal at .*journal\.db: pick a trade/);
  expect(await failure(Requests.run, { runId: 987654 })).toMatch(/^run 987654 is not in the journal/);
  expect(await failure(Requests.annotateTrade, { tradeId: 987654, rating: 3 })).toMatch(/trade 987654 is not in the journal/);
  const tradeId = (await request<RunDetailResult>(Requests.run, { runId })).trades[0]!.tradeId;
  expect(await failure(Requests.annotateTrade, { tradeId, rating: 9 })).toMatch(/rating 9 is not a whole number from 1 to 5 \(fix: rate 1/);
  expect(await failure(Requests.trade, { tradeId: 'x' })).toBe('tradeId must be a whole number, got "x"');
  expect(await failure(Requests.exportVault, { vault: '' })).toBe('answered');

  // Another process holding the write lock past the busy timeout: said as a lock, never as damage.
  const locker = new Database(path.join(root, '.volt', 'journal.db'));
  locker.exec('BEGIN EXCLUSIVE');
  try {
    expect(await failure(Requests.annotateTrade, { tradeId, rating: 3 })).toMatch(/the journal is locked by another process/);
  } finally {
    locker.exec('ROLLBACK');
    locker.close();
  }
  expect((await request<TradeDetailResult>(Requests.trade, { tradeId })).trade.review).toBeNull();
}, 30_000);
