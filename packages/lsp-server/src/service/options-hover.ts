/**
 * Hover over a leg of an options position written out in a strategy (an array of
 * `{ right, quantity, strike, years, premium }`, as `analyzePosition` takes them): the position's
 * entry cost, breakevens, max reward and risk, and — when the `analyzePosition({ … })` call that
 * takes the legs gives `spot` and `vol` as numbers, or the strategy's last run gives them — its
 * greeks and probability of profit. A leg whose premium is not a number is priced by Black–Scholes
 * at the last run's close. Literals only otherwise: a leg computed at run time shows nothing.
 *
 * Hover over a `ctx.options.open(legs, reason)` order (its `open`, or a leg's property) shows what
 * the strategy's last run filled for it: the latest position it opened, priced at that fill (the
 * legs' own fill prices and the vols they imply), with breakevens, max risk and reward, PoP and
 * greeks, and how the order's positions did. The strikes of such an order are usually picked from
 * the chain at run time, so the run is where its numbers are.
 */
import type * as TS from 'typescript';
import {
  analyzePosition,
  barsPerYear,
  impliedVolatility,
  priceOption,
  type BacktestReport,
  type CandleSeries,
  type HeldLeg,
  type PositionInput,
  type PositionLeg,
} from '@volt/engine';

/** What the last run's `ctx.options.open` orders of one reason did. */
export interface LastRunOrders {
  /** The order's reason ('' when it gave none). */
  reason: string;
  /** Positions it opened. */
  filled: number;
  /** Of those, how many had ended by the run's end, and their P&L after fees. */
  ended: number;
  pnl: number;
  /** Orders of this reason the panel, the risk gate or the size cap refused. */
  refused: number;
  /** The last position it opened, and the underlying's open at that fill. */
  latest?: { openedAt: number; spot: number; legs: HeldLeg[]; entryCost: number; fees: number; pnl: number | null };
}

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
  /** The run's options orders by reason (at most MAX_REASONS), when it used ctx.options. */
  orders?: LastRunOrders[];
}

const MAX_REASONS = 50;

const VOL_BARS = 20;

/** The last close and 20-bar realized volatility of a run's candles (as ctx.options prices its synthetic chain). */
export function lastRunMarket(series: Readonly<CandleSeries>, options?: BacktestReport['options']): LastRunMarket | undefined {
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
  const market: LastRunMarket = { symbol: series.symbol, spot: c[n - 1]!, vol, time: series.time[n - 1]!, synthetic: series.source.startsWith('synthetic:') };
  if (options !== undefined) market.orders = ordersOf(series, options);
  return market;
}

/** The report's options positions and refusals gathered by reason, the latest position of each kept whole. */
function ordersOf(series: Readonly<CandleSeries>, options: NonNullable<BacktestReport['options']>): LastRunOrders[] {
  const by = new Map<string, LastRunOrders>();
  const of = (reason: string): LastRunOrders | undefined => {
    let o = by.get(reason);
    if (o === undefined && by.size < MAX_REASONS) by.set(reason, (o = { reason, filled: 0, ended: 0, pnl: 0, refused: 0 }));
    return o;
  };
  for (const p of options.positions) {
    const o = of(p.reason);
    if (o === undefined) continue;
    o.filled++;
    if (p.pnl !== null) {
      o.ended++;
      o.pnl += p.pnl;
    }
    if (o.latest === undefined || p.openedAt >= o.latest.openedAt) {
      o.latest = { openedAt: p.openedAt, spot: series.open[barAt(series.time, p.openedAt)]!, legs: p.legs.map((l) => ({ ...l })), entryCost: p.entryCost, fees: p.fees, pnl: p.pnl };
    }
  }
  for (const r of options.refused) {
    const o = of(r.reason);
    if (o) o.refused++;
  }
  return [...by.values()];
}

