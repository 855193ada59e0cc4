import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VoltError } from '../errors.js';
import type { Journal } from '../journal/index.js';
import { describePending, pendingSuggestions } from '../optimize/suggest-record.js';
import { splitNote, VAULT_FOLDERS } from './export.js';
import { END_MARKER, frontmatter, mdInline, strategyNoteName } from './notes.js';

const DAY_MS = 86_400_000;

/** An ISO 8601 week: Monday 00:00 UTC to the next Monday. */
export interface IsoWeek {
  /** '2026-W49'. */
  label: string;
  start: number;
  end: number;
}

/** The ISO week holding `ms`. */
export function isoWeekOf(ms: number): IsoWeek {
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: Monday-based weekday 0–6.
  const weekday = (day + 3) % 7;
  const start = (day - weekday) * DAY_MS;
  const thursday = new Date(start + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, start, end: start + 7 * DAY_MS };
}

/** '2026-W49' as its week; a clear error for anything else. */
export function parseIsoWeek(label: string): IsoWeek {
  const m = /^(\d{4})-W(\d{2})$/.exec(label);
  if (!m) throw new VoltError({ kind: 'usage', message: `'${label}' is not an ISO week`, hint: 'write it as 2026-W49' });
  // The week holding 4 January is week 1.
  const w1 = isoWeekOf(Date.UTC(Number(m[1]), 0, 4));
  const week = isoWeekOf(w1.start + (Number(m[2]) - 1) * 7 * DAY_MS);
  if (week.label !== label) throw new VoltError({ kind: 'usage', message: `${m[1]} has no week ${m[2]}`, hint: 'weeks run 01 to 52 or 53' });
  return week;
}

export interface WeeklyStrategy {
  strategy: string;
  runs: number[];
  trades: number;
  pnl: number;
  /** CORRECT over closed trades; NaN with none. */
  winRate: number;
  sharpe: number | null;
  /** What changed since the strategy's last run before the week, in words. */
  changes: string[];
}

export interface WeeklyReport {
  week: string;
  from: string;
  to: string;
  runs: number;
  trades: number;
  pnl: number;
  winRate: number;
  strategies: WeeklyStrategy[];
  /** Each agent over the week's panel decisions that led to a closed trade: right when it backed a CORRECT one or did not back another. */
  agents: { agent: string; judged: number; accuracy: number }[];
  /** Parameter suggestions offered (volt suggest, the editors' VOLT207) that no run has acted on by the week's end. */
  suggestionsPending: string[];
}

interface RunRow {
  id: number;
  strategy_name: string;
  content_hash: string | null;
  params: string;
  metrics: string | null;
  started_at: number;
  /** 1 for a paper or live session's run. */
  session: number;
}

/**
 * What the journal recorded in `week`, per strategy. A backtest counts in the week it ran (when it
 * started, wall clock). A paper or live session counts in each week it traded in, by the
 * exchange's clock (its bars after the warm-up), ended or still running, with the trades that
 * closed in that week: so the note written when a week ends mid-session has that week's trades.
 */
