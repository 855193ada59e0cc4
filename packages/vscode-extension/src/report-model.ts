/**
 * What the backtest report view shows, computed from a `volt.backtest` result: the numbers already
 * formatted the way a trader reads them, the equity and drawdown series to plot, and the trades.
 * Plain data, so the webview's script only draws and the formatting is tested here.
 */
import type { BacktestResult, SummaryDelta } from '@volt/lsp-server/protocol';

export interface MetricRow {
  label: string;
  value: string;
  /** Change since the previous run of the same file, formatted with its sign ('+0.12'). */
  change?: string;
}

export interface TradeRow {
  id: number;
  side: string;
  entry: string;
  exit: string;
  entryPrice: string;
  exitPrice: string;
  pnl: string;
  pnlPct: string;
  /** 'win' | 'loss': the view colours the row by it. */
  result: 'win' | 'loss';
  exitReason: string;
  reason: string;
}

export interface ReportModel {
  title: string;
  subtitle: string;
  metrics: MetricRow[];
  /** Epoch ms, equity and drawdown (a positive fraction) per plotted point. */
  time: number[];
  equity: number[];
  drawdown: number[];
  trades: TradeRow[];
  /** How many trades the run had, when the table shows only the latest. */
  tradeCount: number;
}

/** The table shows this many trades, most recent last; the count says how many there were. */
export const MAX_TRADE_ROWS = 500;

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;
const ratio = (x: number | null): string => (x === null ? 'unbounded' : x.toFixed(2));
const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (s: string, x: number): string => (x > 0 ? `+${s}` : s);

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.round(ms / 60_000)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

function change(delta: SummaryDelta | null, key: keyof SummaryDelta): string | undefined {
  if (!delta) return undefined;
  const d = delta[key];
  if (d === 0) return '±0';
  switch (key) {
    case 'sharpe':
      return signed(d.toFixed(2), d);
    case 'trades':
      return signed(String(d), d);
    default:
      return signed(`${(d * 100).toFixed(2)} pp`, d);
  }
}

export function reportModel(result: BacktestResult): ReportModel {
  const { report, summary, delta } = result;
  const m = report.metrics;
  const metrics: MetricRow[] = [
    { label: 'Total return', value: pct(m.totalReturn), change: change(delta, 'totalReturn') },
    { label: 'CAGR', value: m.cagr === null ? 'n/a' : pct(m.cagr) },
    { label: 'Sharpe', value: m.sharpe.toFixed(2), change: change(delta, 'sharpe') },
    { label: 'Sortino', value: ratio(m.sortino) },
    { label: 'Calmar', value: ratio(m.calmar) },
    { label: 'Max drawdown', value: pct(m.maxDrawdown), change: change(delta, 'maxDrawdown') },
    { label: 'Longest drawdown', value: formatDuration(m.maxDrawdownDurationMs) },
    { label: 'Trades', value: String(m.trades), change: change(delta, 'trades') },
    { label: 'Win rate', value: pct(m.winRate, 1), change: change(delta, 'winRate') },
    { label: 'Profit factor', value: ratio(m.profitFactor) },
    { label: 'Expectancy', value: money(m.expectancy) },
    { label: 'Average win / loss', value: `${money(m.avgWin)} / ${money(m.avgLoss)}` },
    { label: 'Best / worst trade', value: `${money(m.bestTrade)} / ${money(m.worstTrade)}` },
    { label: 'Max wins / losses in a row', value: `${m.maxConsecutiveWins} / ${m.maxConsecutiveLosses}` },
    { label: 'Exposure', value: pct(m.exposure, 1) },
    { label: 'Fees paid', value: money(m.feesPaid) },
    { label: 'Average holding time', value: formatDuration(m.avgHoldingMs) },
    { label: 'Equity', value: `${money(m.startEquity)} → ${money(m.endEquity)}` },
  ];
  const trades = report.trades.slice(-MAX_TRADE_ROWS).map(
    (t): TradeRow => ({
      id: t.id,
      side: t.side,
      entry: formatDate(t.entryTime),
      exit: formatDate(t.exitTime),
      entryPrice: t.entryPrice.toPrecision(6),
      exitPrice: t.exitPrice.toPrecision(6),
      pnl: signed(money(t.pnl), t.pnl),
      pnlPct: signed(pct(t.pnlPct), t.pnlPct),
      result: t.pnl > 0 ? 'win' : 'loss',
      exitReason: t.exitReason,
      reason: t.reason,
    }),
  );
  const curve = report.equityCurve;
  return {
    title: `${report.strategy.name} — backtest`,
    subtitle: `${summary.symbol} ${summary.timeframe} · ${report.data.source} · ${formatDate(report.data.from)} → ${formatDate(report.data.to)} · ${report.data.bars} bars · ran in ${Math.round(summary.durationMs)} ms`,
    metrics,
    time: curve.time,
    equity: curve.equity,
    drawdown: curve.drawdown,
    trades,
    tradeCount: report.trades.length,
  };
}
