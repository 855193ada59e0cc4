import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { DecisionEntry, RunEntry, RunDetail, StrategySummary, TierEntry, TradeEntry, AgentMessageEntry } from '../journal/index.js';

/**
 * Where Volt's part of a note ends. Everything below it (and a `## Review` section) is the
 * user's and survives every re-export.
 */
export const END_MARKER = '%% volt:end. Volt rewrites everything above this line; what you write below it stays. %%';
export const END_MARKER_PREFIX = '%% volt:end';

// ---------------------------------------------------------------- names

/** Characters Obsidian refuses in file names or that break wikilinks. */
const UNSAFE_NAME = /[\\/:*?"<>|#^[\]%\u0000-\u001f\u007f]/g;
/**
 * Bidirectional controls (U+200E/F, U+202A-E, U+2066-9): invisible, they make a name read in a
 * different order than its bytes (`Trojan Source`), so a note could pass for another one. Dropped.
 */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A file-name-safe, stable form of a strategy name; a short hash keeps different names apart. Never
 * starts with a dot (a hidden file, which Obsidian does not show) or a space.
 */
export function strategyNoteName(strategyName: string): string {
  const cleaned = strategyName
    .replace(BIDI_CONTROLS, '')
    .replace(UNSAFE_NAME, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .slice(0, 80)
    .trim();
  if (cleaned === strategyName && cleaned.length > 0) return cleaned;
  const hash = createHash('sha256').update(strategyName).digest('hex').slice(0, 6);
  return cleaned.length > 0 ? `${cleaned} ${hash}` : `strategy ${hash}`;
}

function symbolSlug(symbol: string): string {
  return symbol.replace(BIDI_CONTROLS, '').replace(UNSAFE_NAME, '-').replace(/\s+/g, '-');
}

export const tradeNoteName = (t: Pick<TradeEntry, 'id' | 'symbol' | 'side'>): string => `Trade ${t.id} ${symbolSlug(t.symbol)} ${t.side}`;
export const runNoteName = (runId: number): string => `Run ${runId}`;
export const agentLogName = (runId: number): string => `Run ${runId} decisions`;
export const equityChartName = (runId: number): string => `Run ${runId} equity.svg`;
export const drawdownChartName = (runId: number): string => `Run ${runId} drawdown.svg`;

// ---------------------------------------------------------------- text

/**
 * Text from strategies and agents, safe inside Volt's part of a note: no Obsidian comment (`%%`)
 * can open, so none can swallow the rest of the note or pass for the end marker. Every `%` that
 * another `%` follows gets a backslash after it: `%%` → `%\%`, `%%%` → `%\%\%`. Used for every
 * piece of such text in a note, link labels included; frontmatter stays raw for Dataview.
 */
export function md(text: string): string {
  return text.replace(/%(?=%)/g, '%\\');
}

/** A wikilink's label: one line, no `|` or `]` to end the link early, `%%` escaped as everywhere. */
function linkLabel(text: string): string {
  return md(text).replace(/[\r\n|\]]/g, ' ');
}

/** One line of text for a table cell or a heading. */
export function mdInline(text: string): string {
  return md(text).replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

function quote(text: string): string {
  return md(text)
    .split(/\r?\n|\r/)
    .map((l) => `> ${l}`)
    .join('\n');
}

/** Eight significant digits: prices and P&L without float noise (0.30000000000000004). */
export function sig(v: number | null | undefined): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Number(v.toPrecision(8));
}

function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

function price(v: number | null | undefined): string {
  const s = sig(v);
  return s === null ? '—' : String(s);
}

function pct(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(digits)}%`;
}

function signed(v: number | null | undefined): string {
  const s = sig(v);
  return s === null ? '—' : `${s >= 0 ? '+' : ''}${s}`;
}

export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

function when(ms: number | null | undefined): string {
  const iso = isoTime(ms);
  return iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m || (!d && !h) ? `${m}m` : ''].filter(Boolean).join(' ');
}

const link = (name: string, label?: string): string => (label && label !== name ? `[[${name}\\|${label}]]` : `[[${name}]]`);
// Outside tables a wikilink alias takes a bare pipe.
const plainLink = (name: string, label?: string): string => (label && label !== name ? `[[${name}|${label}]]` : `[[${name}]]`);

/** Strings the yaml package writes as they are (plain scalars): a letter, then word characters. */
const PLAIN = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const KEYWORD = /^(?:null|true|false)$/i;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const yamlLines = new Map<string, string>();

/**
 * One `key: value` line, exactly as `yaml.stringify` writes it. The yaml package quotes whatever
 * needs it (colons, quotes, newlines, leading symbols, unicode); for the values that need nothing
 * (numbers, null, plain words, ISO times) the line is written directly, and every other line is
 * produced by the package once and remembered, because 10,000 trade notes repeat the same strategy
 * names and tags. vault.test.ts checks the result is byte-identical to yaml.stringify.
 */
function yamlLine(key: string, value: unknown): string {
  if (value === null || value === undefined) return `${key}: null\n`;
  if (typeof value === 'number' && Number.isFinite(value)) return `${key}: ${Object.is(value, -0) ? '-0' : String(value)}\n`;
  if (typeof value === 'string' && ((PLAIN.test(value) && !KEYWORD.test(value)) || ISO_TIME.test(value))) return `${key}: ${value}\n`;
  const cacheKey = `${key}\u0000${JSON.stringify(value)}`;
  let line = yamlLines.get(cacheKey);
  if (line === undefined) {
    line = stringify({ [key]: value }, { lineWidth: 0 });
    if (yamlLines.size > 50_000) yamlLines.clear();
    yamlLines.set(cacheKey, line);
  }
  return line;
}

export function frontmatter(data: Record<string, unknown>): string {
  let body = '';
  for (const key of Object.keys(data)) body += yamlLine(key, data[key]);
  return `---\n${body}---\n`;
}

// ---------------------------------------------------------------- notes

export function tradeNote(t: TradeEntry, decisions: readonly DecisionEntry[]): string {
  const action = t.side === 'long' ? 'BUY' : 'SELL';
  const strategyNote = strategyNoteName(t.strategyName);
  const fm = frontmatter({
    trade_id: t.id,
    asset: t.symbol,
    action,
    side: t.side,
    entry: sig(t.entryPrice),
    exit_price: sig(t.exitPrice),
    pnl: sig(t.pnl),
    pnl_pct: sig(t.pnlPct),
    outcome: t.outcome,
    confidence: sig(t.confidence),
    strategy: t.strategyName,
    run: t.runId,
    trade_no: t.tradeNo,
    qty: sig(t.qty),
    entry_time: isoTime(t.entryTime),
    exit_time: isoTime(t.exitTime),
    exit_reason: t.exitReason,
    duration_hours: t.durationMs === null ? null : sig(t.durationMs / 3_600_000),
    stop_loss: sig(t.stopPrice),
    take_profit: sig(t.takeProfitPrice),
    fees: sig(t.fees),
    strategy_note: `[[${strategyNote}]]`,
    run_note: `[[${runNoteName(t.runId)}]]`,
    // The trader's review (Journal.annotateTrade), only on reviewed trades: Dataview reads a missing key as null.
    ...(t.review ? { review_outcome: t.review.outcome, rating: t.review.rating, review_tags: t.review.tags } : {}),
    tags: ['volt/trade', `volt/outcome/${t.outcome.toLowerCase()}`, ...(t.review ? ['volt/reviewed'] : [])],
  });
  const out: string[] = [fm];
  out.push(`# Trade ${t.id}: ${mdInline(t.symbol)} ${t.side}`, '');
  out.push(`Strategy ${plainLink(strategyNote, linkLabel(t.strategyName))} · ${plainLink(runNoteName(t.runId))} (trade ${t.tradeNo}) · ${plainLink(agentLogName(t.runId), 'decision log')}`, '');

  out.push('## Signals', '');
  if (decisions.length === 0) out.push('_No signal recorded for this trade._');
  else {
    out.push('| Bar | Time | Action | Confidence | Status | Reason |', '|---:|---|---|---:|---|---|');
    for (const d of decisions) {
      out.push(`| ${d.bar ?? '—'} | ${when(d.time)} | ${d.action} | ${num(d.confidence)} | ${d.status} | ${mdInline(d.reason ?? '')} |`);
    }
  }
  out.push('');

  out.push('## Reasoning', '');
  out.push(t.reason ? quote(t.reason) : '_The strategy gave no reason._', '');
  for (const d of decisions) {
    const roles = Object.entries(d.agentResults);
    if (roles.length === 0 && !d.consensus && d.recommendations.length === 0) continue;
    out.push(`**Agents on the ${d.action} at bar ${d.bar ?? '—'}** (${d.status})`, '');
    out.push(...voteLines(d));
  }

  out.push('## Targets', '');
  out.push(`- Entry: ${price(t.entryPrice)} at ${when(t.entryTime)}, qty ${price(t.qty)}`);
  const sign = t.side === 'long' ? 1 : -1;
  const stopDist = t.stopPrice === null ? null : (sign * (t.stopPrice - t.entryPrice)) / t.entryPrice;
  const targetDist = t.takeProfitPrice === null ? null : (sign * (t.takeProfitPrice - t.entryPrice)) / t.entryPrice;
  out.push(`- Stop loss: ${t.stopPrice === null ? 'none' : `${price(t.stopPrice)} (${pct(stopDist)})`}`);
  out.push(`- Take profit: ${t.takeProfitPrice === null ? 'none' : `${price(t.takeProfitPrice)} (${pct(targetDist)})`}`);
  if (stopDist !== null && targetDist !== null && stopDist < 0) out.push(`- Risk/reward: 1:${(targetDist / -stopDist).toFixed(2)}`);
  out.push('');

  out.push('## Outcome', '');
  if (t.outcome === 'PENDING') out.push('**PENDING**: the trade is still open.');
  else {
    out.push(
      `**${t.outcome}**: closed by ${t.exitReason ?? '—'} at ${price(t.exitPrice)} on ${when(t.exitTime)}, after ${t.barsHeld ?? '—'} bars (${duration(t.durationMs)}).`,
      '',
      `- P&L: ${signed(t.pnl)} (${pct(t.pnlPct)}), fees ${price(t.fees)}`,
    );
  }
  out.push('');
  if (t.review) out.push(...reviewLines(t.review));
  return out.join('\n');
}

