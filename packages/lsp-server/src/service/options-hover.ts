/**
 * Hover over a leg of an options position written out in a strategy (an array of
 * `{ right, quantity, strike, years, premium }`, as `analyzePosition` takes them): the position's
 * entry cost, breakevens, max reward and risk, and — when the `analyzePosition({ … })` call that
 * takes the legs gives `spot` and `vol` as numbers — its greeks and probability of profit.
 * Literals only: a leg computed at run time shows nothing.
 */
import type * as TS from 'typescript';
import { analyzePosition, type PositionInput, type PositionLeg } from '@volt/engine';

/** A number written out: a literal, −literal, or + − × ÷ of those (`30 / 365`). */
function evaluate(ts: typeof TS, e: TS.Expression): number | undefined {
  if (ts.isParenthesizedExpression(e)) return evaluate(ts, e.expression);
  if (ts.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (ts.isPrefixUnaryExpression(e)) {
    const v = evaluate(ts, e.operand);
    if (v === undefined) return undefined;
    return e.operator === ts.SyntaxKind.MinusToken ? -v : e.operator === ts.SyntaxKind.PlusToken ? v : undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const a = evaluate(ts, e.left);
    const b = evaluate(ts, e.right);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.SlashToken: return a / b;
      default: return undefined;
    }
  }
  return undefined;
}

function fields(ts: typeof TS, o: TS.ObjectLiteralExpression): Map<string, TS.Expression> | undefined {
  const out = new Map<string, TS.Expression>();
  for (const p of o.properties) {
    if (ts.isSpreadAssignment(p)) return undefined;
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) out.set(p.name.text, p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p.name);
  }
  return out;
}

function readLegs(ts: typeof TS, array: TS.ArrayLiteralExpression): PositionLeg[] | undefined {
  const legs: PositionLeg[] = [];
  for (const element of array.elements) {
    if (!ts.isObjectLiteralExpression(element)) return undefined;
    const f = fields(ts, element);
    const right = f?.get('right');
    if (!f || !right || !(ts.isStringLiteral(right) || ts.isNoSubstitutionTemplateLiteral(right))) return undefined;
    const num = (name: string): number | undefined => {
      const e = f.get(name);
      return e === undefined ? undefined : evaluate(ts, e);
    };
    const quantity = num('quantity');
    const premium = num('premium');
    if (quantity === undefined || premium === undefined) return undefined;
    if (right.text === 'underlying') {
      legs.push({ right: 'underlying', quantity, premium });
      continue;
    }
    if (right.text !== 'call' && right.text !== 'put') return undefined;
    const strike = num('strike');
    const years = num('years');
    if (strike === undefined || years === undefined) return undefined;
    const vol = num('vol');
    legs.push({ right: right.text, quantity, strike, years, premium, ...(vol === undefined ? {} : { vol }) });
  }
  return legs.length > 0 ? legs : undefined;
}

/** The object literal that passes these legs on (`{ legs: [...] }` or `{ legs: NAME }` where NAME holds them). */
function positionObject(ts: typeof TS, sf: TS.SourceFile, array: TS.ArrayLiteralExpression): Map<string, TS.Expression> | undefined {
  const parent = array.parent;
  if (ts.isPropertyAssignment(parent) && ts.isObjectLiteralExpression(parent.parent)) return fields(ts, parent.parent);
  if (!ts.isVariableDeclaration(parent) || !ts.isIdentifier(parent.name)) return undefined;
  const name = parent.name.text;
  let found: Map<string, TS.Expression> | undefined;
  const visit = (n: TS.Node): void => {
    if (found) return;
    if (ts.isObjectLiteralExpression(n)) {
      const f = fields(ts, n);
      const legs = f?.get('legs');
      if (legs && ts.isIdentifier(legs) && legs.text === name) {
        found = f;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const money = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'unlimited');
const short = (x: number): string => Number(x.toPrecision(6)).toString();

export function describePositionAt(ts: typeof TS, sf: TS.SourceFile, id: TS.Identifier): string | undefined {
  let leg: TS.Node = id;
  while (!ts.isObjectLiteralExpression(leg) || !ts.isArrayLiteralExpression(leg.parent)) {
    if (ts.isSourceFile(leg.parent) || leg.parent === undefined) return undefined;
    leg = leg.parent;
  }
  const array = leg.parent as TS.ArrayLiteralExpression;
  const legs = readLegs(ts, array);
  if (!legs) return undefined;
  const around = positionObject(ts, sf, array);
  const given = (name: string): number | undefined => {
    const e = around?.get(name);
    return e === undefined ? undefined : evaluate(ts, e);
  };
  const spot = given('spot');
  const vol = given('vol');
  const known = spot !== undefined && spot > 0 && vol !== undefined && vol > 0;
  const strikes = legs.flatMap((l) => (l.right === 'underlying' ? [l.premium] : [l.strike]));
  // Breakevens and max risk/reward of legs expiring together do not depend on spot or vol: any will do.
  const input: PositionInput = {
    legs,
    spot: known ? spot : strikes.reduce((a, b) => a + b, 0) / strikes.length,
    vol: known ? vol : 0.3,
    rate: given('rate') ?? 0,
    ...(given('dividendYield') === undefined ? {} : { dividendYield: given('dividendYield')! }),
    ...(given('multiplier') === undefined ? {} : { multiplier: given('multiplier')! }),
  };
  let a;
  try {
    a = analyzePosition(input);
  } catch (e) {
    return `**options position**: ${e instanceof Error ? e.message : String(e)}`;
  }
  const sameExpiry = legs.every((l) => l.right === 'underlying' || Math.abs(l.years - a.horizonYears) < 1e-12);
  const lines = [
    `**options position** of ${legs.length} leg${legs.length === 1 ? '' : 's'}: entry ${a.entryCost >= 0 ? 'debit' : 'credit'} ${money(Math.abs(a.entryCost))}`,
    '',
    `| at the first expiry (${short(a.horizonYears * 365)} days) | |`,
    '|---|---|',
  ];
  if (sameExpiry || known) {
    lines.push(`| breakevens | ${a.breakevens.length > 0 ? a.breakevens.map(short).join(', ') : 'none'} |`);
    lines.push(`| max reward | ${money(a.maxReward)} |`);
    lines.push(`| max risk | ${money(a.maxRisk)} |`);
  }
  if (known) {
    const g = a.greeks;
    lines.push(`| probability of profit | ${(a.probabilityOfProfit * 100).toFixed(1)}% (lognormal, spot ${short(spot)}, vol ${(vol * 100).toFixed(1)}%) |`);
    lines.push(`| greeks now | delta ${g.delta.toFixed(2)}, gamma ${g.gamma.toFixed(4)}, theta ${g.thetaPerDay.toFixed(2)}/day, vega ${g.vegaPerPoint.toFixed(2)}/vol point |`);
  } else {
    lines.push('', `PoP and greeks need \`spot\` and \`vol\` as numbers where the legs are analysed${sameExpiry ? '' : ' (so do a calendar’s breakevens and max risk)'}.`);
  }
  return lines.join('\n');
}
