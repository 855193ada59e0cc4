import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import fc from 'fast-check';
import { Journal, OUTCOME_LABELS, moveTier } from '../journal/index.js';
import { END_MARKER, exportVault, splitNote, strategyNoteName, tradeNoteName } from './index.js';
import { frontmatter } from './notes.js';
import { busyBacktest, tempDirs } from '../../tests/journal/support.js';

const tempDir = tempDirs();

const NASTY_NAMES = [
  'RSI: "quoted" \'single\' #tag [x] | pipe',
  '- looks like a list: yes',
  'null',
  'ünïcødé 📈 Ström & Söner <b>',
  'line one\nline two',
  '%% volt:end %% sneaky',
  '---',
];
const NASTY_REASON = 'key: value\n---\n## Review\n%% volt:end %%\n"quotes" and \'apostrophes\' — “curly” ✓ | pipes |';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

function frontmatterOf(text: string): Record<string, unknown> {
  expect(text.startsWith('---\n')).toBe(true);
  const end = text.indexOf('\n---\n', 4);
  expect(end).toBeGreaterThan(0);
  return parse(text.slice(4, end + 1)) as Record<string, unknown>;
}

function journalWithNastyRuns(dir: string): Journal {
  const journal = Journal.open(path.join(dir, 'journal.db'));
  NASTY_NAMES.forEach((name, i) => journal.recordBacktest(busyBacktest(240, i + 1, name, undefined, NASTY_REASON), { gitCommit: null }));
  return journal;
}

