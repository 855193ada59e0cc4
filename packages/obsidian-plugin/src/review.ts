/** A review as the form gives it; no Node or Obsidian imports, so the views can use it in any page. */
import type { OutcomeLabel } from '@volt/lsp-server/protocol';

export interface ReviewValues {
  outcome: OutcomeLabel | null;
  rating: number | null;
  tags: string[];
  review: string;
}

/** Tags typed in a field: 'breakout, #news late-entry' → ['breakout', 'news', 'late-entry']. */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.replace(/^#+/, ''))
    .filter(Boolean);
}
