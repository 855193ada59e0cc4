import type { SourceEdit, SourcePoint } from './types.js';

function offsetAt(text: string, lineStarts: number[], p: SourcePoint): number {
  const start = lineStarts[p.line];
  if (start === undefined) return text.length;
  const next = lineStarts[p.line + 1] ?? text.length + 1;
  return Math.min(start + p.character, next - 1, text.length);
}

/** Applies non-overlapping edits (a finding's fix) to `text`; used by `volt lint --fix` and tests. */
export function applyEdits(text: string, edits: readonly SourceEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const spans = edits
    .map((e) => ({ from: offsetAt(text, lineStarts, e.range.start), to: offsetAt(text, lineStarts, e.range.end), text: e.newText }))
    .sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const s of spans) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}
