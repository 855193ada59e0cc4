/**
 * What a finished (or failed) backtest means in the editor: VOLT2xx findings, the code lens over
 * `defineStrategy`, and the summary the protocol returns. Plain values in, LSP values out.
 */
import type { BacktestReport, LookaheadCheck, RunFailure } from '@volt/engine';
import type { CodeLens, Range } from 'vscode-languageserver';
import { Commands, HINDSIGHT_MARK, type BacktestSummary, type SummaryDelta } from '../protocol.js';
import type { ServerFinding } from './diagnostics.js';

/** Fewer trades than this and the metrics are noise (VOLT201). */
export const MIN_MEANINGFUL_TRADES = 30;

/** Why a run produced no report and the runtime lookahead check: the engine's runner says. */
export type { RunFailure, LookaheadCheck } from '@volt/engine';

/** 0-based range of `line` (1-based) in `text`, from its first non-blank to its end. */
export function lineRange(text: string, line: number): Range {
  const lines = text.split('\n');
  const i = Math.min(Math.max(line - 1, 0), Math.max(lines.length - 1, 0));
  const content = (lines[i] ?? '').replace(/\r$/, '');
  const first = content.length - content.trimStart().length;
  return { start: { line: i, character: first }, end: { line: i, character: content.length } };
}

function rangeOfMatch(text: string, re: RegExp): Range | undefined {
  const m = re.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index).split('\n');
  const line = before.length - 1;
  const character = before[before.length - 1]!.length;
  return { start: { line, character }, end: { line, character: character + m[0].length } };
}

