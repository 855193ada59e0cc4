/**
 * Hover over a leg of an options position written out in a strategy (an array of
 * `{ right, quantity, strike, years, premium }`, as `analyzePosition` takes them): the position's
 * entry cost, breakevens, max reward and risk, and — when the `analyzePosition({ … })` call that
 * takes the legs gives `spot` and `vol` as numbers, or the strategy's last run gives them — its
 * greeks and probability of profit. A leg whose premium is not a number is priced by Black–Scholes
 * at the last run's close. Literals only otherwise: a leg computed at run time shows nothing.
 */
import type * as TS from 'typescript';
import { analyzePosition, barsPerYear, priceOption, type CandleSeries, type PositionInput, type PositionLeg } from '@volt/engine';

/** Where the strategy's last run left the market: its last close and realized volatility. */
export interface LastRunMarket {
  symbol: string;
  /** The last bar's close. */
  spot: number;
  /** Annualised sample sd of the last 20 bars' log returns; NaN when the run was shorter. */
  vol: number;
  /** The last bar's time, epoch ms. */
  time: number;
  synthetic: boolean;
}

const VOL_BARS = 20;

/** The last close and 20-bar realized volatility of a run's candles (as ctx.options prices its synthetic chain). */
export function lastRunMarket(series: Readonly<CandleSeries>): LastRunMarket | undefined {
  const n = series.length;
  if (n === 0) return undefined;
  const c = series.close;
  let vol = Number.NaN;
  let perYear = 0;
  try {
    perYear = barsPerYear(series.timeframe);
  } catch {
    perYear = n > 1 ? ((n - 1) * 365 * 86_400_000) / (series.time[n - 1]! - series.time[0]!) : 0;
  }
  if (n > VOL_BARS && perYear > 0) {
    let sum = 0;
    let sumSq = 0;
    for (let k = n - VOL_BARS; k < n; k++) {
      const r = Math.log(c[k]! / c[k - 1]!);
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / VOL_BARS;
    const variance = (sumSq - VOL_BARS * mean * mean) / (VOL_BARS - 1);
    if (variance > 0) vol = Math.sqrt(variance * perYear);
  }
  return { symbol: series.symbol, spot: c[n - 1]!, vol, time: series.time[n - 1]!, synthetic: series.source.startsWith('synthetic:') };
}

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

function readLegs(ts: typeof TS, array: TS.ArrayLiteralExpression, market?: LastRunMarket): { legs: PositionLeg[]; priced: number } | undefined {
  const legs: PositionLeg[] = [];
  let priced = 0;
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
    let premium = num('premium');
    if (quantity === undefined) return undefined;
    if (right.text === 'underlying') {
      premium ??= market?.spot;
      if (premium === undefined) return undefined;
      legs.push({ right: 'underlying', quantity, premium });
      continue;
    }
    if (right.text !== 'call' && right.text !== 'put') return undefined;
    const strike = num('strike');
    const years = num('years');
    if (strike === undefined || years === undefined) return undefined;
    const vol = num('vol');
    if (premium === undefined) {
      // Not a number in the source (a quote at run time): what the last run's close says it costs.
      const at = vol ?? market?.vol;
      if (market === undefined || !(at !== undefined && at > 0) || !(strike > 0) || !(years >= 0)) return undefined;
      premium = priceOption({ right: right.text, spot: market.spot, strike, years, rate: 0, vol: at }).price;
      priced++;
    }
    legs.push({ right: right.text, quantity, strike, years, premium, ...(vol === undefined ? {} : { vol }) });
  }
  return legs.length > 0 ? { legs, priced } : undefined;
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

export function describePositionAt(ts: typeof TS, sf: TS.SourceFile, id: TS.Identifier, market?: LastRunMarket): string | undefined {
  let leg: TS.Node = id;
  while (!ts.isObjectLiteralExpression(leg) || !ts.isArrayLiteralExpression(leg.parent)) {
    if (ts.isSourceFile(leg.parent) || leg.parent === undefined) return undefined;
    leg = leg.parent;
  }
  const array = leg.parent as TS.ArrayLiteralExpression;
  const read = readLegs(ts, array, market);
  if (!read) return undefined;
  const { legs, priced } = read;
  const around = positionObject(ts, sf, array);
  const given = (name: string): number | undefined => {
    const e = around?.get(name);
    return e === undefined ? undefined : evaluate(ts, e);
  };
  // Numbers in the source first; what the source leaves to run time, from the last run's close.
  const spot = given('spot') ?? market?.spot;
  const vol = given('vol') ?? (market !== undefined && market.vol > 0 ? market.vol : undefined);
  const fromRun = market !== undefined && (given('spot') === undefined || given('vol') === undefined || priced > 0);
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
    lines.push('', `PoP and greeks need \`spot\` and \`vol\` as numbers where the legs are analysed, or a run of the strategy${sameExpiry ? '' : ' (so do a calendar’s breakevens and max risk)'}.`);
  }
  if (fromRun && market !== undefined) {
    const when = new Date(market.time).toISOString().slice(0, 16).replace('T', ' ');
    const parts = [`${market.symbol}${market.synthetic ? ' (synthetic data)' : ''} closed at ${short(market.spot)} on ${when} UTC`];
    if (market.vol > 0) parts.push(`realized vol ${(market.vol * 100).toFixed(1)}% over 20 bars`);
    if (priced > 0) parts.push(`${priced} premium${priced === 1 ? '' : 's'} priced there by Black–Scholes`);
    lines.push('', `From the last run: ${parts.join(', ')}.`);
  }
  return lines.join('\n');
}
