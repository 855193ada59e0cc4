/**
 * VOLT111: an options position written out in the strategy (an array of legs, as
 * `analyzePosition` takes them) with a short call that nothing caps: above the highest strike the
 * position loses one for one with the underlying, without limit. Read off literals only; an array
 * with a leg it cannot read (a spread, a computed quantity) says nothing rather than guess.
 */
import type * as ts from 'typescript';
import { typescript as T } from './typescript.js';

interface Leg {
  node: ts.ObjectLiteralExpression;
  right: 'call' | 'put' | 'underlying';
  quantity: number;
  strike: number;
}

/** The short calls that leave an array of legs with unlimited risk, and why; [] when none or unreadable. */
export function uncappedShortCalls(array: ts.ArrayLiteralExpression, numericValue: (e: ts.Node) => number | undefined): { node: ts.Node; message: string }[] {
  const legs: Leg[] = [];
  for (const element of array.elements) {
    if (!T().isObjectLiteralExpression(element)) return [];
    let right: Leg['right'] | undefined;
    let quantity: number | undefined;
    let strike = Number.NaN;
    for (const p of element.properties) {
      if (!T().isPropertyAssignment(p) || !(T().isIdentifier(p.name) || T().isStringLiteral(p.name))) {
        if (T().isSpreadAssignment(p)) return [];
        continue;
      }
      const name = p.name.text;
      if (name === 'right') {
        if (!T().isStringLiteral(p.initializer) && !T().isNoSubstitutionTemplateLiteral(p.initializer)) return [];
        const text = p.initializer.text;
        if (text !== 'call' && text !== 'put' && text !== 'underlying') return [];
        right = text;
      } else if (name === 'quantity') {
        quantity = numericValue(p.initializer);
        if (quantity === undefined) return [];
      } else if (name === 'strike') {
        strike = numericValue(p.initializer) ?? Number.NaN;
      }
    }
    // Not a leg at all: this is some other array.
    if (right === undefined || quantity === undefined) return [];
    legs.push({ node: element, right, quantity, strike });
  }
  if (legs.length === 0 || !legs.some((l) => l.right !== 'underlying')) return [];
  // Stock held covers calls (covered calls); its multiplier is not in the legs, so any long stock counts.
  if (legs.some((l) => l.right === 'underlying' && l.quantity > 0)) return [];
  const calls = legs.filter((l) => l.right === 'call');
  const netCalls = calls.reduce((n, l) => n + l.quantity, 0);
  const shortStock = legs.some((l) => l.right === 'underlying' && l.quantity < 0);
  if (netCalls >= 0 && !shortStock) return [];
  if (netCalls >= 0 && shortStock && netCalls > 0) return [];
  // Point at the highest short call: the one nothing above covers.
  const shorts = calls.filter((l) => l.quantity < 0).sort((a, b) => b.strike - a.strike);
  const target = shorts[0] ?? legs.find((l) => l.right === 'underlying' && l.quantity < 0)!;
  const strike = Number.isFinite(target.strike) ? ` ${target.strike}` : '';
  const message =
    target.right === 'call'
      ? `short call${strike} with nothing above it: ${-netCalls} more call(s) sold than bought, so the loss grows without limit as the price rises. Buy a call above it (a call spread) to define the maximum loss.`
      : 'short underlying with no long call over it: the loss grows without limit as the price rises. Buy a call above the price to define the maximum loss.';
  return [{ node: target.node, message }];
}
