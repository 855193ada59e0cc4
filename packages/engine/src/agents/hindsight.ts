import { baseAsset } from '../signals/index.js';

/**
 * The LLM hindsight guard (README.md, "Hindsight"). A language model may have read what happened
 * after a backtest's dates; so the prompts it gets hide which asset and which time they are about,
 * and a run whose data ends before a seat's knowledge cutoff is marked.
 */

/** What a masked prompt calls the traded asset. */
export const MASKED_ASSET = 'asset A';

/**
 * Knowledge cutoffs of models Volt knows by name, "YYYY-MM" (through the end of that month).
 * Where the makers publish a cutoff, theirs; where they do not, the release month, an upper bound
 * (a model knows nothing after it was released) and so the cautious side for this guard. Where
 * sizes of one family differ, the latest. `ollama.cutoffs` in volt.config.json wins over this.
 */
export const KNOWN_CUTOFFS: Readonly<Record<string, string>> = {
  // Meta's model cards ("the pretraining data has a cutoff of …").
  llama3: '2023-12',
  'llama3.1': '2023-12',
  'llama3.2': '2023-12',
  'llama3.3': '2023-12',
  // Microsoft's model cards.
  phi3: '2023-10',
  phi4: '2024-06',
  // Google's Gemma 3 card.
  gemma3: '2024-08',
  // No published cutoff: the release month.
  'qwen2.5': '2024-09',
  'qwen2.5-coder': '2024-11',
  'deepseek-r1': '2025-05',
};

/** A model's cutoff from the config's table, else Volt's; undefined when neither knows the model. */
export function cutoffOf(model: string, configured: Readonly<Record<string, string>> = {}): string | undefined {
  const bare = model.includes(':') ? model.slice(0, model.indexOf(':')) : model;
  // Ollama reads a name without a tag as its `latest`.
  const tagged = model.includes(':') ? model : `${model}:latest`;
  return configured[model] ?? configured[tagged] ?? configured[bare] ?? KNOWN_CUTOFFS[model] ?? KNOWN_CUTOFFS[bare];
}

/** The first instant after a cutoff ("2023-12" → 2024-01-01T00:00Z; "2023-12-15" → 2023-12-16T00:00Z), epoch ms. */
export function cutoffEnd(cutoff: string): number {
  const [y, m, d] = cutoff.split('-').map(Number) as [number, number, number | undefined];
  return d === undefined ? Date.UTC(y, m, 1) : Date.UTC(y, m - 1, d + 1);
}

/** One LLM seat's standing against the run's data. */
export interface SeatHindsight {
  role: string;
  model: string;
  /** The model's knowledge cutoff; null when nobody knows it (counted as possibly knowing). */
  cutoff: string | null;
  /** The run's data ends before the cutoff (or the cutoff is unknown): the model may know what came next. */
  mayKnowOutcome: boolean;
}

export interface HindsightCheck {
  /** The time of the last bar the run used, ISO 8601. */
  dataEnd: string;
  seats: SeatHindsight[];
  /** True when any seat whose model voted may know what came after the data. */
  marked: boolean;
  /** The data is the synthetic market: invented, so no model can know its future (never marked). */
  synthetic: boolean;
  /** "LLM votes may contain hindsight: llama3.3 knows up to 2023-12, the data ends 2019-07-10" or null. */
  message: string | null;
}

export const HINDSIGHT_WARNING = 'LLM votes may contain hindsight';

/**
 * Whether a run's LLM votes could lean on knowledge of what followed its data: a seat may when the
 * data ends before its model's cutoff, or when its cutoff is unknown. `dataEnd` is the close of
 * the time of the run's last bar, epoch ms. On the synthetic market nothing is marked: its future is invented.
 */
export function checkHindsight(seats: Readonly<Record<string, string>>, dataEnd: number, configured: Readonly<Record<string, string>> = {}, synthetic = false): HindsightCheck {
  const out: SeatHindsight[] = [];
  for (const [role, model] of Object.entries(seats)) {
    const cutoff = cutoffOf(model, configured);
    out.push({ role, model, cutoff: cutoff ?? null, mayKnowOutcome: !synthetic && (cutoff === undefined || dataEnd < cutoffEnd(cutoff)) });
  }
  const knowing = out.filter((s) => s.mayKnowOutcome);
  const end = new Date(dataEnd).toISOString().slice(0, 10);
  const why = [...new Set(knowing.map((s) => (s.cutoff === null ? `${s.model}'s cutoff is unknown (set ollama.cutoffs)` : `${s.model} knows up to ${s.cutoff}`)))];
  return {
    dataEnd: new Date(dataEnd).toISOString(),
    seats: out,
    marked: knowing.length > 0,
    synthetic,
    message: knowing.length > 0 ? `${HINDSIGHT_WARNING}: ${why.join(', ')}; the data ends ${end}` : null,
  };
}

/**
 * Free text about the run (a strategy's reason) with the asset and dates taken out: the symbol,
 * its base and quote as words, ISO dates and times, and years 1990–2099.
 */
export function maskText(text: string, symbol: string): string {
  if (text === '') return text;
  let out = text;
  // BTCUSDT has no separator: its base comes from the signals' reading of a symbol, the quote is what is left.
  const base = baseAsset(symbol);
  const rest = symbol.toUpperCase().startsWith(base) ? symbol.slice(base.length).replace(/^[/_:\- ]/, '') : '';
  const names = [symbol, base, rest, ...symbol.split(/[/_:\- ]/)].filter((n) => n.length >= 2).sort((a, b) => b.length - a.length);
  for (const name of new Set(names)) {
    out = out.replace(new RegExp(`(?<![A-Za-z0-9])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![A-Za-z0-9])`, 'gi'), MASKED_ASSET);
  }
  return out
    .replace(/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, 'a date')
    .replace(/\b(?:199\d|20\d\d)\b/g, 'a year');
}
