import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '@volt/engine';
import { REPO_ROOT, sharedDataFile } from '../../../test-support/shared-data.js';

// The learning loop across processes: each `volt` below is its own process, sharing only the journal file.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EMA = path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts');
const SIGNALS = path.join(REPO_ROOT, 'examples/signals');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-learning-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/signals.js'))) {
    throw new Error('packages/cli/dist is not built: run `npm run build` (npm test does) before these tests');
  }
});

function volt(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

function workspace(config: object): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'volt.config.json'), JSON.stringify(config));
  return dir;
}

function read<T>(ws: string, sql: string): T[] {
  const j = Journal.openExisting(path.join(ws, '.volt', 'journal.db'));
  try {
    return j.db.prepare(sql).all() as T[];
  } finally {
    j.close();
  }
}

describe('the learning loop across processes', () => {
  it('track records persist in the journal, add up run after run, and with carry move the next run\u2019s weights', async () => {
    const ws = workspace({ agents: { mode: 'rules', signals: SIGNALS, trackRecord: { min: 0.5, max: 1.5, carry: true } } });
    const data = sharedDataFile('ETH_BTC-5m.json');
    const first = await volt(['backtest', EMA, '--data', data], ws);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    type Row = { agent: string; market: string; regime: string; judged: number; correct: number };
    const after1 = read<Row>(ws, `SELECT agent, market, regime, judged, correct FROM agent_track_records ORDER BY agent, regime`);
    expect(after1.length).toBeGreaterThan(0);
    expect(new Set(after1.map((r) => r.market))).toEqual(new Set(['ETH']));
    const trend1 = after1.filter((r) => r.agent === 'trend_analyzer').reduce((s, r) => s + r.judged, 0);
    expect(trend1).toBeGreaterThan(0);

    const second = await volt(['backtest', EMA, '--data', data], ws);
    expect(second.code).toBe(0);
    const after2 = read<Row>(ws, `SELECT agent, market, regime, judged, correct FROM agent_track_records ORDER BY agent, regime`);
    const trend2 = after2.filter((r) => r.agent === 'trend_analyzer').reduce((s, r) => s + r.judged, 0);
    expect(trend2).toBeGreaterThan(trend1);

    // The first run started from nothing: every weight its configured one. The second started from the first's record.
    type Decision = { run_id: number; agent_results: string };
    const decisions = read<Decision>(ws, `SELECT run_id, agent_results FROM decisions WHERE agent_results IS NOT NULL ORDER BY run_id, seq`);
    const runs = [...new Set(decisions.map((d) => d.run_id))];
    expect(runs).toHaveLength(2);
    const firstWeight = JSON.parse(decisions.find((d) => d.run_id === runs[0])!.agent_results).trend_analyzer.weight;
    const secondWeight = JSON.parse(decisions.find((d) => d.run_id === runs[1])!.agent_results).trend_analyzer.weight;
    // The default weight, 0.25 (journaled to 6 decimals).
    expect(firstWeight).toBeCloseTo(0.25, 6);
    expect(Math.abs(secondWeight - firstWeight)).toBeGreaterThan(1e-6);
    expect(secondWeight).toBeGreaterThanOrEqual(firstWeight * 0.5 - 1e-6);
    expect(secondWeight).toBeLessThanOrEqual(firstWeight * 1.5 + 1e-6);
    const status = await volt(['agents', 'status'], ws);
    expect(status.stdout).toMatch(/track records \(journal\)/);
    const trendRows = after2.filter((r) => r.agent === 'trend_analyzer' && r.regime === 'normal')[0]!;
    expect(status.stdout).toContain(`trend_analyzer          ETH      normal          ${`${trendRows.correct}/${trendRows.judged}`.padStart(12)}`);
  }, 60_000);

  it('decisions keep technical_signals and outside_signals as JSON the journal can query', async () => {
    const ws = workspace({ agents: { mode: 'rules', signals: SIGNALS } });
    const r = await volt(['backtest', EMA, '--data', sharedDataFile('ETH_BTC-5m.json')], ws);
    expect(r.code).toBe(0);
    const rows = read<{ fast: number | null; fear: number | null; score: number | null; regime: string }>(
      ws,
      `SELECT json_extract(technical_signals, '$.fast') AS fast, json_extract(technical_signals, '$.regime') AS regime,
              json_extract(outside_signals, '$.fear_greed') AS fear, json_extract(outside_signals, '$.score') AS score
       FROM decisions WHERE technical_signals IS NOT NULL`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.fast).toBeGreaterThan(0);
      expect(['normal', 'highVolatility', 'crash']).toContain(row.regime);
      expect(row.fear).toBeGreaterThanOrEqual(0);
      expect(row.fear).toBeLessThanOrEqual(100);
      expect(row.score).toBeGreaterThanOrEqual(-1);
    }
  }, 60_000);

  it('volt agents evaluate: no panel, the panel, each voting agent taken out, and accuracies, out of sample', async () => {
    const ws = workspace({});
    const r = await volt(['agents', 'evaluate', EMA, '--data', 'synthetic:3:3000:1h', '--data', 'synthetic:4:3000:1h', '--folds', '2', '--json'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.folds).toBe(2);
    const names = e.arms.map((a: { name: string }) => a.name);
    expect(names.slice(0, 5)).toEqual(['no panel', 'panel', 'panel without volatility_assessor', 'panel without hedge_optimizer', 'panel without trend_analyzer']);
    const [none, panel] = e.arms;
    // The panel only ever lets through what the strategy asked for.
    expect(panel.trades).toBeLessThanOrEqual(none.trades);
    for (const a of e.agents) {
      expect(a.judged).toBeGreaterThan(0);
      expect(a.accuracy).toBeGreaterThanOrEqual(0);
      expect(a.accuracy).toBeLessThanOrEqual(1);
    }
    const trend = e.agents.find((a: { agent: string }) => a.agent === 'trend_analyzer');
    const without = e.arms.find((a: { name: string }) => a.name === 'panel without trend_analyzer');
    expect(trend.marginalSharpe).toBeCloseTo(panel.sharpe - without.sharpe, 10);
    const human = await volt(['agents', 'evaluate', EMA, '--data', 'synthetic:3:3000:1h', '--folds', '1'], ws);
    expect(human.stdout).toMatch(/\| agent \| weight \| judged \| accuracy \| marginal Sharpe \| marginal drawdown \| marginal trades \|/);
    expect(human.stdout).toMatch(/best weights out of sample: /);

    // Each evaluation is kept in the journal; another process's `volt agents status` shows the newest.
    expect(read<{ folds: number }>(ws, `SELECT folds FROM agent_evaluations ORDER BY id`).map((r) => r.folds)).toEqual([2, 1]);
    const status = await volt(['agents', 'status', '--json'], ws);
    expect(status.code).toBe(0);
    const last = JSON.parse(status.stdout).lastEvaluation;
    expect(last.strategyPath).toBe(EMA);
    expect(last.evaluation).toMatchObject({ strategy: 'EMA crossover', folds: 1, datasets: ['synthetic:3:3000:1h'] });
    expect(last.evaluation.arms[0].name).toBe('no panel');
    const text = (await volt(['agents', 'status'], ws)).stdout;
    expect(text).toMatch(/last evaluation \(volt agents evaluate, \d{4}-\d\d-\d\d \d\d:\d\d UTC\): EMA crossover, out of sample, 1 walk-forward folds on synthetic:3:3000:1h/);
    expect(text).toMatch(/trend_analyzer\s+0\.25\s+\d+\s+\d+\.\d%/);
    // --no-journal keeps nothing.
    expect((await volt(['agents', 'evaluate', EMA, '--data', 'synthetic:3:3000:1h', '--folds', '1', '--no-journal'], ws)).code).toBe(0);
    expect(read<{ n: number }>(ws, `SELECT count(*) AS n FROM agent_evaluations`)[0]!.n).toBe(2);
  }, 180_000);

  it('volt review: the conditions at entry against the outcomes, with counts that add up and Wilson intervals', async () => {
    const ws = workspace({ agents: { mode: 'rules', signals: SIGNALS } });
    expect((await volt(['backtest', EMA, '--data', sharedDataFile('ETH_BTC-5m.json')], ws)).code).toBe(0);
    const r = await volt(['review', EMA, '--json'], ws);
    expect(r.stderr).toBe('');
    const review = JSON.parse(r.stdout);
    expect(review.strategy).toBe('EMA crossover');
    expect(review.trades).toBeGreaterThan(0);
    expect(review.correct + review.falsePositive + review.stopped).toBe(review.trades);
    const trades = read<{ n: number }>(ws, `SELECT count(*) AS n FROM outcomes WHERE outcome != 'PENDING'`)[0]!.n;
    expect(review.trades).toBe(trades);
    // Every feature's bands cover every trade once.
    for (const feature of ['regime', 'side', 'fear_greed', 'trend_analyzer']) {
      const bands = review.groups.filter((g: { feature: string }) => g.feature === feature);
      expect(bands.reduce((s: number, g: { trades: number }) => s + g.trades, 0), feature).toBe(review.trades);
    }
    for (const g of review.groups) {
      expect(g.correct + g.falsePositive + g.stopped).toBe(g.trades);
      expect(g.low).toBeLessThanOrEqual(g.winRate);
      expect(g.high).toBeGreaterThanOrEqual(g.winRate);
    }
    const human = await volt(['review', 'EMA crossover'], ws);
    expect(human.stdout).toMatch(/^regime: normal +\d+ +\d+ +\d+ +\d+  \d+% \(\d+%–\d+%\)$/m);
    const none = await volt(['review', 'nobody'], ws);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no run of 'nobody' in .* has decisions with their signals/);
  }, 60_000);

  it('volt report weekly: the week\u2019s note in the vault (the user\u2019s part kept on a rewrite) and its summary POSTed to a webhook', async () => {
    const posts: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const ws = workspace({ agents: { mode: 'rules' }, vault: { path: 'Vault' } });
      expect((await volt(['backtest', EMA, '--data', 'synthetic:5:3000:1h'], ws)).code).toBe(0);
      expect((await volt(['backtest', EMA, '--data', 'synthetic:5:3000:1h', '--param', 'fast=13'], ws)).code).toBe(0);
      const r = await volt(['report', 'weekly', '--webhook', url], ws);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const week = /week (\d{4}-W\d{2}): 2 runs/.exec(r.stdout)?.[1];
      expect(week).toBeDefined();
      const note = path.join(ws, 'Vault', 'Performance', `Week_${week}.md`);
      const text = readFileSync(note, 'utf8');
      expect(text).toMatch(new RegExp(`^---\nweek: ${week}\n`));
      expect(text).toMatch(/\| \[\[.*EMA crossover.*\]\] \| 2 \| \d+ \|/);
      expect(text).toMatch(/param fast 21 → 13/);
      expect(text).toMatch(/\| trend_analyzer \| \d+ \| \d+\.\d% \|/);
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({ method: 'POST', type: 'application/json', body: { type: 'volt.weekly', week, runs: 2 } });
      writeFileSync(note, text.replace('## Review\n', '## Review\n\nmy notes on the week\n'));
      expect((await volt(['report', 'weekly', '--week', week!], ws)).code).toBe(0);
      expect(readFileSync(note, 'utf8')).toMatch(/my notes on the week/);
      const bad = await volt(['report', 'weekly', '--week', '2026-49'], ws);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/'2026-49' is not an ISO week\n  fix: write it as 2026-W49/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);

  it('volt suggest: every suggestion inside its param\u2019s declared range, offered or refused with its evidence', async () => {
    const ws = workspace({});
    const r = await volt(['suggest', EMA, '--data', 'synthetic:8:3000:1h', '--json'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ranges: Record<string, [number, number]> = { fast: [5, 50], slow: [20, 200], maxVol: [0.2, 3] };
    for (const s of JSON.parse(r.stdout)) {
      expect(['offered', 'refused']).toContain(s.status);
      expect(s.to).toBeGreaterThanOrEqual(ranges[s.param]![0]);
      expect(s.to).toBeLessThanOrEqual(ranges[s.param]![1]);
      expect(s.folds).toBe(3);
      if (s.status === 'offered') expect(s.outOfSample.after).toBeGreaterThan(s.outOfSample.before);
    }
    // The offered ones are kept in the journal for the weekly report (--no-journal: none).
    const offered = (JSON.parse(r.stdout) as { status: string; param: string }[]).filter((s) => s.status === 'offered').map((s) => s.param);
    const kept = () => {
      if (!existsSync(path.join(ws, '.volt', 'journal.db'))) return [];
      const j = Journal.openExisting(path.join(ws, '.volt', 'journal.db'));
      try {
        return j.db.prepare(`SELECT param FROM param_suggestions ORDER BY id`).pluck().all();
      } finally {
        j.close();
      }
    };
    expect(kept()).toEqual(offered);
    expect((await volt(['suggest', EMA, '--data', 'synthetic:8:3000:1h', '--json', '--no-journal'], ws)).code).toBe(0);
    expect(kept()).toEqual(offered);
    expect((await volt(['suggest', EMA, '--data', 'synthetic:8:3000:1h', '--folds', 'x'], ws)).stderr).toMatch(/--folds expects a whole number/);
  }, 120_000);
});
