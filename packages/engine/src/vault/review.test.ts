import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Journal, SCHEMA_VERSION } from '../journal/index.js';
import { exportVault, tradeNotePath } from './index.js';
import { busyBacktest, tempDirs } from '../../tests/journal/support.js';

const tempDir = tempDirs();

function frontmatterOf(text: string): Record<string, unknown> {
  const end = text.indexOf('\n---\n', 4);
  return parse(text.slice(4, end + 1)) as Record<string, unknown>;
}

describe("a trader's review", () => {
  it('is stored in trade_reviews, merged field by field, and read back with the trade', () => {
    const journal = Journal.open(path.join(tempDir(), 'journal.db'));
    expect(journal.schemaVersion).toBe(SCHEMA_VERSION);
    journal.recordBacktest(busyBacktest(240, 3), { gitCommit: null });
    const [trade] = journal.listTrades({ limit: 1 });
    expect(trade!.review).toBeUndefined();
    journal.annotateTrade(trade!.id, { outcome: 'FALSE_POSITIVE', rating: 2, tags: ['#breakout', 'late entry', 'breakout'] });
    const review = journal.annotateTrade(trade!.id, { review: 'Chased it.' });
    expect(review).toMatchObject({ outcome: 'FALSE_POSITIVE', rating: 2, tags: ['breakout', 'late-entry'], review: 'Chased it.' });
    expect(journal.getTrade(trade!.id)!.review).toEqual(review);
    expect(journal.annotateTrade(trade!.id, { rating: null }).rating).toBeNull();
    // The recorded outcome is the run's; the review only sits beside it.
    expect(journal.getTrade(trade!.id)!.outcome).toBe(trade!.outcome);
    journal.close();
  });

  it('refuses a trade that is not in the journal and values out of range, saying what fits', () => {
    const journal = Journal.open(path.join(tempDir(), 'journal.db'));
    journal.recordBacktest(busyBacktest(240, 3), { gitCommit: null });
    const id = journal.listTrades({ limit: 1 })[0]!.id;
    expect(() => journal.annotateTrade(999_999, { rating: 3 })).toThrow(/trade 999999 is not in the journal/);
    expect(() => journal.annotateTrade(id, { rating: 6 })).toThrow(/rating 6 is not a whole number from 1 to 5/);
    expect(() => journal.annotateTrade(id, { outcome: 'WIN' as never })).toThrow(/outcome "WIN" is not one Volt knows/);
    expect(journal.getTrade(id)!.review).toBeUndefined();
    journal.close();
  });

  it('shows in the note frontmatter, keeps what the user wrote under ## Review, and a second export changes nothing', () => {
    const dir = tempDir();
    const journal = Journal.open(path.join(dir, 'journal.db'));
    journal.recordBacktest(busyBacktest(240, 3), { gitCommit: null });
    const vault = path.join(dir, 'vault');
    exportVault(journal, vault);
    const trade = journal.listTrades({ limit: 1 })[0]!;
    const file = tradeNotePath(vault, trade);
    appendFileSync(file, 'My own notes: the spread was wide.\n');

    journal.annotateTrade(trade.id, { outcome: 'CORRECT', rating: 4, tags: ['pullback'], review: 'Waited for the retest.' });
    const first = exportVault(journal, vault);
    expect(first.updated).toBeGreaterThan(0);
    const text = readFileSync(file, 'utf8');
    expect(frontmatterOf(text)).toMatchObject({ trade_id: trade.id, review_outcome: 'CORRECT', rating: 4, review_tags: ['pullback'] });
    expect(text).toContain("## Trader's review");
    expect(text).toContain('> Waited for the retest.');
    expect(text.endsWith('## Review\n\nMy own notes: the spread was wide.\n')).toBe(true);

    const before = statSync(file).mtimeMs;
    const second = exportVault(journal, vault);
    expect(second.created + second.updated).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(statSync(file).mtimeMs).toBe(before);
    journal.close();
  });
});