/** The bar opening at `time` (the last one at or before it). */
function barAt(time: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = time.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (time[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
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
  const order = optionsOpenCall(ts, array);
  if (order) return describeOrder(ts, order, market);
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

/** `X.options.open(legs, …)` when `node` is its legs array or its `open`; undefined otherwise. */
export function optionsOpenCall(ts: typeof TS, node: TS.Node): TS.CallExpression | undefined {
  if (ts.isArrayLiteralExpression(node)) {
    const call = node.parent;
    return ts.isCallExpression(call) && call.arguments[0] === node && isOptionsOpen(ts, call.expression) ? call : undefined;
  }
  if (ts.isIdentifier(node) && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node && isOptionsOpen(ts, node.parent)) {
    const call = node.parent.parent;
    return ts.isCallExpression(call) && call.expression === node.parent ? call : undefined;
  }
  return undefined;
}

function isOptionsOpen(ts: typeof TS, e: TS.Expression): boolean {
  return ts.isPropertyAccessExpression(e) && e.name.text === 'open' && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'options';
}

const YEAR_MS = 365 * 86_400_000;
/** The options book's contract size (BacktestOptions' default; the report does not repeat it). */
const MULTIPLIER = 100;
const utc = (t: number): string => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** What the last run filled for a `ctx.options.open` order: its latest position at the fill, and how its positions did. */
export function describeOrder(ts: typeof TS, call: TS.CallExpression, market?: LastRunMarket): string {
  const arg = call.arguments[1];
  // A reason written out picks its positions; one computed at run time takes every position.
  const reason = arg === undefined ? '' : ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg) ? arg.text : undefined;
  const title = `**options order** (\`ctx.options.open\`${reason ? `, reason "${reason}"` : ''})`;
  if (market === undefined) {
    return `${title}: its strikes come from the chain at run time, so its greeks, PoP, max risk and reward come from a run of the strategy. Run it to see them here.`;
  }
  const from = (market.orders ?? []).filter((o) => reason === undefined || o.reason === reason);
  let filled = 0;
  let ended = 0;
  let pnl = 0;
  let refused = 0;
  let latest: LastRunOrders['latest'];
  for (const o of from) {
    filled += o.filled;
    ended += o.ended;
    pnl += o.pnl;
    refused += o.refused;
    if (o.latest && (latest === undefined || o.latest.openedAt > latest.openedAt)) latest = o.latest;
  }
  const refusedNote = refused > 0 ? ` ${refused} refused (\`options.refused\` in the report says why).` : '';
  if (latest === undefined) return `${title}: the last run filled none of these.${refusedNote}`;
  const legs: PositionLeg[] = latest.legs.map((l) => ({ right: l.right, quantity: l.quantity, strike: l.strike, years: Math.max(0, (l.expiry - latest!.openedAt) / YEAR_MS), premium: l.entry }));
  // Each leg at the vol its own fill price implies (bought at the ask, sold at the bid).
  const implied: number[] = [];
  for (const leg of legs) {
    if (leg.right === 'underlying') continue;
    const iv = impliedVolatility({ right: leg.right, spot: latest.spot, strike: leg.strike, years: leg.years, rate: 0, price: leg.premium });
    if (iv.ok) {
      leg.vol = iv.vol;
      implied.push(iv.vol);
    }
  }
  implied.sort((a, b) => a - b);
  const vol = implied.length > 0 ? implied[implied.length >> 1]! : market.vol;
  const lines = [
    `${title}: the last run filled it ${filled === 1 ? 'once' : `${filled} times`}${ended > 0 ? `; ${ended === filled ? (filled === 1 ? 'it' : 'they') : `the ${ended} that ended`} made ${pnl >= 0 ? '+' : ''}${money(pnl)} after fees` : ''}.${refusedNote}`,
    '',
    `| the latest, filled ${utc(latest.openedAt)} at spot ${short(latest.spot)} | |`,
    '|---|---|',
    `| legs | ${latest.legs.map((l) => `${l.quantity > 0 ? '+' : ''}${l.quantity} ${l.right} ${short(l.strike)} at ${short(l.entry)}, expiring ${utc(l.expiry)}`).join('; ')} |`,
    `| entry | ${latest.entryCost >= 0 ? 'debit' : 'credit'} ${money(Math.abs(latest.entryCost))}, fees ${money(latest.fees)} included |`,
  ];
  if (vol > 0) {
    let a;
    try {
      a = analyzePosition({ legs, spot: latest.spot, vol, rate: 0, multiplier: MULTIPLIER });
    } catch (e) {
      return `${title}: ${e instanceof Error ? e.message : String(e)}`;
    }
    const g = a.greeks;
    lines.push(`| breakevens at the first expiry | ${a.breakevens.length > 0 ? a.breakevens.map(short).join(', ') : 'none'} |`);
    // The position's structure at its fill prices; the fees come on top.
    lines.push(`| max reward | ${money(a.maxReward)} before fees |`);
    lines.push(`| max risk | ${money(a.maxRisk)} before fees |`);
    lines.push(`| probability of profit | ${(a.probabilityOfProfit * 100).toFixed(1)}% (lognormal, ${implied.length > 0 ? `vol ${(vol * 100).toFixed(1)}% implied by the fills` : `realized vol ${(vol * 100).toFixed(1)}%`}) |`);
    lines.push(`| greeks at the fill | delta ${g.delta.toFixed(2)}, gamma ${g.gamma.toFixed(4)}, theta ${g.thetaPerDay.toFixed(2)}/day, vega ${g.vegaPerPoint.toFixed(2)}/vol point |`);
  }
  const states = latest.legs.map((l) => l.state).join(', ');
  lines.push(`| how it ended | ${latest.pnl === null ? `open at the run's end (${states})` : `P&L ${latest.pnl >= 0 ? '+' : ''}${money(latest.pnl)} (${states})`} |`);
  return lines.join('\n');
}