export function weeklyReport(journal: Journal, week: IsoWeek): WeeklyReport {
  const db = journal.db;
  const runs = db
    .prepare(
      `SELECT r.id, r.strategy_name, r.content_hash, r.params, r.metrics, r.started_at, (s.id IS NOT NULL) AS session
       FROM runs r LEFT JOIN sessions s ON s.run_id = r.id
       WHERE (s.id IS NULL AND r.status = 'complete' AND r.started_at >= ? AND r.started_at < ?)
          OR (s.id IS NOT NULL AND EXISTS (SELECT 1 FROM session_bars b WHERE b.session_id = s.id AND b.bar >= s.warmup_bars AND b.time >= ? AND b.time < ?))
       ORDER BY r.id`,
    )
    .all(week.start, week.end, week.start, week.end) as RunRow[];
  const tradesOfRun = db.prepare(`SELECT count(*) AS n, coalesce(sum(t.pnl), 0) AS pnl, sum(o.outcome = 'CORRECT') AS correct, sum(o.outcome != 'PENDING') AS closed
                               FROM trades t LEFT JOIN outcomes o ON o.trade_id = t.id WHERE t.run_id = ?`);
  const tradesOfSession = db.prepare(`SELECT count(*) AS n, coalesce(sum(t.pnl), 0) AS pnl, sum(o.outcome = 'CORRECT') AS correct, sum(o.outcome != 'PENDING') AS closed
                               FROM trades t LEFT JOIN outcomes o ON o.trade_id = t.id WHERE t.run_id = ? AND t.exit_time >= ? AND t.exit_time < ?`);
  const tradesOf = { get: (r: RunRow) => (r.session ? tradesOfSession.get(r.id, week.start, week.end) : tradesOfRun.get(r.id)) };
  const before = db.prepare(`SELECT id, strategy_name, content_hash, params, metrics, started_at FROM runs WHERE strategy_name = ? AND status = 'complete' AND started_at < ? ORDER BY started_at DESC LIMIT 1`);
  const byStrategy = new Map<string, RunRow[]>();
  for (const r of runs) byStrategy.set(r.strategy_name, [...(byStrategy.get(r.strategy_name) ?? []), r]);
  let trades = 0;
  let pnl = 0;
  let correct = 0;
  let closed = 0;
  const strategies: WeeklyStrategy[] = [];
  for (const [name, list] of byStrategy) {
    let n = 0;
    let p = 0;
    let c = 0;
    let k = 0;
    for (const r of list) {
      const t = tradesOf.get(r) as { n: number; pnl: number; correct: number | null; closed: number | null };
      n += t.n;
      p += t.pnl;
      c += t.correct ?? 0;
      k += t.closed ?? 0;
    }
    trades += n;
    pnl += p;
    correct += c;
    closed += k;
    const last = list[list.length - 1]!;
    const sharpe = metric(last.metrics, 'sharpe');
    const prior = before.get(name, week.start) as RunRow | undefined;
    strategies.push({ strategy: name, runs: list.map((r) => r.id), trades: n, pnl: p, winRate: k > 0 ? c / k : Number.NaN, sharpe, changes: changesBetween(prior, last, list[0]!) });
  }
  return {
    week: week.label,
    from: new Date(week.start).toISOString().slice(0, 10),
    to: new Date(week.end - DAY_MS).toISOString().slice(0, 10),
    runs: runs.length,
    trades,
    pnl,
    winRate: closed > 0 ? correct / closed : Number.NaN,
    strategies,
    agents: agentAccuracy(journal, runs.map((r) => r.id), week),
    suggestionsPending: pendingSuggestions(journal, week.end).map(describePending),
  };
}

