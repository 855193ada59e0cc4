/**
 * Finding where in a strategy's source a property was written, by scanning the text: from the
 * `defineStrategy(` call, look for each name of the path in turn. Not a parser, and it need not be:
 * it only has to put the cursor on the right line for an error, and falls back to the call itself.
 */

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export function positionAt(source: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset of the strategy's definition: the `defineStrategy(` call, else `export default`, else 0. */
export function definitionOffset(source: string): number {
  const call = /\bdefineStrategy\s*(?:<[^>]*>)?\s*\(/.exec(source);
  if (call) return call.index;
  const def = /\bexport\s+default\b/.exec(source);
  return def ? def.index : 0;
}

/**
 * Where `path` (e.g. ['risk', 'stopLoss']) is written inside the definition. Each name is looked
 * for after the previous one, as a key (`name:`, `'name':`), a method (`onBar(`) or shorthand
 * (`risk,`). When a name is not found, the deepest one found (or the call) is returned.
 */
export function locateProperty(source: string, path: readonly string[]): SourcePosition {
  let at = definitionOffset(source);
  for (const segment of path) {
    const re = new RegExp(`(?<![\\w$.])(['"]?)${escapeRegExp(segment)}\\1\\s*(?=[:(,}\\n])`, 'g');
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) break;
    at = m.index;
  }
  return positionAt(source, at);
}
