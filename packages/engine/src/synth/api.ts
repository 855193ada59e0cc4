/**
 * The strategy API as the synthesizer model is shown it: the declarations a strategy is written
 * against, read from the engine's own type files with the TypeScript compiler (the built `.d.ts`
 * when Volt runs from its build, the sources in development), never a copy kept by hand. Starting
 * from `StrategyDefinition`, every type it names is followed through the strategy, indicator and
 * candle declarations; each is given with its doc comment, so the model reads what the editor's
 * hover shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ts from 'typescript';
import { typescriptCompiler } from '../analysis/index.js';

/** The engine's type files a strategy's API lives in, relative to the engine's root (src or dist). */
const API_FILES = ['strategy/types', 'indicators/types', 'data/candle', 'strategy/define', 'signals/types'];
/** Where the walk starts: what `defineStrategy` takes. */
const ROOTS = ['defineStrategy', 'StrategyDefinition'];
/**
 * Declared but not explained: a draft is a single-asset strategy; the options desk
 * (options/README.md) has its own, much larger API that a first draft does not need.
 */
const OPAQUE: Record<string, string> = {
  OptionsView: '/** The options desk (not for drafts: leave ctx.options alone). */\ninterface OptionsView {}',
};

let cached: string | undefined;

/** The folder the engine's modules are in: `src` in development, `dist` (or the sidecar's bundle folder) when built. */
function engineRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From src/synth or dist/synth the engine's root is one up; a bundle (the sidecar in the VS Code
  // extension) sits in bin/ next to the copied declarations.
  for (const root of [path.resolve(here, '..'), path.resolve(here, '..', '..')]) {
    if (existsSync(path.join(root, 'strategy', 'types.d.ts')) || existsSync(path.join(root, 'strategy', 'types.ts'))) return root;
  }
  throw new Error(`the engine's strategy types are not beside ${here}: reinstall Volt`);
}

function apiFile(root: string, name: string): string {
  const dts = path.join(root, `${name}.d.ts`);
  return existsSync(dts) ? dts : path.join(root, `${name}.ts`);
}

/** The strategy API's declarations as TypeScript text, generated once per process. */
export function strategyApiText(): string {
  cached ??= generate(engineRoot());
  return cached;
}

function generate(root: string): string {
  const T = typescriptCompiler();
  const declarations = new Map<string, { sf: ts.SourceFile; node: ts.Statement }>();
  for (const name of API_FILES) {
    const file = apiFile(root, name);
    const sf = T.createSourceFile(file, readFileSync(file, 'utf8'), T.ScriptTarget.ES2022, true, T.ScriptKind.TS);
    for (const node of sf.statements) {
      const id = declaredName(T, node);
      // The first declaration wins: a function's overloads or a .d.ts's `declare` repeat are one entry.
      if (id !== undefined && !declarations.has(id)) declarations.set(id, { sf, node });
    }
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [...ROOTS];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (OPAQUE[name] !== undefined) {
      out.push(OPAQUE[name]!);
      continue;
    }
    const found = declarations.get(name);
    if (!found) continue; // a built-in (Record, Readonly, Omit…)
    out.push(declarationText(T, found.sf, found.node));
    visitTypeNames(T, found.node, (ref) => {
      if (!seen.has(ref)) queue.push(ref);
    });
  }
  return out.join('\n\n');
}

function declaredName(T: typeof ts, node: ts.Statement): string | undefined {
  if (T.isInterfaceDeclaration(node) || T.isTypeAliasDeclaration(node)) return node.name.text;
  if (T.isFunctionDeclaration(node) && node.name) return node.name.text;
  return undefined;
}

/** The declaration with its doc comment, without `export`/`declare` and, for a function, without its body. */
function declarationText(T: typeof ts, sf: ts.SourceFile, node: ts.Statement): string {
  const full = sf.text.slice(node.getFullStart(), node.getEnd());
  const docStart = full.search(/\/\*\*/);
  const doc = docStart >= 0 && docStart < node.getStart(sf) - node.getFullStart() ? full.slice(docStart, node.getStart(sf) - node.getFullStart()).trim() + '\n' : '';
  let code = sf.text.slice(node.getStart(sf), node.getEnd());
  if (T.isFunctionDeclaration(node) && node.body) code = sf.text.slice(node.getStart(sf), node.body.getStart(sf)).trimEnd() + ';';
  code = code.replace(/^export\s+/, '').replace(/^declare\s+/, '');
  // Line comments (`// why the default is {}`) are for Volt's authors, not for the model.
  return (doc + code).replace(/^\s*\/\/.*\n/gm, '');
}

function visitTypeNames(T: typeof ts, node: ts.Node, found: (name: string) => void): void {
  const walk = (n: ts.Node): void => {
    if (T.isTypeReferenceNode(n) && T.isIdentifier(n.typeName)) found(n.typeName.text);
    if (T.isExpressionWithTypeArguments(n) && T.isIdentifier(n.expression)) found(n.expression.text);
    if (T.isImportTypeNode(n) && n.qualifier && T.isIdentifier(n.qualifier)) found(n.qualifier.text);
    T.forEachChild(n, walk);
  };
  walk(node);
}