/**
 * The review kept in the journal, in Volt's part of the note: the journal is where it lives (every
 * face reads it there), so the note shows it and a re-export rewrites it from there. What the
 * trader types under `## Review` below the marker is theirs and never read or replaced.
 */
function reviewLines(r: NonNullable<TradeEntry['review']>): string[] {
  const out = ["## Trader's review", ''];
  out.push(`- Outcome: ${r.outcome ?? 'as recorded'}`);
  out.push(`- Rating: ${r.rating === null ? '—' : `${r.rating}/5`}`);
  out.push(`- Playbook: ${r.tags.length ? r.tags.map((tag) => '`' + mdInline(tag).replace(/`/g, "'") + '`').join(', ') : '—'}`);
  out.push(`- Reviewed ${when(r.updatedAt)}`, '');
  if (r.review.trim()) out.push(quote(r.review), '');
  return out;
}

function metricsRows(m: NonNullable<RunEntry['metrics']>): string[] {
  const rows: [string, string][] = [
    ['Total return', pct(m.totalReturn)],
    ['CAGR', pct(m.cagr)],
    ['Sharpe', num(m.sharpe)],
    ['Sortino', num(m.sortino)],
    ['Calmar', num(m.calmar)],
    ['Max drawdown', `${pct(-Math.abs(m.maxDrawdown))} (${m.maxDrawdownDurationBars} bars, ${duration(m.maxDrawdownDurationMs)})`],
    ['Trades', String(m.trades)],
    ['Win rate', pct(m.winRate, 1)],
    ['Profit factor', num(m.profitFactor)],
    ['Expectancy', signed(m.expectancy)],
    ['Average win / loss', `${signed(m.avgWin)} / ${signed(m.avgLoss)}`],
    ['Best / worst trade', `${signed(m.bestTrade)} / ${signed(m.worstTrade)}`],
    ['Max consecutive wins / losses', `${m.maxConsecutiveWins} / ${m.maxConsecutiveLosses}`],
    ['Exposure', pct(m.exposure, 1)],
    ['Fees paid', price(m.feesPaid)],
    ['Average holding', `${num(m.avgHoldingBars, 1)} bars (${duration(m.avgHoldingMs)})`],
    ['Equity', `${price(m.startEquity)} → ${price(m.endEquity)}`],
  ];
  return ['| Metric | Value |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

export function runNote(run: RunDetail): string {
  const m = run.metrics;
  const strategyNote = strategyNoteName(run.strategyName);
  const fm = frontmatter({
    run: run.id,
    strategy: run.strategyName,
    status: run.status,
    started: isoTime(run.startedAt),
    finished: isoTime(run.finishedAt),
    symbol: run.symbol,
    timeframe: run.timeframe,
    data_source: run.dataSource,
    data_from: isoTime(run.dataFrom),
    data_to: isoTime(run.dataTo),
    bars: run.bars,
    total_return: sig(m?.totalReturn),
    sharpe: sig(m?.sharpe),
    max_drawdown: sig(m?.maxDrawdown),
    win_rate: sig(m?.winRate),
    profit_factor: sig(m?.profitFactor),
    trades: run.tradeCount,
    correct: run.outcomes.CORRECT,
    false_positive: run.outcomes.FALSE_POSITIVE,
    stopped: run.outcomes.STOPPED,
    pending: run.outcomes.PENDING,
    params: run.params,
    strategy_path: run.strategyPath,
    content_hash: run.contentHash,
    git_commit: run.gitCommit,
    agents: run.agentsMode,
    strategy_note: `[[${strategyNote}]]`,
    tags: ['volt/run'],
  });
  const out: string[] = [fm];
  out.push(`# Run ${run.id}: ${mdInline(run.strategyName)}`, '');
  out.push(
    `Strategy ${plainLink(strategyNote, linkLabel(run.strategyName))} · ${plainLink(agentLogName(run.id), 'decision log')} · status **${run.status}**`,
    '',
  );
  out.push(
    `${mdInline(run.symbol ?? '?')} ${run.timeframe ?? ''}, ${when(run.dataFrom)} → ${when(run.dataTo)} (${run.bars ?? '?'} bars, ${mdInline(run.dataSource ?? 'unknown source')})`,
    '',
  );
  if (run.error) out.push(quote(`Error: ${run.error}`), '');
  out.push('## Metrics', '');
  out.push(...(m ? metricsRows(m) : ['_No metrics: the run did not finish._']), '');
  out.push('## Equity and drawdown', '');
  if (run.equityCurve && run.equityCurve.time.length > 1) out.push(`![[${equityChartName(run.id)}]]`, '', `![[${drawdownChartName(run.id)}]]`);
  else out.push('_No equity curve recorded._');
  out.push('');
  out.push('## Outcomes', '', '| Outcome | Trades |', '|---|---:|');
  for (const [k, v] of Object.entries(run.outcomes)) out.push(`| ${k} | ${v} |`);
  out.push('');
  const params = Object.entries(run.params);
  if (params.length > 0) {
    out.push('## Params', '', '| Param | Value |', '|---|---:|', ...params.map(([k, v]) => `| ${mdInline(k)} | ${v} |`), '');
  }
  out.push('## Provenance', '');
  out.push(`- File: ${run.strategyPath ? '`' + mdInline(run.strategyPath).replace(/`/g, "'") + '`' : '—'}`);
  out.push(`- Content hash: ${run.contentHash ? '`' + run.contentHash.slice(0, 16) + '`' : '—'}`);
  out.push(`- Git commit: ${run.gitCommit ? '`' + run.gitCommit + '`' : 'not in a git repository'}`);
  out.push(`- Started ${when(run.startedAt)}, finished ${when(run.finishedAt)}`, '');
  out.push('## Trades', '', '```dataview', 'TABLE WITHOUT ID file.link AS Trade, action, entry, exit_price, pnl, outcome', 'FROM #volt/trade', `WHERE run = ${run.id}`, 'SORT trade_no ASC', '```', '');
  return out.join('\n');
}

export function strategyNote(name: string, runs: readonly RunEntry[], summary: StrategySummary | undefined, tier?: TierEntry): string {
  const complete = runs.filter((r) => r.status === 'complete' && r.metrics);
  const returns = complete.map((r) => r.metrics!.totalReturn);
  const last = complete[0];
  const fm = frontmatter({
    strategy: name,
    runs: runs.length,
    last_run: runs[0]?.id ?? null,
    last_return: sig(last?.metrics?.totalReturn),
    last_sharpe: sig(last?.metrics?.sharpe),
    best_return: returns.length ? sig(Math.max(...returns)) : null,
    worst_return: returns.length ? sig(Math.min(...returns)) : null,
    trades: summary?.trades ?? 0,
    wins: summary?.wins ?? 0,
    losses: summary?.losses ?? 0,
    stopped: summary?.stopped ?? 0,
    total_pnl: sig(summary?.totalPnl ?? 0),
    strategy_path: runs[0]?.strategyPath ?? null,
    // COLD until a walk-forward sweep (volt optimize --folds) moves it.
    tier: tier?.tier ?? 'COLD',
    tags: ['volt/strategy'],
  });
  const out: string[] = [fm];
  out.push(`# ${mdInline(name)}`, '');
  out.push(tier ? `Tier **${tier.tier}** since ${when(tier.since)}${tier.sweepId !== null ? ` (sweep ${tier.sweepId})` : ''}: ${mdInline(tier.reason)}.` : 'Tier **COLD**: no walk-forward sweep yet (`volt optimize --folds K`).', '');
  if (summary) {
    out.push(
      `${summary.runs} runs, ${summary.trades} trades: ${summary.wins} correct, ${summary.losses} false positives, ${summary.stopped} stopped, ${summary.pending} pending; total P&L ${signed(summary.totalPnl)}.`,
      '',
    );
  }
  out.push('## Run history', '');
  out.push('| Run | Started | Status | Market | Return | Sharpe | Max DD | Trades | Commit |', '|---|---|---|---|---:|---:|---:|---:|---|');
  for (const r of runs) {
    const m = r.metrics;
    out.push(
      `| ${link(runNoteName(r.id))} | ${when(r.startedAt)} | ${r.status} | ${mdInline(`${r.symbol ?? '?'} ${r.timeframe ?? ''}`)} | ${pct(m?.totalReturn)} | ${num(m?.sharpe)} | ${m ? pct(-Math.abs(m.maxDrawdown)) : '—'} | ${r.tradeCount} | ${r.gitCommit ? '`' + r.gitCommit.slice(0, 8) + '`' : '—'} |`,
    );
  }
  out.push('');
  const hashes = [...new Set(runs.map((r) => r.contentHash).filter((h): h is string => !!h))];
  if (hashes.length > 1) out.push(`The code changed ${hashes.length - 1} times across these runs (${hashes.length} distinct content hashes).`, '');
  return out.join('\n');
}

export function agentLogNote(run: RunEntry, decisions: readonly DecisionEntry[], messages: readonly AgentMessageEntry[], cap: number): string {
  const fm = frontmatter({
    run: run.id,
    strategy: run.strategyName,
    decisions: decisions.length,
    agent_messages: messages.length,
    agents: run.agentsMode,
    tags: ['volt/agent-log'],
  });
  const out: string[] = [fm];
  out.push(`# Decisions of run ${run.id}: ${mdInline(run.strategyName)}`, '');
  out.push(`${plainLink(runNoteName(run.id))} · ${plainLink(strategyNoteName(run.strategyName), linkLabel(run.strategyName))}`, '');
  const shown = decisions.slice(0, cap);
  if (decisions.length > cap) {
    out.push(`_Showing the first ${cap} of ${decisions.length} decisions; \`volt journal list decisions --run ${run.id} --limit 0\` lists them all._`, '');
  }
  const bySeq = new Map<number, AgentMessageEntry[]>();
  for (const m of messages) {
    const key = m.decisionSeq ?? -1;
    let list = bySeq.get(key);
    if (!list) bySeq.set(key, (list = []));
    list.push(m);
  }
  const plain = shown.every((d) => Object.keys(d.agentResults).length === 0 && !d.consensus && !bySeq.has(d.seq));
  if (plain) {
    out.push('| # | Bar | Time | Action | Confidence | Status | Outcome | Reason |', '|---:|---:|---|---|---:|---|---|---|');
    for (const d of shown) {
      const status = d.ignored ? `${d.status}, not filled: ${mdInline(d.ignored)}${repeated(d)}` : d.status;
      out.push(`| ${d.seq} | ${d.bar ?? '—'} | ${when(d.time)} | ${d.action} | ${num(d.confidence)} | ${status} | ${d.outcome ?? '—'} | ${mdInline(d.reason ?? '')} |`);
    }
    out.push('');
  } else {
    for (const d of shown) {
      out.push(`## ${d.seq}. ${d.action.toUpperCase()} at bar ${d.bar ?? '—'}, ${when(d.time)}: ${d.status}${d.outcome ? ` → ${d.outcome}` : ''}`, '');
      if (d.reason) out.push(quote(d.reason), '');
      if (d.ignored) out.push(`Not filled: ${mdInline(d.ignored)}${repeated(d)}`, '');
      out.push(...voteLines(d));
      for (const m of bySeq.get(d.seq) ?? []) out.push(...messageLines(m));
    }
  }
  const loose = bySeq.get(-1) ?? [];
  if (loose.length > 0) {
    out.push('## Messages outside decisions', '');
    for (const m of loose) out.push(...messageLines(m));
  }
  return out.join('\n');
}

/** ' (×9984)' for a row that stands for repeated calls (journal/README.md, floods). */
function repeated(d: DecisionEntry): string {
  return d.repeats > 1 ? ` (×${d.repeats})` : '';
}

/** A decision's agent votes, consensus and recommendations, as a trade note and an agent log show them. */
function voteLines(d: DecisionEntry): string[] {
  const out: string[] = [];
  const roles = Object.entries(d.agentResults);
  if (roles.length > 0) {
    out.push('| Agent | Vote | Confidence | Reasoning |', '|---|---|---:|---|');
    for (const [role, r] of roles) out.push(`| ${mdInline(role)} | ${mdInline(String(r.decision))} | ${num(r.confidence)} | ${mdInline(String(r.reasoning ?? ''))} |`);
    out.push('');
  }
  if (d.consensus) {
    const votes = Object.entries(d.consensus.vote_breakdown ?? {}).map(([k, v]) => `${k} ${v}`).join(' · ');
    out.push(`Consensus: **${mdInline(String(d.consensus.decision))}** (${votes})`, '');
  }
  for (const r of d.recommendations) out.push(`- ${mdInline(typeof r === 'string' ? r : JSON.stringify(r))}`);
  if (d.recommendations.length > 0) out.push('');
  return out;
}

function messageLines(m: AgentMessageEntry): string[] {
  const head = `**${mdInline(m.from)}${m.to ? ` → ${mdInline(m.to)}` : ''}** (${mdInline(m.kind)}${m.model ? `, ${mdInline(m.model)}` : ''}, ${when(m.time)})`;
  const body = typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2);
  return [head, '', quote(body), ''];
}

export function dashboardNote(strategies: readonly StrategySummary[], generatedFrom: string): string {
  const fm = frontmatter({ tags: ['volt/dashboard'], journal: generatedFrom });
  const out: string[] = [fm];
  out.push('# Volt dashboard', '');
  out.push('The tables below are Dataview queries (install the Dataview community plugin); the summary at the end is plain Markdown.', '');
  out.push(
    '## Recent trades',
    '',
    '```dataview',
    'TABLE WITHOUT ID file.link AS Trade, strategy, asset, action, entry, exit_price AS Exit, pnl AS "P&L", outcome',
    'FROM #volt/trade',
    'SORT entry_time DESC',
    'LIMIT 20',
    '```',
    '',
    '## Wins, losses and P&L by month',
    '',
    '```dataview',
    'TABLE WITHOUT ID month AS Month,',
    '  length(filter(rows.outcome, (o) => o = "CORRECT")) AS Wins,',
    '  length(filter(rows.outcome, (o) => o = "FALSE_POSITIVE")) AS Losses,',
    '  length(filter(rows.outcome, (o) => o = "STOPPED")) AS Stopped,',
    '  round(sum(rows.pnl), 2) AS "P&L"',
    'FROM #volt/trade',
    'WHERE outcome != "PENDING"',
    'GROUP BY dateformat(date(exit_time), "yyyy-MM") AS month',
    'SORT month DESC',
    '```',
    '',
    '## Best strategies (by their latest complete run)',
    '',
    '```dataview',
    'TABLE WITHOUT ID file.link AS Strategy, last_return AS "Last return", last_sharpe AS Sharpe, best_return AS "Best return", runs AS Runs, total_pnl AS "Total P&L"',
    'FROM #volt/strategy',
    'WHERE last_return != null',
    'SORT last_return DESC',
    'LIMIT 5',
    '```',
    '',
    '## Worst strategies',
    '',
    '```dataview',
    'TABLE WITHOUT ID file.link AS Strategy, last_return AS "Last return", last_sharpe AS Sharpe, worst_return AS "Worst return", runs AS Runs, total_pnl AS "Total P&L"',
    'FROM #volt/strategy',
    'WHERE last_return != null',
    'SORT last_return ASC',
    'LIMIT 5',
    '```',
    '',
    '## Open trades',
    '',
    '```dataview',
    'TABLE WITHOUT ID file.link AS Trade, strategy, asset, action, entry, stop_loss AS Stop, take_profit AS Target',
    'FROM #volt/trade',
    'WHERE outcome = "PENDING"',
    '```',
    '',
    '## Summary',
    '',
    '| Strategy | Runs | Trades | Correct | False positive | Stopped | Pending | P&L |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of strategies) {
    out.push(
      `| ${link(strategyNoteName(s.strategyName), linkLabel(s.strategyName))} | ${s.runs} | ${s.trades} | ${s.wins} | ${s.losses} | ${s.stopped} | ${s.pending} | ${signed(s.totalPnl)} |`,
    );
  }
  out.push('');
  return out.join('\n');
}