function metric(json: string | null, key: string): number | null {
  if (!json) return null;
  const v = (JSON.parse(json) as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** What changed between the run before the week (else the week's first) and the week's last. */
function changesBetween(prior: RunRow | undefined, last: RunRow, first: RunRow): string[] {
  const from = prior ?? first;
  if (from.id === last.id) return prior ? [] : ['first run'];
  const out: string[] = [];
  if (from.content_hash !== last.content_hash) out.push(`the strategy file changed (${(from.content_hash ?? '?').slice(0, 8)} → ${(last.content_hash ?? '?').slice(0, 8)})`);
  const a = JSON.parse(from.params) as Record<string, number>;
  const b = JSON.parse(last.params) as Record<string, number>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[key] !== b[key]) out.push(`param ${key} ${a[key] ?? '–'} → ${b[key] ?? '–'}`);
  const s0 = metric(from.metrics, 'sharpe');
  const s1 = metric(last.metrics, 'sharpe');
  if (s0 !== null && s1 !== null && out.length > 0) out.push(`Sharpe ${s0.toFixed(2)} → ${s1.toFixed(2)} (run ${from.id} → run ${last.id})`);
  return out;
}

function agentAccuracy(journal: Journal, runs: number[], week: IsoWeek): WeeklyReport['agents'] {
  if (runs.length === 0) return [];
  // A session's trades count in the week they closed, as in the totals.
  const rows = journal.db
    .prepare(
      `SELECT d.action, d.agent_results, o.outcome FROM decisions d
       JOIN trades t ON t.run_id = d.run_id AND t.trade_no = d.trade_no JOIN outcomes o ON o.trade_id = t.id
       WHERE d.run_id IN (${runs.map(() => '?').join(', ')}) AND d.agent_results IS NOT NULL AND d.action IN ('buy', 'sell') AND o.outcome != 'PENDING'
         AND (NOT EXISTS (SELECT 1 FROM sessions s WHERE s.run_id = d.run_id) OR (t.exit_time >= ? AND t.exit_time < ?))`,
    )
    .all(...runs, week.start, week.end) as { action: string; agent_results: string; outcome: string }[];
  const tally = new Map<string, { judged: number; right: number }>();
  for (const r of rows) {
    const side = r.action === 'buy' ? 'BUY' : 'SELL';
    for (const [agent, vote] of Object.entries(JSON.parse(r.agent_results) as Record<string, { decision: string }>)) {
      const t = tally.get(agent) ?? { judged: 0, right: 0 };
      t.judged++;
      if ((vote.decision === side) === (r.outcome === 'CORRECT')) t.right++;
      tally.set(agent, t);
    }
  }
  return [...tally.entries()].map(([agent, t]) => ({ agent, judged: t.judged, accuracy: t.right / t.judged }));
}

/** The note `Performance/Week_YYYY-Www.md`: frontmatter Dataview can query, the week in tables, the user's part kept. */
export function weeklyNote(r: WeeklyReport): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
  const money = (x: number) => `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(2)}`;
  const lines = [
    frontmatter({ week: r.week, from: r.from, to: r.to, runs: r.runs, trades: r.trades, pnl: Math.round(r.pnl * 100) / 100, win_rate: Number.isFinite(r.winRate) ? Math.round(r.winRate * 1000) / 1000 : null }).trimEnd(),
    '',
    `# Week ${r.week} (${r.from} → ${r.to})`,
    '',
    `${r.runs} runs recorded, ${r.trades} trades, P&L ${money(r.pnl)}, win rate ${pct(r.winRate)}.`,
    '',
    '## Strategies',
    '',
    '| strategy | runs | trades | P&L | win rate | Sharpe (last run) | what changed |',
    '|---|---|---|---|---|---|---|',
    ...r.strategies.map((s) => `| [[${strategyNoteName(s.strategy)}]] | ${s.runs.length} | ${s.trades} | ${money(s.pnl)} | ${pct(s.winRate)} | ${s.sharpe === null ? '–' : s.sharpe.toFixed(2)} | ${s.changes.length > 0 ? s.changes.map(mdInline).join('; ') : 'nothing'} |`),
    '',
    '## Agents',
    '',
    ...(r.agents.length > 0
      ? ['| agent | judged | accuracy |', '|---|---|---|', ...r.agents.map((a) => `| ${a.agent} | ${a.judged} | ${pct(a.accuracy)} |`)]
      : ['No run with the agents\u2019 panel this week.']),
    '',
    '## Suggestions pending',
    '',
    r.suggestionsPending.length > 0 ? r.suggestionsPending.map((s) => `- ${mdInline(s)}`).join('\n') : 'None.',
    '',
    END_MARKER,
  ];
  return lines.join('\n') + '\n';
}

/** Writes (or rewrites, keeping what the user wrote below the marker) the week's note; its path. */
export function writeWeeklyNote(vault: string, r: WeeklyReport): string {
  const dir = path.join(vault, VAULT_FOLDERS.performance);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `Week_${r.week}.md`);
  const user = existsSync(file) ? splitNote(readFileSync(file, 'utf8')).user : '\n## Review\n\n';
  const tmp = `${file}.volt-tmp`;
  writeFileSync(tmp, weeklyNote(r) + user);
  renameSync(tmp, file);
  return file;
}

/** POSTs the week's summary as JSON; a refusal or no answer is one VoltError naming the URL. */
export async function postWeeklyWebhook(url: string, r: WeeklyReport, timeoutMs = 10_000): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'volt.weekly', ...r }), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new VoltError({ kind: 'usage', message: `the webhook ${url} did not answer: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`, hint: 'check the URL (--webhook)' });
  }
  if (!res.ok) throw new VoltError({ kind: 'usage', message: `the webhook ${url} answered HTTP ${res.status}`, hint: 'check the URL and what the receiver expects' });
}
