/**
 * What a note is to Volt, read from its frontmatter (the vault exporter's keys): a Trade note has
 * `trade_id` and `run`, a Run note `run` and `strategy_path`, a Strategy note `strategy` and the tag
 * `volt/strategy`. And the `volt` code block's arguments.
 */
export type NoteTarget =
  | { kind: 'trade'; tradeId: number; runId: number | undefined }
  | { kind: 'run'; runId: number; strategyPath: string | undefined }
  | { kind: 'strategy'; strategy: string }
  | { kind: 'none' };

export interface NoteInfo {
  /** The note's path in the vault, for messages. */
  path: string;
  frontmatter: Record<string, unknown> | undefined;
}

const whole = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

function tags(fm: Record<string, unknown>): string[] {
  const t = fm.tags;
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? t.split(/[\s,]+/) : [];
}

export function noteTarget(note: NoteInfo): NoteTarget {
  const fm = note.frontmatter;
  if (!fm) return { kind: 'none' };
  const tradeId = whole(fm.trade_id);
  if (tradeId !== undefined) return { kind: 'trade', tradeId, runId: whole(fm.run) };
  const runId = whole(fm.run);
  if (runId !== undefined) return { kind: 'run', runId, strategyPath: typeof fm.strategy_path === 'string' ? fm.strategy_path : undefined };
  if (typeof fm.strategy === 'string' && (tags(fm).includes('volt/strategy') || fm.runs !== undefined)) return { kind: 'strategy', strategy: fm.strategy };
  return { kind: 'none' };
}

export type VoltBlock =
  | { kind: 'run'; runId: number; chart: 'equity' | 'drawdown' | 'both' | 'none' }
  | { kind: 'trade'; tradeId: number }
  | { kind: 'calendar'; strategy: string | undefined };

const KEYS = 'run=ID [chart=equity|drawdown|both|none], trade=ID, or calendar=all|STRATEGY NAME';

/**
 * The arguments written on a block's opening fence (```volt run=12 chart=equity). Obsidian hands a
 * code block processor only the body, so they are read from the section the block sits in
 * (`getSectionInfo`: the note's text and the block's first line); '' when Obsidian cannot say.
 */
export function fenceArguments(section: { text: string; lineStart: number } | null | undefined): string {
  if (!section) return '';
  const line = section.text.split(/\r?\n/)[section.lineStart] ?? '';
  // A block inside a quote or callout keeps its `>` marks on the fence line.
  const m = /^\s*(?:>\s*)*(?:`{3,}|~{3,})\s*volt(?:\s+(.*))?$/.exec(line);
  return m?.[1]?.trim() ?? '';
}

/**
 * A `volt` block's arguments: `key=value` pairs on the opening fence (```volt run=12) and on the
 * body's lines, the body's winning where both say. A mistake is said with the line it is on and
 * what the block accepts.
 */
export function parseVoltBlock(source: string, fence = ''): { ok: true; block: VoltBlock } | { ok: false; message: string } {
  const args = new Map<string, string>();
  const lines = [fence, ...source.split(/\r?\n/)];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const where = i === 0 ? 'volt block, opening ```volt line' : `volt block, line ${i}`;
    // calendar=NAME takes the rest of the line: strategy names have spaces.
    const cal = /^calendar\s*=\s*(.+)$/.exec(line);
    if (cal) {
      args.set('calendar', cal[1]!.trim());
      continue;
    }
    for (const word of line.split(/\s+/)) {
      const m = /^([a-z]+)=(\S+)$/.exec(word);
      if (!m) return { ok: false, message: `${where}: '${word}' is not key=value. Write ${KEYS}.` };
      if (!['run', 'trade', 'chart'].includes(m[1]!)) return { ok: false, message: `${where}: unknown key '${m[1]}'. Write ${KEYS}.` };
      args.set(m[1]!, m[2]!);
    }
  }
  const id = (key: string): number | string => {
    const v = args.get(key)!;
    return /^\d+$/.test(v) ? Number(v) : `volt block: ${key}=${v} is not a ${key} id (a whole number, the note's ${key === 'run' ? 'run' : 'trade_id'}).`;
  };
  if (args.has('trade')) {
    const t = id('trade');
    return typeof t === 'string' ? { ok: false, message: t } : { ok: true, block: { kind: 'trade', tradeId: t } };
  }
  if (args.has('run')) {
    const r = id('run');
    if (typeof r === 'string') return { ok: false, message: r };
    const chart = args.get('chart') ?? 'equity';
    if (!['equity', 'drawdown', 'both', 'none'].includes(chart)) return { ok: false, message: `volt block: chart=${chart} is not a chart Volt draws; use equity, drawdown, both or none.` };
    return { ok: true, block: { kind: 'run', runId: r, chart: chart as 'equity' } };
  }
  if (args.has('calendar')) {
    const c = args.get('calendar')!;
    return { ok: true, block: { kind: 'calendar', strategy: c === 'all' ? undefined : c } };
  }
  return { ok: false, message: `volt block: nothing to show. Write ${KEYS}.` };
}
