import path from 'node:path';
import {
  analyzePosition,
  deribitOptionChain,
  impliedVolatility,
  loadConfig,
  RiskGate,
  sizePosition,
  type PositionLeg,
  type PositionAnalysis,
  priceAmerican,
  priceOption,
  type OptionGreeks,
  type OptionInput,
  type OptionRight,
  type PricingModel,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'price an option with every greek, solve its implied volatility, analyse a position of several legs, or fetch a Deribit chain';

const USAGE = `usage: volt options <price|iv|position|chain> [options]

  volt options price --spot S --strike K (--years T | --days D) --vol V [--rate R] [--dividend-yield Q]
                     [--right call|put] [--model bsm|black76] [--american [--steps N]] [--json]
      The option's value and every greek with its unit (theta per year and per day, vega per 1.00
      and per vol point, rho per 1.00 and per point). Both rights unless --right is given.
      --model black76 reads --spot as the futures price. --american prices on a Leisen–Reimer
      tree (default 201 steps). Rates, yields and vols are fractions: --vol 0.2 is 20%.

  volt options iv --price P --right call|put --spot S --strike K (--years T | --days D) [--rate R]
                  [--dividend-yield Q] [--model bsm|black76] [--american [--steps N]] [--json]
      The implied volatility of an option's price, or why there is none (below intrinsic,
      no time value, above the no-arbitrage maximum, expired): exit 1 then. --american solves
      against the Leisen–Reimer tree's price (early exercise), not the European formula.

  volt options position --leg LEG [--leg LEG]... --spot S --vol V (--days D | --years T) [--rate R]
                        [--dividend-yield Q] [--multiplier 100] [--drift MU] [--equity E
                        [--kelly 0.5]] [--json]
      A position of several legs: entry cost, value, greeks, breakevens, max risk and reward, the
      probability of profit and of touching each breakeven and short strike by the first expiry
      (lognormal, drift = rate − yield unless --drift), and with --equity its size by half Kelly,
      capped by the risk limits of volt.config.json (risk.*). A leg is
        long|short [N] call|put STRIKE [@PREMIUM] [Dd]     e.g. "short call 105 @3.10"
        long|short N stock @PRICE                          e.g. "long 100 stock @98.5"
      N contracts (default 1); PREMIUM per unit (default: priced by Black–Scholes at --vol);
      Dd the leg's own days to expiry (default --days), e.g. "long call 100 @6.30 90d".

  volt options chain CURRENCY [--max-age SECONDS] [--json]
      Deribit's option chain of CURRENCY (BTC, ETH, …) through ccxt: each expiry with its
      futures price and strikes, or with --json every quote. Kept in .volt/cache/ as a snapshot
      (read from there for --max-age, default 60 s; offline, the newest one there); the snapshots
      kept are a chain history: volt backtest --options-chain deribit:CURRENCY replays them.`;

const PRICE_USAGE = USAGE.split('\n\n')[1]!;
const CHAIN_USAGE = USAGE.split('\n\n')[4]!;

async function chain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { 'max-age': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(CHAIN_USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`which currency? e.g. volt options chain BTC\n\n${CHAIN_USAGE}`);
  const maxAge = numberOption('max-age', values['max-age']);
  if (maxAge !== undefined && !(maxAge >= 0)) throw new UsageError(`--max-age must be seconds ≥ 0, got ${maxAge}`);
  const got = await deribitOptionChain({
    currency: positionals[0]!,
    cwd: process.cwd(),
    ...(maxAge !== undefined ? { maxAgeMs: maxAge * 1000 } : {}),
    onNote: (n) => process.stderr.write(`volt options chain: ${n}\n`),
  });
  if (values.json) {
    process.stdout.write(JSON.stringify({ schemaVersion: 1, ...got }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return EXIT.ok;
  }
  const expiries = new Map<number, typeof got.quotes>();
  for (const q of got.quotes) expiries.set(q.expiry, [...(expiries.get(q.expiry) ?? []), q]);
  const lines = [`${got.currency} options on deribit, ${new Date(got.fetchedAt).toISOString()}: ${got.quotes.length} quotes, ${expiries.size} expiries`];
  for (const [expiry, quotes] of expiries) {
    const strikes = [...new Set(quotes.map((q) => q.strike))];
    lines.push(`  ${new Date(expiry).toISOString().slice(0, 16).replace('T', ' ')}  futures ${num(quotes[0]!.underlyingPrice)}  ${strikes.length} strikes ${num(strikes[0]!)}–${num(strikes.at(-1)!)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
const IV_USAGE = USAGE.split('\n\n')[2]!;
const POSITION_USAGE = USAGE.split('\n\n')[3]!;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (sub === 'price') return price(rest);
  if (sub === 'iv') return iv(rest);
  if (sub === 'position') return position(rest);
  if (sub === 'chain') return chain(rest);
  throw new UsageError(sub === undefined ? `missing subcommand\n\n${USAGE}` : `unknown subcommand '${sub}'\n\n${USAGE}`);
}

const MARKET_OPTIONS = {
  spot: { type: 'string' },
  strike: { type: 'string' },
  years: { type: 'string' },
  days: { type: 'string' },
  rate: { type: 'string' },
  'dividend-yield': { type: 'string' },
  model: { type: 'string' },
  right: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type MarketValues = { [K in keyof typeof MARKET_OPTIONS]?: (typeof MARKET_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function required(name: string, raw: string | undefined, usage: string): number {
  const n = numberOption(name, raw);
  if (n === undefined) throw new UsageError(`--${name} is required\n\n${usage}`);
  return n;
}

function modelOf(raw: string | undefined): PricingModel {
  if (raw === undefined || raw === 'bsm' || raw === 'black76') return raw ?? 'bsm';
  throw new UsageError(`--model expects bsm or black76, got '${raw}'`);
}

function rightsOf(raw: string | undefined, usage: string, needOne: boolean): OptionRight[] {
  if (raw === 'call' || raw === 'put') return [raw];
  if (raw === undefined && !needOne) return ['call', 'put'];
  throw new UsageError(raw === undefined ? `--right call|put is required\n\n${usage}` : `--right expects call or put, got '${raw}'`);
}

/** The option without its right and vol, from the flags every subcommand shares. */
function marketOf(values: MarketValues, usage: string): Omit<OptionInput, 'right' | 'vol'> {
  const years = numberOption('years', values.years);
  const days = numberOption('days', values.days);
  if ((years === undefined) === (days === undefined)) throw new UsageError(`give the time to expiry as --years or --days (one of them)\n\n${usage}`);
  return {
    spot: required('spot', values.spot, usage),
    strike: required('strike', values.strike, usage),
    years: years ?? days! / 365,
    rate: numberOption('rate', values.rate) ?? 0,
    dividendYield: numberOption('dividend-yield', values['dividend-yield']) ?? 0,
    model: modelOf(values.model),
  };
}

const UNITS: Record<keyof OptionGreeks, string> = {
  price: 'per unit of underlying',
  delta: 'per 1.00 move of the underlying',
  gamma: 'delta per 1.00 move of the underlying',
  theta: 'per year',
  thetaPerDay: 'per calendar day',
  vega: 'per 1.00 of volatility',
  vegaPerPoint: 'per vol point (0.01)',
  rho: 'per 1.00 of rate',
  rhoPerPoint: 'per rate point (0.01)',
};

function withUnits(g: OptionGreeks): Record<string, { value: number; unit: string }> {
  const out: Record<string, { value: number; unit: string }> = {};
  for (const key of Object.keys(UNITS) as (keyof OptionGreeks)[]) out[key] = { value: g[key], unit: UNITS[key] };
  return out;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x));

async function price(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: { ...MARKET_OPTIONS, vol: { type: 'string' }, american: { type: 'boolean', default: false }, steps: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(PRICE_USAGE + '\n');
    return EXIT.ok;
  }
  const market = marketOf(values, PRICE_USAGE);
  const vol = required('vol', values.vol, PRICE_USAGE);
  const steps = numberOption('steps', values.steps);
  if (steps !== undefined && !values.american) throw new UsageError('--steps is for --american (the tree); a European option is priced in closed form');
  const style = values.american ? 'american' : 'european';
  const results = rightsOf(values.right, PRICE_USAGE, false).map((right) => {
    const o: OptionInput = { ...market, right, vol };
    if (!values.american) return { right, greeks: priceOption(o) as OptionGreeks, earlyExercisePremium: undefined, steps: undefined };
    const a = priceAmerican(o, steps);
    const { earlyExercisePremium, steps: used, ...greeks } = a;
    return { right, greeks: greeks as OptionGreeks, earlyExercisePremium, steps: used };
  });

  if (values.json) {
    const doc: Record<string, unknown> = {
      schemaVersion: 1,
      model: market.model,
      style,
      inputs: { spot: market.spot, strike: market.strike, years: market.years, rate: market.rate, dividendYield: market.dividendYield, vol },
    };
    for (const r of results) {
      doc[r.right] = {
        ...withUnits(r.greeks),
        ...(r.earlyExercisePremium === undefined ? {} : { earlyExercisePremium: { value: r.earlyExercisePremium, unit: 'per unit of underlying, tree price − European price' }, treeSteps: r.steps }),
      };
    }
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return EXIT.ok;
  }
  const lines = [
    `${market.model === 'black76' ? 'Black-76, futures' : 'Black–Scholes–Merton, spot'} ${num(market.spot)}, strike ${num(market.strike)}, ${num(market.years)} years, rate ${pct(market.rate)}, ` +
      `${market.model === 'bsm' ? `dividend yield ${pct(market.dividendYield ?? 0)}, ` : ''}vol ${pct(vol)}${values.american ? `; American, Leisen–Reimer tree of ${results[0]!.steps} steps` : '; European'}`,
  ];
  for (const r of results) {
    lines.push('', r.right);
    for (const key of Object.keys(UNITS) as (keyof OptionGreeks)[]) lines.push(`  ${key.padEnd(13)} ${num(r.greeks[key]).padStart(14)}  ${UNITS[key]}`);
    if (r.earlyExercisePremium !== undefined) lines.push(`  ${'early exercise'.padEnd(13)} ${num(r.earlyExercisePremium).padStart(14)}  premium over the European price`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}

async function iv(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: { ...MARKET_OPTIONS, price: { type: 'string' }, american: { type: 'boolean', default: false }, steps: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(IV_USAGE + '\n');
    return EXIT.ok;
  }
  const market = marketOf(values, IV_USAGE);
  const [right] = rightsOf(values.right, IV_USAGE, true);
  const quoted = required('price', values.price, IV_USAGE);
  const steps = values.steps === undefined ? undefined : required('steps', values.steps, IV_USAGE);
  if (steps !== undefined && !values.american) throw new UsageError('--steps is for --american (the tree); a European quote is solved in closed form');
  const style = values.american ? ('american' as const) : ('european' as const);
  const r = impliedVolatility({ ...market, right: right!, price: quoted, style, ...(steps !== undefined ? { steps } : {}) });
  if (values.json) {
    const doc = r.ok
      ? { schemaVersion: 1, ok: true, vol: { value: r.vol, unit: 'per √year, as a fraction' }, volPoints: { value: r.vol * 100, unit: 'vol points (%)' }, iterations: r.iterations }
      : { schemaVersion: 1, ok: false, reason: r.reason, message: r.message, intrinsic: r.intrinsic, maximum: r.maximum };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return r.ok ? EXIT.ok : EXIT.error;
  }
  if (!r.ok) {
    process.stderr.write(`volt options iv: no implied volatility: ${r.message} (${r.reason})\n  fix: check the quote; ${style === 'american' ? 'an American' : 'a European'} ${right} here is worth between ${num(r.intrinsic)} and ${num(r.maximum)}\n`);
    return EXIT.error;
  }
  process.stdout.write(`implied volatility ${pct(r.vol)} (${num(r.vol)} per √year), ${r.iterations} iterations\n`);
  return EXIT.ok;
}

const LEG = /^(long|short|buy|sell)\s+(?:(\d+(?:\.\d+)?)\s*x?\s+)?(call|put|stock)(?:\s+(\d+(?:\.\d+)?))?(?:\s+@\s*(\d+(?:\.\d+)?))?(?:\s+(\d+(?:\.\d+)?)d)?$/i;

/** One `--leg` text as a leg; the premium is left NaN when it is to be priced. */
function parseLeg(text: string, index: number, years: number): PositionLeg {
  const m = LEG.exec(text.trim());
  const where = `--leg ${index + 1} '${text}'`;
  if (!m) throw new UsageError(`${where}: not a leg; write it as "short call 105 @3.10", "long 2 put 95 @1.20 60d" or "long 100 stock @98.5"`);
  const [, side, count, kind, strike, premium, days] = m;
  const sign = /^(long|buy)$/i.test(side!) ? 1 : -1;
  const quantity = sign * (count === undefined ? 1 : Number(count));
  if (kind!.toLowerCase() === 'stock') {
    if (premium === undefined) throw new UsageError(`${where}: a stock leg needs its entry price, e.g. "long 100 stock @98.5"`);
    if (strike !== undefined || days !== undefined) throw new UsageError(`${where}: a stock leg has no strike or expiry`);
    return { right: 'underlying', quantity, premium: Number(premium) };
  }
  if (strike === undefined) throw new UsageError(`${where}: an option leg needs a strike, e.g. "short call 105 @3.10"`);
  return { right: kind!.toLowerCase() as OptionRight, quantity, strike: Number(strike), years: days === undefined ? years : Number(days) / 365, premium: premium === undefined ? Number.NaN : Number(premium) };
}

const money = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? 'unlimited' : '-unlimited');

async function position(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: {
      leg: { type: 'string', multiple: true },
      spot: { type: 'string' },
      vol: { type: 'string' },
      days: { type: 'string' },
      years: { type: 'string' },
      rate: { type: 'string' },
      'dividend-yield': { type: 'string' },
      multiplier: { type: 'string' },
      drift: { type: 'string' },
      equity: { type: 'string' },
      kelly: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(POSITION_USAGE + '\n');
    return EXIT.ok;
  }
  const legsText = values.leg ?? [];
  if (legsText.length === 0) throw new UsageError(`give the legs with --leg, one per leg\n\n${POSITION_USAGE}`);
  const spot = required('spot', values.spot, POSITION_USAGE);
  const vol = required('vol', values.vol, POSITION_USAGE);
  const yearsFlag = numberOption('years', values.years);
  const days = numberOption('days', values.days);
  if (yearsFlag !== undefined && days !== undefined) throw new UsageError('give --days or --years, not both');
  const years = yearsFlag ?? (days === undefined ? Number.NaN : days / 365);
  const rate = numberOption('rate', values.rate) ?? 0;
  const dividendYield = numberOption('dividend-yield', values['dividend-yield']) ?? 0;
  const legs = legsText.map((text, i) => {
    const leg = parseLeg(text, i, years);
    if (leg.right !== 'underlying' && !(leg.years > 0)) throw new UsageError(`--leg ${i + 1} '${text}': no expiry; give --days for every leg or end the leg with its own, e.g. "30d"`);
    if (leg.right !== 'underlying' && Number.isNaN(leg.premium)) {
      leg.premium = priceOption({ right: leg.right, spot, strike: leg.strike, years: leg.years, rate, dividendYield, vol }).price;
    }
    return leg;
  });
  const input = { legs, spot, rate, dividendYield, vol, multiplier: numberOption('multiplier', values.multiplier) ?? 100, ...(values.drift === undefined ? {} : { drift: numberOption('drift', values.drift)! }) };
  const a = analyzePosition(input);
  const equity = numberOption('equity', values.equity);
  if (values.kelly !== undefined && equity === undefined) throw new UsageError('--kelly is for sizing: give --equity too');
  const size =
    equity === undefined
      ? undefined
      : sizePosition({ analysis: a, equity, gate: new RiskGate(loadConfig(path.resolve('.')).risk), time: Date.now(), kellyFraction: numberOption('kelly', values.kelly) ?? 0.5 });

  if (values.json) {
    const finite = (x: number): number | string => (Number.isFinite(x) ? x : 'unlimited');
    const doc = {
      schemaVersion: 1,
      inputs: input,
      ...a,
      maxReward: finite(a.maxReward),
      maxRisk: finite(a.maxRisk),
      units: {
        entryCost: 'currency (+ debit, − credit)',
        value: 'currency',
        delta: 'units of the underlying',
        gamma: 'delta per 1.00 move of the underlying',
        theta: 'currency per year',
        thetaPerDay: 'currency per calendar day',
        vega: 'currency per 1.00 of volatility',
        vegaPerPoint: 'currency per vol point',
        rho: 'currency per 1.00 of rate',
        horizonYears: 'years to the first expiry',
        breakevens: 'underlying price at the horizon',
        maxReward: 'currency at the horizon',
        maxRisk: 'currency at the horizon (a loss)',
        probabilityOfProfit: 'probability at the horizon, lognormal',
        touch: 'probability of trading at the level before the horizon',
      },
      ...(size === undefined ? {} : { size }),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return EXIT.ok;
  }
  process.stdout.write(formatPosition(a, legsText, size).join('\n') + '\n');
  return EXIT.ok;
}

function formatPosition(a: PositionAnalysis, legs: string[], size: ReturnType<typeof sizePosition> | undefined): string[] {
  const g = a.greeks;
  const lines = [
    `position of ${legs.length} leg(s): ${legs.join('; ')}`,
    `entry ${a.entryCost >= 0 ? 'debit' : 'credit'} ${money(Math.abs(a.entryCost))}, model value ${money(a.value)}`,
    `greeks: delta ${num(g.delta)} (units of underlying), gamma ${num(g.gamma)}, theta ${num(g.thetaPerDay)}/day (${num(g.theta)}/year), vega ${num(g.vegaPerPoint)}/vol point, rho ${num(g.rho)} per 1.00`,
    `at the first expiry (${num(a.horizonYears * 365)} days):`,
    `  breakevens          ${a.breakevens.length === 0 ? 'none' : a.breakevens.map(num).join(', ')}`,
    `  max reward          ${money(a.maxReward)}`,
    `  max risk            ${money(a.maxRisk)}`,
    `  probability profit  ${pct(a.probabilityOfProfit)}`,
    `  expected P&L        ${money(a.expectedPnl)} (average win ${money(a.averageWin)}, average loss ${money(a.averageLoss)})`,
    ...a.touch.map((t) => `  touch ${num(t.level).padEnd(12)}  ${pct(t.probability)} (${t.why})`),
  ];
  if (size !== undefined) {
    lines.push(`size: ${size.units} unit(s), risking ${money(size.riskAmount)} (Kelly ${Number.isFinite(size.kelly) ? size.kelly.toFixed(4) : 'n/a'}, asked ${pct(size.requestedRiskPct)} of equity, allowed ${pct(size.allowedRiskPct)})`);
    for (const r of size.reasons) lines.push(`  ${r}`);
  }
  return lines;
}
