/**
 * Hover over a param (its default, range and description), an indicator declaration (what it is
 * and how many bars it needs before its first value), or a leg of an options position
 * (options-hover.ts).
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { describeOrder, describePositionAt, optionsOpenCall, type LastRunMarket } from './options-hover.js';

/** The compiler, loaded on the first hover (the server's thread otherwise never needs it). */
let ts: typeof TS;
function loadTypescript(): void {
  ts ??= createRequire(import.meta.url)('typescript') as typeof TS;
}

const INDICATORS: Record<string, { name: string; args: string[]; defaults: (number | undefined)[]; warmup: (a: number[]) => number; what: string }> = {
  sma: { name: 'SMA', args: ['period'], defaults: [undefined], warmup: (a) => a[0]!, what: 'simple moving average of the close' },
  ema: { name: 'EMA', args: ['period'], defaults: [undefined], warmup: (a) => a[0]!, what: 'exponential moving average, seeded with the SMA of the first period' },
  rsi: { name: 'RSI', args: ['period'], defaults: [14], warmup: (a) => a[0]! + 1, what: 'relative strength index with Wilder smoothing, 0–100' },
  macd: { name: 'MACD', args: ['fast', 'slow', 'signal'], defaults: [12, 26, 9], warmup: (a) => a[1]! + a[2]! - 1, what: 'fast EMA − slow EMA, with a signal EMA and histogram' },
  bollinger: { name: 'Bollinger', args: ['period', 'stdDev'], defaults: [20, 2], warmup: (a) => a[0]!, what: 'SMA ± k population standard deviations; upper, middle, lower, bandwidth, percentB' },
  atr: { name: 'ATR', args: ['period'], defaults: [14], warmup: (a) => a[0]!, what: 'average true range with Wilder smoothing' },
  realizedVol: { name: 'Realized vol', args: ['period', 'barsPerYear'], defaults: [20, undefined], warmup: (a) => a[0]! + 1, what: 'standard deviation of log returns, annualised when barsPerYear is given' },
};

function numberOf(e: TS.Expression | undefined): number | undefined {
  if (!e) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  return undefined;
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

function describeParam(sf: TS.SourceFile, name: string): string | undefined {
  const params = paramsObject(sf);
  const prop = params?.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === name);
  if (!prop || !ts.isPropertyAssignment(prop)) return undefined;
  const v = prop.initializer;
  if (ts.isNumericLiteral(v)) return `**param** \`${name}\` = ${v.text}`;
  if (!ts.isObjectLiteralExpression(v)) return `**param** \`${name}\``;
  const field = (k: string) => {
    const p = v.properties.find((x) => x.name && ts.isIdentifier(x.name) && x.name.text === k);
    return p && ts.isPropertyAssignment(p) ? p.initializer.getText(sf) : undefined;
  };
  const range = field('min') !== undefined || field('max') !== undefined ? ` in [${field('min') ?? '−∞'}, ${field('max') ?? '+∞'}]` : '';
  const step = field('step') !== undefined ? `, step ${field('step')}` : '';
  const description = field('description');
  return `**param** \`${name}\` = ${field('value') ?? '?'}${range}${step}${description ? `\n\n${description.slice(1, -1)}` : ''}`;
}

function describeIndicator(call: TS.CallExpression, method: string, bars: number | undefined): string | undefined {
  const spec = INDICATORS[method];
  if (!spec) return undefined;
  const args = spec.args.map((_, i) => numberOf(call.arguments[i]) ?? (call.arguments[i] ? undefined : spec.defaults[i]));
  const shown = args.map((a, i) => (a === undefined ? spec.args[i] : String(a))).join(', ');
  const known = spec.args.every((_, i) => i >= 3 || args[i] !== undefined || spec.name === 'Realized vol' && i === 1);
  let text = `**${spec.name}(${shown})**: ${spec.what}.`;
  if (known && args.slice(0, spec.name === 'MACD' ? 3 : 1).every((a) => a !== undefined)) {
    const need = spec.warmup(args as number[]);
    text += `\n\nReady after ${need} bars${bars !== undefined ? ` (the configured data has ${bars})` : ''}.`;
  }
  return text;
}

export function hoverAt(text: string, offset: number, bars: number | undefined, market?: LastRunMarket): Hover | null {
  loadTypescript();
  const sf = ts.createSourceFile('hover.ts', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  let node: TS.Node | undefined;
  const visit = (n: TS.Node): void => {
    if (offset >= n.getStart(sf) && offset <= n.getEnd()) {
      node = n;
      ts.forEachChild(n, visit);
    }
  };
  visit(sf);
  if (!node || !ts.isIdentifier(node)) return null;
  const id = node;
  const parent = id.parent;
  let value: string | undefined;
  const order = optionsOpenCall(ts, id);
  if (order) {
    value = describeOrder(ts, order, market);
  } else if (ts.isPropertyAccessExpression(parent) && parent.name === id) {
    const target = parent.expression.getText(sf);
    if (/(^|\.)params$|^p$/.test(target)) value = describeParam(sf, id.text);
    else if (ts.isCallExpression(parent.parent) && parent.parent.expression === parent) value = describeIndicator(parent.parent, id.text, bars);
  } else if (ts.isPropertyAssignment(parent) && parent.name === id && parent.parent === paramsObject(sf)) {
    value = describeParam(sf, id.text);
  } else if (ts.isPropertyAssignment(parent) && parent.name === id && ts.isObjectLiteralExpression(parent.parent) && ts.isArrayLiteralExpression(parent.parent.parent)) {
    value = describePositionAt(ts, sf, id, market);
  }
  if (!value) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value },
    range: { start: sf.getLineAndCharacterOfPosition(id.getStart(sf)), end: sf.getLineAndCharacterOfPosition(id.getEnd()) },
  };
}