/** The `defineStrategy` name (or `export default`): where strategy-wide results are shown. */
export function strategyAnchor(text: string): Range {
  return rangeOfMatch(text, /\bdefineStrategy\b(?=\s*(<[^>]*>)?\s*\()/) ?? rangeOfMatch(text, /\bexport\s+default\b/) ?? lineRange(text, 1);
}

function propertyRange(text: string, name: string): Range | undefined {
  return rangeOfMatch(text, new RegExp(`(?<![\\w$.])${name}(?=\\s*[:(])`));
}

export function summarize(report: BacktestReport, data: string, durationMs: number, finishedAt: number): BacktestSummary {
  const m = report.metrics;
  const s: BacktestSummary = {
    strategy: report.strategy.name,
    symbol: report.data.symbol,
    timeframe: report.data.timeframe,
    data,
    bars: report.data.bars,
    from: report.data.from,
    to: report.data.to,
    sharpe: m.sharpe,
    maxDrawdown: m.maxDrawdown,
    trades: m.trades,
    winRate: m.winRate,
    totalReturn: m.totalReturn,
    durationMs,
    finishedAt,
  };
  if (report.strategy.contentHash !== undefined) s.contentHash = report.strategy.contentHash;
  return s;
}

export function summaryDelta(now: BacktestSummary, previous: BacktestSummary | null | undefined): SummaryDelta | null {
  if (!previous) return null;
  return {
    sharpe: now.sharpe - previous.sharpe,
    maxDrawdown: now.maxDrawdown - previous.maxDrawdown,
    trades: now.trades - previous.trades,
    winRate: now.winRate - previous.winRate,
    totalReturn: now.totalReturn - previous.totalReturn,
  };
}

export interface BacktestJudgement {
  /** Drawdown past which VOLT203 warns, as a fraction. */
  maxDrawdown: number;
}

/** VOLT201–203 and 205 from a finished run. */
export function reportFindings(text: string, report: BacktestReport, judgement: BacktestJudgement, lookahead?: LookaheadCheck): ServerFinding[] {
  const out: ServerFinding[] = [];
  const anchor = strategyAnchor(text);
  const m = report.metrics;
  const over = `${report.data.bars} bars of ${report.data.source} (${report.data.symbol} ${report.data.timeframe})`;
  if (m.trades === 0) {
    const ignored = report.signals.filter((s) => s.ignored !== undefined);
    // A collapsed row stands for `repeats` calls (backtest/README.md, floods).
    const calls = (list: typeof ignored): number => list.reduce((n, s) => n + (s.repeats ?? 1), 0);
    const why = report.signals.length === 0
      ? 'onBar never called buy or sell'
      : `${calls(report.signals) + (report.signalsDropped ?? 0)} signal(s), ${calls(ignored)} ignored${ignored[0]?.ignored ? ` (first: ${ignored[0].ignored})` : ''}`;
    out.push({ code: 'VOLT202', severity: 'warning', range: anchor, source: 'backtest',
      message: `No trades in ${over}: ${why}. Check the entry conditions and thresholds against the data.` });
  } else if (m.trades < MIN_MEANINGFUL_TRADES) {
    out.push({ code: 'VOLT201', severity: 'warning', range: anchor, source: 'backtest',
      message: `Only ${m.trades} trade(s) in ${over}: fewer than ${MIN_MEANINGFUL_TRADES}, so Sharpe, win rate and return are mostly luck. Test on more data or loosen the entry.` });
  }
  if (m.maxDrawdown > judgement.maxDrawdown) {
    out.push({ code: 'VOLT203', severity: 'warning', range: propertyRange(text, 'risk') ?? anchor, source: 'backtest',
      message: `Max drawdown ${pct(m.maxDrawdown)} is past the ${pct(judgement.maxDrawdown)} limit (risk.maxDrawdown): tighten the stop or shrink the position.` });
  }
  const diff = lookahead?.firstDifference;
  if (diff) {
    out.push({ code: 'VOLT205', severity: 'error', range: propertyRange(text, 'onBar') ?? anchor, source: 'backtest',
      message: `Lookahead at run time: with the data cut after bar ${lookahead.cutBar}, the signal at bar ${diff.bar} (${new Date(diff.time).toISOString()}) changes from ${diff.full} to ${diff.cut}. Something in the strategy reads bars that had not closed yet, or is not the same run to run (unseeded randomness, the clock: use ctx.random() and the bar's time).` });
  }
  return out;
}

/** VOLT204: the run failed; placed on the strategy's line that failed when it is in this file. */
export function failureFinding(text: string, file: string, failure: RunFailure): ServerFinding {
  const here = failure.file === undefined || samePath(failure.file, file);
  const range = failure.line !== undefined && here ? lineRange(text, failure.line) : (propertyRange(text, 'onBar') ?? strategyAnchor(text));
  const where = failure.line !== undefined && !here ? ` (in ${failure.file}:${failure.line})` : '';
  const atBar = failure.bar !== undefined ? ` at bar ${failure.bar}` : '';
  let message: string;
  switch (failure.kind) {
    case 'timeout': message = `Stopped${atBar}: ${failure.message}${where}. An endless loop? The server stopped the run and kept going.`; break;
    case 'sandbox': message = `${failure.message}${where}; nothing was done.`; break;
    case 'memory': message = `Stopped${atBar}: ${failure.message}${where}. Something grows without end (an array pushed every bar?).`; break;
    case 'load': message = `The strategy could not be loaded: ${failure.message}${where}`; break;
    case 'data': message = `The backtest data could not be loaded: ${failure.message}. Check data.default in volt.config.json or the volt settings.`; break;
    case 'crashed': message = `The backtest worker crashed${atBar}: ${failure.message}${where}`; break;
    default: message = `The strategy threw${atBar}: ${failure.message}${where}`;
  }
  if (failure.hint && failure.kind !== 'sandbox') message += ` Fix: ${failure.hint}`;
  return { code: 'VOLT204', severity: 'error', range, source: 'backtest', message };
}

function samePath(a: string, b: string): boolean {
  return a.replace(/\\/g, '/') === b.replace(/\\/g, '/');
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
function signed(x: number, digits: number, unit = ''): string {
  const v = x.toFixed(digits);
  return `${x >= 0 && !v.startsWith('-') ? '+' : ''}${v}${unit}`;
}

/** A fraction's change in percentage points, the one form every face shows (protocol.ts, SummaryDelta). */
export function percentagePoints(fraction: number): string {
  const v = (Math.abs(fraction) * 100).toFixed(1);
  if (Number(v) === 0) return '±0.0 pp';
  return `${fraction > 0 ? '+' : '-'}${v} pp`;
}

/** The lens title: headline numbers, each followed by its change since the previous run. */
export function lensTitle(s: BacktestSummary, d: SummaryDelta | null): string {
  const change = (text: string) => (d ? ` (${text})` : '');
  return [
    `Sharpe ${s.sharpe.toFixed(2)}${change(signed(d?.sharpe ?? 0, 2))}`,
    `Max DD ${pct(s.maxDrawdown)}${change(percentagePoints(d?.maxDrawdown ?? 0))}`,
    `${s.trades} trades${change(signed(d?.trades ?? 0, 0))}`,
    `Win ${pct(s.winRate, 0)}${change(percentagePoints(d?.winRate ?? 0))}`,
    `Return ${signed(s.totalReturn * 100, 1, '%')}${change(percentagePoints(d?.totalReturn ?? 0))}`,
  ].join(' · ');
}

export type LensState =
  | { state: 'none' }
  | { state: 'running' }
  | { state: 'done'; summary: BacktestSummary; delta: SummaryDelta | null }
  | { state: 'failed'; message: string };

export function strategyLens(uri: string, text: string, lens: LensState): CodeLens {
  const range = strategyAnchor(text);
  const command = Commands.backtest;
  const args = [{ uri }];
  switch (lens.state) {
    case 'running':
      return { range, command: { title: 'Volt: backtesting…', command, arguments: args } };
    case 'done':
      return {
        range,
        command: {
          title: `${lensTitle(lens.summary, lens.delta)}${lens.summary.synthetic ? ' · synthetic data' : ''}${lens.summary.llm?.hindsight ? ` · ${HINDSIGHT_MARK}` : ''}`,
          command,
          arguments: args,
        },
      };
    case 'failed':
      return { range, command: { title: `Volt: backtest failed: ${lens.message.split('\n')[0]}`, command, arguments: args } };
    default:
      return { range, command: { title: 'Volt: save to backtest', command, arguments: args } };
  }
}
