/**
 * Where a strategy's `params` block and each param's default sit in its source, so a sweep's
 * best values can be written back as an edit: `fast: { value: 12, … }` has its `value` replaced,
 * `fast: 12` its number. The rest of the text (ranges, comments, layout) is left as it is.
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

let ts: typeof TS;

export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface ParamsEdit {
  /** The `params: { … }` object literal. */
  block: { start: number; end: number };
  edits: OffsetEdit[];
  /** Names asked for that the block does not declare (the strategy changed since the sweep). */
  missing: string[];
}

function paramsObject(sf: TS.SourceFile): TS.ObjectLiteralExpression | undefined {
  let found: TS.ObjectLiteralExpression | undefined;
  const visit = (n: TS.Node): void => {
    if (found) return;
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'params' && ts.isObjectLiteralExpression(n.initializer)) {
      found = n.initializer;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const nameOf = (p: TS.ObjectLiteralElementLike): string | undefined => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined);

/** The edits that set each param's default to `values`; undefined when the source has no params block. */
export function paramsEdit(text: string, values: Readonly<Record<string, number>>): ParamsEdit | undefined {
  ts ??= createRequire(import.meta.url)('typescript') as typeof TS;
  const sf = ts.createSourceFile('strategy.ts', text, ts.ScriptTarget.Latest, true);
  const block = paramsObject(sf);
  if (!block) return undefined;
  const edits: OffsetEdit[] = [];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const prop = block.properties.find((p) => nameOf(p) === name);
    let target: TS.Expression | undefined;
    if (prop && ts.isPropertyAssignment(prop)) {
      const v = prop.initializer;
      if (ts.isObjectLiteralExpression(v)) {
        const field = v.properties.find((p) => nameOf(p) === 'value');
        if (field && ts.isPropertyAssignment(field)) target = field.initializer;
      } else {
        target = v;
      }
    }
    if (!target) {
      missing.push(name);
      continue;
    }
    const newText = String(value);
    if (target.getText(sf) !== newText) edits.push({ start: target.getStart(sf), end: target.getEnd(), newText });
  }
  return { block: { start: block.getStart(sf), end: block.getEnd() }, edits, missing };
}