describe('vault export', () => {
  it('writes valid YAML frontmatter for any strategy name and reasoning text, in every note', () => {
    const dir = tempDir();
    const journal = journalWithNastyRuns(dir);
    const vault = path.join(dir, 'vault');
    const summary = exportVault(journal, vault);

    const trades = journal.listTrades();
    expect(summary.trades).toBe(trades.length);
    expect(summary.runs).toBe(NASTY_NAMES.length);
    expect(summary.strategies).toBe(NASTY_NAMES.length);

    const notes = files(vault).filter((f) => f.endsWith('.md'));
    expect(notes).toHaveLength(trades.length + 3 * NASTY_NAMES.length + 1);
    for (const note of notes) {
      const text = readFileSync(note, 'utf8');
      const fm = frontmatterOf(text);
      expect(fm.tags, note).toBeInstanceOf(Array);
      // Volt's part ends exactly once, whatever the strategy wrote in its reasons.
      expect(text.split('\n').filter((l) => l.startsWith('%% volt:end')), note).toHaveLength(1);
    }

    for (const t of trades) {
      const text = readFileSync(path.join(vault, 'Trades', `${tradeNoteName(t)}.md`), 'utf8');
      const fm = frontmatterOf(text);
      expect(fm).toMatchObject({
        trade_id: t.id,
        asset: 'ETH/USDT',
        action: t.side === 'long' ? 'BUY' : 'SELL',
        outcome: t.outcome,
        strategy: t.strategyName,
        run: t.runId,
      });
      expect(fm.entry).toBeCloseTo(t.entryPrice, 4);
      expect(fm.pnl).toBeCloseTo(t.pnl!, 4);
      expect(OUTCOME_LABELS).toContain(fm.outcome);
      for (const section of ['## Signals', '## Reasoning', '## Targets', '## Outcome']) expect(text).toContain(section);
      // The reasoning shows up, defused: no Obsidian comment, no heading, no marker.
      expect(text).toContain('> key: value');
      expect(text).toContain('> %\\% volt:end %\\%');
    }
    for (const name of NASTY_NAMES) {
      const fm = frontmatterOf(readFileSync(path.join(vault, 'Strategies', `${strategyNoteName(name)}.md`), 'utf8'));
      expect(fm.strategy).toBe(name);
      expect(fm.runs).toBe(1);
    }
    journal.close();
  });

  it("shows each strategy's tier: COLD until a sweep moves it, then the tier, since when and why", () => {
    const dir = tempDir();
    const journal = journalWithNastyRuns(dir);
    const vault = path.join(dir, 'vault');
    const [first, second] = NASTY_NAMES;
    moveTier(journal, { strategyName: first!, at: Date.UTC(2026, 0, 2), to: 'WARM', reason: 'promoted: out-of-sample Sharpe 0.80, 45 trades', sweepId: null, evidence: {} });
    exportVault(journal, vault);
    const note = (name: string) => readFileSync(path.join(vault, 'Strategies', `${strategyNoteName(name)}.md`), 'utf8');
    expect(frontmatterOf(note(first!)).tier).toBe('WARM');
    expect(note(first!)).toContain('Tier **WARM** since 2026-01-02');
    expect(note(first!)).toContain('promoted: out-of-sample Sharpe 0.80, 45 trades.');
    expect(frontmatterOf(note(second!)).tier).toBe('COLD');
    expect(note(second!)).toContain('Tier **COLD**: no walk-forward sweep yet');
    journal.close();
  });

  it('links trade → run → strategy with wikilinks that all resolve, and embeds both charts', () => {
    const dir = tempDir();
    const journal = journalWithNastyRuns(dir);
    const vault = path.join(dir, 'vault');
    exportVault(journal, vault);
    const all = files(vault);
    const names = new Set(all.map((f) => path.basename(f).replace(/\.md$/, '')));
    let links = 0;
    for (const f of all.filter((x) => x.endsWith('.md'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\[\[([^\]|\\]+)(?:\\?\|[^\]]*)?\]\]/g)) {
        links++;
        expect(names.has(m[1]!), `${path.basename(f)} links to missing [[${m[1]}]]`).toBe(true);
      }
    }
    expect(links).toBeGreaterThan(journal.listTrades().length * 3);

    const run = journal.listRuns()[0]!;
    const runNote = readFileSync(path.join(vault, 'Performance', `Run ${run.id}.md`), 'utf8');
    expect(runNote).toContain(`![[Run ${run.id} equity.svg]]`);
    expect(runNote).toContain(`![[Run ${run.id} drawdown.svg]]`);
    expect(runNote).toContain('| Sharpe |');
    const svg = readFileSync(path.join(vault, 'Performance', 'charts', `Run ${run.id} equity.svg`), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>\n$/);
    const points = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points).toHaveLength(journal.getRun(run.id)!.equityCurve!.time.length);
    // Strategy names reach the SVG escaped.
    expect(svg).not.toMatch(/<b>/);

    const dashboard = readFileSync(path.join(vault, 'Dashboard.md'), 'utf8');
    expect(dashboard.match(/```dataview/g)!.length).toBeGreaterThanOrEqual(4);
    expect(dashboard).toContain('GROUP BY dateformat(date(exit_time), "yyyy-MM") AS month');
    journal.close();
  });

  it('re-exports idempotently: nothing rewritten when nothing changed, outcomes updated in place, the review kept', () => {
    const dir = tempDir();
    const journal = Journal.open(path.join(dir, 'journal.db'));
    journal.recordBacktest(busyBacktest(300, 5, 'Dip buyer'), { gitCommit: null });
    const live = journal.startRun({ strategyName: 'Dip buyer', gitCommit: null, agentsMode: 'rules' });
    const tradeId = journal.openTrade(live, { tradeNo: 1, symbol: 'ETH/USDT', side: 'long', qty: 1, entryTime: Date.UTC(2026, 1, 14), entryPrice: 2340.5, confidence: 0.78, reason: 'RSI 32: oversold', stopPrice: 2200, takeProfitPrice: 2600 });
    const vault = path.join(dir, 'vault');
    const first = exportVault(journal, vault);
    expect(first.created).toBe(first.files);

    const open = journal.listTrades({ runId: live })[0]!;
    expect(open.id).toBe(tradeId);
    const notePath = path.join(vault, 'Trades', `${tradeNoteName(open)}.md`);
    expect(frontmatterOf(readFileSync(notePath, 'utf8')).outcome).toBe('PENDING');

    // The trader writes a review below the marker, and another one under a heading after deleting the marker.
    appendFileSync(notePath, 'Entered early; the whale alert was stale.\n- [ ] check the data feed\n');
    const other = journal.listTrades({ runId: 1 })[0]!;
    const otherPath = path.join(vault, 'Trades', `${tradeNoteName(other)}.md`);
    const otherText = readFileSync(otherPath, 'utf8');
    writeFileSync(otherPath, otherText.replace(END_MARKER + '\n', '') + 'Good exit, keep the 0.6% target.\n');
    const mtimes = new Map(files(vault).map((f) => [f, statSync(f).mtimeMs]));

    const again = exportVault(journal, vault);
    expect(again.created).toBe(0);
    expect(again.updated).toBe(1); // only the note whose marker was removed gets it back
    expect(readFileSync(otherPath, 'utf8')).toContain('## Review\n\nGood exit, keep the 0.6% target.\n');
    expect(readFileSync(otherPath, 'utf8')).toContain(END_MARKER);
    for (const [f, t] of mtimes) if (f !== otherPath) expect(statSync(f).mtimeMs, f).toBe(t);

    journal.closeTrade(live, 1, { exitTime: Date.UTC(2026, 1, 15), exitPrice: 2600, exitReason: 'takeProfit', fees: 2.5 });
    const third = exportVault(journal, vault);
    expect(third.created).toBe(0);
    const text = readFileSync(notePath, 'utf8');
    const fm = frontmatterOf(text);
    expect(fm).toMatchObject({ outcome: 'CORRECT', exit_price: 2600 });
    expect(text).toContain('**CORRECT**: closed by takeProfit at 2600');
    expect(text.endsWith('\n## Review\n\nEntered early; the whale alert was stale.\n- [ ] check the data feed\n')).toBe(true);
    expect(text.split(END_MARKER)).toHaveLength(2);
    expect(files(path.join(vault, 'Trades'))).toHaveLength(journal.listTrades().length);
    // The run, its strategy and the dashboard changed with the outcome; unrelated trades did not.
    expect(third.updated).toBeGreaterThanOrEqual(3);
    expect(third.updated).toBeLessThan(10);
    journal.close();
  });

  it('exports only what a filter selects', () => {
    const dir = tempDir();
    const journal = Journal.open(path.join(dir, 'journal.db'));
    journal.recordBacktest(busyBacktest(300, 1, 'Alpha'), { gitCommit: null });
    journal.recordBacktest(busyBacktest(300, 2, 'Beta'), { gitCommit: null });
    const vault = path.join(dir, 'vault');
    const summary = exportVault(journal, vault, { strategy: 'Beta', outcome: 'STOPPED' });
    const stopped = journal.listTrades({ strategy: 'Beta', outcome: 'STOPPED' });
    expect(summary.trades).toBe(stopped.length);
    expect(readdirSync(path.join(vault, 'Trades'))).toHaveLength(stopped.length);
    expect(readdirSync(path.join(vault, 'Strategies'))).toEqual(['Beta.md']);
    journal.close();
  });
});

describe('splitNote', () => {
  it('keeps everything after the marker, or from ## Review on, or the whole old note', () => {
    expect(splitNote(`gen\n${END_MARKER}\nmine\n`)).toEqual({ generated: 'gen\n', user: 'mine\n', marked: true });
    expect(splitNote('gen\n## Review\nmine\n')).toEqual({ generated: 'gen\n', user: '\n## Review\nmine\n', marked: false });
    expect(splitNote('only mine').user).toContain('only mine');
  });
});

describe('frontmatter', () => {
  it('is byte for byte what yaml.stringify writes, for any names, numbers and tags', () => {
    const text = fc.oneof(
      fc.constantFrom(...NASTY_NAMES, NASTY_REASON, 'yes', 'No', 'TRUE', 'null', '~', '1.5', '0x1F', '.inf', '2020-01-01T01:00:00.000Z', '2020-01-01', '[[Run 1]]', 'a: b', '#tag', '- item', 'ETH/USDT', 'volt/trade'),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: fc.constantFrom('a', 'Z', '0', ':', ' ', '-', '/', '.', '_', '"', "'", '#', '\n', '%', '[', ']', '{', '|', '>', '!', '&', '*', '@', '`', 'ä', '📈'), maxLength: 12 }),
    );
    const value = fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(null), fc.array(text, { maxLength: 3 }));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('trade_id', 'strategy', 'asset', 'pnl', 'entry_time', 'tags', 'run_note'), value, { minKeys: 1 }), (data) => {
        expect(frontmatter(data)).toBe(`---\n${stringify(data, { lineWidth: 0 })}---\n`);
      }),
      { numRuns: 2000 },
    );
  });
});
