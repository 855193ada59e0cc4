import type { SweepEntry, SweepResult } from '@volt/engine';

/** The one JSON document `volt optimize --json` prints and the journal keeps as the sweep's result. */
export const SWEEP_SCHEMA_VERSION = 1;

export interface SweepFacts {
  id: number;
  strategy: { name: string; path: string; contentHash: string };
  data: { spec: string; hash: string; symbol: string; timeframe: string; from: number; to: number; bars: number };
  workers: number;
  journal: string;
}

export type SweepDocument = { schemaVersion: typeof SWEEP_SCHEMA_VERSION; sweep: number; strategy: SweepFacts['strategy']; data: SweepFacts['data']; journal: string } & SweepResult;

export function sweepDocument(f: SweepFacts, r: SweepResult): SweepDocument {
  return { schemaVersion: SWEEP_SCHEMA_VERSION, sweep: f.id, strategy: f.strategy, data: f.data, ...r, journal: f.journal };
}

export function formatSweepResult(d: SweepDocument): string {
  const out: string[] = [];
  const objective = d.objective;
  out.push(`${d.strategy.name} on ${d.data.symbol} ${d.data.timeframe}, ${d.data.spec}, ${d.data.bars.toLocaleString('en-US')} bars`);
  out.push(`sweep ${d.sweep}: ${d.method}, ${d.trials.total} trials (${d.trials.distinct} distinct, ${d.trials.failing} failing: fewer than ${d.minTrades} trades or an error), objective ${objective}, seed ${d.seed}`);
  out.push('');
  if (d.best) {
    out.push(`best: ${params(d.best.params)}`);
    out.push(`  ${objective} ${num(d.best.score)}  return ${signed(d.best.metrics.totalReturn)}  max drawdown ${pct(d.best.metrics.maxDrawdown)}  ${d.best.metrics.trades} trades  win rate ${pct(d.best.metrics.winRate)}`);
    out.push('');
    out.push(`top ${d.top.length}:`);
    out.push(...table([[objective, 'return', 'max dd', 'trades', 'params'], ...d.top.map((t) => [num(t.score), signed(t.metrics.totalReturn), pct(t.metrics.maxDrawdown), String(t.metrics.trades), params(t.params)])]));
  }
  const wf = d.walkForward;
  if (wf) {
    out.push('');
    out.push(`walk-forward, ${wf.mode}, ${wf.folds.length} folds (in-sample = train window, out-of-sample = the test window after it):`);
    out.push(
      ...table([
        ['fold', 'train', 'test', `IS ${objective}`, `OOS ${objective}`, 'OOS return', 'OOS trades', 'params chosen'],
        ...wf.folds.map((f) => [String(f.fold), range(f.train, d.data.to), range(f.test, d.data.to), num(f.inSample.score), num(f.outOfSample.score), f.outOfSample.metrics ? signed(f.outOfSample.metrics.totalReturn) : '—', f.outOfSample.metrics ? String(f.outOfSample.metrics.trades) : '—', Object.keys(f.params).length > 0 ? params(f.params) : f.outOfSample.error ?? '—']),
      ]),
    );
    out.push(`  mean ${objective}: ${num(wf.meanInSample)} in-sample, ${num(wf.meanOutOfSample)} out-of-sample; walk-forward efficiency ${Number.isFinite(wf.efficiency) ? pct(wf.efficiency) : '—'}`);
  }
  const dsr = d.deflatedSharpe;
  const pbo = d.overfitting;
  const mc = d.monteCarlo;
  if (dsr || pbo || mc) out.push('');
  if (dsr) out.push(`deflated Sharpe ratio ${dsr.probability.toFixed(2)}: best Sharpe ${dsr.sharpe.toFixed(3)} per period against ${dsr.expectedMaxSharpe.toFixed(3)} expected from the best of ${dsr.trials} unskilled trials (${dsr.observations} periods, skew ${dsr.skewness.toFixed(2)}, kurtosis ${dsr.kurtosis.toFixed(2)})`);
  if (pbo) out.push(`probability of backtest overfitting ${pct(pbo.probability)} (CSCV, ${pbo.blocks} blocks, ${pbo.splits.toLocaleString('en-US')} splits)`);
  if (mc) {
    out.push(`Monte Carlo of the best's ${mc.trades} trades, ${mc.runs} runs:`);
    out.push(`  shuffled order: max drawdown ${pct(mc.shuffle.maxDrawdown.p50)} median, ${pct(mc.shuffle.maxDrawdown.p95)} at the 95th percentile`);
    out.push(`  bootstrap: return ${signed(mc.bootstrap.totalReturn.p5)} / ${signed(mc.bootstrap.totalReturn.p50)} / ${signed(mc.bootstrap.totalReturn.p95)} (5th / 50th / 95th), max drawdown ${pct(mc.bootstrap.maxDrawdown.p95)} at the 95th, P(loss) ${pct(mc.bootstrap.probabilityOfLoss)}`);
  }
  out.push('');
  out.push(`verdict: ${d.verdict}`);
  for (const w of d.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(`recorded as sweep ${d.sweep} in ${d.journal}`);
  return out.join('\n') + '\n';
}

export function formatSweepList(sweeps: SweepEntry[]): string {
  if (sweeps.length === 0) return 'no sweeps in this journal yet: volt optimize <strategy> starts one\n';
  const rows = sweeps.map((s) => [String(s.id), new Date(s.startedAt).toISOString().slice(0, 16).replace('T', ' '), s.status, s.strategyName, s.method, `${s.trialsDone}/${s.trials * (1 + s.folds) + s.folds}`, s.objective, s.dataSpec]);
  return table([['id', 'started', 'status', 'strategy', 'method', 'trials', 'objective', 'data'], ...rows]).join('\n') + '\n';
}

/** Columns as wide as their widest cell, two spaces apart; the last one unpadded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  '));
}

function params(p: Record<string, number>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
}

function num(x: number | null): string {
  if (x === null) return '—';
  if (x === Infinity) return 'unbounded';
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function range(w: { from: number; to?: number }, last: number): string {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return `${day(w.from)}→${day(w.to ?? last)}`;
}
