/**
 * Every command of the plugin, through its own client and Sidecar, against the built
 * `volt-lsp --stdio`: a journal made by real backtests with the agents' panel, a vault exported into
 * the Obsidian folder, notes read back as Obsidian's metadata cache would read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { notices } from './obsidian-stand-in.js';
import { agentStatus, backtestNote, latestRunId, runsToCompare, saveReview, syncVault, tradeIdOf, attempt } from '../src/commands.js';
import { VoltClient } from '../src/client.js';
import { dailyPnl } from '../src/views/calendar.js';
import { calendarTrades, tradeWithBars } from '../src/views/load.js';
import { PLUGIN_DIR, REPO_ROOT, recordedRun, workbench, type Workbench } from './fixtures.js';
import { locateSidecar } from '../src/locate.js';
import { Sidecar, type SidecarState } from '../src/sidecar.js';

let w: Workbench;
let runId: number;
const lastNotice = () => notices[notices.length - 1] ?? '';
const noteOf = (folder: string, prefix: string) => {
  const dir = path.join(w.notes, folder);
  const name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.md'));
  if (!name) throw new Error(`no ${prefix}… note in ${dir}`);
  return path.join(dir, name);
};

beforeAll(async () => {
  w = await workbench();
  runId = await recordedRun(w, w.strategy('rsi-mean-reversion.strategy.ts'));
}, 90_000);
afterAll(async () => {
  await w?.dispose();
});

describe('commands against the real sidecar', () => {
  it('Sync journal to vault: writes the notes into the vault folder, and a second sync changes nothing', async () => {
    const first = await syncVault(w.ctx);
    expect(first!.dir).toBe(w.notes);
    expect(first!.trades).toBeGreaterThan(0);
    expect(lastNotice()).toMatch(/^Volt: vault synced \(\d+ trades, 1 runs, 1 strategies; \d+ files: \d+ new/);
    expect(existsSync(path.join(w.notes, 'Dashboard.md'))).toBe(true);
    const second = await syncVault(w.ctx);
    expect(second!.created + second!.updated).toBe(0);
  });

  it('Backtest this strategy: from a Strategy, a Run and a Trade note, on the file the note links to', async () => {
    const strategyNote = w.note(noteOf('Strategies', 'RSI mean reversion'));
    const fromStrategy = await backtestNote(w.ctx, strategyNote);
    expect(fromStrategy?.runId).toBe(runId);
    expect(lastNotice()).toMatch(/^Volt: RSI mean reversion: Sharpe -?\d+\.\d\d, return [+-]\d+\.\d%, \d+ trades \(run \d+\); notes \d+ new, \d+ updated$/);
    const fromRun = await backtestNote(w.ctx, w.note(noteOf('Performance', `Run ${runId}`)));
    expect(fromRun?.runId).toBe(runId);
    const fromTrade = await backtestNote(w.ctx, w.note(noteOf('Trades', 'Trade ')));
    expect(fromTrade?.runId).toBe(runId);
    // Sync after each run off: the run, and no notes written.
    const quiet = await backtestNote({ ...w.ctx, syncAfterRun: false }, strategyNote);
    expect(quiet).toEqual({ runId });
    expect(lastNotice()).toMatch(/\(run \d+\)$/);
  });

  it('Review this trade: into the journal, onto the note (frontmatter for Dataview), the text under ## Review kept', async () => {
    const file = noteOf('Trades', 'Trade ');
    const note = w.note(file);
    const tradeId = tradeIdOf(note);
    appendFileSync(file, 'Spread was wide at the open.\n');
    const review = await saveReview(w.ctx, tradeId, { outcome: 'CORRECT', rating: 5, tags: ['textbook', 'oversold'], review: 'Waited for the close below the band.' });
    expect(review).toMatchObject({ outcome: 'CORRECT', rating: 5, tags: ['textbook', 'oversold'] });
    expect(lastNotice()).toBe(`Volt: review of trade ${tradeId} saved to the journal (5/5)`);
    const after = w.note(file);
    expect(after.frontmatter).toMatchObject({ trade_id: tradeId, review_outcome: 'CORRECT', rating: 5, review_tags: ['textbook', 'oversold'] });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('> Waited for the close below the band.');
    expect(text.endsWith('## Review\n\nSpread was wide at the open.\n')).toBe(true);
    const mtime = statSync(file).mtimeMs;
    const again = await syncVault(w.ctx);
    expect(again!.created + again!.updated).toBe(0);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it("Open trade view: the trade, its votes and the candles around it", async () => {
    const tradeId = tradeIdOf(w.note(noteOf('Trades', 'Trade ')));
    const { detail, bars } = await tradeWithBars(w.client, tradeId);
    expect(detail.trade.tradeId).toBe(tradeId);
    expect(detail.decisions[0]!.votes.length).toBeGreaterThanOrEqual(3);
    expect(bars!.time[0]).toBeLessThanOrEqual(detail.trade.entryTime);
    expect(bars!.time[bars!.time.length - 1]).toBeGreaterThanOrEqual(detail.trade.exitTime!);
    expect(bars!.bars).toBeLessThanOrEqual(400);
  });

  it('Compare runs: the note\'s run beside the one before it', async () => {
    const file = w.strategy('ema-crossover.strategy.ts');
    const first = await recordedRun(w, file);
    const second = await recordedRun(w, file, true);
    await syncVault(w.ctx);
    const [a, b] = await runsToCompare(w.ctx, w.note(noteOf('Performance', `Run ${second}`)));
    expect([a.run.runId, b.run.runId].map(Number)).toEqual([first, second]);
    expect(a.equity.time.length).toBeGreaterThan(1);
    await expect(runsToCompare(w.ctx, w.note(noteOf('Performance', `Run ${runId}`)))).rejects.toThrow(/RSI mean reversion has only 1 run in the journal; compare needs two/);
  });

  it('Agent status: the agents, their kind and the LLM state', async () => {
    const s = await agentStatus(w.ctx);
    expect(s.mode).toBe('rules');
    expect(s.agents.map((a) => a.role)).toEqual(expect.arrayContaining(['volatility', 'trend']));
  });

  it('the ribbon opens the latest run; the calendar sums the closed trades per day', async () => {
    const latest = await latestRunId(w.ctx);
    const runs = await w.client.runs({ limit: 1 });
    expect(latest).toBe(Number(runs.runs[0]!.runId));
    const trades = await calendarTrades(w.client, 'RSI mean reversion');
    const days = dailyPnl(trades);
    const total = [...days.values()].reduce((a, d) => a + d.pnl, 0);
    expect(total).toBeCloseTo(trades.reduce((a, t) => a + (t.exitTime !== null ? (t.pnl ?? 0) : 0), 0), 6);
    expect([...days.values()].reduce((a, d) => a + d.trades, 0)).toBe(trades.filter((t) => t.exitTime !== null).length);
  });
});

describe('bad input: each a clear Notice, nothing lost', () => {
  it('a trade id that is not in the journal', async () => {
    const note = { path: 'Volt/Trades/Trade 99999 ETH-USDT long.md', frontmatter: { trade_id: 99999, run: 1 } };
    expect(await attempt(w.ctx, () => w.client.trade(tradeIdOf(note)))).toBeUndefined();
    expect(lastNotice()).toMatch(/^Volt: trade 99999 is not in the journal at .*journal\.db: pick a trade/);
    expect(await saveReview(w.ctx, 99999, { outcome: null, rating: 3, tags: [], review: '' })).toBeUndefined();
    expect(lastNotice()).toMatch(/^Volt: .*trade 99999 is not in the journal/);
  });

  it('a note that is not Volt\'s, and one that links to a strategy that is gone', async () => {
    expect(await backtestNote(w.ctx, { path: 'Daily/2024-01-02.md', frontmatter: { mood: 'ok' } })).toBeUndefined();
    expect(lastNotice()).toBe('Volt: Daily/2024-01-02.md is not a Volt Strategy, Run or Trade note (no trade_id, run or strategy in its frontmatter). Open one from the Volt folder.');
    const moved = w.strategy('moved.strategy.ts');
    copyFileSync(w.strategy('bollinger-breakout.strategy.ts'), moved);
    const id = await recordedRun(w, moved);
    await syncVault(w.ctx);
    rmSync(moved);
    const note = w.note(noteOf('Performance', `Run ${id}`));
    expect(await backtestNote(w.ctx, note)).toBeUndefined();
    expect(lastNotice()).toBe(`Volt: Run ${id} (${note.path}) links to ${moved}, which is not there any more. Restore it, or backtest the strategy from where it is now.`);
  });

  it('a journal locked by another process: the review is refused and the old one kept', async () => {
    const file = noteOf('Trades', 'Trade ');
    const tradeId = tradeIdOf(w.note(file));
    const before = readFileSync(file, 'utf8');
    const locker = new Database(path.join(w.root, '.volt', 'journal.db'));
    locker.exec('BEGIN EXCLUSIVE');
    try {
      expect(await saveReview(w.ctx, tradeId, { outcome: 'STOPPED', rating: 1, tags: [], review: 'overwritten?' })).toBeUndefined();
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(lastNotice()).toMatch(/^Volt: .*the journal is locked by another process.*nothing was written/);
    expect((await w.client.trade(tradeId)).trade.review).toMatchObject({ outcome: 'CORRECT', rating: 5 });
    expect(readFileSync(file, 'utf8')).toBe(before);
  }, 30_000);

  it('a run the journal cannot take (locked past its wait): the backtest says it was not recorded, not the run before it', async () => {
    const wb = await workbench();
    try {
      const strategy = wb.strategy('rsi-mean-reversion.strategy.ts');
      await recordedRun(wb, strategy);
      await syncVault(wb.ctx);
      const strategies = path.join(wb.notes, 'Strategies');
      const note = wb.note(path.join(strategies, readdirSync(strategies).find((f) => f.startsWith('RSI mean reversion'))!));
      // A changed file is a new run (the same one again would be the recorded run, answered as it was).
      writeFileSync(strategy, `${readFileSync(strategy, 'utf8')}\n// changed\n`);
      const locker = new Database(path.join(wb.root, '.volt', 'journal.db'));
      locker.exec('BEGIN EXCLUSIVE');
      let r;
      try {
        r = await backtestNote(wb.ctx, note);
      } finally {
        locker.exec('ROLLBACK');
        locker.close();
      }
      expect(r).toEqual({ runId: undefined });
      expect(lastNotice()).toMatch(/^Volt: RSI mean reversion: Sharpe -?\d+\.\d\d, return [+-]\d+\.\d%, \d+ trades, not recorded in the journal \(the sidecar log says why\)$/);
    } finally {
      await wb.dispose();
    }
  }, 60_000);

  it('a journal that is read-only: the review is refused saying which file and how to fix it, the old one kept', async () => {
    const ro = await workbench();
    const journal = path.join(ro.root, '.volt', 'journal.db');
    try {
      await recordedRun(ro, ro.strategy('rsi-mean-reversion.strategy.ts'));
      await syncVault(ro.ctx);
      const file = readdirSync(path.join(ro.notes, 'Trades')).map((f) => path.join(ro.notes, 'Trades', f))[0]!;
      const tradeId = tradeIdOf(ro.note(file));
      expect(await saveReview(ro.ctx, tradeId, { outcome: null, rating: 4, tags: ['first'], review: 'kept' })).toBeDefined();
      const before = readFileSync(file, 'utf8');
      await ro.sidecar.stop();
      chmodSync(ro.root, 0o755); // mkdtemp's folder: others may not even look in
      chmodSync(journal, 0o444);
      chmodSync(path.dirname(journal), 0o555);
      // Root writes a read-only file all the same: the sidecar runs as `nobody` then, whom permissions bind.
      if (process.getuid?.() === 0) {
        const node = path.join(ro.root, 'node-as-nobody');
        writeFileSync(node, `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups '${process.execPath}' "$@"\n`, { mode: 0o755 });
        ro.settings.nodePath = node;
        ro.settings.sidecarPath = path.join(REPO_ROOT, 'packages', 'lsp-server', 'bin', 'volt-lsp.js');
      }
      expect(await saveReview(ro.ctx, tradeId, { outcome: 'STOPPED', rating: 1, tags: [], review: 'overwritten?' })).toBeUndefined();
      expect(lastNotice()).toBe(`Volt: ${journal}: the journal is read-only: ${journal} is not writable by you (fix: make it writable (chmod u+w '${journal}'), or point the journal.path setting at another file)`);
      expect(readFileSync(file, 'utf8')).toBe(before);
    } finally {
      chmodSync(path.dirname(journal), 0o755);
      await ro.sidecar.stop();
    }
    try {
      const db = new Database(journal, { readonly: true });
      const kept = db.prepare('SELECT rating, tags, review FROM trade_reviews').all();
      db.close();
      expect(kept).toEqual([{ rating: 4, tags: '["first"]', review: 'kept' }]);
    } finally {
      await ro.dispose();
    }
  }, 60_000);

  it('a sidecar path that does not exist', async () => {
    const bad = await workbench();
    try {
      bad.settings.sidecarPath = path.join(bad.root, 'no-such', 'volt-lsp');
      expect(await syncVault(bad.ctx)).toBeUndefined();
      expect(lastNotice()).toBe(`Volt: the sidecar path in settings, ${bad.settings.sidecarPath}, does not exist. Fix it in Settings → Volt (a volt-lsp, or a checkout's packages/lsp-server/bin/volt-lsp.js), or clear it to find volt-lsp automatically.`);
      expect(bad.states.at(-1)?.state).toBe('failed');
    } finally {
      await bad.dispose();
    }
  });
});

describe('the sidecar process', () => {
  it('is started again when it dies, and says so', async () => {
    const pid = w.sidecar.pid!;
    const died = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (w.states.some((s) => s.state === 'restarting')) (clearInterval(t), resolve());
      }, 20);
    });
    process.kill(pid, 'SIGKILL');
    await died;
    expect(w.states.find((s) => s.state === 'restarting')!.message).toBe('Volt: the sidecar was killed (SIGKILL); restarting…');
    const runs = await w.client.runs({ limit: 1 });
    expect(runs.runs.length).toBe(1);
    expect(w.sidecar.pid).not.toBe(pid);
  });

  it('one that keeps dying is left stopped, said once; the next request starts it again', async () => {
    const states: { state: SidecarState; message: string }[] = [];
    const sidecar = new Sidecar({
      locate: () => locateSidecar({ sidecarPath: '', nodePath: '', pluginDir: PLUGIN_DIR, env: process.env }),
      root: () => w.root,
      settings: () => ({}),
      onState: (state, message) => states.push({ state, message }),
      maxRestarts: 1,
    });
    const waitFor = async (check: () => boolean) => {
      while (!check()) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await sidecar.ready();
      const first = sidecar.pid!;
      process.kill(first, 'SIGKILL');
      await waitFor(() => sidecar.running && sidecar.pid !== first);
      process.kill(sidecar.pid!, 'SIGKILL');
      await waitFor(() => states.some((s) => s.state === 'failed'));
      expect(states.filter((s) => s.state === 'restarting')).toHaveLength(1);
      expect(states.at(-1)).toEqual({ state: 'failed', message: 'Volt: the sidecar was killed (SIGKILL) 2 times in a minute; not restarting. Run "Volt: Sync journal to vault" to try again.' });
      await new Promise((r) => setTimeout(r, 300));
      expect(sidecar.running).toBe(false);
      const runs = await new VoltClient(sidecar).runs({ limit: 1 });
      expect(runs.runs).toHaveLength(1);
      expect(states.at(-1)!.state).toBe('ready');
    } finally {
      await sidecar.stop();
    }
  });
});
